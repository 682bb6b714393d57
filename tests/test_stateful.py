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
from threetalk.testing import ConversationStateMachine


class WorkAndIncomeMachine(ConversationStateMachine):
    """The same machine under the protocol that allows imposed decisions."""

    protocol = tt.work_and_income()


class SixStepMachine(ConversationStateMachine):
    """The same machine under a guide with two steps in option and in decision talk."""

    protocol = tt.six_step()


# max_examples and the rest come from the loaded profile (dev or ci, see conftest).
_SETTINGS = settings(stateful_step_count=50)

TestThreeTalk = ConversationStateMachine.TestCase
TestThreeTalk.settings = _SETTINGS

TestWorkAndIncome = WorkAndIncomeMachine.TestCase
TestWorkAndIncome.settings = _SETTINGS

TestSixStep = SixStepMachine.TestCase
TestSixStep.settings = _SETTINGS


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
