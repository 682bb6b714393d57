"""Simulate many shared-decision conversations on the real engine, for research.

A policy decides what the simulated participants do; the real
:class:`~threetalk.Conversation` decides what is allowed, so every simulated event is one
an app would record. Runs are reproducible by seed whatever the number of workers or the
backend, and their event logs go to pandas, XES, OCEL 2.0 and CSV.

>>> from threetalk.simulation import simulate, Policy
>>> result = simulate(50, seed=7, policy=Policy.hasty())
>>> report = result.report()
>>> report.conversations
50
>>> sorted(report.to_dict()["outcomes"])
['agreed', 'closed early', 'delegated', 'imposed', 'no decision']

See ``docs/simulation.md``.
"""

from __future__ import annotations

from threetalk._exceptions import EventsNotKept, PolicyError
from threetalk._protocols import COMMANDS
from threetalk.simulation._policy import (
    PRESETS,
    Action,
    Policy,
    View,
    random_action,
)
from threetalk.simulation._result import MEASURES, Report, SimulationResult
from threetalk.simulation._run import (
    conversation_id,
    conversation_seed,
    simulate_one,
)
from threetalk.simulation._simulate import simulate
from threetalk.simulation._summary import Outcome, Summary, summarise
from threetalk.typing import PolicyLike

__all__ = [
    "COMMANDS",
    "MEASURES",
    "PRESETS",
    "Action",
    "EventsNotKept",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyLike",
    "Report",
    "SimulationResult",
    "Summary",
    "View",
    "conversation_id",
    "conversation_seed",
    "random_action",
    "simulate",
    "simulate_one",
    "summarise",
]
