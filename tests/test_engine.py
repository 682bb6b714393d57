"""The phase machine: one shared transitions Machine, stepped the way transitions would."""

from __future__ import annotations

from typing import Any

import pytest

import threetalk as tt
from threetalk._engine import Engine, ImpossibleStep, _PhaseMachine, engine_for

P = tt.Phase


class Model:
    """What the engine needs of a conversation's state."""

    def __init__(self, phase: P = P.TEAM_TALK) -> None:
        self.phase = phase
        self.machine_state = phase.value
        self.resume_phase: P | None = None


def engine() -> Engine:
    return engine_for(tt.three_talk())


def test_one_machine_per_protocol_graph():
    assert engine_for(tt.three_talk()) is engine_for(tt.three_talk())


def test_a_move_sets_both_names_of_the_phase():
    model = Model()
    engine().move(model, P.OPTION_TALK)
    assert (model.phase, model.machine_state) == (P.OPTION_TALK, "option_talk")


def test_a_move_the_graph_lacks_is_impossible_and_changes_nothing():
    model = Model(P.PREPARATION)
    with pytest.raises(ImpossibleStep):
        engine().move(model, P.EVALUATION)
    assert (model.phase, model.machine_state) == (P.PREPARATION, "preparation")


def test_pause_and_resume_return_to_the_phase_left():
    model = Model(P.DECISION_TALK)
    engine().pause(model)
    assert (model.phase, model.resume_phase) == (P.PAUSED, P.DECISION_TALK)
    engine().resume(model)
    assert (model.phase, model.machine_state, model.resume_phase) == (
        P.DECISION_TALK,
        "decision_talk",
        None,
    )


def _machine() -> Any:
    machine = _PhaseMachine(
        model=None,
        states=["a", "b"],
        initial="a",
        auto_transitions=False,
        send_event=True,
        model_attribute="machine_state",
    )
    machine.add_transition("go", "a", "b")
    return machine


class TestLeanStepKeepsTransitionsSemantics:
    """The short path is taken only without callbacks; with any, transitions' own runs."""

    def test_without_callbacks_the_state_changes(self):
        machine, model = _machine(), Model()
        model.machine_state = "a"
        assert machine.events["go"].trigger(model) is True
        assert model.machine_state == "b"

    def test_a_failing_condition_stops_the_step(self):
        machine, model = _machine(), Model()
        machine.add_transition("stay", "a", "b", conditions=[lambda _event: False])
        model.machine_state = "a"
        assert machine.events["stay"].trigger(model) is False
        assert model.machine_state == "a"

    @pytest.mark.parametrize("where", ["prepare", "before", "after"])
    def test_transition_callbacks_run(self, where):
        machine, model = _machine(), Model()
        seen: list[str] = []
        machine.add_transition(
            "hop", "a", "b", **{where: [lambda event: seen.append(event.state.name)]}
        )
        model.machine_state = "a"
        machine.events["hop"].trigger(model)
        assert seen == (["b"] if where == "after" else ["a"])
        assert model.machine_state == "b"

    def test_state_enter_and_exit_callbacks_run(self):
        machine, model = _machine(), Model()
        seen: list[str] = []
        machine.get_state("a").add_callback("exit", lambda _event: seen.append("left a"))
        machine.get_state("b").add_callback("enter", lambda _event: seen.append("entered b"))
        model.machine_state = "a"
        machine.events["go"].trigger(model)
        assert seen == ["left a", "entered b"]

    def test_event_data_names_the_new_state_after_the_step(self):
        machine, model = _machine(), Model()
        seen: list[str] = []
        machine.get_state("b").add_callback("enter", lambda event: seen.append(event.state.name))
        model.machine_state = "a"
        machine.events["go"].trigger(model)
        assert seen == ["b"]
