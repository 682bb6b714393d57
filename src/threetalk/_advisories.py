"""Advisories A1-A6: what the system observes and records, without ever blocking.

Each function looks at the state *before* a command's events are applied and returns the
advisories that command gives rise to, as ``(code, rule, participant id, message,
params)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threetalk._phases import Phase, Role

if TYPE_CHECKING:
    from threetalk._state import State
    from threetalk._values import Participant

#: ``(code, rule, participant id or None, message, params)``: ``params`` are what the
#: message is built from (see ``Advisory.text``).
Observation = tuple[str, str, str | None, str, dict[str, object]]


def professional_first(state: State, actor: Participant) -> list[Observation]:
    """A1: a professional proposes an option while no client or relative has proposed one."""
    if actor.role is not Role.PROFESSIONAL:
        return []
    participants = state.participants
    for item in state.options.values():
        if participants[item.option.proposed_by].role is not Role.PROFESSIONAL:
            return []
    message = f"{actor.name} proposed an option before any client or relative did."
    return [("professional-proposed-first", "A1", actor.id, message, {"name": actor.name})]


def early_preference(state: State, actor: Participant) -> list[Observation]:
    """A2: a professional states a preference while option talk is still going on."""
    if actor.role is not Role.PROFESSIONAL or state.phase is not Phase.OPTION_TALK:
        return []
    message = f"{actor.name} stated a preference while the options were still being explored."
    return [("professional-preference-early", "A2", actor.id, message, {"name": actor.name})]


def silent_participants(state: State, mover: Participant) -> list[Observation]:
    """A3: one advisory for each participant who did nothing in the phase being left."""
    found: list[Observation] = []
    active = state.active
    for pid, participant in state.participants.items():
        if pid not in active and pid != mover.id:
            message = (
                f"{participant.name} left {state.phase.label} without having contributed to it."
            )
            params: dict[str, object] = {"name": participant.name, "phase": state.phase.value}
            found.append(("silent-participant", "A3", pid, message, params))
    return found


def hasty_decision(state: State) -> list[Observation]:
    """A4: a decision becomes final in the sitting in which the first option was proposed."""
    if state.first_option_sitting != state.sitting:
        return []
    message = (
        "The decision was made in the same sitting in which the options were first listed, "
        "without a pause to think it over."
    )
    return [("no-pause-before-decision", "A4", None, message, {})]


def decisional_conflict(state: State) -> list[Observation]:
    """A5: a decision becomes final while a client's latest SURE score is below 4.

    One advisory per such client (SURE, Légaré et al. 2010: below 4 of 4 signals
    decisional conflict).
    """
    acts = state.acts
    if acts is None or not acts.sure_checks:
        return []
    checks = acts.sure_checks
    found: list[Observation] = []
    for pid, check in checks.items():
        participant = state.participants[pid]
        if participant.role is Role.CLIENT and check.conflict:
            message = (
                f"The decision became final while {participant.name}'s latest SURE check "
                f"scored {check.score} of 4, which signals doubt about the choice."
            )
            params = {"name": participant.name, "score": check.score}
            found.append(("decisional-conflict", "A5", pid, message, params))
    return found


def open_questions(state: State) -> list[Observation]:
    """A6: a decision becomes final while a question of a client or relative is unanswered.

    One advisory, counting the questions and naming them.
    """
    acts = state.acts
    if acts is None or not acts.questions:
        return []
    participants = state.participants
    waiting = [
        item.question.text
        for item in acts.question_states
        if not item.answers and participants[item.question.asked_by].role is not Role.PROFESSIONAL
    ]
    if not waiting:
        return []
    count = len(waiting)
    noun = "question" if count == 1 else "questions"
    message = (
        f"The decision became final while {count} {noun} of a client or relative "
        f"stayed unanswered: {'; '.join(f'“{text}”' for text in waiting)}."
    )
    params: dict[str, object] = {
        "case": "one" if count == 1 else "many",
        "count": count,
        "questions": waiting,
    }
    return [("open-question", "A6", None, message, params)]
