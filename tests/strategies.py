"""Hypothesis strategies of the project's own tests.

The ones an embedder needs too live in :mod:`threetalk.testing` and are re-exported here,
so the project tests its public strategies by using them.
"""

from __future__ import annotations

from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import STAGES, Scene, build, step
from threetalk._protocols import COMMANDS, OPTIONAL_COMMANDS
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
    "scripts",
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


#: The acts of the guides, and the commands whose arguments they added to (sources and
#: obligations of options), which scripts give as often as all the other commands together.
ACTS = tuple(sorted({*OPTIONAL_COMMANDS, "propose_option"}))


@st.composite
def scripts(draw: st.DrawFn, protocol: tt.Protocol, max_size: int = 16) -> Scene:
    """A conversation under ``protocol`` taken to a random stage, then through a random
    script of up to ``max_size`` commands with well-formed arguments (some refused), the
    acts of the guides half of the time (see ``scenarios.step``)."""
    stage = draw(st.sampled_from(STAGES), label="stage")
    scene = build(StepClock(), stage, protocol=protocol)
    picks = st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(0, 11))
    commands = st.sampled_from(ACTS) | st.sampled_from(COMMANDS)
    script = draw(st.lists(st.tuples(commands, picks), max_size=max_size), label="script")
    for name, chosen in script:
        error = step(scene, name, chosen)
        assert error is None or isinstance(error, tt.Refused), error
    return scene
