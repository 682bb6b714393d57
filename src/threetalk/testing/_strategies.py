"""Hypothesis strategies for the arguments of the commands.

This module needs Hypothesis; :mod:`threetalk.testing` imports it on first use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from threetalk._phases import Decided, Role, Stance
from threetalk.testing._hypothesis import st

__all__ = ["bad_values", "dates_from", "names", "roles", "stances", "texts"]


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text every command accepts: printable, not blank, short.

    Args:
        max_size: The longest text to draw.
    """
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
    return st.text(alphabet, min_size=1, max_size=max_size).filter(lambda text: text.strip() != "")


def names() -> st.SearchStrategy[str]:
    """Names of people, drawn from a small pool so that the same name comes up again."""
    return st.sampled_from(("Ann", "Bram", "Chris", "Dewi", "Eef", "Fenna"))


def roles() -> st.SearchStrategy[Role]:
    """Any role."""
    return st.sampled_from(Role)


def stances() -> st.SearchStrategy[Stance]:
    """Pro or con."""
    return st.sampled_from(Stance)


def dates_from(day: date, *, days: int = 400) -> st.SearchStrategy[date]:
    """Dates from ``day`` up to ``days`` later, ``day`` itself included.

    >>> from hypothesis import find
    >>> find(dates_from(date(2026, 1, 1)), lambda day: True)
    datetime.date(2026, 1, 1)
    """
    return st.integers(min_value=0, max_value=days).map(lambda offset: day + timedelta(offset))


def bad_values() -> st.SearchStrategy[Any]:
    """Garbage no argument of any command accepts: for fuzzing the public API.

    Blank and whitespace text, text with a NUL character or a lone surrogate, text far too
    long, numbers, bytes, containers, naive and aware datetimes, and enum members of the
    wrong kind.
    """
    return st.one_of(
        st.sampled_from(
            (
                None,
                "",
                "   ",
                "\t\n",
                "nul\x00inside",
                "lone \ud800 surrogate",
                "x" * 10_001,
                0,
                -1,
                3.5,
                float("nan"),
                b"bytes",
                [],
                {},
                ("a",),
                object(),
                datetime(2026, 12, 1, 12, 0),  # noqa: DTZ001 - naive on purpose
                datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
                Decided.AGREED,
            )
        ),
        st.integers(),
        st.binary(max_size=8),
    )
