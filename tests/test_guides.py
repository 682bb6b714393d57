"""The practice guides as built-in protocols: their steps (a contract), rules and words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
from threetalk._messages import catalogue

if TYPE_CHECKING:
    from collections.abc import Callable

P = tt.Phase

#: The step ids and phases of docs/protocols.md (and the project's domain notes): apps
#: store these ids, so a change here is a breaking change.
STEPS = {
    "three_talk": [
        ("preparation", P.PREPARATION),
        ("team_talk", P.TEAM_TALK),
        ("option_talk", P.OPTION_TALK),
        ("decision_talk", P.DECISION_TALK),
        ("evaluation", P.EVALUATION),
    ],
    "six_step": [
        ("preparation", P.PREPARATION),
        ("issue", P.TEAM_TALK),
        ("options", P.OPTION_TALK),
        ("pros_and_cons", P.OPTION_TALK),
        ("preferences", P.DECISION_TALK),
        ("decision", P.DECISION_TALK),
        ("looking_back", P.EVALUATION),
    ],
    "client_guide": [
        ("prepare", P.PREPARATION),
        ("agenda", P.TEAM_TALK),
        ("options", P.OPTION_TALK),
        ("plan", P.DECISION_TALK),
        ("next_steps", P.EVALUATION),
    ],
    "rehabilitation": [
        ("preparation", P.PREPARATION),
        ("choice", P.TEAM_TALK),
        ("weighing", P.OPTION_TALK),
        ("decision", P.DECISION_TALK),
        ("evaluation", P.EVALUATION),
    ],
    "youth_care": [
        ("preparation", P.PREPARATION),
        ("question", P.TEAM_TALK),
        ("analysis", P.TEAM_TALK),
        ("goals", P.TEAM_TALK),
        ("help", P.OPTION_TALK),
        ("deciding", P.DECISION_TALK),
        ("evaluation", P.EVALUATION),
    ],
    "work_and_income": [
        ("preparation", P.PREPARATION),
        ("team_talk", P.TEAM_TALK),
        ("option_talk", P.OPTION_TALK),
        ("decision_talk", P.DECISION_TALK),
        ("evaluation", P.EVALUATION),
    ],
}
FUNCTIONS = {
    "three_talk": tt.three_talk,
    "six_step": tt.six_step,
    "client_guide": tt.client_guide,
    "rehabilitation": tt.rehabilitation,
    "youth_care": tt.youth_care,
    "work_and_income": tt.work_and_income,
}


def _clock() -> Callable[[], datetime]:
    ticks = iter(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n) for n in range(999))
    return lambda: next(ticks)


def test_builtin_protocols_are_the_functions_by_name() -> None:
    """builtin_protocols() names each built-in function's protocol."""
    protocols = tt.builtin_protocols()

    assert set(protocols) == set(FUNCTIONS)
    assert all(protocols[name] is make() for name, make in FUNCTIONS.items())
    assert all(protocols[name].name == name for name in protocols)
    assert len({protocol.fingerprint for protocol in protocols.values()}) == len(protocols)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_the_steps_are_as_the_guides_give_them(name: str) -> None:
    """Ids and phases, in order; every step titled and described in nl and en."""
    protocol = tt.builtin_protocols()[name]

    assert [(step.id, step.phase) for step in protocol.steps] == STEPS[name]
    for step in protocol.steps:
        assert {"nl", "en"} <= set(step.title)
        assert {"nl", "en"} <= set(step.outcome)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_code_of_every_protocol_reads_in_dutch(name: str) -> None:
    """Entry, decision and done rules all have a Dutch text in the catalogue."""
    protocol = tt.builtin_protocols()[name]
    codes = {rule.code for rules in protocol.entry_rules.values() for rule in rules}
    codes |= {rule.code for rule in protocol.decision_rules}
    codes |= {rule.code for step in protocol.steps for rule in step.done}

    assert sorted(code for code in codes if "nl" not in catalogue()["messages"][code]) == []


@pytest.mark.parametrize("name", sorted(STEPS))
def test_replay_recognises_every_built_in(name: str) -> None:
    """The opening event's fingerprint is enough to rebuild under the right protocol."""
    conv = tt.Conversation(tt.builtin_protocols()[name], clock=_clock())
    client = conv.join("Noor", tt.Role.CLIENT)
    pro = conv.join("Sem", tt.Role.PROFESSIONAL)
    conv.add_topic("Sleep", by=client)
    conv.move_to(P.TEAM_TALK, by=pro)

    again = tt.replay(conv.events)

    assert again.protocol.name == name
    assert again.snapshot() == conv.snapshot()
    assert again.step == conv.step


def test_six_step_addresses_client_and_relative() -> None:
    """Its prompts go to clients and to relatives, and the issue waits for the relative."""
    protocol = tt.six_step()
    conv = tt.Conversation(protocol, clock=_clock())
    client = conv.join("Noor", tt.Role.CLIENT)
    mother = conv.join("Ans", tt.Role.RELATIVE)
    pro = conv.join("Sem", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Noor hardly leaves the house", by=pro)
    conv.add_goal("Go to college again", by=client)

    assert {prompt.to for prompt in protocol.prompts} >= {tt.Role.CLIENT, tt.Role.RELATIVE}
    assert conv.step.id == "issue"
    assert [reason.code for reason in conv.progress()[1].missing] == ["relative-not-heard"]
    assert "issue-relative-silent" in {prompt.id for prompt in conv.prompts()}
    conv.add_concern("I worry when she stays in bed", by=mother)
    assert conv.progress()[1].missing == ()
    assert conv.step.id == "issue"  # the phase's last step when all are done


def test_youth_care_walks_through_team_talk() -> None:
    """Question, analysis, goals: the step moves on as the family's words come in.

    The issue's own example: the analysis wants a strength and every client's
    understanding checked, and R15 holds option talk back until the son understood.
    """
    conv = tt.Conversation(tt.youth_care(), clock=_clock())
    mother = conv.join("Ilse", tt.Role.CLIENT)
    son = conv.join("Daan", tt.Role.CLIENT)
    worker = conv.join("Fatima", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=worker)

    assert conv.step.id == "question"
    dutch = conv.prompts(language="nl", to=tt.Role.CLIENT)
    assert dutch
    assert all(prompt.step == "question" for prompt in dutch)
    conv.add_concern("Arguments at home every evening", by=mother)
    assert conv.step.id == "question"
    (missing,) = conv.progress()[1].missing
    assert missing.text("nl") == "Nog geen vraag of zorg onder woorden gebracht door: Daan."
    conv.add_topic("I want to play football again", by=son)
    assert conv.step.id == "analysis"
    conv.state_problem("Evenings end in arguments; Daan stopped training", by=worker)
    assert conv.step.id == "analysis"
    assert [r.code for r in conv.progress()[2].missing] == ["needs-strength", "needs-understanding"]
    conv.add_analysis(tt.Analysis.STRENGTH, "Daan and his grandfather get on well", by=worker)
    conv.add_goal("Quiet evenings at home", by=mother)
    conv.add_goal("Play football twice a week", by=son)
    conv.check_understanding(
        mother, understood=True, note="Put the plan in her own words", by=worker
    )
    conv.check_understanding(son, understood=False, note="Asked what 'plan' means", by=worker)
    assert conv.step.id == "analysis"

    (r15,) = conv.why_not(P.OPTION_TALK)
    assert (r15.code, r15.rule) == ("needs-understanding", "R15")
    assert "Daan" in r15.text("en")
    assert "Daan" in r15.text("nl")
    assert "Ilse" not in r15.message

    conv.check_understanding(
        son, understood=True, note="Explained it back with an example", by=worker
    )
    assert conv.step.id == "goals"
    statuses = [item.status for item in conv.progress()]
    assert statuses[:4] == [
        tt.StepStatus.DONE,
        tt.StepStatus.DONE,
        tt.StepStatus.DONE,
        tt.StepStatus.CURRENT,
    ]
    conv.move_to(P.OPTION_TALK, by=worker)
    assert conv.step.id == "help"
    network = conv.propose_option(
        "Grandfather takes Daan to training", source=tt.Source.NETWORK, by=mother
    )
    assert network.source is tt.Source.NETWORK
    conv.check_conflict(sure=False, informed=True, values_clear=True, supported=True, by=mother)
    assert conv.sure_checks[mother.id].score == 3
    reason = conv.why_not(P.DECISION_TALK)[0]
    assert reason.code == "needs-two-options"
    assert reason.text("nl") != reason.text("en")


def test_rehabilitation_weighs_both_sides() -> None:
    """Weighing is done only when every option has a pro and a con."""
    conv = tt.Conversation(tt.rehabilitation(), clock=_clock())
    client = conv.join("Kees", tt.Role.CLIENT)
    pro = conv.join("Lotte", tt.Role.PROFESSIONAL)
    conv.add_goal("Walk to the shop", by=client)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Walking is slow", by=pro)
    conv.move_to(P.OPTION_TALK, by=pro)
    brace = conv.propose_option("An orthosis", by=pro)
    days = conv.propose_option("More day treatment", by=client)
    conv.add_consideration(brace, tt.Stance.PRO, "Walks further", by=client)
    conv.add_consideration(days, tt.Stance.PRO, "More practice", by=client)

    (missing,) = next(item for item in conv.progress() if item.step.id == "weighing").missing
    assert missing.code == "option-without-pro-and-con"
    assert conv.can_move_to(P.DECISION_TALK)  # steps guide, they never block
