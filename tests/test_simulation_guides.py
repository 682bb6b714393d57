"""The simulation under every built-in protocol, with the acts of the practice guides."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs
import pytest

import threetalk as tt
from policies import AsksAndAnswers, OwnActions
from threetalk.simulation import (
    COMMANDS,
    PRESETS,
    Action,
    Policy,
    PolicyError,
    SimulationResult,
    View,
    simulate,
    simulate_one,
    summarise,
)
from threetalk.simulation._policy import NEEDS_OPTION

if TYPE_CHECKING:
    import random

PROTOCOLS = tt.builtin_protocols()

#: The event kinds of the acts of the guides, and the commands that record them.
ACTS = {
    "role-preference-stated": "state_role_preference",
    "question-asked": "ask",
    "question-answered": "answer",
    "analysis-added": "add_analysis",
    "understanding-checked": "check_understanding",
    "information-shared": "share_information",
    "option-declined": "decline",
    "obligation-waived": "waive",
    "conflict-checked": "check_conflict",
}

#: Every other accepted event kind with the command that records it.
KIND_TO_COMMAND = {
    **ACTS,
    "joined": "join",
    "topic-added": "add_topic",
    "problem-stated": "state_problem",
    "goal-added": "add_goal",
    "concern-added": "add_concern",
    "option-proposed": "propose_option",
    "consideration-added": "add_consideration",
    "option-withdrawn": "withdraw_option",
    "trial-started": "start_trial",
    "trial-ended": "end_trial",
    "preference-stated": "state_preference",
    "delegated": "delegate",
    "decision-proposed": "propose_decision",
    "consented": "consent",
    "objected": "object",
    "decided": "impose",
    "paused": "pause",
    "resumed": "resume",
    "evaluated": "evaluate",
    "moved": "move_to",
    "closed": "close",
}

#: The least share of conversations that end with a decision in force, per preset.
DECIDED_AT_LEAST = {"ideal": 0.9, "exploratory": 0.9, "hasty": 0.8, "conflicted": 0.4}

N = 60


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], SimulationResult]:
    """N conversations of every preset under every built-in protocol, events kept."""
    return {
        (protocol, preset): simulate(N, seed=21, policy=preset, protocol=PROTOCOLS[protocol])
        for protocol in PROTOCOLS
        for preset in PRESETS
    }


def kinds(result: SimulationResult) -> Counter[str]:
    """How often each event kind occurs in a run."""
    return Counter(event.kind for event in result.events())


def advisories(result: SimulationResult, code: str) -> int:
    """How many advisories of ``code`` a run raised."""
    return sum(dict(summary.advisories_by_code).get(code, 0) for summary in result.summaries)


def refusals(result: SimulationResult, code: str) -> int:
    """How many refusals of ``code`` a run had."""
    return sum(dict(summary.refusals_by_code).get(code, 0) for summary in result.summaries)


class TestEveryProtocol:
    @pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
    @pytest.mark.parametrize("preset", sorted(DECIDED_AT_LEAST))
    def test_a_reasonable_share_decides(
        self, runs: dict[tuple[str, str], SimulationResult], protocol: str, preset: str
    ) -> None:
        """Under every built-in protocol, each realistic preset reaches decisions."""
        report = runs[protocol, preset].report()

        decided = report.rate("agreed") + report.rate("imposed") + report.rate("delegated")

        assert decided >= DECIDED_AT_LEAST[preset], (protocol, preset, decided)

    @pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
    def test_every_conversation_verifies_and_replays_to_its_snapshot(self, protocol: str) -> None:
        """Each simulated conversation verifies and replays (its protocol recognised from
        the opening event) to the very snapshot the conversation has."""
        for preset in PRESETS:
            for index in range(8):
                conversation = simulate_one(
                    index, seed=21, policy=Policy.preset(preset), protocol=PROTOCOLS[protocol]
                )
                events = conversation.events

                assert tt.verify(events).seq == len(events)
                again = tt.replay(events)
                assert again.protocol == PROTOCOLS[protocol]
                assert again.snapshot() == conversation.snapshot()

    def test_the_runs_keep_every_conversation_replayable(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Every conversation of every run replays to a closed conversation."""
        for (protocol, _preset), result in runs.items():
            for events in result.conversations():
                again = tt.replay(events, PROTOCOLS[protocol])

                assert again.events == events
                assert again.phase is tt.Phase.CLOSED

    @pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
    def test_the_new_acts_occur(
        self, runs: dict[tuple[str, str], SimulationResult], protocol: str
    ) -> None:
        """Every act of the guides occurs under every protocol (waivers where obligations
        exist), in the realistic presets, not only in the random one."""
        seen: Counter[str] = Counter()
        for preset in DECIDED_AT_LEAST:
            seen.update(kinds(runs[protocol, preset]))

        expected = set(ACTS)
        if not PROTOCOLS[protocol].allows_obligations:
            expected.discard("obligation-waived")
        assert expected <= set(seen), expected - set(seen)

    def test_every_command_is_carried_out_or_refused(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Across the runs, the runner gives every command of COMMANDS to the engine."""
        tried: set[str] = set()
        for result in runs.values():
            for event in result.events():
                if event.kind == "refused":
                    tried.add(event.data["command"])
                elif event.kind in KIND_TO_COMMAND:
                    tried.add(KIND_TO_COMMAND[event.kind])

        assert tried == set(COMMANDS)

    def test_the_random_policy_tries_every_command_that_needs_no_option(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """The stress policy gives every command that needs no option (its talks seldom
        get that far), the acts of the guides among them, carried out or refused."""
        tried: set[str] = set()
        for protocol in PROTOCOLS:
            for event in runs[protocol, "random"].events():
                if event.kind == "refused":
                    tried.add(event.data["command"])
                elif event.kind in KIND_TO_COMMAND:
                    tried.add(KIND_TO_COMMAND[event.kind])

        assert tried >= set(COMMANDS) - NEEDS_OPTION


class TestWhatTheGuidesAsk:
    def test_youth_care_checks_understanding_before_option_talk(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Youth care's ideal talk checks every client's understanding and analyses a
        strength before option talk, so R15 hardly refuses; hasty talks run into R15."""
        ideal, hasty = runs["youth_care", "ideal"], runs["youth_care", "hasty"]

        for events in ideal.conversations():
            moved = next(
                e.seq for e in events if e.kind == "moved" and e.data["to"] == "option_talk"
            )
            before = events[:moved]
            clients = {e.actor for e in before if e.kind == "joined" and e.data["role"] == "client"}
            understood = {
                e.data["of"]
                for e in before
                if e.kind == "understanding-checked" and e.data["understood"]
            }
            assert clients <= understood
            assert any(e.kind == "analysis-added" and e.data["kind"] == "strength" for e in before)
        assert refusals(ideal, "needs-understanding") <= 2
        assert refusals(hasty, "needs-understanding") > 5

    def test_three_talk_needs_no_teach_back(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Without rule R15, a hasty talk is never refused for understanding."""
        assert refusals(runs["three_talk", "hasty"], "needs-understanding") == 0

    def test_obligations_are_decided_or_waived_with_a_justification(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Under work_and_income the professional proposes obligations; every decision
        leaves each one the option decided on or waived, and both happen."""
        decided_on = waived = 0
        for preset in ("ideal", "conflicted"):
            for events in runs["work_and_income", preset].conversations():
                obligations = {
                    e.data["option"]: e
                    for e in events
                    if e.kind == "option-proposed" and "obligation" in e.data
                }
                settled = {e.data["option"] for e in events if e.kind == "obligation-waived"}
                decisions = [e for e in events if e.kind == "decided"]
                for proposed in obligations.values():
                    assert proposed.actor in {
                        e.data["participant"]
                        for e in events
                        if e.kind == "joined" and e.data["role"] == "professional"
                    }
                    assert proposed.data["source"] == "obligation"
                if decisions:
                    chosen = decisions[-1].data["option"]
                    assert set(obligations) <= settled | {chosen}
                    decided_on += chosen in obligations
                waived += len(settled)
                for e in events:
                    if e.kind == "obligation-waived":
                        assert e.data["justification"].strip()

        assert decided_on > 0
        assert waived > 0

    def test_no_obligation_outside_work_and_income(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Where the protocol has no obligations, the presets propose none."""
        for protocol in PROTOCOLS:
            if PROTOCOLS[protocol].allows_obligations:
                continue
            for preset in DECIDED_AT_LEAST:
                for event in runs[protocol, preset].events():
                    assert not (event.kind == "option-proposed" and "obligation" in event.data)

    def test_conflicted_doubts_and_declines_more(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """The conflicted family has lower SURE scores (more A5) and declines options."""
        for protocol in PROTOCOLS:
            ideal, conflicted = runs[protocol, "ideal"], runs[protocol, "conflicted"]
            scores = {
                name: [
                    sum(e.data[k] for k in ("sure", "informed", "values_clear", "supported"))
                    for e in result.events()
                    if e.kind == "conflict-checked"
                ]
                for name, result in (("ideal", ideal), ("conflicted", conflicted))
            }

            mean = {name: sum(values) / len(values) for name, values in scores.items()}
            assert mean["conflicted"] < mean["ideal"] - 0.5, protocol
            assert advisories(conflicted, "decisional-conflict") > advisories(
                ideal, "decisional-conflict"
            )
            assert kinds(conflicted)["option-declined"] > 0
            assert kinds(ideal)["option-declined"] == 0

    def test_hasty_leaves_questions_open(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Hasty talks leave questions unanswered at the decision (A6); ideal ones do not."""
        hasty = sum(advisories(runs[p, "hasty"], "open-question") for p in PROTOCOLS)
        ideal = sum(advisories(runs[p, "ideal"], "open-question") for p in PROTOCOLS)

        assert hasty > 10
        assert ideal == 0

    def test_rehabilitation_asks_every_client_role_first(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """Rehabilitation's step 0 wants every client's role preference: ideal talks state
        it in preparation, for every client."""
        for events in runs["rehabilitation", "ideal"].conversations():
            clients = {e.actor for e in events if e.kind == "joined" and e.data["role"] == "client"}
            stated = {
                e.actor
                for e in events
                if e.kind == "role-preference-stated" and e.phase is tt.Phase.PREPARATION
            }
            assert clients <= stated

    def test_client_guide_clients_ask_in_preparation(
        self, runs: dict[tuple[str, str], SimulationResult]
    ) -> None:
        """The client's guide wants a question of the client in preparation, and answers."""
        for events in runs["client_guide", "ideal"].conversations():
            first = next(e.actor for e in events if e.kind == "joined")
            asked = [
                e for e in events if e.kind == "question-asked" and e.phase is tt.Phase.PREPARATION
            ]
            assert any(e.actor == first for e in asked)
            answered = {e.data["question"] for e in events if e.kind == "question-answered"}
            assert {e.data["question"] for e in asked} <= answered

    def test_delegating_clients_say_so_as_their_role(self) -> None:
        """A client who will delegate states LEAVE_TO_PROFESSIONAL as their role first."""
        result = simulate(80, seed=3, policy=attrs.evolve(Policy.ideal(), delegate=1.0))

        for events in result.conversations():
            roles = {
                e.actor: e.data["preference"] for e in events if e.kind == "role-preference-stated"
            }
            delegating = {e.actor for e in events if e.kind == "delegated"}
            for actor in delegating & set(roles):
                assert roles[actor] == "leave_to_professional"


class TestActions:
    def test_own_actions_without_the_new_attributes_still_run(self) -> None:
        """An action of one's own written before the acts (no question, of, ...) runs."""
        result = simulate(3, seed=3, policy=OwnActions())

        assert [summary.events for summary in result.summaries] == [3, 3, 3]

    @pytest.mark.parametrize("workers", [1, 2])
    def test_own_actions_with_the_new_attributes(self, workers: int) -> None:
        """Own actions that ask, answer and check understanding are carried out, in worker
        processes too."""
        result = simulate(4, seed=3, policy=AsksAndAnswers(), workers=workers)

        for events in result.conversations():
            seen = Counter(e.kind for e in events)
            assert seen["question-asked"] == seen["question-answered"] == 1
            assert seen["understanding-checked"] == 1
            assert seen["refused"] == 0

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda v: Action("answer", by=v.professionals[0]), "needs a question"),
            (lambda v: Action("check_understanding", by=v.professionals[0]), r"\(of=\)"),
            (
                lambda v: Action(
                    "check_understanding", by=v.professionals[0], of=v.professionals[0]
                ),
                "of:",
            ),
            (lambda v: Action("add_analysis", by=v.clients[0]), "Analysis kind"),
            (
                lambda v: Action("add_analysis", by=v.clients[0], kind=tt.Information.LEAFLET),
                "Analysis kind",
            ),
            (lambda v: Action("share_information", by=v.clients[0]), "Information kind"),
            (lambda v: Action("state_role_preference", by=v.clients[0]), "DecisionRole"),
            (
                lambda v: Action("check_conflict", by=v.clients[0], answers=(True, False)),  # type: ignore[arg-type]
                "four yes/no answers",
            ),
            (
                lambda v: Action("check_conflict", by=v.clients[0], answers=(1, 1, 1, 1)),  # type: ignore[arg-type]
                "sure",
            ),
            (lambda v: Action("decline", by=v.clients[0]), "needs an option"),
        ],
    )
    def test_malformed_arguments_of_the_new_commands(self, make: Any, message: str) -> None:
        """A new command with a missing or malformed argument is a PolicyError naming it."""

        class Once:
            def choose(self, view: View, rng: random.Random) -> Action:
                if not view.clients:
                    return Action("join", role=tt.Role.CLIENT)
                if not view.professionals:
                    return Action("join", role=tt.Role.PROFESSIONAL)
                return make(view)  # type: ignore[no-any-return]

        with pytest.raises(PolicyError, match=message):
            simulate(1, seed=1, policy=Once())

    def test_the_view_follows_the_acts(self) -> None:
        """The view shows role preferences, SURE scores, teach-back, open questions,
        analysis, information, declines and waivers as they are recorded."""
        seen: list[dict[str, Any]] = []

        class Script:
            def choose(self, view: View, rng: random.Random) -> Action:
                seen.append(
                    {
                        "roles": dict(view.role_preferences),
                        "sure": dict(view.sure),
                        "understood": dict(view.understood),
                        "open": [q.id for q in view.open_questions],
                        "analysis": dict(view.analysis),
                        "information": dict(view.information),
                        "declines": {k: set(v) for k, v in view.declines.items()},
                        "waived": set(view.waived),
                        "options": [o.id for o in view.options],
                    }
                )
                return next(steps)(view)

        def move(phase: tt.Phase) -> Any:
            return lambda v: Action("move_to", by=v.professionals[0], phase=phase)

        steps = iter(
            [
                lambda v: Action("join", role=tt.Role.CLIENT),
                lambda v: Action("join", role=tt.Role.PROFESSIONAL),
                lambda v: Action(
                    "state_role_preference", by=v.clients[0], decision_role=tt.DecisionRole.SHARE
                ),
                lambda v: Action("ask", by=v.clients[0]),
                lambda v: Action("answer", by=v.professionals[0], question=v.open_questions[0]),
                lambda v: Action("add_goal", by=v.clients[0]),
                move(tt.Phase.TEAM_TALK),
                lambda v: Action("state_problem", by=v.clients[0]),
                lambda v: Action("add_analysis", by=v.clients[0], kind=tt.Analysis.STRENGTH),
                lambda v: Action(
                    "check_understanding", by=v.professionals[0], of=v.clients[0], understood=False
                ),
                move(tt.Phase.OPTION_TALK),
                lambda v: Action("propose_option", by=v.clients[0]),
                lambda v: Action(
                    "propose_option", by=v.professionals[0], source=tt.Source.OBLIGATION
                ),
                lambda v: Action(
                    "share_information",
                    by=v.professionals[0],
                    option=v.options[0],
                    kind=tt.Information.LEAFLET,
                ),
                lambda v: Action("decline", by=v.clients[0], option=v.options[1]),
                lambda v: Action("waive", by=v.professionals[0], option=v.options[1]),
                lambda v: Action(
                    "check_conflict", by=v.clients[0], answers=(True, False, True, False)
                ),
                lambda v: Action("close", by=v.professionals[0]),
            ]
        )

        conversation = simulate_one(0, seed=1, policy=Script(), protocol=tt.work_and_income())

        assert conversation.phase is tt.Phase.CLOSED
        assert not any(e.kind == "refused" for e in conversation.events)
        last = seen[-1]
        assert last["roles"] == {"p1": tt.DecisionRole.SHARE}
        assert seen[4]["open"] == ["q1"]  # asked at step 3, answered at step 4
        assert last["open"] == []
        assert last["analysis"] == {tt.Analysis.STRENGTH: 1}
        assert last["understood"] == {"p1": False}
        assert last["information"] == {"o1": 1}
        assert last["declines"] == {"o2": {"p1"}}
        assert last["waived"] == {"o2"}
        assert last["options"] == ["o1"]
        assert last["sure"] == {"p1": 2}
        obligation = next(
            e for e in conversation.events if e.kind == "option-proposed" and "obligation" in e.data
        )
        assert obligation.data["obligation"].startswith("Participation Act")


def test_random_action_gives_well_formed_arguments_for_the_acts() -> None:
    """random_action never names a question asked by its answerer, or teach-back of
    oneself or a professional (those would stop a run); a long random run completes."""
    result = simulate(60, seed=8, policy="random", protocol=tt.work_and_income(), max_steps=300)

    assert result.report().conversations == 60
    assert sum(summary.refusals for summary in result.summaries) > 0


def test_summarise_counts_the_new_acts_of_any_conversation() -> None:
    """summarise() reads a hand-made conversation with the new acts without error."""
    conversation = simulate_one(2, seed=4, policy=Policy.ideal(), protocol=tt.youth_care())

    summary = summarise(conversation.events)

    assert summary.events == len(conversation.events)


def talk(
    *,
    roles: bool = False,
    information: bool = False,
    understood: bool | None = None,
) -> tuple[Any, ...]:
    """The events of a small agreed conversation, with or without some of the acts."""
    from datetime import date

    from threetalk.testing import StepClock

    conv = tt.Conversation(conversation_id="proxy", clock=StepClock())
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Professional", tt.Role.PROFESSIONAL)
    conv.add_goal("walk again", by=client)
    if roles:
        conv.state_role_preference(tt.DecisionRole.SHARE, by=client)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("pain", by=client)
    if understood is not None:
        conv.check_understanding(client, understood=understood, note="said it back", by=pro)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    rest = conv.propose_option("Rest", by=client)
    therapy = conv.propose_option("Therapy", by=pro)
    conv.add_consideration(rest, tt.Stance.PRO, "calm", by=client)
    conv.add_consideration(therapy, tt.Stance.CON, "tiring", by=pro)
    if information:
        conv.share_information("leaflet", kind=tt.Information.LEAFLET, option=rest, by=pro)
        conv.share_information("aid", kind=tt.Information.DECISION_AID, option=therapy, by=pro)
    conv.move_to(tt.Phase.DECISION_TALK, by=client)
    conv.state_preference(rest, by=client)
    conv.propose_decision(
        rest, who="client", what="rest", when=date(2026, 12, 1), review_on=date(2027, 1, 1), by=pro
    )
    conv.consent(by=client)
    conv.close("done", by=pro)
    return conv.events


class TestOption5Proxy:
    def test_information_shared_raises_item_3(self) -> None:
        """Information handed over about the options scores on item 3 (information on the
        options), and only there."""
        without = summarise(talk()).option5_items
        with_information = summarise(talk(information=True)).option5_items

        assert with_information[2] == without[2] + 0.5
        assert with_information[:2] == without[:2]
        assert with_information[3:] == without[3:]

    def test_understanding_checked_raises_item_3_when_understood(self) -> None:
        """A teach-back check that found the client understood scores on item 3; one that
        found they did not, does not."""
        none = summarise(talk()).option5_items[2]
        understood = summarise(talk(understood=True)).option5_items[2]
        not_yet = summarise(talk(understood=False)).option5_items[2]

        assert understood == none + 0.5
        assert not_yet == none

    def test_role_preference_raises_item_2(self) -> None:
        """Asking how the client wants to take part scores on item 2 (support to deliberate)."""
        without = summarise(talk()).option5_items
        with_roles = summarise(talk(roles=True)).option5_items

        assert with_roles[1] == without[1] + 1
        assert with_roles[2:] == without[2:]

    def test_the_total_stays_a_rescaled_sum(self) -> None:
        """With every act, the items stay within 0-4 and the total is their sum over 20."""
        summary = summarise(talk(roles=True, information=True, understood=True))

        assert all(0 <= item <= 4 for item in summary.option5_items)
        assert summary.option5 == round(sum(summary.option5_items) / 20 * 100, 1)

    def test_presets_keep_their_order(self, runs: dict[tuple[str, str], SimulationResult]) -> None:
        """Under every protocol the ideal talk scores higher than the hasty one."""
        for protocol in PROTOCOLS:
            ideal = runs[protocol, "ideal"].report().measure("option5")
            hasty = runs[protocol, "hasty"].report().measure("option5")

            assert ideal > hasty + 10, protocol


def test_the_action_init_sets_every_field_with_its_default() -> None:
    """Action's written-out __init__ has the fields' names, order and defaults, and sets
    every field (it replaces attrs' own for speed; see the comment above the class)."""
    import inspect

    parameters = list(inspect.signature(Action.__init__).parameters.values())[1:]
    fields = attrs.fields(Action)
    values = {field.name: object() for field in fields}

    action = Action(**values)

    assert [p.name for p in parameters] == [field.name for field in fields]
    assert [p.default for p in parameters[1:]] == [field.default for field in fields[1:]]
    assert all(getattr(action, name) is value for name, value in values.items())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        action.days = 3  # type: ignore[misc]
    assert attrs.evolve(action, days=3).days == 3
