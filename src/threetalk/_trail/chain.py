"""Sealing events into chains, and checking chains: one conversation's, or many interleaved.

Each event's ``hash`` is SHA-256 (or, with a key, HMAC-SHA256) over its canonical bytes
(:mod:`threetalk._trail.canonical`); ``prev`` is the previous event's ``hash``
(:data:`GENESIS` for the first). So changing, removing, inserting or reordering any event
breaks the chain at that position. Removing the *last* events leaves a shorter, intact
chain: only a head (``seq``, ``hash``) kept somewhere else reveals that.

Besides the links, a chain must keep the envelope invariants a live conversation keeps
when it records: it starts with the system's ``opened`` event, its ``seq`` counts up by
one, its times never go back, the system's own events (``opened``, ``advisory``) have no
actor, a ``joined`` event's actor is the participant who joined, and every other actor
joined before acting. :class:`Links` checks all of them, for the conversation's own
:func:`verify`, for stores appending and verifying, and for JSONL import.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Final, NoReturn

from threetalk._exceptions import InvalidInput, TamperedLog
from threetalk._trail.canonical import (
    decode,
    encode_data,
    envelope_bytes,
    format_time,
    quote,
    quoted_envelope,
)
from threetalk._trail.event import GENESIS, CannedData, Event, FrozenData, Head

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from threetalk._phases import Phase

#: The shortest key accepted for keyed chains (HMAC-SHA256), in bytes.
MIN_KEY_BYTES: Final = 32

#: Kinds of the system's own events: they have no actor.
SYSTEM_KINDS: Final = frozenset({"opened", "advisory"})


def check_key(key: object) -> bytes | None:
    """``key`` as bytes, or ``None``; ``InvalidInput`` unless it is at least 32 bytes.

    Raises:
        InvalidInput: The key is not bytes-like, or is too short to be a secret.
    """
    if key is None:
        return None
    if not isinstance(key, bytes | bytearray | memoryview):
        msg = f"key: expected bytes (or None), got {type(key).__name__}"
        raise InvalidInput(msg, "key")
    key = bytes(key)
    if len(key) < MIN_KEY_BYTES:
        msg = (
            f"key: a chain key needs at least {MIN_KEY_BYTES} bytes of secret, "
            f"this one has {len(key)}"
        )
        raise InvalidInput(msg, "key")
    return key


def seal(payload: bytes, key: bytes | None = None) -> str:
    """The hash of an event's canonical bytes: SHA-256, or HMAC-SHA256 with ``key``."""
    if key is None:
        return sha256(payload).hexdigest()
    return hmac.digest(key, payload, "sha256").hex()


def event_hash(event: Event, key: bytes | None = None) -> str:
    """Recompute what ``event.hash`` should be.

    Raises:
        TypeError: The event's data holds something JSON cannot encode.
        ValueError: Its time is naive, or its data holds a non-finite float.
        AttributeError: A field is not of its declared type.
    """
    return seal(
        envelope_bytes(
            event.seq,
            event.conversation_id,
            format_time(event.at),
            event.kind,
            event.actor,
            event.phase._value_,  # the plain attribute behind the slow ``.value``
            encode_data(event.data),
            event.prev,
        ),
        key,
    )


#: What a command hands the sealer for each of its events: kind, actor, phase, data.
Spec = tuple[str, "str | None", "Phase", "Mapping[str, Any]"]


class Sealer:
    """Seals the events one conversation records, one command at a time.

    Args:
        conversation_id: The conversation's id.
        key: The key of its keyed chain, or ``None``.
    """

    __slots__ = ("_conversation_id", "_key", "_quoted_id")

    def __init__(self, conversation_id: str, key: bytes | None) -> None:
        self._conversation_id = conversation_id
        self._quoted_id = quote(conversation_id)
        self._key = key

    @property
    def key(self) -> bytes | None:
        """The key the events are sealed with."""
        return self._key

    def seal(self, at: datetime, specs: Sequence[Spec], after: Event | None) -> list[Event]:
        """The events of one command, each sealed and linked to the one before it.

        Args:
            at: The time of the command (aware, UTC).
            specs: ``(kind, actor, phase, data)`` of each event; kinds and actors are
                threetalk's own (``"moved"``, ``"p1"``), which need no JSON escaping.
            after: The conversation's last event so far, ``None`` for its first.
        """
        conversation_id = self._conversation_id
        quoted_id = self._quoted_id
        key = self._key
        at_text = format_time(at)
        if after is None:
            prev, seq = GENESIS, 0
        else:
            prev, seq = after.hash, after.seq
        events = []
        for kind, actor, phase, fields in specs:
            seq += 1
            data: FrozenData
            if type(fields) is CannedData:
                data, text = fields, fields.text
            else:
                data = fields if type(fields) is FrozenData else FrozenData(fields)
                text = encode_data(data)
            payload = quoted_envelope(
                seq,
                quoted_id,
                at_text,
                f'"{kind}"',
                "null" if actor is None else f'"{actor}"',
                phase._value_,
                text,
                prev,
            )
            digest = sha256(payload).hexdigest() if key is None else seal(payload, key)
            events.append(Event(seq, conversation_id, at, kind, actor, phase, data, prev, digest))
            prev = digest
        return events


class _Tail:
    """What a chain check remembers of one conversation: its last link and its actors."""

    __slots__ = ("actors", "at", "hash", "seq")

    def __init__(self, seq: int, digest: str, at: str, actors: set[str] | None) -> None:
        self.seq = seq
        self.hash = digest
        self.at = at
        self.actors = actors


class Links:
    """Checks that events continue their conversations' chains, in one stream or many.

    Feed it events (or stored rows) in the order they come; conversations may be
    interleaved. Each check returns why the event does not continue its chain, or
    ``None``; the caller decides how to report it (an exception naming a line, a seq or a
    conversation).

    Args:
        key: The key the chains are sealed with, or ``None`` for bare SHA-256.
        whole: Whether every conversation must appear from its opening event. When
            ``False`` (appending to a store), a conversation may start later; its first
            event is then checked against the stored head by the store, and its actors
            are taken as known.
    """

    __slots__ = ("_key", "_tails", "_whole")

    def __init__(self, key: bytes | None, *, whole: bool = True) -> None:
        self._key = key
        self._whole = whole
        self._tails: dict[str, _Tail] = {}

    def follow(self, event: Event) -> tuple[str, str, str | None]:
        """Check one event; return its canonical time and data text, and why it breaks.

        The texts are what stores keep, so they need not encode them again; the reason is
        ``None`` when the event continues its chain.
        """
        try:
            at_text = format_time(event.at)
            text = encode_data(event.data)
            payload = envelope_bytes(
                event.seq,
                event.conversation_id,
                at_text,
                event.kind,
                event.actor,
                event.phase._value_,
                text,
                event.prev,
            )
        except (AttributeError, TypeError, ValueError):
            return "", "", "its content cannot be encoded canonically"
        joiner = event.data.get("participant") if event.kind == "joined" else None
        return (
            at_text,
            text,
            self._check(
                event.conversation_id,
                event.seq,
                at_text,
                event.kind,
                event.actor,
                event.prev,
                event.hash,
                payload,
                joiner,
            ),
        )

    def follow_row(
        self,
        conversation_id: str,
        seq: int,
        at: str,
        kind: str,
        actor: str | None,
        phase: str,
        data: str,
        prev: str,
        digest: str,
    ) -> str | None:
        """Check one stored row against its stored canonical text (nothing re-encoded)."""
        payload = envelope_bytes(seq, conversation_id, at, kind, actor, phase, data, prev)
        joiner = None
        if kind == "joined":
            try:
                found = decode(data)
            except ValueError:
                return "its data is not valid JSON"
            joiner = found.get("participant") if isinstance(found, dict) else None
        return self._check(conversation_id, seq, at, kind, actor, prev, digest, payload, joiner)

    def _check(
        self,
        conversation_id: str,
        seq: int,
        at: str,
        kind: str,
        actor: str | None,
        prev: str,
        digest: str,
        payload: bytes,
        joiner: object,
    ) -> str | None:
        tail = self._tails.get(conversation_id)
        why = self._link_problem(tail, seq, at, kind, prev)
        if why is None and tail is None:
            why = id_problem(conversation_id)
        if why is None:
            why = self._seal_problem(payload, digest)
        if why is not None:
            return why
        if tail is not None:
            actors = tail.actors
        elif seq == 1:
            actors = set()
        else:
            actors = None  # continues a stored chain: its actors are not known here
        why = _actor_problem(kind, actor, joiner, actors)
        if why is not None:
            return why
        if actors is not None and kind == "joined" and isinstance(joiner, str):
            actors.add(joiner)
        if tail is None:
            self._tails[conversation_id] = _Tail(seq, digest, at, actors)
        else:
            tail.seq, tail.hash, tail.at = seq, digest, at
        return None

    def _link_problem(
        self, tail: _Tail | None, seq: int, at: str, kind: str, prev: str
    ) -> str | None:
        why = None
        if tail is None:
            if seq == 1 and (prev != GENESIS or kind != "opened"):
                why = "it is not the opening of a conversation"
            elif seq != 1 and self._whole:
                why = (
                    "it comes before the conversation's seq 1; each conversation must "
                    "appear whole, from its opening"
                )
        elif seq != tail.seq + 1:
            why = f"it follows seq {tail.seq}: an event is missing, repeated or out of order"
        elif prev != tail.hash:
            why = "it does not link to the event before it (prev differs from its hash)"
        elif at < tail.at:  # canonical times compare as text
            why = f"it is stamped {at}, before the event before it ({tail.at})"
        return why

    def _seal_problem(self, payload: bytes, digest: str) -> str | None:
        key = self._key
        if key is None:
            if sha256(payload).hexdigest() == digest:
                return None
            return "its content does not match its hash"
        if hmac.compare_digest(seal(payload, key), digest):
            return None
        return (
            "its content does not match its keyed hash (it was changed, or sealed with "
            "another key or none)"
        )

    def heads(self) -> dict[str, Head]:
        """The head of every chain followed so far, by conversation id."""
        return {cid: Head(tail.seq, tail.hash) for cid, tail in self._tails.items()}


#: The longest conversation id a conversation can have (as its ``conversation_id`` check).
MAX_ID: Final = 200


def id_problem(conversation_id: str) -> str | None:
    """Why no conversation can have ``conversation_id``, if none can.

    A conversation's id is non-blank text without surrounding spaces, at most
    :data:`MAX_ID` characters, that UTF-8 can encode, without NUL characters.
    """
    if (
        not conversation_id
        or conversation_id != conversation_id.strip()
        or len(conversation_id) > MAX_ID
        or "\x00" in conversation_id
    ):
        return (
            f"its conversation id {conversation_id!r:.60} is not one a conversation can have "
            f"(non-blank, no surrounding spaces, at most {MAX_ID} characters)"
        )
    if not conversation_id.isascii():
        try:
            conversation_id.encode()
        except UnicodeEncodeError:
            return f"its conversation id {conversation_id!r:.60} is not valid text"
    return None


def _actor_problem(
    kind: str, actor: str | None, joiner: object, actors: set[str] | None
) -> str | None:
    """Why the actor of an event cannot be right, if it cannot (the live path's R14)."""
    if kind in SYSTEM_KINDS:
        return None if actor is None else "the system's own events have no actor"
    if kind == "joined":
        return None if actor is not None and actor == joiner else "the joiner is not its actor"
    if actor is None:
        return None if kind == "refused" else "it has no actor"
    if actors is not None and actor not in actors:
        return f"its actor {actor!r} never joined"
    return None


def verify(events: Iterable[Event], *, key: bytes | None = None) -> Head:
    """Check that events form one intact chain, starting with the conversation's opening.

    Besides every link and hash, the envelope invariants of a recorded conversation are
    checked (see the module's docstring): times never go back, actors joined before they
    act, the system's events have no actor.

    Args:
        events: A conversation's events, in order.
        key: The key of a keyed chain (HMAC-SHA256); ``None`` for a plain SHA-256 chain.

    Returns:
        The head of the chain: the last event's ``seq`` and ``hash``.

    Raises:
        TamperedLog: The chain breaks; ``.seq`` is the position where it first breaks.
        InvalidInput: ``events`` is empty or holds something that is not an ``Event``, or
            the key is not a valid key.
    """
    key = check_key(key)
    links = Links(key)
    conversation_id: str | None = None
    position = 0
    last: Event | None = None
    for position, event in enumerate(as_event_list(events), start=1):
        if not isinstance(event, Event):
            msg = f"events[{position - 1}] is a {type(event).__name__}, not an Event"
            raise InvalidInput(msg, "events")
        if conversation_id is None:
            conversation_id = event.conversation_id
        elif event.conversation_id != conversation_id:
            broken(position, f"it belongs to conversation {event.conversation_id!r}")
        if event.seq != position:
            broken(position, f"the event at position {position} has seq {event.seq}")
        why = links.follow(event)[2]
        if why is not None:
            broken(position, why)
        last = event
    if last is None:
        msg = "there are no events to verify"
        raise InvalidInput(msg, "events")
    return Head(last.seq, last.hash)


def as_event_list(events: object) -> list[Event]:
    """``events`` as a list, or ``InvalidInput`` if it is not an iterable.

    Raises:
        InvalidInput: ``events`` is a string, a mapping or not iterable.
    """
    if isinstance(events, list):
        return events
    if isinstance(events, str | bytes | Mapping) or not isinstance(events, Iterable):
        msg = f"events: expected an iterable of Event, got {type(events).__name__}"
        raise InvalidInput(msg, "events")
    try:
        return list(events)
    except TypeError:
        msg = f"events: expected an iterable of Event, got {type(events).__name__}"
        raise InvalidInput(msg, "events") from None


def broken(seq: int, why: str) -> NoReturn:
    """Raise :class:`TamperedLog` for a chain that breaks at ``seq`` because of ``why``."""
    msg = f"The audit trail breaks at seq {seq}: {why}."
    raise TamperedLog(msg, seq)


#: A stored row: conversation_id, seq, at, kind, actor, phase, data, prev, hash, each as
#: the canonical text (``at``, ``data``) or plain value the event holds.
Row = tuple[str, int, str, str, "str | None", str, str, str, str]


def store_rows(
    events: Iterable[Event], key: bytes | None
) -> tuple[list[Row], dict[str, tuple[int, str]]]:
    """Check events a store is asked to append; return their rows and where each chain starts.

    Each conversation's events must come in order (they may be interleaved with other
    conversations'), continue each other and be sealed with ``key``. A conversation may
    start after its opening: the store then checks its first ``(seq, prev)``, returned
    for each conversation, against what it holds.

    Raises:
        InvalidInput: ``events`` is not an iterable of events, or they do not form chains
            sealed with ``key`` (the message names the conversation and seq).
    """
    if isinstance(events, str | bytes) or not hasattr(events, "__iter__"):
        msg = f"events: expected an iterable of events, got {type(events).__name__}"
        raise InvalidInput(msg, "events")
    links = Links(key, whole=False)
    rows: list[Row] = []
    append = rows.append
    firsts: dict[str, tuple[int, str]] = {}
    for event in events:
        if type(event) is not Event:
            msg = (
                f"events: expected Event objects, got {type(event).__name__}; nothing was written."
            )
            raise InvalidInput(msg, "events")
        conversation_id = event.conversation_id
        if conversation_id not in firsts:
            firsts[conversation_id] = (event.seq, event.prev)
        at_text, text, why = links.follow(event)
        if why is not None:
            msg = f"events: seq {event.seq} of {conversation_id!r}: {why}; nothing was written."
            raise InvalidInput(msg, "events")
        append(
            (
                conversation_id,
                event.seq,
                at_text,
                event.kind,
                event.actor,
                event.phase._value_,
                text,
                event.prev,
                event.hash,
            )
        )
    return rows, firsts
