"""Hypothesis strategies for the arguments of the commands.

This module needs Hypothesis; :mod:`threetalk.testing` imports it on first use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from threetalk._phases import Analysis, Decided, DecisionRole, Information, Role, Source, Stance
from threetalk.testing._hypothesis import st

__all__ = [
    "analysis_kinds",
    "bad_flags",
    "bad_values",
    "dates_from",
    "decision_roles",
    "information_kinds",
    "names",
    "roles",
    "sources",
    "stances",
    "texts",
]


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


def decision_roles() -> st.SearchStrategy[DecisionRole]:
    """Any role in deciding (for ``state_role_preference``)."""
    return st.sampled_from(DecisionRole)


def analysis_kinds() -> st.SearchStrategy[Analysis]:
    """Any kind of problem-and-strengths analysis entry (for ``add_analysis``)."""
    return st.sampled_from(Analysis)


def information_kinds() -> st.SearchStrategy[Information]:
    """Any kind of information handed over (for ``share_information``)."""
    return st.sampled_from(Information)


def sources() -> st.SearchStrategy[Source]:
    """Any source of an option (for ``propose_option(source=...)``).

    :attr:`Source.OBLIGATION` is drawn too: it goes with ``obligation=`` only, so a
    proposal that draws it without one is invalid input.
    """
    return st.sampled_from(Source)


def bad_flags() -> st.SearchStrategy[Any]:
    """What a yes/no answer (``check_conflict``, ``check_understanding(understood=...)``) is
    not: the truthy and falsy stand-ins for ``True`` and ``False``, and :func:`bad_values`.

    >>> from hypothesis import find
    >>> find(bad_flags(), lambda value: value == "yes")
    'yes'
    """
    return st.sampled_from((0, 1, "yes", "no", "true", None, 1.0)) | bad_values()


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
