"""The acts of the guides, as properties and as the examples that found faults.

Random command scripts (every command, the acts of the guides included) under every
built-in protocol, then: the log replays to the same state with the protocol recognised
from the opening event; and the plain examples the stateful test and the reference model
(``threetalk.testing``) found, kept so that they run whatever the random draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from scenarios import REVIEW_ON, WHEN, Scene, attempt, build
from strategies import scripts

if TYPE_CHECKING:
    from conftest import StepClock

BUILT_IN = sorted(tt.builtin_protocols())

#: The kinds of event the acts of the guides record.
ACT_KINDS = frozenset(
    {
        "role-preference-stated",
        "conflict-checked",
        "understanding-checked",
        "analysis-added",
        "information-shared",
        "question-asked",
        "question-answered",
        "option-declined",
        "obligation-waived",
    }
)


def _work(clock: StepClock, upto: str = "options") -> tuple[Scene, tt.Option]:
    """A work-and-income scene up to ``upto`` with an obligation proposed in option talk."""
    scene = build(clock, "options", protocol=tt.work_and_income())
    duty = scene.conv.propose_option(
        "Unpaid work", obligation="Participation Act, article 9", by=scene.pro
    )
    scene.conv.add_consideration(duty, tt.Stance.CON, "No time for a course", by=scene.client)
    if upto == "decision":
        scene.conv.move_to(tt.Phase.DECISION_TALK, by=scene.pro)
    return scene, duty


def every_act(scene: Scene) -> None:
    """Give every act of the guides once where the built-in protocols place it."""
    conv, client, kin, pro = scene.conv, scene.client, scene.relative, scene.pro
    assert kin is not None
    question = conv.ask("What are my options?", by=client)
    conv.state_role_preference(tt.DecisionRole.SHARE, by=client)
    conv.state_role_preference(tt.DecisionRole.LEAVE_TO_PROFESSIONAL, by=kin)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.answer(question, "Day treatment, or waiting", by=pro)
    conv.add_analysis(tt.Analysis.STRENGTH, "A partner who helps", by=kin)
    conv.add_analysis(tt.Analysis.MAINTAINING_FACTOR, "Too little rest", by=pro)
    conv.state_problem("Progress has stalled", by=pro)
    conv.add_goal("Walk to the shop on my own", by=client)
    conv.check_understanding(client, understood=False, note="Not yet", by=pro)
    conv.check_understanding(client, understood=True, note="Said it back", by=pro)
    conv.check_understanding(kin, understood=True, note="Said it back", by=pro)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    wait = conv.propose_option("Wait and see", by=client)
    friends = conv.propose_option("Walk with a neighbour", source=tt.Source.NETWORK, by=kin)
    days = conv.propose_option("Day treatment", expected_result="Walks alone", by=pro)
    if conv.protocol.allows_obligations:
        duty = conv.propose_option("Unpaid work", obligation="Participation Act", by=pro)
        conv.decline(duty, "No time for it", by=client)
        conv.waive(duty, "A course serves the goal better", by=pro)
    for option in (wait, friends, days):
        conv.add_consideration(option, tt.Stance.PRO, "Fits", by=client)
    conv.share_information(
        "Day treatment leaflet", kind=tt.Information.LEAFLET, option=days, by=pro
    )
    conv.check_conflict(sure=False, informed=True, values_clear=True, supported=True, by=client)
    conv.decline(wait, "Waiting makes it worse", by=client)
    conv.decline(wait, "Waiting has not helped before", by=client)
    conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=client)
    conv.check_conflict(sure=False, informed=False, values_clear=True, supported=True, by=kin)
    conv.ask("Can I stop when it does not work?", by=kin)
    conv.state_preference(days, by=client)
    conv.state_preference(None, by=kin)
    conv.propose_decision(
        days, who="Both", what="Day treatment", when=WHEN, review_on=REVIEW_ON, by=pro
    )
    conv.consent(by=client)


class TestReplay:
    @pytest.mark.parametrize("name", BUILT_IN)
    @given(data=st.data())
    def test_a_random_script_replays_to_the_same_state(self, name, data):
        """Under every built-in protocol, after any script of commands and acts, the events
        alone rebuild the conversation, the protocol recognised from the opening event."""
        scene = data.draw(scripts(tt.builtin_protocols()[name]))
        conv = scene.conv

        again = tt.replay(conv.events)

        assert again.protocol == conv.protocol
        assert again.snapshot() == conv.snapshot()
        assert again.advisories == conv.advisories
        assert again.step == conv.step
        assert again.questions == conv.questions
        assert again.option_states == conv.option_states

    @pytest.mark.parametrize("name", BUILT_IN)
    def test_every_act_replays(self, clock, name):
        """The script above is not empty of acts: one of each, replayed, under each guide."""
        scene = build(clock, "joined", protocol=tt.builtin_protocols()[name])
        every_act(scene)
        conv = scene.conv

        again = tt.replay(conv.events)

        kinds = {event.kind for event in conv.events}
        waived = {"obligation-waived"} if conv.protocol.allows_obligations else set()
        assert kinds >= ACT_KINDS - {"obligation-waived"} | waived
        assert conv.decision is not None
        assert [a.rule for a in conv.advisories].count("A6") == 1  # the relative's question
        assert "A5" not in {a.rule for a in conv.advisories}  # the client is sure at last
        assert again.snapshot() == conv.snapshot()
        assert again.snapshot().to_dict() == conv.snapshot().to_dict()
        assert again.advisories == conv.advisories


class TestFoundExamples:
    def test_the_text_of_a_waived_obligation_can_be_proposed_again(self, clock):
        """A waived obligation is no longer an open option, so the same activity can come
        back as an option of the client's own (found by the stateful test: the duplicate
        check looked at withdrawals only)."""
        scene, duty = _work(clock)
        conv = scene.conv
        conv.waive(duty, "A course serves the goal of regular work better", by=scene.pro)

        again = attempt(conv, lambda: conv.propose_option("unpaid work", by=scene.client))

        assert again.accepted
        assert conv.options[-1].source is tt.Source.OWN_IDEA
        assert conv.option_state(duty).waiver is not None

    def test_the_text_of_an_open_obligation_cannot_be_proposed_again(self, clock):
        """The other side of the same check: while the obligation is open it is on the table."""
        scene, _duty = _work(clock)
        conv = scene.conv

        again = attempt(conv, lambda: conv.propose_option("UNPAID WORK ", by=scene.client))

        assert again.refused_once
        assert again.codes == ("option-exists",)

    def test_a_waiver_is_not_a_withdrawal(self, clock):
        """The waived obligation keeps its record: it is not withdrawn, only not open."""
        scene, duty = _work(clock)
        scene.conv.waive(duty, "A course serves the goal better", by=scene.pro)

        state = scene.conv.option_state(duty)

        assert state.withdrawn is None
        assert not state.open
        assert attrs.asdict(state.waiver) == {
            "justification": "A course serves the goal better",
            "by": scene.pro.id,
        }
