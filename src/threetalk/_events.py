"""The audit trail: frozen events chained by hash, their canonical encoding, and ``verify``.

Each event's ``hash`` is SHA-256 (or, with a key, HMAC-SHA256) over the canonical JSON of
every other field: keys sorted, no insignificant whitespace, UTF-8, times in UTC as
ISO-8601 with microseconds, no floats. ``prev`` is the previous event's ``hash`` (64 zeros
for the first), so changing, removing, inserting or reordering any event breaks the chain at
that position. Removing the *last* events leaves a shorter, intact chain: only a head
(``seq``, ``hash``) kept somewhere else reveals that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

import attrs

from threetalk._exceptions import InvalidInput, TamperedLog
from threetalk._phases import Phase

#: ``prev`` of the first event of every conversation.
GENESIS: Final = "0" * 64

_encode_string = json.encoder.encode_basestring
_encode_data = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


_UNCHANGEABLE: Final = "the data of an event cannot change"


class FrozenData(dict[str, Any]):
    """The read-only ``data`` of an event: a dict that refuses to change.

    It compares equal to a plain dict with the same items, prints like one, and encodes to
    JSON at C speed.
    """

    __slots__ = ()

    def _refuse(self, *_args: object, **_kwargs: object) -> NoReturn:
        msg = _UNCHANGEABLE
        raise TypeError(msg)

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(_encode_data(self))

    def __copy__(self) -> FrozenData:
        return self

    def __deepcopy__(self, _memo: object) -> FrozenData:
        return self

    def __reduce__(self) -> tuple[type[FrozenData], tuple[dict[str, Any]]]:
        return (FrozenData, (dict(self),))


class CannedData(FrozenData):
    """Event data recorded over and over (a move's), with its canonical text worked out once.

    It is ``FrozenData`` in every other way; ``text`` is what :func:`encode_data` gives.
    """

    __slots__ = ("text",)
    text: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "text", encode_data(self))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        msg = _UNCHANGEABLE
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> NoReturn:
        msg = _UNCHANGEABLE
        raise AttributeError(msg)


def freeze(value: Any) -> Any:
    """Deep-freeze JSON-like data: dicts become ``FrozenData``, lists become tuples."""
    kind = type(value)
    if kind is FrozenData or kind is CannedData:
        return value
    if isinstance(value, Mapping):
        return FrozenData({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def format_time(at: datetime) -> str:
    """The canonical text of an event time: UTC, ISO-8601, microseconds.

    >>> format_time(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    '2026-11-23T09:30:00.000000+00:00'
    """
    if at.tzinfo is not UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            msg = f"an event time must be aware, not {at.isoformat()}"
            raise ValueError(msg)
        at = at.astimezone(UTC)
    # About three times cheaper than isoformat() (which also drops the microseconds when
    # they are 0): the date comes from a cache, the time of day from tables.
    since = at - _EPOCH
    days, seconds = since.days, since.seconds
    day = _DAYS.get(days)
    if day is None:
        if len(_DAYS) >= _MAX_DAYS:
            _DAYS.clear()
        day = _DAYS[days] = f"{at.date().isoformat()}T"
    minutes, second = divmod(seconds, 60)
    micro = str(since.microseconds + 1_000_000)[1:]
    return f"{day}{_HOURS_MINUTES[minutes]}{_TWO_DIGITS[second]}.{micro}+00:00"


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: "2026-11-23T" by days since the epoch, for the days seen lately.
_DAYS: dict[int, str] = {}
_MAX_DAYS: Final = 4096
#: "09:30:" by minutes since midnight, and "07" by number.
_HOURS_MINUTES: Final = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60))
_TWO_DIGITS: Final = tuple(f"{number:02d}" for number in range(60))


@attrs.frozen
class Event:
    """One entry of the audit trail.

    Attributes:
        seq: Position in the conversation's log, from 1.
        conversation_id: The conversation it belongs to.
        at: When it happened (aware, UTC).
        kind: What happened (``"moved"``, ``"refused"``, ``"advisory"``, ...).
        actor: The id of the participant who acted; ``None`` for the system's own events.
        phase: The phase the conversation was in when it happened.
        data: What was said or decided, as JSON-compatible read-only data.
        prev: The ``hash`` of the previous event (``GENESIS`` for the first).
        hash: SHA-256 (or HMAC-SHA256) over the canonical encoding of all fields above.
    """

    seq: int
    conversation_id: str
    at: datetime
    kind: str
    actor: str | None
    phase: Phase
    data: FrozenData = attrs.field(converter=freeze)
    prev: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON-compatible data (the JSONL line format)."""
        return {
            "seq": self.seq,
            "conversation_id": self.conversation_id,
            "at": format_time(self.at),
            "kind": self.kind,
            "actor": self.actor,
            "phase": self.phase.value,
            "data": _thaw(self.data),
            "prev": self.prev,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Event:
        """Read an event back from :meth:`to_dict` data, checking every field's type.

        Raises:
            InvalidInput: A field is missing, unknown or of the wrong type.
        """
        return _event_from_dict(raw)


def encode_data(data: Mapping[str, Any]) -> str:
    """The canonical JSON of event data (sorted keys, no whitespace, UTF-8 text).

    Flat data of strings, integers, booleans and nulls (nearly every event) is written
    out directly; anything nested goes through :mod:`json`. Both give the same text.
    """
    keys = tuple(data)
    order = _ORDERS.get(keys)
    if order is None:
        order = _order(keys)
        if order is None:
            return str(_encode_data(data))
    parts = []
    for key, quoted in order:
        value = data[key]
        kind = type(value)
        if kind is str:
            parts.append(quoted + _encode_string(value))
        elif value is None:
            parts.append(quoted + "null")
        elif kind is bool:
            parts.append(quoted + ("true" if value else "false"))
        elif kind is int:
            parts.append(f"{quoted}{value}")
        else:
            return str(_encode_data(data))
    return "{" + ",".join(parts) + "}"


#: For each tuple of keys in the order a dict holds them: the keys in sorted order, each
#: with its JSON text and the colon (events of one kind share one).
_ORDERS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
_MAX_ORDERS: Final = 1024


def _order(keys: tuple[Any, ...]) -> tuple[tuple[str, str], ...] | None:
    if not all(type(key) is str for key in keys):
        return None
    if len(_ORDERS) >= _MAX_ORDERS:
        _ORDERS.clear()
    order = _ORDERS[keys] = tuple((key, f"{_encode_string(key)}:") for key in sorted(keys))
    return order


def canonical_bytes(
    seq: int,
    conversation_id: str,
    at: str,
    kind: str,
    actor: str | None,
    phase: str,
    data: Mapping[str, Any],
    prev: str,
) -> bytes:
    """The bytes that an event's hash covers: its canonical JSON without ``hash``.

    Equal to ``json.dumps(fields, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False).encode()``, written out by hand because it runs for every event.
    """
    return envelope_bytes(seq, conversation_id, at, kind, actor, phase, encode_data(data), prev)


def envelope_bytes(
    seq: int,
    conversation_id: str,
    at: str,
    kind: str,
    actor: str | None,
    phase: str,
    data: str,
    prev: str,
) -> bytes:
    """:func:`canonical_bytes` around data already encoded by :func:`encode_data`.

    For readers that hold the data's canonical text already (a store row), so that it is
    not decoded and encoded again just to be hashed.
    """
    return quoted_envelope(
        seq,
        _encode_string(conversation_id),
        at,
        _encode_string(kind),
        "null" if actor is None else _encode_string(actor),
        phase,
        data,
        prev,
    )


def quoted_envelope(
    seq: int,
    conversation_id: str,
    at: str,
    kind: str,
    actor: str,
    phase: str,
    data: str,
    prev: str,
) -> bytes:
    """:func:`envelope_bytes` of strings already written as JSON (quoted, escaped; ``null``).

    For a conversation recording its own events: it quotes its id once, and its kinds and
    participant ids need no escaping.
    """
    return (
        f'{{"actor":{actor},"at":"{at}","conversation_id":{conversation_id},"data":{data},'
        f'"kind":{kind},"phase":"{phase}","prev":"{prev}","seq":{seq}}}'
    ).encode()


def seal(payload: bytes, key: bytes | None = None) -> str:
    """The hash of an event's canonical bytes: SHA-256, or HMAC-SHA256 with ``key``."""
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def event_hash(event: Event, key: bytes | None = None) -> str:
    """Recompute what ``event.hash`` should be."""
    return seal(
        canonical_bytes(
            event.seq,
            event.conversation_id,
            format_time(event.at),
            event.kind,
            event.actor,
            event.phase.value,
            event.data,
            event.prev,
        ),
        key,
    )


@attrs.frozen
class Head:
    """The last link of a verified chain; keep it elsewhere to detect a cut-off tail.

    Attributes:
        seq: The ``seq`` of the last event.
        hash: Its ``hash``.
    """

    seq: int
    hash: str


def verify(events: Iterable[Event], *, key: bytes | None = None) -> Head:
    """Check that events form one intact chain, starting with the conversation's opening.

    Args:
        events: A conversation's events, in order.
        key: The key of a keyed chain (HMAC-SHA256); ``None`` for a plain SHA-256 chain.

    Returns:
        The head of the chain: the last event's ``seq`` and ``hash``.

    Raises:
        TamperedLog: The chain breaks; ``.seq`` is the position where it first breaks.
        InvalidInput: ``events`` is empty or holds something that is not an ``Event``.
    """
    key = check_key(key)
    prev = GENESIS
    conversation_id: str | None = None
    position = 0
    for position, event in enumerate(as_event_list(events), start=1):
        if not isinstance(event, Event):
            msg = f"events[{position - 1}] is a {type(event).__name__}, not an Event"
            raise InvalidInput(msg, "events")
        if event.seq != position:
            _broken(position, f"the event at position {position} has seq {event.seq}")
        if event.prev != prev:
            _broken(position, "it does not link to the event before it")
        try:
            expected = event_hash(event, key)
        except (AttributeError, TypeError, ValueError):
            expected = None
        if event.hash != expected:
            _broken(position, "its content does not match its hash")
        if conversation_id is None:
            if event.kind != "opened":
                _broken(position, "the first event is not the opening of a conversation")
            conversation_id = event.conversation_id
        elif event.conversation_id != conversation_id:
            _broken(position, f"it belongs to conversation {event.conversation_id!r}")
        prev = event.hash
    if position == 0:
        msg = "there are no events to verify"
        raise InvalidInput(msg, "events")
    return Head(position, prev)


#: The shortest key accepted for keyed chains (HMAC-SHA256), in bytes.
MIN_KEY_BYTES: Final = 32


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


def as_event_list(events: object) -> list[Event]:
    """``events`` as a list, or ``InvalidInput`` if it is not an iterable."""
    if isinstance(events, list):
        return events
    if isinstance(events, str | bytes | Mapping):
        msg = f"events: expected an iterable of Event, got {type(events).__name__}"
        raise InvalidInput(msg, "events")
    if not isinstance(events, Iterable):
        msg = f"events: expected an iterable of Event, got {type(events).__name__}"
        raise InvalidInput(msg, "events")
    try:
        return list(events)
    except TypeError:
        msg = f"events: expected an iterable of Event, got {type(events).__name__}"
        raise InvalidInput(msg, "events") from None


def _broken(seq: int, why: str) -> NoReturn:
    msg = f"The audit trail breaks at seq {seq}: {why}."
    raise TamperedLog(msg, seq)


def _thaw(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


_FIELDS: Final = ("seq", "conversation_id", "at", "kind", "actor", "phase", "data", "prev", "hash")


def _event_from_dict(raw: Mapping[str, Any]) -> Event:
    if not isinstance(raw, Mapping):
        msg = f"an event must be a JSON object, not {type(raw).__name__}"
        raise InvalidInput(msg)
    missing = [name for name in _FIELDS if name not in raw]
    unknown = sorted(set(raw) - set(_FIELDS))
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(unknown))
        msg = "event fields: " + "; ".join(parts)
        raise InvalidInput(msg)
    seq = raw["seq"]
    if type(seq) is not int or seq < 1:
        msg = f"seq must be a positive integer, not {seq!r}"
        raise InvalidInput(msg, "seq")
    for name in ("conversation_id", "kind", "prev", "hash", "at", "phase"):
        if not isinstance(raw[name], str):
            msg = f"{name} must be a string, not {raw[name]!r}"
            raise InvalidInput(msg, name)
    if raw["actor"] is not None and not isinstance(raw["actor"], str):
        msg = f"actor must be a string or null, not {raw['actor']!r}"
        raise InvalidInput(msg, "actor")
    if not isinstance(raw["data"], Mapping):
        msg = "data must be a JSON object"
        raise InvalidInput(msg, "data")
    _reject_floats(raw["data"])
    try:
        at = datetime.fromisoformat(raw["at"])
    except ValueError:
        msg = f"at is not an ISO-8601 time: {raw['at']!r}"
        raise InvalidInput(msg, "at") from None
    if at.tzinfo is None:
        msg = f"at has no time zone: {raw['at']!r}"
        raise InvalidInput(msg, "at")
    try:
        phase = Phase(raw["phase"])
    except ValueError:
        msg = f"phase is not a known phase: {raw['phase']!r}"
        raise InvalidInput(msg, "phase") from None
    return Event(
        seq=seq,
        conversation_id=raw["conversation_id"],
        at=at.astimezone(UTC),
        kind=raw["kind"],
        actor=raw["actor"],
        phase=phase,
        data=raw["data"],
        prev=raw["prev"],
        hash=raw["hash"],
    )


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        msg = f"event data holds a float ({value!r}); canonical events hold none"
        raise InvalidInput(msg, "data")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


#: The public name of :func:`_thaw` for the modules of the package (the simulation's exports).
thaw = _thaw
