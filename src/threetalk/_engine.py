"""The phase machine: the one place that imports ``transitions``.

One :class:`transitions.Machine` is built per protocol graph and shared by every
conversation that follows it. Conversations are never added to it as models
(``add_model`` costs O(n) per call and ~13 KB per model, and decorates the model with
methods a type checker cannot see); instead each step triggers the machine's event
directly on the conversation's private state object, whose ``phase`` attribute the
machine reads and writes. The machine is built with ``auto_transitions=False`` (its
``to_<state>()`` shortcuts would bypass every guard) and callables only, never callback
names given as strings.

The machine knows *which* moves exist; the protocol's rules decide *whether* a move may
happen now. Those rules are checked before the machine is triggered, by the conversation,
because a refusal must list every unmet rule in words, where a transitions condition can
only say no. The machine's own condition is the history of a pause: ``resume`` returns to
the phase that was left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from transitions import Machine, MachineError

from threetalk._phases import TALK_PHASES, Phase

if TYPE_CHECKING:
    from collections.abc import Callable

    from threetalk._protocols import Protocol as SDMProtocol


class PhaseModel(Protocol):
    """What the machine needs of a conversation's state."""

    phase: Phase
    resume_phase: Phase | None


class ImpossibleStep(Exception):
    """The machine has no such step from the current phase."""


def _returns_to(phase: Phase) -> Callable[[Any], bool]:
    def condition(event_data: Any) -> bool:
        return bool(event_data.model.resume_phase is phase)

    return condition


class Engine:
    """The shared machine of one protocol graph."""

    __slots__ = ("_close", "_moves", "_pause", "_resume")

    def __init__(self, phases: frozenset[Phase], moves: frozenset[tuple[Phase, Phase]]) -> None:
        talk = [phase for phase in TALK_PHASES if phase in phases]
        machine = Machine(
            model=None,
            states=[*talk, Phase.PAUSED, Phase.CLOSED],
            initial=talk[0],
            auto_transitions=False,
            send_event=True,
            model_attribute="phase",
        )
        for src, to in sorted(moves, key=lambda move: (move[0].value, move[1].value)):
            machine.add_transition(f"move_to_{to.value}", src, to)
        for phase in talk:
            machine.add_transition("pause", phase, Phase.PAUSED)
            machine.add_transition("resume", Phase.PAUSED, phase, conditions=[_returns_to(phase)])
        machine.add_transition("close", [*talk, Phase.PAUSED], Phase.CLOSED)
        events = machine.events
        self._moves = {to: events[f"move_to_{to.value}"] for src, to in moves}
        self._pause = events["pause"]
        self._resume = events["resume"]
        self._close = events["close"]

    def move(self, model: PhaseModel, to: Phase) -> None:
        """Take the move to ``to``; the caller has checked the protocol's rules."""
        event = self._moves.get(to)
        if event is None:
            raise ImpossibleStep(to)
        self._fire(event, model)

    def pause(self, model: PhaseModel) -> None:
        """Pause, remembering the phase that was left."""
        model.resume_phase = model.phase
        self._fire(self._pause, model)

    def resume(self, model: PhaseModel) -> None:
        """Return to the phase that was left when pausing."""
        self._fire(self._resume, model)
        model.resume_phase = None

    def close(self, model: PhaseModel) -> None:
        """End the conversation."""
        self._fire(self._close, model)

    @staticmethod
    def _fire(event: Any, model: PhaseModel) -> None:
        try:
            done = event.trigger(model)
        except MachineError:
            done = False
        if not done:
            raise ImpossibleStep(event.name)


_ENGINES: dict[tuple[frozenset[Phase], frozenset[tuple[Phase, Phase]]], Engine] = {}


def engine_for(protocol: SDMProtocol) -> Engine:
    """The machine shared by every conversation of ``protocol``'s graph."""
    key = (protocol.phases, protocol.moves)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(*key)
    return engine
