"""Hypothesis, for the strategies and the stateful test, or a message saying how to get it.

Every part of :mod:`threetalk.testing` that needs Hypothesis imports it from here, so a
missing Hypothesis is always the same :exc:`ModuleNotFoundError`, saying how to install it,
and never a bare "No module named 'hypothesis'" from somewhere inside.
"""

from __future__ import annotations

from typing import Final

#: What a user without Hypothesis reads.
MISSING: Final = (
    "threetalk.testing's strategies and stateful test need Hypothesis; install it with "
    "`pip install 'threetalk[testing]'` (or `pip install hypothesis`)"
)

try:
    from hypothesis import strategies as st
    from hypothesis.stateful import (
        RuleBasedStateMachine,
        initialize,
        invariant,
        precondition,
        rule,
    )
except ImportError:
    raise ModuleNotFoundError(MISSING, name="hypothesis") from None

__all__ = [
    "MISSING",
    "RuleBasedStateMachine",
    "initialize",
    "invariant",
    "precondition",
    "rule",
    "st",
]
