"""The canonical encoding of events: the exact bytes a hash covers, and nothing else.

An event's canonical text is the JSON object of its fields other than ``hash``: keys
sorted, no insignificant whitespace, UTF-8 (no ``\\u`` escapes beyond JSON's own), times in
UTC as ISO-8601 with microseconds, no floats. A JSONL line is the same object with its
``hash`` added, so a line without its ``hash`` field is exactly what the hash covers.

Data that threetalk did not just write itself (JSONL lines, stored rows) is decoded here,
with its nesting bounded by :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

#: How deep JSON that threetalk reads may nest (objects and arrays; a JSONL line is 1, its
#: ``data`` 2). threetalk's own events nest at most 5 deep; anything deeper than this is
#: refused before anything recursive walks it.
MAX_DEPTH: Final = 32

#: JSON text of a string: quoted and escaped the canonical way (``ensure_ascii=False``).
quote: Final = json.encoder.encode_basestring

_encode_json: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def format_time(at: datetime) -> str:
    """The canonical text of an event time: UTC, ISO-8601, microseconds.

    Raises:
        ValueError: ``at`` is naive, or lies outside the calendar once taken to UTC.

    >>> format_time(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    '2026-11-23T09:30:00.000000+00:00'
    """
    if at.tzinfo is not UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            msg = f"an event time must be aware, not {at.isoformat()}"
            raise ValueError(msg)
        try:
            at = at.astimezone(UTC)
        except OverflowError:
            msg = f"{at.isoformat()} lies outside the calendar once taken to UTC"
            raise ValueError(msg) from None
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


def encode_data(data: Mapping[str, Any]) -> str:
    """The canonical JSON of event data (sorted keys, no whitespace, UTF-8 text).

    Flat data of strings, integers, booleans and nulls (nearly every event) is written
    out directly; anything nested goes through :mod:`json`. Both give the same text.

    Raises:
        TypeError: The data holds something JSON cannot encode.
        ValueError: The data holds a float that is not finite, or nests circularly.
    """
    keys = tuple(data)
    order = _ORDERS.get(keys)
    if order is None:
        order = _order(keys)
        if order is None:
            return str(_encode_json(data))
    parts = []
    for key, quoted in order:
        value = data[key]
        kind = type(value)
        if kind is str:
            parts.append(quoted + quote(value))
        elif value is None:
            parts.append(quoted + "null")
        elif kind is bool:
            parts.append(quoted + ("true" if value else "false"))
        elif kind is int:
            parts.append(f"{quoted}{value}")
        else:
            return str(_encode_json(data))
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
    order = _ORDERS[keys] = tuple((key, f"{quote(key)}:") for key in sorted(keys))
    return order


def encode_object(value: Mapping[str, Any]) -> str:
    """Any JSON object (a whole JSONL line, say) in the canonical form."""
    return str(_encode_json(value))


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
    """The bytes an event's hash covers, from fields already written as JSON text.

    ``conversation_id``, ``kind`` and ``actor`` are quoted JSON strings (or ``null``);
    ``at`` is :func:`format_time` text, ``phase`` the phase's value, ``data`` the
    :func:`encode_data` text. This is the one place the envelope's key order is written.
    """
    return (
        f'{{"actor":{actor},"at":"{at}","conversation_id":{conversation_id},"data":{data},'
        f'"kind":{kind},"phase":"{phase}","prev":"{prev}","seq":{seq}}}'
    ).encode()


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
    """:func:`quoted_envelope` of plain strings, around data text already canonical.

    For readers that hold the data's canonical text already (a stored row), so that it is
    not decoded and encoded again just to be hashed.
    """
    return quoted_envelope(
        seq,
        quote(conversation_id),
        at,
        quote(kind),
        "null" if actor is None else quote(actor),
        phase,
        data,
        prev,
    )


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


# ---------------------------------------------------------------------- decoding


class TooDeep(ValueError):
    """Data nests deeper than :data:`MAX_DEPTH`."""


def no_constant(name: str) -> Any:
    """``parse_constant`` of threetalk's decoders: NaN and infinities are not JSON values."""
    msg = f"{name} is not a JSON value"
    raise ValueError(msg)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            msg = f"the key {key!r} appears twice in one object"
            raise ValueError(msg)
        found[key] = value
    return found


_decode_json: Final = json.JSONDecoder(
    object_pairs_hook=_unique_keys, parse_constant=no_constant
).decode


def decode(text: str) -> Any:
    """JSON text that threetalk did not just write itself, decoded with bounds.

    A key twice in one object, NaN and infinities are refused; nesting beyond
    :data:`MAX_DEPTH` is refused before anything recursive walks the result.

    Raises:
        ValueError: The text is not JSON, repeats a key, holds NaN or infinity, or nests
            too deep (:class:`TooDeep`).
    """
    if text.count("[") + text.count("{") > MAX_DEPTH:
        # Only text with that many brackets can nest that deep: check before the decoder
        # (which recurses in C) and everything after it does.
        check_nesting(text)
    return _decode_json(text)


def check_nesting(text: str) -> None:
    """Refuse JSON text whose brackets nest deeper than :data:`MAX_DEPTH` (strings skipped).

    Raises:
        TooDeep: They do.
    """
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                msg = f"the data nests more than {MAX_DEPTH} levels deep"
                raise TooDeep(msg)
        elif char in "]}":
            depth -= 1
