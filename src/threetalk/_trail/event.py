"""The entries of the audit trail: frozen events, their read-only data, a chain's head."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

import attrs

from threetalk._exceptions import InvalidInput
from threetalk._phases import PHASE_BY_VALUE, Phase
from threetalk._trail.canonical import (
    MAX_DEPTH,
    check_nesting,
    encode_data,
    encode_object,
    format_time,
    no_constant,
)

#: ``prev`` of the first event of every conversation.
GENESIS: Final = "0" * 64

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
        return hash(encode_object(self))

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


def _too_deep() -> NoReturn:
    msg = f"data: event data may nest at most {MAX_DEPTH} levels deep"
    raise InvalidInput(msg, "data")


def freeze(value: Any, depth: int = 1) -> Any:
    """Deep-freeze JSON-like data: dicts become ``FrozenData``, lists become tuples.

    Raises:
        InvalidInput: The data nests more than :data:`MAX_DEPTH` levels deep.
    """
    kind = type(value)
    if kind is FrozenData or kind is CannedData:
        return value
    if isinstance(value, Mapping):
        if depth > MAX_DEPTH:
            _too_deep()
        return FrozenData({key: freeze(item, depth + 1) for key, item in value.items()})
    if isinstance(value, list | tuple):
        if depth > MAX_DEPTH:
            _too_deep()
        return tuple(freeze(item, depth + 1) for item in value)
    return value


def thaw(value: Any, depth: int = 1) -> Any:
    """Frozen event data as plain JSON data again: mappings as dicts, tuples as lists.

    Raises:
        InvalidInput: The data nests more than :data:`MAX_DEPTH` levels deep.
    """
    if isinstance(value, dict):
        if depth > MAX_DEPTH:
            _too_deep()
        return {key: thaw(item, depth + 1) for key, item in value.items()}
    if isinstance(value, tuple | list):
        if depth > MAX_DEPTH:
            _too_deep()
        return [thaw(item, depth + 1) for item in value]
    return value


def _tuples(items: list[Any]) -> tuple[Any, ...]:
    return tuple(_tuples(item) if type(item) is list else item for item in items)


def _frozen_object(found: dict[str, Any]) -> FrozenData:
    """Decode JSON objects straight into the read-only data events hold (lists as tuples)."""
    for name, value in found.items():
        if type(value) is list:
            found[name] = _tuples(value)
    return FrozenData(found)


_decode_frozen: Final = json.JSONDecoder(
    object_hook=_frozen_object, parse_constant=no_constant
).decode


def decode_data(text: str) -> FrozenData:
    """Stored canonical data text as the read-only data an event holds.

    Nesting is bounded by :data:`MAX_DEPTH` before anything recursive runs.

    Raises:
        ValueError: The text is not a JSON object, holds NaN or infinity, or nests too
            deep.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH:
        check_nesting(text)
    data = _decode_frozen(text)
    if type(data) is not FrozenData:
        msg = "event data must be a JSON object"
        raise ValueError(msg)
    return data


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
            "data": thaw(self.data),
            "prev": self.prev,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Event:
        """Read an event back from :meth:`to_dict` data, checking every field's type.

        Raises:
            InvalidInput: A field is missing, unknown or of the wrong type, or the data
                nests too deep or holds a float.
        """
        return _event_from_dict(raw)


@attrs.frozen
class Head:
    """The last link of a verified chain; keep it elsewhere to detect a cut-off tail.

    It unpacks as ``seq, hash = head``.

    Attributes:
        seq: The ``seq`` of the last event.
        hash: Its ``hash``.
    """

    seq: int
    hash: str

    def __iter__(self) -> Iterator[int | str]:
        """``seq`` then ``hash``, so that ``seq, digest = store.head(id)`` works."""
        return iter((self.seq, self.hash))

    def to_dict(self) -> dict[str, Any]:
        """The head as JSON-ready data: ``{"seq": int, "hash": str}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return {"seq": self.seq, "hash": self.hash}


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
        msg = f"seq must be a positive integer, not {seq!r:.40}"
        raise InvalidInput(msg, "seq")
    for name in ("conversation_id", "kind", "prev", "hash", "at", "phase"):
        if not isinstance(raw[name], str):
            msg = f"{name} must be a string, not {raw[name]!r:.40}"
            raise InvalidInput(msg, name)
    if raw["actor"] is not None and not isinstance(raw["actor"], str):
        msg = f"actor must be a string or null, not {raw['actor']!r:.40}"
        raise InvalidInput(msg, "actor")
    if not isinstance(raw["data"], Mapping):
        msg = "data must be a JSON object"
        raise InvalidInput(msg, "data")
    data = freeze(raw["data"])  # bounded: refuses data nesting too deep
    _reject_floats(data)
    at = _utc_time(raw["at"])
    phase = PHASE_BY_VALUE.get(raw["phase"])
    if phase is None:
        msg = f"phase is not a known phase: {raw['phase']!r:.40}"
        raise InvalidInput(msg, "phase")
    return Event(
        seq=seq,
        conversation_id=raw["conversation_id"],
        at=at,
        kind=raw["kind"],
        actor=raw["actor"],
        phase=phase,
        data=data,
        prev=raw["prev"],
        hash=raw["hash"],
    )


def _utc_time(text: str) -> datetime:
    """An event's ``at`` text as an aware UTC time.

    Raises:
        InvalidInput: It is not ISO-8601, has no time zone, or lies outside the calendar
            once taken to UTC.
    """
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        msg = f"at is not an ISO-8601 time: {text!r:.60}"
        raise InvalidInput(msg, "at") from None
    if at.tzinfo is None:
        msg = f"at has no time zone: {text!r:.60}"
        raise InvalidInput(msg, "at")
    try:
        return at.astimezone(UTC)
    except OverflowError:
        msg = f"at lies outside the calendar once taken to UTC: {text!r:.60}"
        raise InvalidInput(msg, "at") from None


def _reject_floats(value: Any) -> None:
    """Refuse floats anywhere in frozen data (whose depth :func:`freeze` has bounded)."""
    if isinstance(value, float):
        msg = f"event data holds a float ({value!r}); canonical events hold none"
        raise InvalidInput(msg, "data")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, tuple):
        for item in value:
            _reject_floats(item)
