"""Scenario tests of rules R1-R14, each held and broken, and of moving between phases."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given

import threetalk as tt
from scenarios import LATER, REVIEW_ON, WHEN, advance, attempt, build, scripted

P = tt.Phase
TALKS = (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK, P.EVALUATION)


class TestR1:
    def test_team_talk_with_client_and_professional(self, clock):
        """Team talk starts once a client and a professional have joined."""
        scene = build(clock)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.TEAM_TALK, by=scene.pro))

        assert result.accepted
        assert scene.conv.phase is P.TEAM_TALK

    @pytest.mark.parametrize("role", [tt.Role.CLIENT, tt.Role.RELATIVE, tt.Role.PROFESSIONAL])
    def test_team_talk_needs_both(self, clock, role):
        """Team talk is refused while a client or a professional is missing."""
        conv = tt.Conversation(clock=clock)
        someone = conv.join("Someone", role)

        result = attempt(conv, lambda: conv.move_to(P.TEAM_TALK, by=someone))

        assert result.refused_once
        assert result.codes == ("needs-client-and-professional",)
        assert conv.phase is P.PREPARATION


class TestR2:
    def test_option_talk_with_problem_and_client_goal(self, clock):
        """Option talk starts once the problem and a client's goal are on record."""
        scene = build(clock, "team")
        scene.conv.state_problem("Progress has stalled", by=scene.pro)
        scene.conv.add_goal("Walk to the shop", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro))

        assert result.accepted
        assert scene.conv.phase is P.OPTION_TALK

    def test_option_talk_needs_problem_and_goal(self, clock):
        """Without problem and goal, both reasons are given at once."""
        scene = build(clock, "team")

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("needs-problem-statement", "needs-client-goal")

    def test_goal_of_a_professional_does_not_count(self, clock):
        """Only a goal named by a client opens option talk."""
        scene = build(clock, "team")
        scene.conv.state_problem("Progress has stalled", by=scene.pro)
        scene.conv.add_goal("Four days a week", by=scene.pro)
        scene.conv.add_goal("Support him", by=scene.relative)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("needs-client-goal",)

    def test_goal_named_in_preparation_counts(self, clock):
        """A client's goal named in preparation counts for option talk."""
        scene = build(clock)
        scene.conv.add_goal("Walk to the shop", by=scene.client)
        scene.conv.move_to(P.TEAM_TALK, by=scene.pro)
        scene.conv.state_problem("Progress has stalled", by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro))

        assert result.accepted


class TestR3:
    def test_decision_talk_with_two_options(self, clock):
        """Two options, each with a consideration, open decision talk."""
        scene = build(clock, "options")

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.accepted
        assert scene.conv.phase is P.DECISION_TALK

    def test_decision_talk_needs_two_options(self, clock):
        """One option is no choice: decision talk is refused with needs-two-options."""
        scene = build(clock, "option")
        only = scene.conv.propose_option("Wait and see", by=scene.client)
        scene.conv.add_consideration(only, tt.Stance.PRO, "Calm", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("needs-two-options",)
        assert "Wait and see" in str(result.error)

    def test_withdrawn_option_does_not_count(self, clock):
        """An option withdrawn in decision talk no longer counts towards the two."""
        scene = build(clock, "decision")
        scene.conv.withdraw_option(scene.days, "Too far away", by=scene.client)
        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("needs-two-options",)

    def test_proposal_rechecks_two_options(self, clock):
        """R3 is checked again when a decision is proposed."""
        scene = build(clock, "preferences")
        scene.conv.withdraw_option(scene.days, "Too far away", by=scene.client)

        result = attempt(scene.conv, scene.propose)

        assert result.refused_once
        assert "needs-two-options" in result.codes

    def test_consent_rechecks_two_options(self, clock):
        """R3 is checked again when the decision becomes final."""
        scene = build(clock, "proposed")
        scene.conv.withdraw_option(scene.days, "Too far away", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.refused_once
        assert result.codes == ("needs-two-options",)
        assert scene.conv.decision is None


class TestR4:
    def test_decision_talk_needs_considerations(self, clock):
        """Options without a pro or con keep decision talk closed, naming every such option."""
        scene = build(clock, "option")
        scene.conv.propose_option("Wait and see", by=scene.client)
        scene.conv.propose_option("Admission", by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("option-without-considerations",)
        assert "Wait and see" in str(result.error)
        assert "Admission" in str(result.error)

    def test_con_counts_as_consideration(self, clock):
        """A con is as good as a pro for R4."""
        scene = build(clock, "option")
        wait = scene.conv.propose_option("Wait and see", by=scene.client)
        admit = scene.conv.propose_option("Admission", by=scene.pro)
        scene.conv.add_consideration(wait, tt.Stance.CON, "Slow", by=scene.relative)
        scene.conv.add_consideration(admit, tt.Stance.CON, "Far away", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.accepted


class TestR5:
    def test_withdrawal_refused_in_option_talk(self, clock):
        """No option is struck during option talk."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.withdraw_option(scene.days, "No", by=scene.client)
        )

        assert result.refused_once
        assert result.codes == ("no-withdrawal-in-option-talk",)
        assert scene.conv.option_state(scene.days).open

    def test_withdrawal_allowed_in_decision_talk(self, clock):
        """In decision talk an option may be withdrawn, with its reason kept."""
        scene = build(clock, "decision")

        result = attempt(
            scene.conv, lambda: scene.conv.withdraw_option(scene.days, "Too far", by=scene.client)
        )

        assert result.accepted
        assert scene.conv.option_state(scene.days).withdrawn == "Too far"

    def test_preference_allowed_in_option_talk(self, clock):
        """Stating a preference is not choosing: it is allowed in option talk."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.state_preference(scene.wait, by=scene.client)
        )

        assert result.accepted
        assert ("p1", "o1") in scene.conv.snapshot().preferences

    def test_no_decision_proposed_in_option_talk(self, clock):
        """A decision cannot be proposed during option talk."""
        scene = build(clock, "options")

        result = attempt(scene.conv, scene.propose)

        assert result.refused_once
        assert result.codes == ("wrong-phase",)

    def test_withdrawn_option_takes_no_preference(self, clock):
        """A withdrawn option can no longer be preferred."""
        scene = build(clock, "decision")
        scene.conv.withdraw_option(scene.days, "Too far", by=scene.client)

        result = attempt(
            scene.conv, lambda: scene.conv.state_preference(scene.days, by=scene.client)
        )

        assert result.refused_once
        assert result.codes == ("option-withdrawn",)

    def test_withdrawn_option_takes_no_consideration(self, clock):
        """Back in option talk, a withdrawn option takes no more pros or cons."""
        scene = build(clock, "decision")
        scene.conv.withdraw_option(scene.days, "Too far", by=scene.client)
        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        result = attempt(
            scene.conv,
            lambda: scene.conv.add_consideration(scene.days, tt.Stance.PRO, "Hm", by=scene.pro),
        )

        assert result.refused_once
        assert result.codes == ("option-withdrawn",)

    def test_withdrawn_option_cannot_be_proposed_as_decision(self, clock):
        """A decision on a withdrawn option is refused."""
        scene = build(clock, "decision")
        scene.conv.state_preference(None, by=scene.client)
        scene.conv.state_preference(None, by=scene.relative)
        scene.conv.withdraw_option(scene.days, "Too far", by=scene.client)

        result = attempt(scene.conv, lambda: scene.propose(scene.days))

        assert result.refused_once
        assert "option-withdrawn" in result.codes

    def test_option_under_proposal_cannot_be_withdrawn(self, clock):
        """The option of the pending proposal is not struck from under it."""
        scene = build(clock, "proposed")

        result = attempt(
            scene.conv, lambda: scene.conv.withdraw_option(scene.wait, "Hm", by=scene.client)
        )

        assert result.refused_once
        assert result.codes == ("option-under-proposal",)

    def test_withdrawing_twice(self, clock):
        """An option is withdrawn once."""
        scene = build(clock, "decision")
        scene.conv.withdraw_option(scene.days, "Too far", by=scene.client)

        result = attempt(
            scene.conv, lambda: scene.conv.withdraw_option(scene.days, "Again", by=scene.client)
        )

        assert result.refused_once
        assert result.codes == ("option-withdrawn",)

    def test_same_option_twice(self, clock):
        """An option already on the table is not added again (case aside)."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.propose_option("WAIT AND SEE", by=scene.relative)
        )

        assert result.refused_once
        assert result.codes == ("option-exists",)

    def test_ruled_out_option_reconsidered(self, clock):
        """An option once withdrawn may be put on the table again, as a new option."""
        scene = build(clock, "decision")
        scene.conv.withdraw_option(scene.days, "Not now", by=scene.client)
        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        again = scene.conv.propose_option(scene.days.text, by=scene.client)

        assert again.id == "o3"
        assert scene.conv.option_state(again).open


class TestR6:
    def test_trial_with_date(self, clock):
        """A trial with an evaluation date is recorded on the option."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.start_trial(scene.days, LATER, by=scene.pro)
        )

        assert result.accepted
        trial = scene.conv.option_state(scene.days).trial
        assert trial is not None
        assert trial.evaluate_on == LATER
        assert trial.running

    @pytest.mark.parametrize("evaluate_on", [None, date(2026, 11, 22), date(2020, 1, 1)])
    def test_trial_needs_future_date(self, clock, evaluate_on):
        """A missing or past evaluation date is invalid input: nothing is recorded."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.start_trial(scene.days, evaluate_on, by=scene.pro)
        )

        assert result.invalid
        assert result.error.argument == "evaluate_on"

    def test_running_trial_blocks_decision(self, clock):
        """An option under a running trial cannot be decided on."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)
        scene.conv.move_to(P.DECISION_TALK, by=scene.pro)
        scene.conv.state_preference(scene.wait, by=scene.client)
        scene.conv.state_preference(None, by=scene.relative)

        result = attempt(scene.conv, scene.propose)

        assert result.refused_once
        assert result.codes == ("trial-still-running",)

    def test_ending_trial_early_allows_decision(self, clock):
        """A trial may be ended before its date; then its option can be decided on."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)
        ended = attempt(
            scene.conv, lambda: scene.conv.end_trial(scene.wait, "Went well", by=scene.client)
        )
        scene.conv.move_to(P.DECISION_TALK, by=scene.pro)
        scene.conv.state_preference(scene.wait, by=scene.client)
        scene.conv.state_preference(None, by=scene.relative)

        result = attempt(scene.conv, scene.propose)

        assert ended.accepted
        assert result.accepted
        assert scene.conv.proposal is not None

    def test_way_back_stays_open_during_trial(self, clock):
        """A running trial does not stop the conversation from moving back to team talk."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.TEAM_TALK, by=scene.pro))

        assert result.accepted

    def test_no_second_trial_while_running(self, clock):
        """A second trial of the same option is refused while the first runs."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)

        result = attempt(
            scene.conv, lambda: scene.conv.start_trial(scene.wait, LATER, by=scene.pro)
        )

        assert result.refused_once
        assert result.codes == ("trial-running",)

    def test_end_trial_without_trial(self, clock):
        """Ending a trial that was never started is refused."""
        scene = build(clock, "options")

        result = attempt(
            scene.conv, lambda: scene.conv.end_trial(scene.wait, "Fine", by=scene.client)
        )

        assert result.refused_once
        assert result.codes == ("no-running-trial",)


class TestR7:
    def test_missing_preference_blocks_proposal(self, clock):
        """A relative without a stated preference blocks a proposal, and is named."""
        scene = build(clock, "decision")
        scene.conv.state_preference(scene.wait, by=scene.client)

        result = attempt(scene.conv, scene.propose)

        assert result.refused_once
        assert result.codes == ("missing-preference",)
        assert "Partner" in str(result.error)

    def test_no_preference_counts(self, clock):
        """An explicit "no preference" from everyone is enough."""
        scene = build(clock, "decision")
        scene.conv.state_preference(None, by=scene.client)
        scene.conv.state_preference(None, by=scene.relative)

        result = attempt(scene.conv, scene.propose)

        assert result.accepted

    def test_professional_needs_no_preference(self, clock):
        """The professional's preference is not required."""
        scene = build(clock, "preferences")

        result = attempt(scene.conv, scene.propose)

        assert result.accepted
        assert scene.pro.id not in dict(scene.conv.snapshot().preferences)

    def test_preferences_survive_moves(self, clock):
        """A preference stated in option talk still counts in decision talk."""
        scene = build(clock, "options")
        scene.conv.state_preference(scene.wait, by=scene.client)
        scene.conv.state_preference(scene.days, by=scene.relative)
        scene.conv.move_to(P.DECISION_TALK, by=scene.pro)

        result = attempt(scene.conv, scene.propose)

        assert result.accepted

    def test_late_client_must_state_preference_and_consent(self, clock):
        """A client who joins after the proposal must state a preference and consent too."""
        scene = build(clock, "proposed")
        late = scene.conv.join("Daughter", tt.Role.CLIENT)
        first = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))
        early = attempt(scene.conv, lambda: scene.conv.consent(by=late))
        scene.conv.state_preference(scene.wait, by=late)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=late))

        assert first.accepted
        assert scene.conv.decision is not None
        assert early.refused_once
        assert early.codes == ("missing-preference",)
        assert result.accepted
        assert scene.conv.decision.how is tt.Decided.AGREED

    def test_late_client_blocks_final_decision_until_consent(self, clock):
        """With a late client, the first client's consent alone is not final."""
        scene = build(clock, "proposed")
        late = scene.conv.join("Daughter", tt.Role.CLIENT)

        scene.conv.consent(by=scene.client)

        assert scene.conv.decision is None
        assert scene.conv.proposal is not None
        assert late.id not in scene.conv.proposal.consents

    def test_late_relative_blocks_final_decision(self, clock):
        """A relative who joins after the proposal must state a preference before it is final."""
        scene = build(clock, "proposed")
        late = scene.conv.join("Brother", tt.Role.RELATIVE)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.refused_once
        assert result.codes == ("missing-preference",)
        assert late.name in str(result.error)

    def test_withdrawing_preferred_option_drops_preference(self, clock):
        """A preference for an option that is withdrawn no longer counts."""
        scene = build(clock, "preferences")
        scene.conv.withdraw_option(scene.wait, "Not now", by=scene.client)

        result = attempt(scene.conv, lambda: scene.propose(scene.days))

        assert result.refused_once
        assert "missing-preference" in result.codes


class TestR8:
    def test_decision_names_who_what_when_review(self, clock):
        """A final decision keeps who, what, when and the review date."""
        scene = build(clock, "decided")

        decision = scene.conv.decision

        assert decision is not None
        assert (decision.who, decision.what) == ("Client and therapist", "Wait six weeks and see")
        assert (decision.when, decision.review_on) == (WHEN, REVIEW_ON)
        assert decision.option == scene.wait

    def test_review_before_when_is_invalid(self, clock):
        """A review date before the start date is invalid input naming review_on."""
        scene = build(clock, "preferences")

        result = attempt(
            scene.conv,
            lambda: scene.conv.propose_decision(
                scene.wait, who="Us", what="Wait", when=WHEN, review_on=date(2026, 11, 30),
                by=scene.pro,
            ),
        )  # fmt: skip

        assert result.invalid
        assert result.error.argument == "review_on"

    @pytest.mark.parametrize("field", ["who", "what"])
    def test_blank_who_or_what_is_invalid(self, clock, field):
        """Who and what must be said: blank text is invalid input naming it."""
        scene = build(clock, "preferences")
        terms = {"who": "Us", "what": "Wait", "when": WHEN, "review_on": REVIEW_ON}
        terms[field] = "   "

        result = attempt(
            scene.conv, lambda: scene.conv.propose_decision(scene.wait, **terms, by=scene.pro)
        )

        assert result.invalid
        assert result.error.argument == field

    def test_when_in_the_past_is_invalid(self, clock):
        """A start date before today is invalid input naming when."""
        scene = build(clock, "preferences")

        result = attempt(
            scene.conv,
            lambda: scene.conv.propose_decision(
                scene.wait, who="Us", what="Wait", when=date(2026, 1, 1), review_on=REVIEW_ON,
                by=scene.pro,
            ),
        )  # fmt: skip

        assert result.invalid
        assert result.error.argument == "when"


class TestR9:
    def test_every_client_consents(self, clock):
        """With two clients, the decision is agreed only after both consent."""
        scene = build(clock, "decision")
        second = scene.conv.join("Son", tt.Role.CLIENT)
        for who in (scene.client, scene.relative, second):
            scene.conv.state_preference(scene.wait, by=who)
        scene.propose()
        scene.conv.consent(by=scene.client)
        halfway = scene.conv.decision

        scene.conv.consent(by=second)

        assert halfway is None
        assert scene.conv.decision is not None
        assert scene.conv.decision.how is tt.Decided.AGREED
        assert scene.conv.proposal is None

    def test_objection_keeps_proposal_and_withdraws_consent(self, clock):
        """An objection leaves the proposal pending and takes back that client's consent."""
        scene = build(clock, "decision")
        second = scene.conv.join("Son", tt.Role.CLIENT)
        for who in (scene.client, scene.relative, second):
            scene.conv.state_preference(scene.wait, by=who)
        scene.propose()
        scene.conv.consent(by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.object("Changed my mind", by=scene.client))

        assert result.accepted
        proposal = scene.conv.proposal
        assert proposal is not None
        assert proposal.consents == frozenset()
        assert proposal.objections == ((scene.client.id, "Changed my mind"),)
        assert scene.conv.decision is None

    def test_consent_after_objection(self, clock):
        """A client who objected can still consent later."""
        scene = build(clock, "proposed")
        scene.conv.object("Not sure", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.accepted
        assert scene.conv.decision is not None

    def test_consent_without_proposal(self, clock):
        """Consent needs a proposal to consent to."""
        scene = build(clock, "preferences")

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.refused_once
        assert result.codes == ("no-pending-proposal",)

    def test_double_consent(self, clock):
        """Consenting twice to the same proposal is refused."""
        scene = _two_clients_one_consented(clock)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.refused_once
        assert result.codes == ("already-consented",)

    def test_new_proposal_starts_without_consents(self, clock):
        """A new proposal replaces the old one and starts with no consents."""
        scene = _two_clients_one_consented(clock)

        scene.propose(scene.days)

        assert scene.conv.proposal is not None
        assert scene.conv.proposal.option == scene.days
        assert scene.conv.proposal.consents == frozenset()

    def test_leaving_decision_talk_drops_proposal(self, clock):
        """Returning to option talk for an alternative drops the pending proposal."""
        scene = build(clock, "proposed")
        scene.conv.object("I want another way", by=scene.client)

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        assert scene.conv.proposal is None
        assert scene.conv.decision is None

    def test_impose_refused_in_three_talk(self, clock):
        """three_talk() never lets a professional impose a decision."""
        scene = build(clock, "proposed")
        scene.conv.object("No", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.impose("The law", by=scene.pro))

        assert result.refused_once
        assert result.codes == ("imposing-not-allowed",)

    def test_impose_allowed_in_work_and_income(self, clock):
        """work_and_income() lets the professional impose, keeping the justification."""
        scene = build(clock, "proposed", protocol=tt.work_and_income())
        scene.conv.object("No", by=scene.client)

        result = attempt(
            scene.conv, lambda: scene.conv.impose("Participation Act duty", by=scene.pro)
        )

        assert result.accepted
        decision = scene.conv.decision
        assert decision is not None
        assert decision.how is tt.Decided.IMPOSED
        assert decision.justification == "Participation Act duty"

    def test_impose_needs_justification(self, clock):
        """Imposing without a justification is invalid input."""
        scene = build(clock, "proposed", protocol=tt.work_and_income())

        result = attempt(scene.conv, lambda: scene.conv.impose("  ", by=scene.pro))

        assert result.invalid
        assert result.error.argument == "justification"

    def test_impose_needs_proposal(self, clock):
        """Imposing needs a pending proposal."""
        scene = build(clock, "preferences", protocol=tt.work_and_income())

        result = attempt(scene.conv, lambda: scene.conv.impose("Law", by=scene.pro))

        assert result.refused_once
        assert result.codes == ("no-pending-proposal",)

    def test_agreed_decision_has_no_justification(self, clock):
        """An agreed decision carries no justification."""
        scene = build(clock, "decided")

        decision = scene.conv.decision

        assert decision is not None
        assert decision.how is tt.Decided.AGREED
        assert decision.justification is None


class TestR10:
    def test_delegated_decision_is_final(self, clock):
        """After every client delegates, the professional's proposal is final as DELEGATED."""
        scene = build(clock, "preferences")
        scene.conv.delegate(scene.pro, by=scene.client)

        result = attempt(scene.conv, scene.propose)

        assert result.accepted
        assert scene.conv.proposal is None
        assert scene.conv.decision is not None
        assert scene.conv.decision.how is tt.Decided.DELEGATED

    def test_delegation_recorded(self, clock):
        """A delegation is recorded explicitly in the state and the log."""
        scene = build(clock, "decision")

        scene.conv.delegate(scene.pro, by=scene.client)

        assert scene.conv.snapshot().delegations == ((scene.client.id, scene.pro.id),)
        assert scene.conv.events[-1].kind == "delegated"
        assert scene.conv.events[-1].data["to"] == scene.pro.id

    def test_every_client_must_delegate(self, clock):
        """With two clients, one delegation leaves the proposal waiting for consent."""
        scene = build(clock, "decision")
        second = scene.conv.join("Son", tt.Role.CLIENT)
        for who in (scene.client, scene.relative, second):
            scene.conv.state_preference(None, by=who)
        scene.conv.delegate(scene.pro, by=scene.client)

        scene.propose()

        assert scene.conv.decision is None
        assert scene.conv.proposal is not None

    def test_delegation_by_every_client(self, clock):
        """Two clients who both delegate let the professional decide."""
        scene = build(clock, "decision")
        second = scene.conv.join("Son", tt.Role.CLIENT)
        for who in (scene.client, scene.relative, second):
            scene.conv.state_preference(None, by=who)
        scene.conv.delegate(scene.pro, by=scene.client)
        scene.conv.delegate(scene.pro, by=second)

        scene.propose()

        assert scene.conv.decision is not None
        assert scene.conv.decision.how is tt.Decided.DELEGATED

    @pytest.mark.parametrize("delegator", ["relative", "pro"])
    def test_only_clients_delegate(self, clock, delegator):
        """A relative or professional cannot delegate."""
        scene = build(clock, "decision")
        actor = getattr(scene, delegator)

        result = attempt(scene.conv, lambda: scene.conv.delegate(scene.pro, by=actor))

        assert result.refused_once
        assert result.codes == ("only-clients-delegate",)

    @pytest.mark.parametrize("to", ["relative", "client"])
    def test_only_to_professionals(self, clock, to):
        """A decision is handed only to a professional."""
        scene = build(clock, "decision")
        target = getattr(scene, to)

        result = attempt(scene.conv, lambda: scene.conv.delegate(target, by=scene.client))

        assert result.refused_once
        assert result.codes == ("delegate-to-professional",)

    def test_delegated_decision_still_needs_preferences(self, clock):
        """Delegation does not lift R7: every client and relative states a preference."""
        scene = build(clock, "decision")
        scene.conv.delegate(scene.pro, by=scene.client)

        result = attempt(scene.conv, scene.propose)

        assert result.refused_once
        assert "missing-preference" in result.codes

    def test_reopening_ends_delegation(self, clock):
        """A delegation belongs to one decision: after reopening, proposals wait for consent."""
        scene = build(clock, "preferences")
        scene.conv.delegate(scene.pro, by=scene.client)
        scene.propose()
        scene.conv.move_to(P.OPTION_TALK, by=scene.client)
        scene.conv.move_to(P.DECISION_TALK, by=scene.client)

        scene.propose(scene.days)

        assert scene.conv.decision is None
        assert scene.conv.proposal is not None
        assert scene.conv.snapshot().delegations == ()

    def test_other_professional_proposal_is_not_final(self, clock):
        """Only the professional delegated to decides; another one's proposal waits."""
        scene = build(clock, "preferences")
        other = scene.conv.join("Nurse", tt.Role.PROFESSIONAL)
        scene.conv.delegate(scene.pro, by=scene.client)

        scene.propose(by=other)

        assert scene.conv.decision is None
        assert scene.conv.proposal is not None


class TestR11:
    @pytest.mark.parametrize("stage", ["joined", "team", "options", "decision", "evaluation"])
    def test_resume_returns_to_phase_left(self, clock, stage):
        """Pausing from any phase and resuming returns to that phase."""
        scene = build(clock, stage)
        left = scene.conv.phase
        scene.conv.pause(LATER, "Time to think", by=scene.client)
        paused = scene.conv.phase

        scene.conv.resume(by=scene.pro)

        assert paused is P.PAUSED
        assert scene.conv.phase is left
        assert scene.conv.snapshot().resume_phase is None

    def test_commands_while_paused_are_refused(self, clock):
        """Every command but resume, join and close is refused while paused."""
        scene = build(clock, "decision")
        scene.conv.pause(LATER, "Time to think", by=scene.client)
        commands = [
            lambda: scene.conv.state_preference(None, by=scene.client),
            lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro),
            lambda: scene.conv.pause(LATER, "Again", by=scene.pro),
            scene.propose,
            lambda: scene.conv.withdraw_option(scene.days, "No", by=scene.client),
        ]

        results = [attempt(scene.conv, command) for command in commands]

        assert all(result.refused_once for result in results)
        assert {result.codes for result in results} == {("conversation-paused",)}

    def test_join_while_paused(self, clock):
        """Someone can join while the conversation is paused."""
        scene = build(clock, "team")
        scene.conv.pause(LATER, "Think", by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.join("Sister", tt.Role.RELATIVE))

        assert result.accepted
        assert scene.conv.phase is P.PAUSED

    def test_pause_needs_date_not_in_past(self, clock):
        """A pause until a past date is invalid input naming until."""
        scene = build(clock, "team")

        result = attempt(
            scene.conv, lambda: scene.conv.pause(date(2026, 1, 1), "Think", by=scene.client)
        )

        assert result.invalid
        assert result.error.argument == "until"

    def test_resume_when_not_paused(self, clock):
        """Resuming a conversation that is not paused is refused."""
        scene = build(clock, "team")

        result = attempt(scene.conv, lambda: scene.conv.resume(by=scene.pro))

        assert result.refused_once
        assert result.codes == ("not-paused",)

    def test_pause_records_until(self, clock):
        """The resume date is kept while paused."""
        scene = build(clock, "team")

        scene.conv.pause(LATER, "Think", by=scene.client)

        assert scene.conv.snapshot().paused_until == LATER

    def test_pause_keeps_proposal(self, clock):
        """Pausing on a pending proposal keeps it for after the pause."""
        scene = build(clock, "proposed")
        scene.conv.pause(LATER, "Sleep on it", by=scene.client)
        scene.conv.resume(by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.accepted
        assert scene.conv.decision is not None

    def test_why_not_while_paused(self, clock):
        """While paused no move is possible, and why_not says so."""
        scene = build(clock, "options")
        scene.conv.pause(LATER, "Think", by=scene.client)

        reasons = scene.conv.why_not(P.DECISION_TALK)

        assert [reason.code for reason in reasons] == ["conversation-paused"]
        assert scene.conv.allowed_moves() == frozenset()


class TestR12:
    @pytest.mark.parametrize(
        ("stage", "target"),
        [
            ("decided", P.OPTION_TALK),
            ("decided", P.TEAM_TALK),
            ("evaluation", P.DECISION_TALK),
            ("evaluation", P.OPTION_TALK),
            ("evaluation", P.TEAM_TALK),
        ],
    )
    def test_reopening_clears_decision(self, clock, stage, target):
        """Moving back after a decision reopens it: cleared, and the move says so."""
        scene = build(clock, stage)

        scene.conv.move_to(target, by=scene.client)

        assert scene.conv.decision is None
        moved = [event for event in scene.conv.events if event.kind == "moved"][-1]
        assert moved.data == {"to": target.value, "reopened": True}
        assert any(event.kind == "decided" for event in scene.conv.events)

    def test_plain_move_is_not_reopening(self, clock):
        """A move without a decision behind it does not record a reopening."""
        scene = build(clock, "decision")

        scene.conv.move_to(P.OPTION_TALK, by=scene.pro)

        moved = [event for event in scene.conv.events if event.kind == "moved"][-1]
        assert moved.data == {"to": "option_talk", "reopened": False}

    def test_moving_to_evaluation_keeps_decision(self, clock):
        """Going on to evaluation keeps the decision and reopens nothing."""
        scene = build(clock, "evaluation")

        moved = scene.conv.events[-1]

        assert moved.kind == "moved"
        assert moved.data["reopened"] is False
        assert scene.conv.decision is not None

    def test_decision_talk_after_decision_refuses_new_proposal(self, clock):
        """Without reopening, a decided conversation takes no new proposal."""
        scene = build(clock, "decided")

        result = attempt(scene.conv, lambda: scene.propose(scene.days))

        assert result.refused_once
        assert result.codes == ("already-decided",)

    def test_reopened_decision_can_be_decided_again(self, clock):
        """After reopening, a new decision can be made."""
        scene = build(clock, "evaluation")
        scene.conv.move_to(P.DECISION_TALK, by=scene.client)
        scene.propose(scene.days)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        assert result.accepted
        assert scene.conv.decision is not None
        assert scene.conv.decision.option == scene.days

    def test_reopening_still_needs_entry_rules(self, clock):
        """After reopening, decision talk is entered only if its rules hold again."""
        scene = build(clock, "evaluation")
        scene.conv.move_to(P.OPTION_TALK, by=scene.client)
        scene.conv.propose_option("Admission", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("option-without-considerations",)


class TestR13:
    def test_evaluation_after_decision(self, clock):
        """With a decision, evaluation starts and records outcome and process."""
        scene = build(clock, "evaluation")

        result = attempt(
            scene.conv,
            lambda: scene.conv.evaluate(
                outcome="Walking further", process="I was heard", by=scene.client
            ),
        )

        assert result.accepted
        (evaluation,) = scene.conv.snapshot().evaluations
        assert evaluation == tt.Evaluation("Walking further", "I was heard", scene.client.id)

    def test_evaluation_needs_decision_or_trial(self, clock):
        """Without a decision or finished trial, evaluation is refused."""
        scene = build(clock, "options")

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.EVALUATION, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("nothing-to-evaluate",)

    def test_running_trial_is_not_enough(self, clock):
        """A trial still running gives nothing to look back on."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.EVALUATION, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("nothing-to-evaluate",)

    def test_finished_trial_is_enough(self, clock):
        """A finished trial can be evaluated without a decision."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.wait, LATER, by=scene.pro)
        scene.conv.end_trial(scene.wait, "It went well", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.EVALUATION, by=scene.pro))

        assert result.accepted

    @pytest.mark.parametrize("missing", ["outcome", "process"])
    def test_evaluation_records_both(self, clock, missing):
        """An evaluation without an outcome or a process is invalid input naming it."""
        scene = build(clock, "evaluation")
        texts = {"outcome": "Fine", "process": "Heard"}
        texts[missing] = ""

        result = attempt(scene.conv, lambda: scene.conv.evaluate(**texts, by=scene.client))

        assert result.invalid
        assert result.error.argument == missing

    def test_end_trial_in_evaluation(self, clock):
        """A trial still running after the decision can be ended in evaluation."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.days, LATER, by=scene.pro)
        advance(scene, "decision", "preferences", "proposed", "decided", "evaluation")

        result = attempt(
            scene.conv, lambda: scene.conv.end_trial(scene.days, "Stopped", by=scene.client)
        )

        assert result.accepted


class TestR14:
    @pytest.mark.parametrize(
        ("who", "command", "code"),
        [
            ("relative", "consent", "only-clients-consent"),
            ("pro", "consent", "only-clients-consent"),
            ("relative", "object", "only-clients-object"),
            ("pro", "object", "only-clients-object"),
            ("client", "impose", "only-professionals-impose"),
            ("relative", "impose", "only-professionals-impose"),
        ],
    )
    def test_role_permissions(self, clock, who, command, code):
        """Only clients consent or object; only professionals impose."""
        scene = build(clock, "proposed", protocol=tt.work_and_income())
        actor = getattr(scene, who)
        calls = {
            "consent": lambda: scene.conv.consent(by=actor),
            "object": lambda: scene.conv.object("No", by=actor),
            "impose": lambda: scene.conv.impose("Law", by=actor),
        }

        result = attempt(scene.conv, calls[command])

        assert result.refused_once
        assert result.codes == (code,)
        assert scene.conv.events[-1].actor == actor.id

    def test_foreign_participant(self, clock):
        """A participant of another conversation cannot act here."""
        scene = build(clock, "team")
        other = build(clock, "team", conversation_id="c2")

        result = attempt(scene.conv, lambda: scene.conv.add_concern("Worry", by=other.client))

        assert result.invalid
        assert isinstance(result.error, tt.UnknownParticipant)
        assert result.error.argument == "by"

    def test_forged_participant(self, clock):
        """A made-up participant with this conversation's id is unknown."""
        scene = build(clock, "team")
        ghost = tt.Participant("p9", "Ghost", tt.Role.PROFESSIONAL, scene.conv.id)

        result = attempt(scene.conv, lambda: scene.conv.add_concern("Boo", by=ghost))

        assert result.invalid
        assert isinstance(result.error, tt.UnknownParticipant)

    def test_impostor_with_known_id(self, clock):
        """Claiming a known id with another role does not pass as that participant."""
        scene = build(clock, "proposed")
        impostor = attrs.evolve(scene.relative, role=tt.Role.CLIENT)

        result = attempt(scene.conv, lambda: scene.conv.consent(by=impostor))

        assert isinstance(result.error, tt.UnknownParticipant)
        assert not result.new_events

    def test_delegate_to_stranger(self, clock):
        """Delegating to someone who has not joined names the argument to."""
        scene = build(clock, "decision")
        other = build(clock, "decision", conversation_id="c2")

        result = attempt(scene.conv, lambda: scene.conv.delegate(other.pro, by=scene.client))

        assert isinstance(result.error, tt.UnknownParticipant)
        assert result.error.argument == "to"
        assert result.invalid

    def test_every_act_attributed_and_time_stamped(self, clock):
        """Every command event names its actor and has an aware time in order."""
        scene = build(clock, "evaluation")

        events = scene.conv.events

        commands = [e for e in events if e.kind not in {"opened", "advisory"}]
        assert all(e.actor in {p.id for p in scene.conv.participants} for e in commands)
        assert all(e.at.tzinfo is not None for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)

    def test_preference_is_the_actors_own(self, clock):
        """A stated preference is recorded for the actor, not anybody else."""
        scene = build(clock, "decision")

        scene.conv.state_preference(scene.days, by=scene.relative)

        assert dict(scene.conv.snapshot().preferences) == {scene.relative.id: scene.days.id}

    def test_name_taken(self, clock):
        """Two participants cannot share a name (case aside)."""
        scene = build(clock)

        result = attempt(scene.conv, lambda: scene.conv.join("CLIENT", tt.Role.RELATIVE))

        assert result.refused_once
        assert result.codes == ("name-taken",)


class TestRefusalEvent:
    def test_refusal_records_command_args_and_reasons(self, clock):
        """A refusal event names the command, its arguments, and every reason with its rule."""
        scene = build(clock, "option")
        scene.conv.propose_option("Wait and see", by=scene.client)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        (event,) = result.new_events
        assert event.actor == scene.pro.id
        assert event.phase is P.OPTION_TALK
        assert event.data["command"] == "move_to"
        assert event.data["args"] == {"phase": "decision_talk"}
        assert [(r["code"], r["rule"]) for r in event.data["reasons"]] == [
            ("needs-two-options", "R3"),
            ("option-without-considerations", "R4"),
        ]
        assert all(reason.message in str(result.error) for reason in result.error.reasons)

    def test_refused_join_has_no_actor(self, clock):
        """A refused join is logged without an actor, with the name tried."""
        scene = build(clock)

        result = attempt(scene.conv, lambda: scene.conv.join("Client", tt.Role.CLIENT))

        assert result.refused_once
        assert result.new_events[0].actor is None
        assert result.new_events[0].data["args"] == {"name": "Client", "role": "client"}


class TestClose:
    def test_commands_after_close_refused_and_logged(self, clock):
        """After close every command is refused with conversation-closed, and logged."""
        scene = build(clock, "decision")
        scene.conv.close("Done for now", by=scene.pro)
        commands = [
            lambda: scene.conv.join("Late", tt.Role.RELATIVE),
            lambda: scene.conv.state_preference(None, by=scene.client),
            lambda: scene.conv.move_to(P.OPTION_TALK, by=scene.pro),
            lambda: scene.conv.pause(LATER, "Think", by=scene.pro),
            lambda: scene.conv.resume(by=scene.pro),
            lambda: scene.conv.close(by=scene.pro),
            lambda: scene.conv.delegate(scene.pro, by=scene.client),
            scene.propose,
            lambda: scene.conv.consent(by=scene.client),
            lambda: scene.conv.add_topic("More", by=scene.client),
        ]

        results = [attempt(scene.conv, command) for command in commands]

        assert all(result.refused_once for result in results)
        assert {result.codes for result in results} == {("conversation-closed",)}
        assert scene.conv.phase is P.CLOSED

    def test_close_while_paused(self, clock):
        """A paused conversation can be closed."""
        scene = build(clock, "team")
        scene.conv.pause(LATER, "Think", by=scene.pro)

        result = attempt(scene.conv, lambda: scene.conv.close(by=scene.pro))

        assert result.accepted
        assert scene.conv.phase is P.CLOSED
        assert scene.conv.snapshot().resume_phase is None
        assert scene.conv.snapshot().paused_until is None

    def test_close_keeps_reason(self, clock):
        """The reason given for closing is kept."""
        scene = build(clock, "evaluation")

        scene.conv.close("All done", by=scene.client)

        assert scene.conv.snapshot().closed_reason == "All done"


class TestWrongPhase:
    @pytest.mark.parametrize(
        ("stage", "command"),
        [
            ("joined", "state_problem"),
            ("joined", "add_concern"),
            ("team", "propose_option"),
            ("option", "add_topic"),
            ("options", "delegate"),
            ("options", "evaluate"),
            ("decision", "add_goal"),
            ("decision", "propose_option"),
            ("decision", "start_trial"),
            ("evaluation", "state_preference"),
            ("evaluation", "consent"),
        ],
    )
    def test_command_in_wrong_phase(self, clock, stage, command):
        """A command outside its phases is refused with wrong-phase."""
        scene = build(clock, stage)
        option = scene.options[0] if scene.options else None
        conv = scene.conv
        calls = {
            "state_problem": lambda: conv.state_problem("Stuck", by=scene.pro),
            "add_concern": lambda: conv.add_concern("Money", by=scene.client),
            "propose_option": lambda: conv.propose_option("Admission", by=scene.client),
            "add_topic": lambda: conv.add_topic("Work", by=scene.client),
            "delegate": lambda: conv.delegate(scene.pro, by=scene.client),
            "evaluate": lambda: conv.evaluate("Good", "Heard", by=scene.client),
            "add_goal": lambda: conv.add_goal("Walk", by=scene.client),
            "start_trial": lambda: conv.start_trial(option, LATER, by=scene.pro),
            "state_preference": lambda: conv.state_preference(option, by=scene.client),
            "consent": lambda: conv.consent(by=scene.client),
        }

        result = attempt(conv, calls[command])

        assert result.refused_once
        assert result.codes == ("wrong-phase",)


def _at(clock, phase):
    """A conversation in ``phase`` with every entry rule of every talk met."""
    scene = build(clock, "options")
    scene.conv.start_trial(scene.days, LATER, by=scene.pro)
    scene.conv.end_trial(scene.days, "Tiring but useful", by=scene.client)
    advance(scene, "decision", "preferences", "proposed", "decided")
    if phase is not P.DECISION_TALK:
        scene.conv.move_to(phase, by=scene.pro)
    return scene


class TestNonLinear:
    @pytest.mark.parametrize("source", TALKS)
    @pytest.mark.parametrize("target", TALKS)
    def test_every_talk_reaches_every_other(self, clock, source, target):
        """With every rule met, each talk phase can move to each other talk phase."""
        scene = _at(clock, source)

        result = attempt(scene.conv, lambda: scene.conv.move_to(target, by=scene.pro))

        if source is target:
            assert result.refused_once
            assert result.codes == ("already-there",)
        else:
            assert result.accepted
            assert scene.conv.phase is target

    @pytest.mark.parametrize("target", [P.OPTION_TALK, P.DECISION_TALK, P.EVALUATION])
    def test_preparation_leads_to_team_talk_only(self, clock, target):
        """From preparation the way out is team talk."""
        scene = build(clock)

        result = attempt(scene.conv, lambda: scene.conv.move_to(target, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("no-such-move",)

    @pytest.mark.parametrize("target", [P.PAUSED, P.CLOSED, P.PREPARATION])
    def test_no_move_to_paused_closed_or_preparation(self, clock, target):
        """Pausing and closing have their own commands; preparation is not returned to."""
        scene = build(clock, "options")

        result = attempt(scene.conv, lambda: scene.conv.move_to(target, by=scene.pro))

        assert result.refused_once
        assert result.codes == ("no-such-move",)
        assert target not in scene.conv.allowed_moves()

    def test_team_talk_back_from_option_talk(self, clock):
        """Option talk can go back to team talk to restate the problem."""
        scene = build(clock, "options")
        scene.conv.move_to(P.TEAM_TALK, by=scene.client)

        scene.conv.state_problem("Actually, it is about sleep", by=scene.client)

        assert scene.conv.snapshot().problem == tt.Statement(
            "Actually, it is about sleep", scene.client.id
        )


class TestWhyNot:
    def test_why_not_lists_every_reason(self, clock):
        """why_not gives every unmet rule, equal to the refusal's reasons."""
        scene = build(clock, "option")
        scene.conv.propose_option("Wait and see", by=scene.client)
        reasons = scene.conv.why_not(P.DECISION_TALK)

        result = attempt(scene.conv, lambda: scene.conv.move_to(P.DECISION_TALK, by=scene.pro))

        assert [reason.code for reason in reasons] == [
            "needs-two-options",
            "option-without-considerations",
        ]
        assert result.error.reasons == reasons
        assert all(reason.rule in {"R3", "R4"} for reason in reasons)

    @pytest.mark.parametrize(
        "stage", ["joined", "team", "option", "options", "decision", "decided", "evaluation"]
    )
    def test_queries_agree(self, clock, stage):
        """can_move_to and allowed_moves agree with why_not for every phase."""
        scene = build(clock, stage)
        conv = scene.conv

        verdicts = {phase: conv.why_not(phase) for phase in P}

        for phase, reasons in verdicts.items():
            assert conv.can_move_to(phase) is (not reasons)
        assert conv.allowed_moves() == frozenset(p for p, r in verdicts.items() if not r)

    @pytest.mark.parametrize("stage", ["joined", "team", "option", "options", "decided"])
    def test_why_not_matches_move_outcome(self, clock, stage):
        """For every phase, move_to is refused with exactly why_not's reasons, or accepted."""
        outcomes = {}
        for phase in P:
            scene = build(clock, stage)
            expected = scene.conv.why_not(phase)
            result = attempt(scene.conv, lambda s=scene, t=phase: s.conv.move_to(t, by=s.pro))
            outcomes[phase] = (expected, result)

        for expected, result in outcomes.values():
            if expected:
                assert result.refused_once
                assert result.error.reasons == expected
            else:
                assert result.accepted

    def test_why_not_does_not_log(self, clock):
        """Asking why_not appends nothing."""
        scene = build(clock, "team")
        count = len(scene.conv.events)

        scene.conv.why_not(P.DECISION_TALK)

        assert len(scene.conv.events) == count

    def test_why_not_wrong_type(self, clock):
        """why_not of something that is not a phase is invalid input."""
        scene = build(clock, "team")

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.why_not("team_talk")

        assert info.value.argument == "phase"

    def test_refusal_message_in_plain_words(self, clock):
        """A refusal's message reads as words for the professional, naming the phase."""
        scene = build(clock)
        conv = tt.Conversation(clock=clock)
        someone = conv.join("Someone", tt.Role.CLIENT)

        with pytest.raises(tt.Refused) as info:
            conv.move_to(P.TEAM_TALK, by=someone)

        assert str(info.value).startswith("Team talk cannot start yet:")
        assert "professional" in str(info.value)
        assert scene.conv.phase is P.PREPARATION


def _invariants(scene, command, error):
    """What must hold after every command of any script."""
    conv = scene.conv
    snap = conv.snapshot()
    people = {p.id: p for p in conv.participants}
    clients = {pid for pid, p in people.items() if p.role is tt.Role.CLIENT}
    # (A closed conversation that was paused is TestClose's concern.)
    if snap.phase is not P.CLOSED:
        assert (snap.phase is P.PAUSED) is (snap.resume_phase is not None)
        assert (snap.phase is P.PAUSED) is (snap.paused_until is not None)
    for who, to in snap.delegations:
        assert who in clients
        assert people[to].role is tt.Role.PROFESSIONAL
    if snap.phase is P.OPTION_TALK:
        assert snap.problem is not None
        assert any(people[goal.by].role is tt.Role.CLIENT for goal in snap.goals)
    if snap.proposal is not None:
        assert snap.proposal.consents <= clients
        assert snap.decision is None
    decision = snap.decision
    if decision is not None:
        item = conv.option_state(decision.option)
        assert item.open
        assert item.trial is None or not item.trial.running
        assert (decision.how is tt.Decided.IMPOSED) is (decision.justification is not None)
        assert decision.how is not tt.Decided.IMPOSED or conv.protocol.allows_imposition
        assert decision.review_on >= decision.when
    if command == "move_to" and isinstance(error, tt.Refused):
        target = P(conv.events[-1].data["args"]["phase"])
        assert conv.why_not(target) == error.reasons
    for event in conv.events:
        assert event.actor is None or event.actor in people


class TestInvariants:
    @given(scripted(_invariants))
    def test_rules_hold_after_any_script(self, scene):
        """After every command of a random script the rules hold on the state."""
        conv = scene.conv

        again = tt.replay(conv.events, conv.protocol)

        assert again.snapshot() == conv.snapshot()


def _two_clients_one_consented(clock):
    """Decision talk with two clients, a proposal, and the first client's consent to it."""
    scene = build(clock, "decision")
    second = scene.conv.join("Son", tt.Role.CLIENT)
    for who in (scene.client, scene.relative, second):
        scene.conv.state_preference(None, by=who)
    scene.propose()
    scene.conv.consent(by=scene.client)
    return scene
