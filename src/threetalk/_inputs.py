"""Argument checks shared by the public API; each raises ``InvalidInput`` naming the argument."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from enum import Enum
from typing import Final, TypeVar

from threetalk._exceptions import InvalidInput

#: The longest text accepted anywhere (a statement, a reason, a justification, ...).
MAX_TEXT: Final = 10_000
#: The longest name or id accepted.
MAX_NAME: Final = 200

E = TypeVar("E", bound=Enum)


def _fail(message: str, argument: str) -> InvalidInput:
    return InvalidInput(f"{argument}: {message}", argument)


def text(value: object, argument: str, *, limit: int = MAX_TEXT) -> str:
    """A non-blank string of at most ``limit`` characters, stripped, encodable as UTF-8."""
    if not isinstance(value, str):
        msg = f"expected text, got {type(value).__name__}"
        raise _fail(msg, argument)
    stripped = value.strip()
    if not stripped:
        msg = "must not be empty or only whitespace"
        raise _fail(msg, argument)
    if len(stripped) > limit:
        msg = f"is {len(stripped):,} characters long; at most {limit:,} are accepted"
        raise _fail(msg, argument)
    if not stripped.isascii():  # only non-ASCII text can hold a lone surrogate
        try:
            stripped.encode()
        except UnicodeEncodeError:
            msg = "holds characters that cannot be stored (lone surrogates)"
            raise _fail(msg, argument) from None
    if "\x00" in stripped:
        msg = "holds a NUL character"
        raise _fail(msg, argument)
    return stripped


def identity(text: str) -> str:
    """What decides whether two texts are the same (a name taken, an option on the table).

    Canonically equivalent text (Unicode NFC: "Crèche" typed as one character or as ``e``
    plus a combining accent) and text differing only in case are the same; the text
    itself is kept as given.
    """
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def optional_text(value: object, argument: str) -> str | None:
    """``None``, or text as :func:`text` accepts it."""
    return None if value is None else text(value, argument)


def flag(value: object, argument: str) -> bool:
    """``True`` or ``False`` itself (not 0, 1, ``"yes"`` or another truthy value)."""
    if type(value) is not bool:
        msg = f"expected True or False, got {value!r:.80}"
        raise _fail(msg, argument)
    return value


def optional_member(value: object, kind: type[E], argument: str) -> E | None:
    """``None``, or a member of the enum ``kind``."""
    return None if value is None else member(value, kind, argument)


def member(value: object, kind: type[E], argument: str) -> E:
    """A member of the enum ``kind``."""
    if not isinstance(value, kind):
        names = ", ".join(f"{kind.__name__}.{item.name}" for item in kind)
        msg = f"expected one of {names}, got {value!r:.80}"
        raise _fail(msg, argument)
    return value


def day(value: object, argument: str, *, not_before: date | None = None) -> date:
    """A calendar date (not a datetime), on or after ``not_before`` when given."""
    if value is None:
        msg = "a date is required"
        raise _fail(msg, argument)
    if isinstance(value, datetime) or not isinstance(value, date):
        msg = f"expected a datetime.date, got {type(value).__name__}"
        raise _fail(msg, argument)
    if not_before is not None and value < not_before:
        msg = f"{value.isoformat()} lies before {not_before.isoformat()}"
        raise _fail(msg, argument)
    return value


def moment(value: object, argument: str) -> datetime:
    """An aware datetime."""
    if not isinstance(value, datetime):
        msg = f"expected an aware datetime, got {type(value).__name__}"
        raise _fail(msg, argument)
    try:
        offset = value.utcoffset()
        if offset is not None:
            value.astimezone(UTC)  # a time outside the calendar once taken to UTC fails here
    except (ArithmeticError, ValueError, TypeError) as error:
        msg = f"{value!r:.80} cannot be taken to UTC ({error})"
        raise _fail(msg, argument) from None
    if value.tzinfo is None or offset is None:
        msg = f"{value.isoformat()} has no time zone; give an aware datetime"
        raise _fail(msg, argument)
    return value
