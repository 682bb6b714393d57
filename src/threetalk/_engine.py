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
happen now. Those rules are checked before the machine is stepped, by the conversation,
because a refusal must list every unmet rule in words, where a transitions condition can
only say no. Since the conversation has already looked up the one transition it takes,
a step executes that :class:`transitions.Transition` directly (exit and enter callbacks,
state change and all) rather than dispatching through ``Event.trigger``, which would
search for it again. The machine's own condition is the history of a pause: each
``resume`` transition leads back to one phase and holds only while that is the phase the
pause left.

The machine is built through transitions' own extension point (``transition_cls``) with
a transition that skips transitions' per-step log records and empty callback lists while
a step has no callbacks, which is most of what a step costs; add a callback and the step
runs it as transitions would (``tests/test_engine.py`` holds it to that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from transitions import EventData, Machine, Transition

from threetalk._phases import PHASE_BY_VALUE, TALK_PHASES, Phase

if TYPE_CHECKING:
    from collections.abc import Callable

    from threetalk._protocols import Protocol as SDMProtocol


class PhaseModel(Protocol):
    """What the machine needs of a conversation's state.

    The machine's states are named by the phases' values (``"team_talk"``): transitions
    reads a state's name many times per step, and plain strings are what it reads fastest.
    It keeps that name in ``machine_state``; the engine keeps ``phase`` in step with it.
    """

    phase: Phase
    machine_state: str
    resume_phase: Phase | None


class ImpossibleStep(Exception):
    """The machine has no such step from the current phase."""


class _Step(Transition):
    """A transitions ``Transition`` that takes the short path when it has no callbacks.

    ``Transition.execute`` writes four log records and walks five callback lists per step,
    about two thirds of its cost when, as here, every list is empty. Without callbacks this
    does what it would do (check the conditions, exit the source, set the model's state,
    enter the destination) and nothing else; with any callback it is transitions' own path.
    """

    def execute(self, event_data: EventData) -> bool:
        machine = event_data.machine
        if (
            self.prepare
            or self.before
            or self.after
            or machine.before_state_change
            or machine.after_state_change
        ):
            return bool(super().execute(event_data))
        for condition in self.conditions:
            if not condition.check(event_data):
                return False
        self._change_state(event_data)
        return True

    def _change_state(self, event_data: EventData) -> None:
        # transitions' own, except that it calls enter and exit only when a state has
        # callbacks for them (each writes two log records even with none), and sets the
        # model's state as ``Machine.set_state`` does for one model, without looking the
        # state up again by name.
        if self.dest is None:  # pragma: no cover - an internal transition; there are none here
            return
        machine = event_data.machine
        source, dest = machine.states[self.source], machine.states[self.dest]
        if source.on_exit:
            source.exit(event_data)
        setattr(event_data.model, machine.model_attribute, dest.value)
        event_data.state = dest
        if dest.on_enter:
            dest.enter(event_data)
        if dest.final:
            machine.callbacks(machine.on_final, event_data)


class _PhaseMachine(Machine):
    """The transitions ``Machine`` with the lean transition class above."""

    transition_cls = _Step


def _returns_to(phase: Phase) -> Callable[[Any], bool]:
    def condition(event_data: Any) -> bool:
        return bool(event_data.model.resume_phase is phase)

    return condition


class Engine:
    """The shared machine of one protocol graph."""

    __slots__ = ("_machine", "_moves", "_steps")

    def __init__(self, phases: frozenset[Phase], moves: frozenset[tuple[Phase, Phase]]) -> None:
        talk = [phase for phase in TALK_PHASES if phase in phases]
        paused, closed = Phase.PAUSED.value, Phase.CLOSED.value
        machine = _PhaseMachine(
            model=None,
            states=[*(phase.value for phase in talk), paused, closed],
            initial=talk[0].value,
            auto_transitions=False,
            send_event=True,
            model_attribute="machine_state",
        )
        for src, to in sorted(moves, key=lambda move: (move[0].value, move[1].value)):
            machine.add_transition(f"move_to_{to.value}", src.value, to.value)
        for phase in talk:
            machine.add_transition("pause", phase.value, paused)
            machine.add_transition("resume", paused, phase.value, conditions=[_returns_to(phase)])
        machine.add_transition("close", [*(phase.value for phase in talk), paused], closed)
        # (from, to) -> (event, source state, transition), for every unconditional step.
        steps = [(src, to, f"move_to_{to.value}") for src, to in moves]
        steps += [(phase, Phase.PAUSED, "pause") for phase in talk]
        steps += [(phase, Phase.CLOSED, "close") for phase in (*talk, Phase.PAUSED)]
        steps += [(Phase.PAUSED, phase, "resume") for phase in talk]
        self._steps: dict[tuple[Phase, Phase], tuple[Any, Any, Any]] = {}
        for src, to, name in steps:
            event = machine.events[name]
            (transition,) = [t for t in event.transitions[src.value] if t.dest == to.value]
            self._steps[src, to] = (event, machine.get_state(src.value), transition)
        #: The steps that are moves (not pauses, resumes or closes), as in ``_steps``.
        self._moves = {move: self._steps[move] for move in moves}
        self._machine = machine

    def move(self, model: PhaseModel, to: Phase) -> None:
        """Take the move to ``to``; the caller has checked the protocol's rules.

        Raises:
            ImpossibleStep: The protocol's graph has no move from the model's phase to ``to``.
        """
        found = self._moves.get((model.phase, to))
        if found is None:
            raise ImpossibleStep(model.phase, to)
        # A move has no condition: its transition is always taken (what _step does, inline).
        event, source, transition = found
        transition.execute(EventData(source, event, self._machine, model, (), {}))
        model.phase = PHASE_BY_VALUE[model.machine_state]

    def pause(self, model: PhaseModel) -> None:
        """Pause, remembering the phase that was left."""
        left = model.phase
        self._step(model, Phase.PAUSED)
        model.resume_phase = left

    def resume(self, model: PhaseModel) -> None:
        """Return to the phase that was left when pausing."""
        back = model.resume_phase
        if back is None or not self._step(model, back):
            raise ImpossibleStep(Phase.PAUSED, back)
        model.resume_phase = None

    def close(self, model: PhaseModel) -> None:
        """End the conversation."""
        self._step(model, Phase.CLOSED)

    def _step(self, model: PhaseModel, to: Phase) -> bool:
        """Execute the one transition from the model's phase to ``to``; whether it was taken.

        Only ``resume`` has a condition that can say no (the phase the pause left).
        """
        found = self._steps.get((model.phase, to))
        if found is None:
            raise ImpossibleStep(model.phase, to)
        event, source, transition = found
        if not transition.execute(EventData(source, event, self._machine, model, (), {})):
            return False
        model.phase = PHASE_BY_VALUE[model.machine_state]
        return True


_ENGINES: dict[tuple[frozenset[Phase], frozenset[tuple[Phase, Phase]]], Engine] = {}


def engine_for(protocol: SDMProtocol) -> Engine:
    """The machine shared by every conversation of ``protocol``'s graph."""
    key = (protocol.phases, protocol.moves)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(*key)
    return engine
