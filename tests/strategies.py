"""Hypothesis strategies of the project's own tests.

The ones an embedder needs too live in :mod:`threetalk.testing` and are re-exported here,
so the project tests its public strategies by using them.
"""

from __future__ import annotations

from hypothesis import strategies as st

import threetalk as tt
from threetalk.testing import (
    TODAY,
    analysis_kinds,
    bad_flags,
    bad_values,
    dates_from,
    decision_roles,
    information_kinds,
    names,
    roles,
    sources,
    stances,
    texts,
)

__all__ = [
    "TODAY",
    "analysis_kinds",
    "bad_flags",
    "bad_values",
    "dates_from",
    "decision_roles",
    "information_kinds",
    "names",
    "phases",
    "roles",
    "sources",
    "stances",
    "talk_phases",
    "texts",
]


def phases() -> st.SearchStrategy[tt.Phase]:
    """Any phase, ``PAUSED`` and ``CLOSED`` included."""
    return st.sampled_from(tt.Phase)


def talk_phases() -> st.SearchStrategy[tt.Phase]:
    """The phases ``move_to`` may aim at."""
    return st.sampled_from(
        [phase for phase in tt.Phase if phase not in (tt.Phase.PAUSED, tt.Phase.CLOSED)]
    )
