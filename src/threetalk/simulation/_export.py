"""Event-log files for process-mining tools, written with the standard library.

Every writer takes one conversation's events at a time and streams them to a temporary file
beside the target, renamed into place when the writer is closed; so memory stays flat
however many conversations pass, and an interrupted run leaves no half-written file.

* XES (IEEE 1849): one trace per conversation; ``concept:name`` is the event kind (or
  its phase), ``time:timestamp`` its time, ``org:resource`` the actor's role.
* OCEL 2.0 JSON: objects ``conversation``, ``participant`` and ``option``; every event
  relates to its conversation, its actor and the option or participant it concerns.
* CSV: one row per event, the columns of :data:`COLUMNS`.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final
from xml.sax.saxutils import quoteattr

from threetalk._exceptions import InvalidInput
from threetalk._files import refuse_database_file
from threetalk._state import KINDS
from threetalk._trail import format_time, thaw

if TYPE_CHECKING:
    from collections.abc import Sequence

    from threetalk._trail import Event

#: The columns of the CSV file and of ``to_pandas()``.
COLUMNS: Final = (
    "case",
    "seq",
    "activity",
    "timestamp",
    "resource",
    "actor",
    "phase",
    "kind",
    "data",
)

#: Output formats by file suffix.
FORMATS: Final = {
    ".xes": "xes",
    ".csv": "csv",
    ".jsonocel": "ocel",
    ".json": "ocel",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".db": "sqlite",
}

ACTIVITIES: Final = ("kind", "phase")

#: ``org:resource`` of the system's own events (opening, advisories).
SYSTEM: Final = "system"


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a path's suffix asks for.

    Raises:
        InvalidInput: The suffix is not one of :data:`FORMATS`.
    """
    suffix = Path(path).suffix.lower()
    found = FORMATS.get(suffix)
    if found is None:
        known = ", ".join(sorted(FORMATS))
        msg = f"out: cannot tell the format of {str(path)!r:.120}; use one of the suffixes {known}"
        raise InvalidInput(msg, "out")
    return found


def check_writable(path: str | os.PathLike[str], argument: str = "out") -> Path:
    """The path, once it is known that a file can be written there.

    Raises:
        InvalidInput: The folder does not exist, is not writable, or the path is a folder.
    """
    if not isinstance(path, str | os.PathLike):
        msg = f"{argument}: expected a file path, got {type(path).__name__}"
        raise InvalidInput(msg, argument)
    target = Path(path)
    folder = target.parent if str(target.parent) else Path()
    if target.is_dir():
        msg = f"{argument}: {str(target)!r} is a folder, not a file"
        raise InvalidInput(msg, argument)
    if not folder.is_dir():
        msg = f"{argument}: the folder {str(folder)!r} does not exist"
        raise InvalidInput(msg, argument)
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        msg = f"{argument}: {str(target)!r} cannot be written (no permission)"
        raise InvalidInput(msg, argument)
    return target


def _umask() -> int:
    """The process's umask (temporary files are 0600; finished ones follow the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def roles_of(events: Sequence[Event]) -> dict[str, str]:
    """Each participant id of a conversation with the role they joined as."""
    return {e.actor: e.data["role"] for e in events if e.kind == "joined" and e.actor is not None}


def _data_text(event: Event) -> str:
    return json.dumps(thaw(event.data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Writer:
    """Base of the streaming writers: a temporary file renamed into place on ``close``."""

    def __init__(self, path: str | os.PathLike[str], activity: str = "kind") -> None:
        if activity not in ACTIVITIES:
            msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
            raise InvalidInput(msg, "activity")
        self.path = check_writable(path)
        refuse_database_file(self.path, "out")
        self.activity = activity
        handle, name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or None
        )
        self._temp = Path(name)
        self._file: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self.events = 0
        self.start()

    def start(self) -> None:
        """Write what comes before the first conversation."""

    def finish(self) -> None:
        """Write what comes after the last conversation."""

    def write(self, events: Sequence[Event]) -> None:
        """Write one conversation's events."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file and move it into place."""
        self.finish()
        self._file.close()
        self._temp.chmod(0o666 & ~_umask())
        self._temp.replace(self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._file.close()
        self._temp.unlink(missing_ok=True)

    def _activity(self, event: Event) -> str:
        return event.kind if self.activity == "kind" else event.phase.value


class CSVWriter(Writer):
    """One row per event; columns :data:`COLUMNS`."""

    def start(self) -> None:
        self._rows = csv.writer(self._file)
        self._rows.writerow(COLUMNS)

    def write(self, events: Sequence[Event]) -> None:
        roles = roles_of(events)
        self._rows.writerows(
            (
                event.conversation_id,
                event.seq,
                self._activity(event),
                format_time(event.at),
                SYSTEM if event.actor is None else roles.get(event.actor, ""),
                event.actor or "",
                event.phase.value,
                event.kind,
                _data_text(event),
            )
            for event in events
        )
        self.events += len(events)


_XES_HEAD: Final = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
<global scope="event"><string key="concept:name" value="__INVALID__"/>\
<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\
<string key="org:resource" value="__INVALID__"/></global>
<classifier name="Activity" keys="concept:name"/>
<string key="concept:name" value="threetalk simulation"/>
"""


class XESWriter(Writer):
    """IEEE XES: a trace per conversation."""

    def start(self) -> None:
        self._file.write(_XES_HEAD)

    def write(self, events: Sequence[Event]) -> None:
        roles = roles_of(events)
        out = [f'<trace><string key="concept:name" value={quoteattr(events[0].conversation_id)}/>']
        for event in events:
            resource = SYSTEM if event.actor is None else roles.get(event.actor, "")
            out.append(
                f'\n<event><string key="concept:name" value="{self._activity(event)}"/>'
                f'<date key="time:timestamp" value="{format_time(event.at)}"/>'
                f'<string key="org:resource" value="{resource}"/>'
                f'<int key="threetalk:seq" value="{event.seq}"/>'
                f'<string key="threetalk:kind" value="{event.kind}"/>'
                f'<string key="threetalk:phase" value="{event.phase.value}"/>'
                f'<string key="threetalk:actor" value={quoteattr(event.actor or "")}/>'
                f'<string key="threetalk:data" value={quoteattr(_data_text(event))}/></event>'
            )
        out.append("\n</trace>\n")
        self._file.write("".join(out))
        self.events += len(events)

    def finish(self) -> None:
        self._file.write("</log>\n")


_OCEL_EVENT_ATTRIBUTES: Final = [
    {"name": "phase", "type": "string"},
    {"name": "seq", "type": "integer"},
    {"name": "resource", "type": "string"},
    {"name": "data", "type": "string"},
]
_OCEL_OBJECT_TYPES: Final = [
    {"name": "conversation", "attributes": [{"name": "protocol", "type": "string"}]},
    {
        "name": "participant",
        "attributes": [{"name": "name", "type": "string"}, {"name": "role", "type": "string"}],
    },
    {"name": "option", "attributes": [{"name": "text", "type": "string"}]},
]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class OCELWriter(Writer):
    """OCEL 2.0 JSON; objects and events are streamed to two files, joined on close."""

    def start(self) -> None:
        handle, name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".objects", dir=self.path.parent or None
        )
        self._objects_path = Path(name)
        self._objects: IO[str] = os.fdopen(handle, "w", encoding="utf-8")
        self._first_event = self._first_object = True
        event_types = [
            {"name": kind, "attributes": _OCEL_EVENT_ATTRIBUTES} for kind in sorted(KINDS)
        ]
        head = {"objectTypes": _OCEL_OBJECT_TYPES, "eventTypes": event_types}
        self._file.write(_dump(head)[:-1] + ',\n"events":[')

    def _object(self, item: dict[str, Any]) -> None:
        self._objects.write(("" if self._first_object else ",\n") + _dump(item))
        self._first_object = False

    def write(self, events: Sequence[Event]) -> None:
        cid = events[0].conversation_id
        opened = events[0].at.isoformat()
        roles = roles_of(events)
        self._object(
            {
                "id": cid,
                "type": "conversation",
                "attributes": [
                    {
                        "name": "protocol",
                        "time": opened,
                        "value": str(events[0].data.get("protocol", "")),
                    }
                ],
                "relationships": [],
            }
        )
        out = []
        for event in events:
            data = event.data
            kind = event.kind
            at = format_time(event.at)
            if kind == "joined":
                self._object(
                    {
                        "id": f"{cid}/{data['participant']}",
                        "type": "participant",
                        "attributes": [
                            {"name": "name", "time": at, "value": data["name"]},
                            {"name": "role", "time": at, "value": data["role"]},
                        ],
                        "relationships": [{"objectId": cid, "qualifier": "takes part in"}],
                    }
                )
            elif kind == "option-proposed":
                self._object(
                    {
                        "id": f"{cid}/{data['option']}",
                        "type": "option",
                        "attributes": [{"name": "text", "time": at, "value": data["text"]}],
                        "relationships": [
                            {"objectId": cid, "qualifier": "is an option in"},
                            {"objectId": f"{cid}/{event.actor}", "qualifier": "proposed by"},
                        ],
                    }
                )
            relations = [{"objectId": cid, "qualifier": "conversation"}]
            if event.actor is not None:
                relations.append({"objectId": f"{cid}/{event.actor}", "qualifier": "actor"})
            option = data.get("option") if kind != "refused" else None
            if isinstance(option, str):
                relations.append({"objectId": f"{cid}/{option}", "qualifier": "option"})
            for field in ("participant", "to"):
                other = data.get(field)
                if (
                    isinstance(other, str)
                    and other in roles
                    and other != event.actor
                    and kind != "moved"
                ):
                    relations.append({"objectId": f"{cid}/{other}", "qualifier": field})
            resource = SYSTEM if event.actor is None else roles.get(event.actor, "")
            item = {
                "id": f"{cid}#{event.seq}",
                "type": kind,
                "time": at,
                "attributes": [
                    {"name": "phase", "value": event.phase.value},
                    {"name": "seq", "value": event.seq},
                    {"name": "resource", "value": resource},
                    {"name": "data", "value": _data_text(event)},
                ],
                "relationships": relations,
            }
            out.append(("" if self._first_event else ",\n") + _dump(item))
            self._first_event = False
        self._file.write("".join(out))
        self.events += len(events)

    def finish(self) -> None:
        self._file.write('],\n"objects":[')
        self._objects.close()
        with self._objects_path.open(encoding="utf-8") as objects:
            while block := objects.read(1 << 20):
                self._file.write(block)
        self._objects_path.unlink()
        self._file.write("]}\n")

    def abort(self) -> None:
        self._objects.close()
        self._objects_path.unlink(missing_ok=True)
        super().abort()


class SQLiteWriter:
    """Appends every conversation to a :mod:`threetalk.store` SQLite store, in batches.

    The store is opened with ``durability="normal"`` (bulk writing); batches of about
    10,000 events go through ``append_many``, one transaction each. Unlike the files, a
    store is appended to in place: an interrupted run keeps the batches it wrote.
    """

    def __init__(self, path: str | os.PathLike[str], activity: str = "kind") -> None:
        del activity
        try:
            from threetalk.store import SQLiteStore  # noqa: PLC0415 - optional part
        except ImportError:
            msg = "out: SQLite output needs threetalk.store, which this installation lacks"
            raise InvalidInput(msg, "out") from None
        self.path = check_writable(path)
        self._store = SQLiteStore(self.path, durability="normal")
        self._batch: list[Event] = []
        self.events = 0

    def write(self, events: Sequence[Event]) -> None:
        """Queue one conversation's events; a batch is appended every 10,000 events."""
        self._batch.extend(events)
        self.events += len(events)
        if len(self._batch) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._store.append_many(self._batch)
            self._batch = []

    def close(self) -> None:
        """Append what is left and close the store."""
        self._flush()
        self._store.close()

    def abort(self) -> None:
        """Close the store; what was appended stays."""
        self.close()


_WRITERS: Final[dict[str, type[Writer] | type[SQLiteWriter]]] = {
    "xes": XESWriter,
    "csv": CSVWriter,
    "ocel": OCELWriter,
    "sqlite": SQLiteWriter,
}


def open_writer(
    path: str | os.PathLike[str], fmt: str | None = None, activity: str = "kind"
) -> Writer | SQLiteWriter:
    """A writer for ``path``, in ``fmt`` or the format its suffix names."""
    found = format_of(path) if fmt is None else fmt
    if found not in _WRITERS:
        msg = f"format: unknown output format {found!r:.40}; use xes, ocel, csv or sqlite"
        raise InvalidInput(msg, "format")
    return _WRITERS[found](path, activity)
