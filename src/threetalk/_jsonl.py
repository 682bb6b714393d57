"""JSONL trails: one canonical event per line, for auditors and for moving conversations.

A line is the JSON object of :meth:`Event.to_dict` with its keys sorted and no spaces, so
a line without its ``hash`` field is exactly the bytes its hash covers. Conversations may
be interleaved; each one's events appear in ``seq`` order from its opening. There is no
header line. The JSON Schema of a line ships as ``threetalk/schemas/event.schema.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from threetalk._exceptions import (
    InvalidInput,
    InvalidTrail,
    ProtocolMismatch,
    StoreError,
    TamperedLog,
)
from threetalk._files import refuse_database_file, replaced_atomically, writable_path
from threetalk._rebuild import (
    check_fits,
    check_store,
    known_protocols,
    resolve_protocol,
    verify_store,
)
from threetalk._trail import Event, Links, TooDeep, check_key, decode, encode_object

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from threetalk._protocols import Protocol
    from threetalk.typing import EventStore

Source = str | os.PathLike[str] | IO[str] | IO[bytes]
Target = str | os.PathLike[str] | IO[str]


@attrs.frozen
class ImportReport:
    """What :func:`import_jsonl` wrote.

    Attributes:
        conversation_ids: The conversations imported, in order of first appearance.
        events: How many events were written.
    """

    conversation_ids: tuple[str, ...]
    events: int


def event_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of a JSONL trail."""
    text = resources.files("threetalk").joinpath("schemas/event.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def event_line(event: Event) -> str:
    """The JSONL line of one event, without its line break."""
    return encode_object(event.to_dict())


def export_jsonl(store: EventStore, target: Target, *, force: bool = False) -> int:
    """Write every stored event to ``target`` as JSONL, conversation by conversation.

    The store is verified first; a store that does not verify is not exported unless
    ``force`` is set (conversations whose rows cannot be read at all are then left out).

    Args:
        store: The store to export.
        target: A path or a text stream. A path's file is written under a temporary
            name and renamed into place when complete, so it is never left half-written
            (an existing file is replaced only then).
        force: Export even when the store does not verify.

    Returns:
        How many events were written.

    Raises:
        StoreError: The store does not verify (the message lists what is wrong), or the
            file cannot be written.
        InvalidInput: ``target`` cannot be written at all (its folder is missing, it is a
            folder, or it is a store this process has open).
    """
    check_store(store)
    if not force:
        report = verify_store(store)
        if not report.ok:
            problems = "; ".join(str(finding) for finding in report.errors)
            msg = f"The store does not verify, so it was not exported: {problems}"
            raise StoreError(msg)
    if not isinstance(target, str | os.PathLike) and not callable(getattr(target, "write", None)):
        msg = f"target: expected a path or a text stream, got {type(target).__name__}"
        raise InvalidInput(msg, "target")
    if isinstance(target, str | os.PathLike):
        path = writable_path(target, "target")
        refuse_database_file(path, "target")
        try:
            with replaced_atomically(path) as file:
                return _write_lines(store, file)
        except OSError as error:
            msg = f"target: cannot write {str(path)!r}: {error}; nothing was written"
            raise StoreError(msg) from None
    return _write_lines(store, target)


def _write_lines(store: EventStore, file: IO[str]) -> int:
    written = 0
    for conversation_id in store.conversation_ids():
        try:
            events = store.load(conversation_id)
            lines = [event_line(event) + "\n" for event in events]
        except (TamperedLog, ValueError):
            continue  # rows that cannot be read as events at all are left out (force)
        file.writelines(lines)
        written += len(events)
    return written


def read_jsonl(
    source: Source, *, key: bytes | None = None, protocols: Iterable[Protocol] = ()
) -> tuple[Event, ...]:
    """Read and check a JSONL trail completely: every line, every chain, every replay.

    Args:
        source: A path, or an open file (text or binary) to read lines from.
        key: The key the chains were sealed with; ``None`` for bare SHA-256 chains.
        protocols: Protocols besides the built-in ones that conversations may have been
            recorded under.

    Returns:
        The events, in the order of the lines.

    Raises:
        InvalidTrail: A line is not a valid event, a chain breaks, or a conversation does
            not replay; ``.line`` is the first bad line and the message starts with it.
    """
    key = check_key(key)
    by_fingerprint = known_protocols(protocols)
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        refuse_database_file(source, "source")
        try:
            file = Path(source).open("rb")  # noqa: SIM115 - closed below; OSError reported
        except (OSError, ValueError) as error:
            msg = f"source: cannot read {name!r:.200}: {error}"
            raise InvalidInput(msg, "source") from None
        with file:
            return _check(_lines(file), name, key, by_fingerprint)
    if (
        not callable(getattr(source, "__iter__", None))
        or isinstance(source, str | bytes | Mapping)
        or not callable(getattr(source, "read", None))
    ):
        msg = f"source: expected a path or an open file, got {type(source).__name__}"
        raise InvalidInput(msg, "source")
    return _check(_lines(source), None, key, by_fingerprint)


def import_jsonl(
    source: Source, store: EventStore, *, protocols: Iterable[Protocol] = ()
) -> ImportReport:
    """Check a JSONL trail completely, then write it to ``store`` in one transaction.

    Nothing is written unless every line, chain and replay checks out (sealed with the
    store's key) and none of the conversations is in the store already.

    Raises:
        InvalidTrail: The trail does not check out, or holds a conversation the store
            already has; ``.line`` says where.
        ConflictError: Another writer stored one of the conversations meanwhile.
    """
    check_store(store)
    events = read_jsonl(source, key=store.key, protocols=protocols)
    name = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    return store_trail(events, store, name)


def store_trail(events: tuple[Event, ...], store: EventStore, name: str | None) -> ImportReport:
    """Write events checked by :func:`read_jsonl` to ``store``, refusing conversations it has."""
    first_line: dict[str, int] = {}
    for number, event in enumerate(events, start=1):
        first_line.setdefault(event.conversation_id, number)
    held = set(store.conversation_ids())
    for conversation_id, number in first_line.items():
        if conversation_id in held:
            why = f"conversation {conversation_id!r} is in the store already; nothing was imported"
            raise InvalidTrail(_where(name, number, why), number, 1)
    written = store.append_many(events)
    return ImportReport(tuple(first_line), written)


def _lines(file: IO[str] | IO[bytes]) -> Iterator[tuple[str | None, bool]]:
    """Each line as text (``None`` if it is not UTF-8) and whether it ended with a break."""
    for line in file:
        if isinstance(line, bytes):
            try:
                text: str | None = line.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        elif isinstance(line, str):
            text = line
        else:
            text = None  # not text at all: reported like a line that is not UTF-8
        ended = text is None or text.endswith("\n")
        yield (None if text is None else text.rstrip("\r\n")), ended


def _where(name: str | None, number: int, why: str) -> str:
    return f"{name}:{number}: {why}" if name is not None else f"line {number}: {why}"


def _check(
    lines: Iterable[tuple[str | None, bool]],
    name: str | None,
    key: bytes | None,
    protocols: dict[str, Protocol],
) -> tuple[Event, ...]:
    events: list[Event] = []
    numbers: dict[str, list[int]] = {}
    links = Links(key)
    number = 0
    for number, (line, ended) in enumerate(lines, start=1):
        event, text = _parse(line, name, number, ended=ended)
        why = links.follow(event)[2]
        if why is not None:
            why = f"seq {event.seq} of conversation {event.conversation_id!r}: {why}"
            raise InvalidTrail(_where(name, number, why), number, event.seq)
        canonical = event_line(event)
        if canonical != text:
            # Checked after the chain, whose findings say more about an edited line.
            why = (
                "the line is not in the canonical form its hash is defined on (keys sorted, "
                "no spaces, UTF-8 without \\u escapes, times in UTC with microseconds); "
                f"re-encoding changed it. Canonically it reads: {canonical[:120]}"
            )
            raise InvalidTrail(_where(name, number, why), number, event.seq)
        numbers.setdefault(event.conversation_id, []).append(number)
        events.append(event)
    if number == 0:
        raise InvalidTrail(_where(name, 1, "the trail holds no events"), 1)
    by_conversation: dict[str, list[Event]] = {}
    for event in events:
        by_conversation.setdefault(event.conversation_id, []).append(event)
    for conversation_id, log in by_conversation.items():
        where = numbers[conversation_id]
        try:
            protocol = resolve_protocol(log[0], None, protocols)
        except ProtocolMismatch as error:
            why = f"{error} It is not known here; pass it with protocols=[...]"
            raise InvalidTrail(_where(name, where[0], why), where[0], 1) from None
        try:
            check_fits(log, protocol, key)
        except TamperedLog as error:
            bad = where[error.seq - 1] if 0 < error.seq <= len(where) else where[-1]
            raise InvalidTrail(_where(name, bad, str(error)), bad, error.seq) from None
    return tuple(events)


def _parse(text: str | None, name: str | None, number: int, *, ended: bool) -> tuple[Event, str]:
    """The event on a line, and the line's text without a byte-order mark."""
    if text is None:
        raise InvalidTrail(_where(name, number, "the line is not UTF-8 text"), number)
    if number == 1 and text.startswith(_BOM):
        text = text[len(_BOM) :]  # a byte-order mark some editors put before the first line
    if not text.strip():
        raise InvalidTrail(_where(name, number, "the line is empty"), number)
    try:
        raw = decode(text)
    except TooDeep as error:
        raise InvalidTrail(_where(name, number, str(error)), number) from None
    except ValueError as error:
        why = (
            "the line is cut off: the file ends in the middle of an event"
            if not ended
            else f"the line is not valid JSON ({error})"
        )
        raise InvalidTrail(_where(name, number, why), number) from None
    seq = raw.get("seq") if isinstance(raw, dict) else None
    seq = seq if type(seq) is int else None
    try:
        event = Event.from_dict(raw)
    except InvalidInput as error:
        raise InvalidTrail(_where(name, number, str(error)), number, seq) from None
    return event, text


_BOM: Final = "\ufeff"
