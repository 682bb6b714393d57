"""Event-log files for process-mining tools, written with the standard library.

Every writer takes one conversation's events at a time and streams them to a temporary file
beside the target, renamed into place when the writer is closed; so memory stays flat
however many conversations pass, and an interrupted run leaves no half-written file. A new
SQLite store is built the same way; adding to an existing store takes ``append=True``.

Each conversation is one *case* (:class:`Case`), whose id carries the policy's name
(``"conflicted/sim-7-0"``), so that runs of different policies with the same seed stay
apart when their files are combined; the conversations keep their own ids.

* XES (IEEE 1849-2016, valid under the standard's XSD): one trace per conversation, with
  the case's attributes; ``concept:name`` is the event kind (or its phase),
  ``time:timestamp`` its time, ``org:resource`` the actor's role, ``lifecycle:transition``
  ``complete``; threetalk's own keys under the ``threetalk`` extension.
* OCEL 2.0 JSON (valid under the standard's JSON schema: every value is text, its type
  declared): objects ``conversation``, ``participant``, ``option`` and ``question``; every
  event relates to its conversation, its actor and the option, question or participant it
  concerns.
* CSV: one row per event, the columns of :data:`COLUMNS` (pm4py's names for the standard
  ones).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final
from xml.sax.saxutils import quoteattr

import attrs

from threetalk._exceptions import InvalidInput
from threetalk._files import file_mode, leftovers, refuse_database_file, writable_path
from threetalk._state import KINDS
from threetalk._trail import format_time, thaw
from threetalk.simulation._policy import PRESETS, Policy

if TYPE_CHECKING:
    from collections.abc import Sequence

    from threetalk._protocols import Protocol
    from threetalk._trail import Event
    from threetalk.simulation._summary import Summary

#: The columns of the CSV file and of ``to_pandas()``: pm4py's names for the case, the
#: activity, the time and the resource, the event's own fields, then the case's.
COLUMNS: Final = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
    "seq",
    "actor",
    "phase",
    "kind",
    "data",
    "case:conversation",
    "case:policy",
    "case:protocol",
    "case:seed",
    "case:outcome",
    "case:decided",
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


def roles_of(events: Sequence[Event]) -> dict[str, str]:
    """Each participant id of a conversation with the role they joined as."""
    return {e.actor: e.data["role"] for e in events if e.kind == "joined" and e.actor is not None}


def data_text(event: Event) -> str:
    """An event's data as compact JSON text (keys sorted), for one column or attribute."""
    return json.dumps(thaw(event.data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


#: The outcomes with a decision in force at close.
DECIDED: Final = frozenset({"agreed", "imposed", "delegated"})


def policy_name(policy: object) -> str:
    """The name of a policy in case ids and case attributes.

    A :class:`Policy` equal to a preset is the preset's name (``"conflicted"``); any other
    :class:`Policy` is ``"policy-"`` and the first 8 hex digits of a SHA-256 of its
    fields, so that two policies differ whenever their chances do; a policy of your own
    is its class's name.

    >>> policy_name(Policy.hasty()), policy_name(Policy(relative=0.2))
    ('hasty', 'policy-...')
    """
    if isinstance(policy, Policy):
        for name in PRESETS:
            if policy == Policy.preset(name):
                return name
        fields = repr(attrs.astuple(policy)).encode()
        return f"policy-{hashlib.sha256(fields).hexdigest()[:8]}"
    return type(policy).__name__


@attrs.frozen
class Case:
    """One conversation as a case of the exports.

    Attributes:
        id: The case id: the policy's name, a slash and the conversation's id
            (``"conflicted/sim-7-0"``); unique across runs of different policies.
        conversation: The conversation's own id (``"sim-7-0"``).
        policy: The policy's name (see :func:`policy_name`).
        protocol: The protocol's name.
        seed: The seed of the run.
        outcome: How the conversation ended (the value of an ``Outcome``).
        decided: Whether a decision was in force when it closed.
    """

    id: str
    conversation: str
    policy: str
    protocol: str
    seed: int
    outcome: str
    decided: bool


@attrs.frozen
class Run:
    """What every case of one run shares: the policy's and protocol's names, the seed."""

    policy: str
    protocol: str
    seed: int

    @classmethod
    def of(cls, policy: object, protocol: Protocol, seed: int) -> Run:
        """The run of ``policy`` under ``protocol`` with ``seed``."""
        return cls(policy_name(policy), protocol.name, seed)

    def case(self, summary: Summary) -> Case:
        """The case of the conversation ``summary`` sums up."""
        outcome = summary.outcome.value
        return Case(
            f"{self.policy}/{summary.conversation_id}",
            summary.conversation_id,
            self.policy,
            self.protocol,
            self.seed,
            outcome,
            outcome in DECIDED,
        )


class Writer:
    """Base of the streaming writers: a temporary file renamed into place on ``close``."""

    def __init__(self, path: str | os.PathLike[str], activity: str = "kind") -> None:
        if activity not in ACTIVITIES:
            msg = f"activity: expected 'kind' or 'phase', got {activity!r:.40}"
            raise InvalidInput(msg, "activity")
        self.path = writable_path(path, "out")
        refuse_database_file(self.path, "out")
        self.activity = activity
        try:
            handle, name = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or None
            )
        except OSError as error:
            msg = f"out: cannot write beside {str(self.path)!r}: {error.strerror or error}"
            raise InvalidInput(msg, "out") from None
        self._temp = Path(name)
        self._file: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self.events = 0
        self.start()

    def start(self) -> None:
        """Write what comes before the first conversation."""

    def finish(self) -> None:
        """Write what comes after the last conversation."""

    def write(self, events: Sequence[Event], case: Case) -> None:
        """Write one conversation's events as the case ``case``."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file and move it into place."""
        self.finish()
        self._file.close()
        self._temp.chmod(file_mode())
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

    def write(self, events: Sequence[Event], case: Case) -> None:
        roles = roles_of(events)
        about = (
            case.conversation,
            case.policy,
            case.protocol,
            case.seed,
            case.outcome,
            "true" if case.decided else "false",
        )
        self._rows.writerows(
            (
                case.id,
                self._activity(event),
                format_time(event.at),
                SYSTEM if event.actor is None else roles.get(event.actor, ""),
                event.seq,
                event.actor or "",
                event.phase.value,
                event.kind,
                data_text(event),
                *about,
            )
            for event in events
        )
        self.events += len(events)


#: The ``threetalk`` XES extension: its name, prefix and URI. The URI names it (a URN, so
#: no tool tries to download it); its definition ships as ``threetalk/schemas/threetalk.xesext``.
XES_EXTENSION: Final = ("Threetalk", "threetalk", "urn:threetalk:xes:extension:1")

#: Every event is an action that has happened: the Lifecycle extension's ``complete``.
LIFECYCLE: Final = "complete"

_XES_HEAD: Final = f"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" \
uri="http://www.xes-standard.org/lifecycle.xesext"/>
<extension name="{XES_EXTENSION[0]}" prefix="{XES_EXTENSION[1]}" uri="{XES_EXTENSION[2]}"/>
<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
<global scope="event"><string key="concept:name" value="__INVALID__"/>\
<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\
<string key="org:resource" value="__INVALID__"/>\
<string key="lifecycle:transition" value="{LIFECYCLE}"/></global>
<classifier name="Activity" keys="concept:name"/>
<string key="concept:name" value="threetalk simulation"/>
"""

# Characters XML 1.0 cannot hold at all, not even as character references.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XS_LONG: Final = range(-(2**63), 2**63)


def _xml_text(text: str) -> str:
    """``text`` as a quoted XML attribute; what XML cannot hold becomes U+FFFD."""
    return quoteattr(_NOT_XML.sub("\ufffd", text))


def _xml_json(text: str) -> str:
    """JSON text as a quoted XML attribute; what XML cannot hold is written as a JSON escape.

    ``json.dumps`` escapes control characters already; left are U+FFFE and U+FFFF, which
    JSON allows unescaped and XML not at all. Escaped, the JSON still reads back the same.
    """
    if not text.isascii() and _NOT_XML.search(text) is not None:
        text = _NOT_XML.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return quoteattr(text)


class XESWriter(Writer):
    """IEEE XES: a trace per conversation, with the case's attributes."""

    def start(self) -> None:
        self._file.write(_XES_HEAD)

    def write(self, events: Sequence[Event], case: Case) -> None:
        roles = roles_of(events)
        seed = "int" if case.seed in _XS_LONG else "string"  # xs:long holds 64 bits
        decided = "true" if case.decided else "false"
        trace = (
            f'<trace><string key="concept:name" value={_xml_text(case.id)}/>'
            f'<string key="threetalk:conversation" value={_xml_text(case.conversation)}/>'
            f'<string key="threetalk:policy" value={_xml_text(case.policy)}/>'
            f'<string key="threetalk:protocol" value={_xml_text(case.protocol)}/>'
            f'<{seed} key="threetalk:seed" value="{case.seed}"/>'
            f'<string key="threetalk:outcome" value={_xml_text(case.outcome)}/>'
            f'<boolean key="threetalk:decided" value="{decided}"/>'
        )
        out = [trace]
        actors: dict[str | None, str] = {actor: _xml_text(actor) for actor in roles}
        actors[None] = '""'
        for event in events:
            actor = event.actor
            resource = SYSTEM if actor is None else roles.get(actor, "")
            quoted = actors.get(actor) or _xml_text(actor or "")
            out.append(
                f'\n<event><string key="concept:name" value="{self._activity(event)}"/>'
                f'<date key="time:timestamp" value="{format_time(event.at)}"/>'
                f'<string key="org:resource" value="{resource}"/>'
                '<string key="lifecycle:transition" value="complete"/>'  # LIFECYCLE
                f'<int key="threetalk:seq" value="{event.seq}"/>'
                f'<string key="threetalk:kind" value="{event.kind}"/>'
                f'<string key="threetalk:phase" value="{event.phase.value}"/>'
                f'<string key="threetalk:actor" value={quoted}/>'
                f'<string key="threetalk:data" value={_xml_json(data_text(event))}/></event>'
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
    {
        "name": "conversation",
        "attributes": [
            {"name": "protocol", "type": "string"},
            {"name": "conversation", "type": "string"},
            {"name": "policy", "type": "string"},
            {"name": "seed", "type": "integer"},
            {"name": "outcome", "type": "string"},
            {"name": "decided", "type": "boolean"},
        ],
    },
    {
        "name": "participant",
        "attributes": [{"name": "name", "type": "string"}, {"name": "role", "type": "string"}],
    },
    {"name": "option", "attributes": [{"name": "text", "type": "string"}]},
    {"name": "question", "attributes": [{"name": "text", "type": "string"}]},
]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class OCELWriter(Writer):
    """OCEL 2.0 JSON; objects and events are streamed to two files, joined on close.

    The standard's schema wants every attribute value as text: numbers and booleans are
    written as text (``"3"``, ``"true"``), their types declared in ``eventTypes`` and
    ``objectTypes``. Times are written as the events' own, to the microsecond.
    """

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

    def write(self, events: Sequence[Event], case: Case) -> None:
        cid = case.id
        opened = format_time(events[0].at)
        roles = roles_of(events)
        self._object(
            {
                "id": cid,
                "type": "conversation",
                "attributes": [
                    {"name": name, "time": opened, "value": value}
                    for name, value in (
                        ("protocol", str(events[0].data.get("protocol", case.protocol))),
                        ("conversation", case.conversation),
                        ("policy", case.policy),
                        ("seed", str(case.seed)),
                        ("outcome", case.outcome),
                        ("decided", "true" if case.decided else "false"),
                    )
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
            elif kind == "question-asked":
                self._object(
                    {
                        "id": f"{cid}/{data['question']}",
                        "type": "question",
                        "attributes": [{"name": "text", "time": at, "value": data["text"]}],
                        "relationships": [
                            {"objectId": cid, "qualifier": "is a question in"},
                            {"objectId": f"{cid}/{event.actor}", "qualifier": "asked by"},
                        ],
                    }
                )
            relations = [{"objectId": cid, "qualifier": "conversation"}]
            if event.actor is not None:
                relations.append({"objectId": f"{cid}/{event.actor}", "qualifier": "actor"})
            option = data.get("option") if kind != "refused" else None
            if isinstance(option, str):
                relations.append({"objectId": f"{cid}/{option}", "qualifier": "option"})
            question = data.get("question") if kind != "refused" else None
            if isinstance(question, str):
                relations.append({"objectId": f"{cid}/{question}", "qualifier": "question"})
            for field in ("participant", "to", "of"):
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
                    {"name": "seq", "value": str(event.seq)},
                    {"name": "resource", "value": resource},
                    {"name": "data", "value": data_text(event)},
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
    """Writes every conversation to a :mod:`threetalk.store` SQLite store, in batches.

    The store is opened with ``durability="normal"`` (bulk writing); batches of about
    10,000 events go through ``append_many``, one transaction each.

    A new store is built in a temporary folder beside the target and moved into place by
    :meth:`close`, only if nothing has appeared under the target's name meanwhile; an
    interrupted run (:meth:`abort`) leaves nothing behind. An existing store is written to
    only with ``append=True``, in place: an interrupted run keeps the batches it wrote.

    Raises:
        InvalidInput: The target exists and ``append`` is not set, SQLite's files of an
            earlier store of that name are left beside it, or it cannot be written.
        StoreError: With ``append=True``: the target is not a store that can be opened.
    """

    def __init__(
        self, path: str | os.PathLike[str], activity: str = "kind", *, append: bool = False
    ) -> None:
        del activity
        try:
            from threetalk.store import SQLiteStore  # noqa: PLC0415 - optional part
        except ImportError:  # pragma: no cover - the store ships with threetalk
            msg = "out: SQLite output needs threetalk.store, which this installation lacks"
            raise InvalidInput(msg, "out") from None
        self.path = writable_path(path, "out")
        self.events = 0
        self._batch: list[Event] = []
        self._folder: Path | None = None
        if os.path.lexists(self.path):
            if not append:
                msg = (
                    f"out: {str(self.path)!r} already exists; pass append=True (--append on "
                    "the command line) to add the simulated conversations to that store, or "
                    "name a new file"
                )
                raise InvalidInput(msg, "out")
            self._store = SQLiteStore(self.path, durability="normal")
            return
        found = leftovers(self.path)
        if found:
            names = ", ".join(side.name for side in found)
            msg = (
                f"out: {str(self.path)!r} does not exist, but SQLite's files of an earlier "
                f"store of that name do ({names}); SQLite would bring their "
                "contents back into the new store. Remove them or name another file"
            )
            raise InvalidInput(msg, "out")
        try:
            self._folder = Path(
                tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
            )
        except OSError as error:
            msg = f"out: cannot write beside {str(self.path)!r}: {error.strerror or error}"
            raise InvalidInput(msg, "out") from None
        try:
            self._store = SQLiteStore(self._folder / self.path.name, durability="normal")
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    def write(self, events: Sequence[Event], case: Case | None = None) -> None:
        """Queue one conversation's events; a batch is appended every 10,000 events.

        The store keeps the conversations' own ids; ``case`` is not used.
        """
        del case
        self._batch.extend(events)
        self.events += len(events)
        if len(self._batch) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._store.append_many(self._batch)
            self._batch = []

    def close(self) -> None:
        """Append what is left, close the store and, if it is new, move it into place.

        Raises:
            InvalidInput: A file appeared under the target's name while the run went; it is
                left as it is, and the new store is dropped.
        """
        try:
            self._flush()
        except BaseException:
            self.abort()
            raise
        self._store.close()
        if self._folder is None:
            return
        built = self._folder / self.path.name
        try:
            os.link(built, self.path)
        except FileExistsError:
            self.abort()
            msg = (
                f"out: {str(self.path)!r} appeared while the simulation ran; it was left as "
                "it is and the simulated store was dropped"
            )
            raise InvalidInput(msg, "out") from None
        except OSError:
            # No hard links on this file system: a rename, guarded by a last look.
            if os.path.lexists(self.path):
                self.abort()
                msg = f"out: {str(self.path)!r} appeared while the simulation ran; left as it is"
                raise InvalidInput(msg, "out") from None
            built.replace(self.path)
        shutil.rmtree(self._folder, ignore_errors=True)
        self._folder = None

    def abort(self) -> None:
        """Close the store; a new one is removed, an existing one keeps what was appended."""
        self._store.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


_WRITERS: Final[dict[str, type[Writer]]] = {
    "xes": XESWriter,
    "csv": CSVWriter,
    "ocel": OCELWriter,
}


def open_writer(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    activity: str = "kind",
    *,
    append: bool = False,
) -> Writer | SQLiteWriter:
    """A writer for ``path``, in ``fmt`` or the format its suffix names.

    ``append`` lets a SQLite writer add to an existing store; files are always replaced.

    Raises:
        InvalidInput: The format is unknown, or the path cannot be written as asked.
        StoreError: With ``append=True``: an existing target is not a store.
    """
    found = format_of(path) if fmt is None else fmt
    if found == "sqlite":
        return SQLiteWriter(path, activity, append=append)
    if found not in _WRITERS:
        msg = f"format: unknown output format {found!r:.40}; use xes, ocel, csv or sqlite"
        raise InvalidInput(msg, "format")
    return _WRITERS[found](path, activity)
