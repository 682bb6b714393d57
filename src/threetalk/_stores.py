"""What every event store (recorder) shares: its interface, its findings, chain checks.

A store is anything that fits :class:`~threetalk.typing.EventStore`:
:class:`~threetalk.store.MemoryStore`, :class:`~threetalk.store.SQLiteStore` and
:class:`~threetalk.store.PostgresStore` ship with threetalk. A store knows events and
chains, never conversations: it imports the trail layer (:mod:`threetalk._trail`) and the
exceptions, and nothing of the domain. Rebuilding a conversation from a store is
:mod:`threetalk._rebuild`'s work, one layer up. Conversation code only ever sees ``key``
and ``append_events``.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from threetalk._exceptions import InvalidInput, StoreError, TamperedLog
from threetalk._phases import PHASE_BY_VALUE, Phase
from threetalk._trail import Event, Head, Links
from threetalk._trail.event import decode_data

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

_KEY_LABEL: Final = b"threetalk store key check, version 1"

#: The most conversations one call of ``store.conversations()`` returns.
MAX_PAGE: Final = 1000

#: The kinds of event ``store.due()`` reads: those that set a date and those that settle it.
DUE_KINDS: Final = (
    "closed",
    "decided",
    "evaluated",
    "moved",
    "paused",
    "resumed",
    "trial-ended",
    "trial-started",
)

DueKind = Literal["review", "trial", "resume"]


@attrs.frozen
class Finding:
    """One problem ``verify`` found in a store.

    Attributes:
        message: The problem in plain words.
        conversation_id: The conversation concerned; ``None`` for the store as a whole.
        seq: Where its chain first breaks, for a broken chain.
        severity: ``"error"`` (the trail cannot be trusted as it is) or ``"warning"``.
    """

    message: str
    conversation_id: str | None = None
    seq: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        if self.conversation_id is None:
            return self.message
        where = f"conversation {self.conversation_id!r}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        return f"{where}: {self.message}"


@attrs.frozen
class VerifyReport:
    """What ``verify`` found: the head of every intact chain and every problem.

    Attributes:
        heads: The head of every conversation whose chain verifies, by conversation id.
        findings: Every problem, store-wide ones first.
    """

    heads: dict[str, Head]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether no finding is an error (warnings alone leave the trail trustworthy)."""
        return all(finding.severity != "error" for finding in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that are errors."""
        return tuple(finding for finding in self.findings if finding.severity == "error")


def check_conversation_id(conversation_id: object) -> str:
    """A conversation id as stores take it: a string that UTF-8 can encode.

    Raises:
        InvalidInput: It is not a string, or holds a lone surrogate.
    """
    if not isinstance(conversation_id, str):
        msg = f"conversation_id: expected a string, got {type(conversation_id).__name__}"
        raise InvalidInput(msg, "conversation_id")
    try:
        conversation_id.encode("utf-8")
    except UnicodeEncodeError:
        msg = f"conversation_id: {conversation_id!r:.60} is not valid text (a lone surrogate)"
        raise InvalidInput(msg, "conversation_id") from None
    return conversation_id


class StoredChains:
    """Checks a store's conversations as it reads them back, row by row.

    Rows are checked against their stored canonical text (no decoding and re-encoding),
    with the links, hashes and envelope invariants of :class:`threetalk._trail.Links`.
    Feed each conversation's rows in ``seq`` order; conversations may come one after
    another or interleaved. The first problem of a conversation becomes a finding and the
    rest of its rows are skipped.

    Args:
        key: The key of the store's keyed chains, or ``None``.
    """

    def __init__(self, key: bytes | None) -> None:
        self._links = Links(key)
        self._counts: dict[str, int] = {}
        self._broken: dict[str, Finding] = {}

    def row(self, row: Sequence[object]) -> None:
        """Check one stored row: ``(conversation_id, seq, at, kind, actor, phase, data,
        prev, hash)``, as the store holds them."""
        conversation_id = row[0]
        if not isinstance(conversation_id, str):
            conversation_id = repr(conversation_id)
        if conversation_id in self._broken:
            return
        position = self._counts.get(conversation_id, 0) + 1
        self._counts[conversation_id] = position
        seq, at, kind, actor, phase, data, prev, digest = row[1:9]
        why: str | None
        if seq != position:
            why = f"the stored event at position {position} has seq {seq!r:.20}"
        elif (
            isinstance(at, str)
            and isinstance(kind, str)
            and isinstance(phase, str)
            and isinstance(data, str)
            and isinstance(prev, str)
            and isinstance(digest, str)
            and (actor is None or isinstance(actor, str))
        ):
            why = self._links.follow_row(
                conversation_id, position, at, kind, actor, phase, data, prev, digest
            )
        else:
            why = "the stored row cannot be read as an event (a field of the wrong type)"
        if why is not None:
            message = f"The audit trail breaks at seq {position}: {why}."
            self._broken[conversation_id] = Finding(message, conversation_id, position)

    def result(self) -> tuple[dict[str, Head], list[Finding]]:
        """The heads of the intact chains and a finding for each broken one."""
        heads = {cid: head for cid, head in self._links.heads().items() if cid not in self._broken}
        return heads, list(self._broken.values())


def check_layout(
    name: str,
    versions: Sequence[Sequence[object]],
    tables: set[str],
    expected: Iterable[str],
    *,
    reads: int,
    table: str = "schema_version",
) -> None:
    """Refuse a store whose layout this threetalk cannot read, leaving it as it is.

    Args:
        name: How messages name the store (its path, its database).
        versions: The rows of its schema-version table.
        tables: The tables it has.
        expected: The tables a store of this layout has.
        reads: The layout version this threetalk reads and writes.
        table: How messages name the schema-version table.

    Raises:
        StoreError: The version table is damaged, the version is another, or a table is
            missing.
    """
    version = versions[0][0] if len(versions) == 1 else None
    if type(version) is not int:
        msg = f"{name}: the {table} table is damaged ({versions!r:.60})"
        raise StoreError(msg)
    if version != reads:
        newer = "a newer" if version > reads else "an older"
        msg = (
            f"{name}: written by {newer} threetalk (store schema version {version}; this "
            f"one reads version {reads}); it was left as it is"
        )
        raise StoreError(msg)
    missing = sorted(set(expected) - tables)
    if missing:
        msg = f"{name}: the threetalk store lacks its table(s) {', '.join(missing)}"
        raise StoreError(msg)


def check_keyed(name: str, meta: Mapping[str, object], key: bytes | None) -> None:
    """Refuse a key that does not fit the store, from the metadata it recorded at creation.

    Raises:
        StoreError: A keyed store opened without a key, an unkeyed one with a key, a
            store that does not say, or a key other than the one it was created with.
    """
    keyed = meta.get("keyed")
    if keyed == "1" and key is None:
        msg = f"{name}: the store's chains are keyed; open it with its key"
        raise StoreError(msg)
    if keyed == "0" and key is not None:
        msg = f"{name}: the store's chains are not keyed; open it without a key"
        raise StoreError(msg)
    if keyed not in ("0", "1"):
        msg = f"{name}: the store does not say whether its chains are keyed"
        raise StoreError(msg)
    if not hmac.compare_digest(str(meta.get("key_check", "")), key_check(key)):
        msg = f"{name}: this is not the key the store was created with"
        raise StoreError(msg)


def key_check(key: bytes | None) -> str:
    """The key check value a store records at creation: an HMAC of a fixed label.

    It tells, when a store is opened, whether the key given is the one it was created
    with, without keeping the key; ``""`` for an unkeyed store.
    """
    return "" if key is None else hmac.new(key, _KEY_LABEL, sha256).hexdigest()


def stored_events(conversation_id: str, rows: Sequence[Sequence[Any]]) -> tuple[Event, ...]:
    """A conversation's events from its stored rows, as stored (not verified).

    Args:
        conversation_id: The conversation the rows belong to.
        rows: ``(seq, at, kind, actor, phase, data, prev, hash)`` in ``seq`` order, with
            ``at`` and ``data`` in their canonical text.

    Raises:
        TamperedLog: A row cannot even be read as an event (``.seq`` is its position).
    """
    events: list[Event] = []
    append = events.append
    last_text: object = None
    at: datetime | None = None
    for position, (seq, at_text, kind, actor, phase, data, prev, digest) in enumerate(
        rows, start=1
    ):
        try:
            if at_text != last_text:
                at = datetime.fromisoformat(at_text)
                if at.tzinfo is None:
                    msg = "its time has no time zone"
                    raise ValueError(msg)
                last_text = at_text
            append(
                Event(
                    seq,
                    conversation_id,
                    at,  # type: ignore[arg-type]
                    kind,
                    actor,
                    PHASE_BY_VALUE[phase],
                    decode_data(data),
                    prev,
                    digest,
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            msg = (
                f"The audit trail breaks at seq {position}: the stored row with seq "
                f"{seq!r} cannot be read as an event ({error})."
            )
            raise TamperedLog(msg, position) from None
    return tuple(events)


# ---------------------------------------------------------------------- listing


@attrs.frozen
class ConversationInfo:
    """One stored conversation at a glance, as ``store.conversations()`` lists it.

    Attributes:
        conversation_id: The conversation's id.
        protocol: The name of its protocol, from its opening event (``""`` when the first
            stored event does not name one).
        phase: The phase it is in now (see :func:`phase_after`).
        events: How many events are stored of it.
        first: When its first event happened.
        last: When its last event happened.
    """

    conversation_id: str
    protocol: str
    phase: Phase
    events: int
    first: datetime
    last: datetime


@attrs.frozen
class DueItem:
    """Something in a stored conversation that falls due on a date, as ``store.due()`` lists it.

    Attributes:
        conversation_id: The conversation concerned.
        kind: ``"review"`` (the review of the final decision), ``"trial"`` (the
            evaluation of a trial) or ``"resume"`` (the end of a pause).
        on: The date it falls due.
        option: The option concerned (the decided or tried option), ``None`` for a pause.
    """

    conversation_id: str
    kind: DueKind
    on: date
    option: str | None = None


def phase_after(kind: str, phase: Phase, data: Mapping[str, Any]) -> Phase:
    """The phase a conversation is in after an event, from the event alone.

    An event records the phase it happened in. Four kinds of event take the conversation
    elsewhere: ``moved`` to its ``data["to"]``, ``paused`` to ``PAUSED``, ``resumed`` back
    to its ``data["to"]`` and ``closed`` to ``CLOSED``; after any other event (refusals and
    advisories included) the conversation stays where the event happened. So the phase of
    a stored conversation is that of its last event, without replaying it.

    Args:
        kind: The event's kind.
        phase: The phase the event happened in.
        data: The event's data.

    Returns:
        The phase after the event (``phase`` when the data does not name a known one).
    """
    if kind == "paused":
        return Phase.PAUSED
    if kind == "closed":
        return Phase.CLOSED
    if kind in ("moved", "resumed"):
        target = data.get("to")
        if isinstance(target, str) and target in PHASE_BY_VALUE:
            return PHASE_BY_VALUE[target]
    return phase


def check_page(protocol: object, phase: object, limit: object, after: object) -> None:
    """Check the arguments of ``store.conversations()``.

    Raises:
        InvalidInput: ``protocol`` or ``after`` is neither ``None`` nor a string, ``phase``
            is neither ``None`` nor a :class:`~threetalk.Phase`, or ``limit`` is not an
            integer from 1 to :data:`MAX_PAGE`.
    """
    if protocol is not None and not isinstance(protocol, str):
        msg = f"protocol: expected a protocol name or None, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    if phase is not None and not isinstance(phase, Phase):
        msg = f"phase: expected a Phase or None, got {phase!r:.40}"
        raise InvalidInput(msg, "phase")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        msg = f"limit: expected a whole number from 1 to {MAX_PAGE}, got {limit!r:.40}"
        raise InvalidInput(msg, "limit")
    if after is not None:
        check_conversation_id(after)


def conversation_info(
    conversation_id: str,
    events: int,
    first: tuple[str | datetime, Mapping[str, Any]],
    last: tuple[str | datetime, str, Phase, Mapping[str, Any]],
) -> ConversationInfo:
    """A :class:`ConversationInfo` from a conversation's first and last stored events.

    Args:
        conversation_id: The conversation.
        events: How many events are stored of it.
        first: The first event's ``(at, data)``.
        last: The last event's ``(at, kind, phase, data)``.

    Returns:
        The conversation at a glance.

    Raises:
        TamperedLog: A time cannot be read.
    """
    protocol = first[1].get("protocol")
    kind, phase, data = last[1:]
    return ConversationInfo(
        conversation_id,
        protocol if isinstance(protocol, str) else "",
        phase_after(kind, phase, data),
        events,
        _time(first[0], 1),
        _time(last[0], events),
    )


def matches(info: ConversationInfo, protocol: str | None, phase: Phase | None) -> bool:
    """Whether a conversation passes the filters of ``store.conversations()``."""
    return (protocol is None or info.protocol == protocol) and (
        phase is None or info.phase is phase
    )


def listed(
    fetch: Callable[[str | None, int], Sequence[Sequence[Any]]],
    protocol: str | None,
    phase: Phase | None,
    limit: int,
    after: str | None,
) -> tuple[ConversationInfo, ...]:
    """One page of ``store.conversations()`` from a database's summary rows.

    ``fetch(after, n)`` returns the summaries of the first ``n`` conversations whose ids
    sort after ``after`` (all, for ``None``), ordered by id: ``(conversation_id, events,
    first_seq, first_at, first_data, last_seq, last_at, last_kind, last_phase,
    last_data)``, times and data in their stored text. Without filters one fetch makes
    the page; with filters, fetches go on from the last id seen until the page is full or
    the ids run out (so a filter that few conversations pass reads the summaries of many).

    Returns:
        Up to ``limit`` conversations that pass the filters, ordered by id.

    Raises:
        TamperedLog: A summary row cannot be read.
    """
    filtered = protocol is not None or phase is not None
    batch = max(limit, 100) if filtered else limit
    page: list[ConversationInfo] = []
    while True:
        rows = fetch(after, batch)
        for cid, count, seq1, at1, data1, seq2, at2, kind, phase_text, data2 in rows:
            if phase_text not in PHASE_BY_VALUE:
                msg = (
                    f"The audit trail breaks at seq {seq2}: no phase is called {phase_text!r:.40}."
                )
                raise TamperedLog(msg, seq2)
            info = conversation_info(
                cid,
                int(count),
                (at1, stored_data(data1, seq1)),
                (at2, kind, PHASE_BY_VALUE[phase_text], stored_data(data2, seq2)),
            )
            if matches(info, protocol, phase):
                page.append(info)
                if len(page) == limit:
                    return tuple(page)
        if len(rows) < batch:
            return tuple(page)
        after = rows[-1][0]


def _time(at: str | datetime, seq: int) -> datetime:
    if isinstance(at, datetime):
        return at
    try:
        parsed = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        msg = f"The audit trail breaks at seq {seq}: the stored time {at!r:.40} cannot be read."
        raise TamperedLog(msg, seq)
    return parsed


# ---------------------------------------------------------------------- timers


def check_day(on: object) -> date:
    """Check the argument of ``store.due()``.

    Raises:
        InvalidInput: ``on`` is not a date (a ``datetime`` is not one here).
    """
    if not isinstance(on, date) or isinstance(on, datetime):
        msg = f"on: expected a date, got {on!r:.40}"
        raise InvalidInput(msg, "on")
    return on


def due_items(
    events: Iterable[tuple[str, int, str, Mapping[str, Any]]], on: date
) -> tuple[DueItem, ...]:
    """What falls due by ``on``, from the stored events that set and settle dates.

    Feed ``(conversation_id, seq, kind, data)`` of each conversation's events in ``seq`` order
    (conversations one after another or interleaved); events of other kinds than
    :data:`DUE_KINDS` are ignored. An item is due from its date until the event that
    settles it:

    - ``"review"``: the ``review_on`` of the latest ``decided`` event, until an
      ``evaluated`` event after it, or a ``moved`` event that reopens the decision;
    - ``"trial"``: the ``evaluate_on`` of a ``trial-started`` event, until a
      ``trial-ended`` event for the same option;
    - ``"resume"``: the ``until`` of a ``paused`` event, until a ``resumed`` event.

    A ``closed`` event settles everything of its conversation: nothing can be recorded
    after it.

    Args:
        events: The events, as ``(conversation_id, seq, kind, data)``.
        on: The day to look at; items due on it or earlier are listed.

    Returns:
        The items due, by date, then conversation, kind and option.

    Raises:
        TamperedLog: A stored date cannot be read.
    """
    # (conversation, kind, option of a trial) -> (date, option)
    pending: dict[tuple[str, DueKind, str | None], tuple[date, str | None]] = {}
    for conversation_id, seq, kind, data in events:
        option = data.get("option")
        option = option if isinstance(option, str) else None
        if kind == "decided":
            day = _day(data, "review_on", seq)
            pending[conversation_id, "review", None] = (day, option)
        elif kind == "evaluated" or (kind == "moved" and data.get("reopened") is True):
            pending.pop((conversation_id, "review", None), None)
        elif kind == "trial-started":
            day = _day(data, "evaluate_on", seq)
            pending[conversation_id, "trial", option] = (day, option)
        elif kind == "trial-ended":
            pending.pop((conversation_id, "trial", option), None)
        elif kind == "paused":
            pending[conversation_id, "resume", None] = (_day(data, "until", seq), None)
        elif kind == "resumed":
            pending.pop((conversation_id, "resume", None), None)
        elif kind == "closed":
            for settled in [item for item in pending if item[0] == conversation_id]:
                del pending[settled]
    items = [
        DueItem(conversation_id, kind, day, option)
        for (conversation_id, kind, _), (day, option) in pending.items()
        if day <= on
    ]
    items.sort(key=lambda item: (item.on, item.conversation_id, item.kind, item.option or ""))
    return tuple(items)


def _day(data: Mapping[str, Any], name: str, seq: int) -> date:
    text = data.get(name)
    try:
        return date.fromisoformat(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        msg = f"The audit trail breaks at seq {seq}: its {name} {text!r:.40} is not a date."
        raise TamperedLog(msg, seq) from None


def stored_data(text: str, seq: int) -> Mapping[str, Any]:
    """An event's data from its stored canonical text.

    Raises:
        TamperedLog: The text cannot be read as event data (``.seq`` is ``seq``).
    """
    try:
        return decode_data(text)
    except (TypeError, ValueError) as error:
        msg = f"The audit trail breaks at seq {seq}: its data cannot be read ({error})."
        raise TamperedLog(msg, seq) from None
