"""The stateful test: random command sequences against the reference model.

``threetalk.testing.ConversationStateMachine`` sends every command of a conversation —
accepted, refused and malformed, by members, strangers and members of another
conversation — to the conversation and to a plain-Python model of the rules, and checks
after every step that both agree, that the rules hold, that refusals change nothing but the
log, and that the log verifies and replays. The examples Hypothesis found are kept below as
plain tests, so they run on every commit whatever the random draw.
"""

from __future__ import annotations

from hypothesis import settings

import threetalk as tt
from threetalk.testing import TODAY, ConversationStateMachine


def _machine(protocol: tt.Protocol) -> type[ConversationStateMachine]:
    """The machine under ``protocol``."""
    return type(
        f"{protocol.name.title().replace('_', '')}Machine",
        (ConversationStateMachine,),
        {"protocol": protocol, "__doc__": f"The machine under {protocol.name}."},
    )


#: The machine under every built-in protocol, by name.
MACHINES = {name: _machine(protocol) for name, protocol in tt.builtin_protocols().items()}

# max_examples and the rest come from the loaded profile (dev or ci, see conftest). The
# guides share the core's rules, so each gets a third of the profile's runs (at least 20)
# and three_talk and work_and_income (imposition, obligations) the whole of it: the suite
# stays fast and every run still meets every protocol.
_SETTINGS = settings(stateful_step_count=50)
_GUIDE_SETTINGS = settings(
    stateful_step_count=50, max_examples=max(20, settings.default.max_examples // 3)
)

TestThreeTalk = MACHINES["three_talk"].TestCase
TestThreeTalk.settings = _SETTINGS

TestWorkAndIncome = MACHINES["work_and_income"].TestCase
TestWorkAndIncome.settings = _SETTINGS

TestSixStep = MACHINES["six_step"].TestCase
TestSixStep.settings = _GUIDE_SETTINGS

TestRehabilitation = MACHINES["rehabilitation"].TestCase
TestRehabilitation.settings = _GUIDE_SETTINGS

TestYouthCare = MACHINES["youth_care"].TestCase
TestYouthCare.settings = _GUIDE_SETTINGS

TestClientGuide = MACHINES["client_guide"].TestCase
TestClientGuide.settings = _GUIDE_SETTINGS


#: The test of each built-in protocol, by its name.
TESTED = {
    "three_talk": TestThreeTalk,
    "work_and_income": TestWorkAndIncome,
    "six_step": TestSixStep,
    "rehabilitation": TestRehabilitation,
    "youth_care": TestYouthCare,
    "client_guide": TestClientGuide,
}


def test_every_built_in_protocol_has_its_stateful_test():
    """A built-in protocol added later needs its stateful test here too."""
    assert set(TESTED) == set(tt.builtin_protocols()) == set(MACHINES)
    assert len({id(case) for case in TESTED.values()}) == len(TESTED)


class TestFoundExamples:
    def test_close_drops_a_pending_proposal(self):
        """Closing in decision talk leaves it, so a pending proposal is dropped."""
        state = ConversationStateMachine()
        state.start(setup="proposal", clients=1)

        state.do_close(reason=None, by="client", now=True)

        state.agrees_with_the_model()
        state.rules_hold()
        state.teardown()

    def test_a_second_consent_is_refused(self):
        """Consenting twice to the same proposal is refused, and the model expects that."""
        state = ConversationStateMachine()
        state.start(setup="proposal", clients=2)
        state.do_consent(by="client")

        state.do_consent(by="client")

        state.agrees_with_the_model()
        assert state.conv.events[-1].kind == "refused"

    def test_withdrawing_after_a_decision_is_refused(self):
        """Once a decision is final no option is struck until it is reopened."""
        state = ConversationStateMachine()
        state.start(setup="decided", clients=1)

        state.do_withdraw_option(option="first", reason="Too late", by="client")

        state.agrees_with_the_model()
        assert state.conv.events[-1].kind == "refused"

    def test_a_waived_obligations_text_is_free_again(self):
        """Found under work_and_income: once waived, an obligation's text can be proposed
        again (the model reads "on the table" as open: neither withdrawn nor waived)."""
        state = MACHINES["work_and_income"]()
        state.start(setup="decision", clients=1, acts=False)
        state.do_move_to(phase=tt.Phase.OPTION_TALK, by="client")

        state.do_propose_option(text=" unpaid work ", by="client")

        state.agrees_with_the_model()
        assert state.conv.events[-1].kind == "option-proposed"


class TestTheActsAgainstTheModel:
    """Paths through the acts of the guides the random runs meet only now and then."""

    def test_an_obligation_is_waived_once(self):
        """A second waiver of the same obligation is refused (already-waived)."""
        state = MACHINES["work_and_income"]()
        state.start(setup="decision", clients=1, acts=False)

        state.do_waive(option="obligation", justification="Again", by="professional")

        state.agrees_with_the_model()
        assert state.conv.events[-1].data["reasons"][0]["code"] == "already-waived"

    def test_the_proposed_obligation_is_not_waived(self):
        """An obligation that is the pending proposal cannot be waived."""
        state = MACHINES["work_and_income"]()
        state.start(setup="options", clients=1, acts=False)
        state.do_move_to(phase=tt.Phase.DECISION_TALK, by="professional")
        state.do_state_preference(option="obligation", by="client")
        state.do_state_preference(option=None, by="relative")
        state.do_propose_decision("obligation", "Client", "Work", TODAY, 30, "professional")

        state.do_waive(option="obligation", justification="Not now", by="professional")

        state.agrees_with_the_model()
        assert state.conv.proposal is not None
        assert state.conv.events[-1].data["reasons"][0]["code"] == "option-under-proposal"

    def test_an_open_obligation_blocks_another_decision(self):
        """R16: deciding on another option while the obligation is open is refused."""
        state = MACHINES["work_and_income"]()
        state.start(setup="options", clients=1, acts=False)
        state.do_move_to(phase=tt.Phase.DECISION_TALK, by="professional")
        state.do_state_preference(option="first", by="client")
        state.do_state_preference(option=None, by="relative")

        state.do_propose_decision("first", "Client", "Wait", TODAY, 30, "professional")

        state.agrees_with_the_model()
        codes = [reason["code"] for reason in state.conv.events[-1].data["reasons"]]
        assert codes == ["obligation-open"]

    def test_a_decision_with_doubt_and_a_question_open_raises_a5_and_a6(self):
        """The decided setup with the acts: the client's SURE doubt and open question."""
        state = MACHINES["three_talk"]()

        state.start(setup="decided", clients=2, acts=True)

        state.agrees_with_the_model()
        assert state.conv.decision is not None
        rules = [advisory.rule for advisory in state.conv.advisories]
        assert rules.count("A5") == 1
        assert rules.count("A6") == 1
        state.teardown()

    def test_youth_care_option_talk_waits_for_understanding(self):
        """R15: without a teach-back check that says understood, option talk is refused."""
        state = MACHINES["youth_care"]()
        state.start(setup="team", clients=1, acts=False)
        state.do_check_understanding("client", False, "Not yet", "professional")

        state.do_move_to(phase=tt.Phase.OPTION_TALK, by="professional")

        state.agrees_with_the_model()
        assert state.conv.phase is tt.Phase.TEAM_TALK
        assert state.conv.events[-1].data["reasons"][0]["code"] == "needs-understanding"

    def test_an_obligation_where_the_protocol_has_none(self):
        """three_talk refuses an obligation (obligations-not-allowed)."""
        state = MACHINES["three_talk"]()
        state.start(setup="options", clients=1, acts=False)

        state.do_propose_option(text="Unpaid work", by="professional", obligation="The law")

        state.agrees_with_the_model()
        assert state.conv.events[-1].data["reasons"][0]["code"] == "obligations-not-allowed"
