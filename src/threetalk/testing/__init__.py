"""Helpers for testing code that embeds threetalk, and for testing your own protocols.

Three things live here:

* :func:`capture` subscribes to a conversation and keeps every event it records, with
  shortcuts for the kinds, the refusals and the advisories among them; :class:`StepClock`
  is a deterministic clock. Both need nothing beyond threetalk itself.
* Hypothesis strategies for the arguments of the commands: :func:`texts`,
  :func:`bad_values`, :func:`dates_from`, :func:`roles`, :func:`stances`, :func:`names`,
  and for the acts of the practice guides :func:`decision_roles`, :func:`analysis_kinds`,
  :func:`information_kinds`, :func:`sources` and :func:`bad_flags` (what a yes/no answer
  is not).
* :class:`ConversationStateMachine`, a ready stateful test. It sends random sequences of
  every command of :class:`~threetalk.Conversation` (accepted, refused and malformed, by
  participants, strangers and participants of another conversation) to a conversation and
  to :class:`ReferenceModel`, a small model of the rules of shared decision making written
  apart from the engine, and checks after every step that both agree, that the rules
  hold, that refusals change nothing but the log, and that the log verifies and replays.

The strategies and the machine need Hypothesis (``pip install 'threetalk[testing]'``),
imported the first time one of them is used; without it, using one raises a
:exc:`ModuleNotFoundError` that says how to install it. :func:`capture`,
:class:`StepClock` and the reference model import without Hypothesis, and
``import threetalk`` never imports it.

To test your own protocol, subclass the machine, set ``protocol``, and let pytest collect
its ``TestCase``:

>>> import threetalk as tt
>>> from hypothesis import settings
>>> from hypothesis.stateful import run_state_machine_as_test
>>> from threetalk.testing import ConversationStateMachine
>>> class WorkAndIncomeMachine(ConversationStateMachine):
...     protocol = tt.work_and_income()
>>> TestWorkAndIncome = WorkAndIncomeMachine.TestCase   # in a test module: pytest runs it
>>> run_state_machine_as_test(
...     WorkAndIncomeMachine, settings=settings(max_examples=3, stateful_step_count=10)
... )

The machine runs under every built-in protocol and gives every command, the acts of the
guides included (role preferences, SURE checks, teach-back, analysis, information,
questions and answers, options with a source or an obligation, declines and waivers).
The model knows the built-in rules by their codes (``needs-two-options``, R15's
``needs-understanding``, R16's ``obligation-open`` and the others of :mod:`threetalk`),
who may give which act, and the advisories A1-A6. A rule of your own that the model does
not know is taken at its word: the model asks the rule itself, so the machine still
checks everything else around it. Teach the model your rule by overriding
:meth:`ReferenceModel.unmet` in a subclass and setting ``model_class`` on your machine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from threetalk._reference import (
    Disagreement,
    Expectation,
    ModelOption,
    ModelProposal,
    ModelQuestion,
    ReferenceModel,
    valid_day,
    valid_flag,
    valid_text,
    view_of,
)
from threetalk.testing._capture import EventCapture, capture
from threetalk.testing._clock import TODAY, StepClock

if TYPE_CHECKING:
    from threetalk.testing._stateful import ConversationStateMachine
    from threetalk.testing._strategies import (
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
    "ConversationStateMachine",
    "Disagreement",
    "EventCapture",
    "Expectation",
    "ModelOption",
    "ModelProposal",
    "ModelQuestion",
    "ReferenceModel",
    "StepClock",
    "analysis_kinds",
    "bad_flags",
    "bad_values",
    "capture",
    "dates_from",
    "decision_roles",
    "information_kinds",
    "names",
    "roles",
    "sources",
    "stances",
    "texts",
    "valid_day",
    "valid_flag",
    "valid_text",
    "view_of",
]

#: The names that need Hypothesis -> the module that defines them, imported on first use.
_LAZY: Final = {
    "ConversationStateMachine": "threetalk.testing._stateful",
    **dict.fromkeys(
        (
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
        ),
        "threetalk.testing._strategies",
    ),
}


def __getattr__(name: str) -> Any:
    """Import the parts that need Hypothesis when they are first used.

    Raises:
        ModuleNotFoundError: Hypothesis is not installed (the message says how to install
            it).
        AttributeError: ``name`` is not a name of this module.
    """
    module_name = _LAZY.get(name)
    if module_name is None:
        msg = f"module 'threetalk.testing' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every name of the module, the ones imported on first use included."""
    return sorted({*globals(), *__all__})
