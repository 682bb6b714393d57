"""The acts the practice guides name: what each records, who may give it, and the rules and
advisories that read them (R15, R16, A5, A6).

Each test builds its conversation by hand, so the expected outcome follows from the lines
above it; ``tests/test_stateful.py`` compares the same acts against the reference model.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import jsonschema
import pytest

import threetalk as tt

if TYPE_CHECKING:
    from collections.abc import Callable

P = tt.Phase
WHEN = date(2027, 1, 4)
REVIEW = date(2027, 3, 1)


def _clock() -> Callable[[], datetime]:
    ticks = iter(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n) for n in range(999))
    return lambda: next(ticks)


@attrs.define
class Cast:
    conv: tt.Conversation
    client: tt.Participant
    relative: tt.Participant
    pro: tt.Participant


def _cast(protocol: tt.Protocol | None = None) -> Cast:
    conv = tt.Conversation(protocol or tt.three_talk(), clock=_clock())
    client = conv.join("Mira", tt.Role.CLIENT)
    relative = conv.join("Joost", tt.Role.RELATIVE)
    pro = conv.join("Dr. Smit", tt.Role.PROFESSIONAL)
    return Cast(conv, client, relative, pro)


def _to_option_talk(cast: Cast) -> None:
    conv = cast.conv
    if conv.phase is not P.TEAM_TALK:
        conv.move_to(P.TEAM_TALK, by=cast.pro)
    conv.state_problem("Back at work too soon", by=cast.pro)
    conv.add_goal("Work three days a week", by=cast.client)
    if any(r.code == "needs-understanding" for r in conv.protocol.entry_rules[P.OPTION_TALK]):
        conv.check_understanding(cast.client, understood=True, note="Said it back", by=cast.pro)
    conv.move_to(P.OPTION_TALK, by=cast.pro)


def _two_options(cast: Cast) -> tuple[tt.Option, tt.Option]:
    conv = cast.conv
    a = conv.propose_option("Start with two mornings", by=cast.client)
    b = conv.propose_option("Coaching first", by=cast.pro)
    conv.add_consideration(a, tt.Stance.PRO, "Easy start", by=cast.client)
    conv.add_consideration(b, tt.Stance.CON, "Takes months", by=cast.relative)
    return a, b


def _to_decision(cast: Cast, option: tt.Option) -> None:
    conv = cast.conv
    conv.move_to(P.DECISION_TALK, by=cast.pro)
    conv.state_preference(option, by=cast.client)
    conv.state_preference(option, by=cast.relative)


def _decide(cast: Cast, option: tt.Option) -> None:
    cast.conv.propose_decision(
        option, who="Mira", what="Start", when=WHEN, review_on=REVIEW, by=cast.pro
    )
    cast.conv.consent(by=cast.client)


def _refused(call: Callable[[], object]) -> tt.Refused:
    with pytest.raises(tt.Refused) as info:
        call()
    return info.value


def _invalid(conv: tt.Conversation, call: Callable[[], object]) -> tt.InvalidInput:
    before, count = conv.snapshot(), len(conv.events)
    with pytest.raises(tt.InvalidInput) as info:
        call()
    assert len(conv.events) == count
    assert conv.snapshot() == before
    return info.value


# ---------------------------------------------------------------------- role preference


class TestRolePreference:
    def test_a_client_says_how_they_want_to_decide_and_the_latest_counts(self) -> None:
        cast = _cast()
        conv = cast.conv

        conv.state_role_preference(tt.DecisionRole.SHARE, by=cast.client)
        conv.state_role_preference(tt.DecisionRole.LEAVE_TO_PROFESSIONAL, by=cast.client)
        conv.state_role_preference(tt.DecisionRole.DECIDE_MYSELF, by=cast.relative)

        assert conv.events[-1].kind == "role-preference-stated"
        assert conv.events[-1].data["preference"] == "decide_myself"
        assert dict(conv.role_preferences) == {
            cast.client.id: tt.DecisionRole.LEAVE_TO_PROFESSIONAL,
            cast.relative.id: tt.DecisionRole.DECIDE_MYSELF,
        }
        assert conv.snapshot().to_dict()["role_preferences"] == {
            cast.client.id: "leave_to_professional",
            cast.relative.id: "decide_myself",
        }

    def test_a_professional_is_refused_with_a_permission_code(self) -> None:
        cast = _cast()

        refusal = _refused(
            lambda: cast.conv.state_role_preference(tt.DecisionRole.SHARE, by=cast.pro)
        )

        assert refusal.codes == ("only-clients-and-relatives-state-role-preferences",)
        assert refusal.reasons[0].rule == "R14"
        assert "professional" in refusal.reasons[0].text("nl")
        assert cast.conv.events[-1].kind == "refused"

    def test_it_belongs_in_preparation_and_team_talk(self) -> None:
        cast = _cast()
        _to_option_talk(cast)

        refusal = _refused(
            lambda: cast.conv.state_role_preference(tt.DecisionRole.SHARE, by=cast.client)
        )

        assert refusal.codes == ("wrong-phase",)

    def test_a_role_preference_that_is_not_a_decision_role_is_invalid(self) -> None:
        cast = _cast()

        error = _invalid(
            cast.conv, lambda: cast.conv.state_role_preference("share", by=cast.client)
        )

        assert error.argument == "preference"


# ---------------------------------------------------------------------- SURE and A5


class TestSure:
    @pytest.mark.parametrize(
        ("answers", "score"), [((True, True, True, True), 4), ((False, True, True, False), 2)]
    )
    def test_the_score_is_the_number_of_yes(self, answers: tuple[bool, ...], score: int) -> None:
        cast = _cast()
        _to_option_talk(cast)
        sure, informed, values_clear, supported = answers

        cast.conv.check_conflict(
            sure=sure,
            informed=informed,
            values_clear=values_clear,
            supported=supported,
            by=cast.client,
        )

        check = cast.conv.sure_checks[cast.client.id]
        assert check.score == score
        assert check.conflict is (score < 4)
        assert check.to_dict()["score"] == score

    @pytest.mark.parametrize("bad", [1, 0, "yes", None])
    def test_an_answer_that_is_not_a_bool_is_invalid(self, bad: object) -> None:
        cast = _cast()
        _to_option_talk(cast)

        error = _invalid(
            cast.conv,
            lambda: cast.conv.check_conflict(
                sure=True,
                informed=bad,
                values_clear=True,
                supported=True,
                by=cast.client,  # type: ignore[arg-type]
            ),
        )

        assert error.argument == "informed"

    def test_a_professionals_own_sure_check_is_refused(self) -> None:
        cast = _cast()
        _to_option_talk(cast)

        refusal = _refused(
            lambda: cast.conv.check_conflict(
                sure=True, informed=True, values_clear=True, supported=True, by=cast.pro
            )
        )

        assert refusal.codes == ("only-clients-and-relatives-check-conflict",)

    def test_a5_when_a_clients_latest_score_is_below_four(self) -> None:
        cast = _cast()
        conv = cast.conv
        _to_option_talk(cast)
        a, _b = _two_options(cast)
        conv.check_conflict(
            sure=True, informed=True, values_clear=True, supported=True, by=cast.client
        )
        conv.check_conflict(
            sure=False, informed=True, values_clear=True, supported=True, by=cast.client
        )
        # A relative's doubt is no client's: A5 looks at clients only.
        conv.check_conflict(
            sure=False, informed=False, values_clear=True, supported=True, by=cast.relative
        )
        _to_decision(cast, a)

        _decide(cast, a)

        (a5,) = [adv for adv in conv.advisories if adv.rule == "A5"]
        assert a5.code == "decisional-conflict"
        assert a5.participant == cast.client.id
        assert "3 of 4" in a5.message
        assert "3 van 4" in a5.text("nl")

    def test_no_a5_once_the_client_is_sure(self) -> None:
        cast = _cast()
        conv = cast.conv
        _to_option_talk(cast)
        a, _b = _two_options(cast)
        conv.check_conflict(
            sure=False, informed=True, values_clear=True, supported=True, by=cast.client
        )
        _to_decision(cast, a)
        conv.check_conflict(
            sure=True, informed=True, values_clear=True, supported=True, by=cast.client
        )

        _decide(cast, a)

        assert [adv.rule for adv in conv.advisories if adv.rule in {"A5", "A6"}] == []


# ---------------------------------------------------------------------- teach-back and R15


class TestTeachBack:
    def test_a_professional_records_a_clients_understanding(self) -> None:
        cast = _cast()
        cast.conv.move_to(P.TEAM_TALK, by=cast.pro)

        cast.conv.check_understanding(
            cast.relative, understood=False, note="Mixed up the two plans", by=cast.pro
        )

        check = cast.conv.understanding[cast.relative.id]
        assert (check.of, check.understood, check.by) == (cast.relative.id, False, cast.pro.id)

    def test_of_oneself_or_of_a_professional_is_invalid(self) -> None:
        cast = _cast()
        conv = cast.conv
        conv.move_to(P.TEAM_TALK, by=cast.pro)
        other = conv.join("Dr. Bos", tt.Role.PROFESSIONAL)

        mine = _invalid(
            conv, lambda: conv.check_understanding(cast.pro, understood=True, note="x", by=cast.pro)
        )
        theirs = _invalid(
            conv, lambda: conv.check_understanding(other, understood=True, note="x", by=cast.pro)
        )

        assert mine.argument == theirs.argument == "of"

    def test_a_relatives_teach_back_is_refused(self) -> None:
        cast = _cast()
        cast.conv.move_to(P.TEAM_TALK, by=cast.pro)

        refusal = _refused(
            lambda: cast.conv.check_understanding(
                cast.client, understood=True, note="She got it", by=cast.relative
            )
        )

        assert refusal.codes == ("only-professionals-check-understanding",)

    def test_r15_uses_every_clients_latest_check_in_youth_care(self) -> None:
        conv = tt.Conversation(tt.youth_care(), clock=_clock())
        mother = conv.join("Ilse", tt.Role.CLIENT)
        son = conv.join("Daan", tt.Role.CLIENT)
        worker = conv.join("Fatima", tt.Role.PROFESSIONAL)
        conv.move_to(P.TEAM_TALK, by=worker)
        conv.state_problem("Evenings end in arguments", by=worker)
        conv.add_goal("Quiet evenings", by=mother)
        conv.check_understanding(son, understood=True, note="Yes", by=worker)
        conv.check_understanding(son, understood=False, note="On second thought, no", by=worker)

        refusal = _refused(lambda: conv.move_to(P.OPTION_TALK, by=worker))

        assert refusal.codes == ("needs-understanding",)
        assert refusal.reasons[0].params["names"] == ("Ilse", "Daan")
        conv.check_understanding(mother, understood=True, note="Yes", by=worker)
        conv.check_understanding(son, understood=True, note="Yes now", by=worker)
        conv.move_to(P.OPTION_TALK, by=worker)
        assert conv.phase is P.OPTION_TALK

    def test_three_talk_has_no_r15(self) -> None:
        cast = _cast()
        conv = cast.conv
        conv.move_to(P.TEAM_TALK, by=cast.pro)
        conv.state_problem("x", by=cast.pro)
        conv.add_goal("y", by=cast.client)

        assert conv.why_not(P.OPTION_TALK) == ()


# ---------------------------------------------------------------------- analysis, information


class TestAnalysisAndInformation:
    def test_analysis_entries_are_kept_in_order(self) -> None:
        cast = _cast(tt.youth_care())
        conv = cast.conv
        conv.move_to(P.TEAM_TALK, by=cast.pro)

        conv.add_analysis(tt.Analysis.CAUSE, "Lost his job", by=cast.pro)
        conv.add_analysis(tt.Analysis.STRENGTH, "Good friends", by=cast.client)

        assert [(e.kind, e.by) for e in conv.analysis] == [
            (tt.Analysis.CAUSE, cast.pro.id),
            (tt.Analysis.STRENGTH, cast.client.id),
        ]

    def test_analysis_outside_team_talk_is_refused(self) -> None:
        cast = _cast()

        refusal = _refused(lambda: cast.conv.add_analysis(tt.Analysis.CAUSE, "x", by=cast.pro))

        assert refusal.codes == ("wrong-phase",)

    def test_information_about_an_option(self) -> None:
        cast = _cast()
        _to_option_talk(cast)
        a, _b = _two_options(cast)

        cast.conv.share_information(
            "Leaflet on gradual return", kind=tt.Information.LEAFLET, option=a, by=cast.pro
        )

        (item,) = cast.conv.information
        assert (item.kind, item.option, item.by) == (tt.Information.LEAFLET, a.id, cast.pro.id)

    def test_information_about_an_option_of_another_conversation_is_invalid(self) -> None:
        cast, other = _cast(), _cast()
        _to_option_talk(cast)
        _to_option_talk(other)
        foreign = other.conv.propose_option("Elsewhere", by=other.client)

        error = _invalid(
            cast.conv,
            lambda: cast.conv.share_information(
                "x", kind=tt.Information.WEBSITE, option=foreign, by=cast.pro
            ),
        )

        assert error.argument == "option"


# ---------------------------------------------------------------------- questions and A6


class TestQuestions:
    def test_ask_and_answer(self) -> None:
        cast = _cast()
        conv = cast.conv

        first = conv.ask("How long does it take?", by=cast.client)
        second = conv.ask("Can I bring my partner?", by=cast.client)
        conv.answer(first, "About six weeks", by=cast.pro)
        conv.answer(first, "It took me four", by=cast.relative)

        assert (first.id, second.id) == ("q1", "q2")
        assert conv.question("q1") == first
        assert [len(q.answers) for q in conv.questions] == [2, 0]
        assert [q.answered for q in conv.questions] == [True, False]

    def test_nobody_answers_their_own_question(self) -> None:
        cast = _cast()
        question = cast.conv.ask("Why?", by=cast.client)

        error = _invalid(cast.conv, lambda: cast.conv.answer(question, "Because", by=cast.client))

        assert error.argument == "question"

    def test_a_question_of_another_conversation_is_invalid(self) -> None:
        cast, other = _cast(), _cast()
        foreign = other.conv.ask("Elsewhere?", by=other.client)

        _invalid(cast.conv, lambda: cast.conv.answer(foreign, "x", by=cast.pro))

    def test_a6_counts_the_unanswered_questions_of_clients_and_relatives(self) -> None:
        cast = _cast()
        conv = cast.conv
        conv.ask("Will I lose my benefit?", by=cast.client)
        conv.ask("Who drives her?", by=cast.relative)
        conv.ask("Is the paperwork in?", by=cast.pro)  # a professional's: not counted
        _to_option_talk(cast)
        a, _b = _two_options(cast)
        _to_decision(cast, a)

        _decide(cast, a)

        (a6,) = [adv for adv in conv.advisories if adv.rule == "A6"]
        assert a6.code == "open-question"
        assert a6.params["count"] == 2
        assert "Will I lose my benefit?" in a6.message
        assert a6.text("nl").startswith("2 vragen")


# ---------------------------------------------------------------------- sources, obligations, R16


class TestSources:
    def test_the_default_source_follows_the_proposers_role(self) -> None:
        cast = _cast()
        _to_option_talk(cast)
        a, b = _two_options(cast)

        assert (a.source, b.source) == (tt.Source.OWN_IDEA, tt.Source.PROFESSIONAL)
        assert a.obligation is None

    def test_a_network_option_and_an_expected_result(self) -> None:
        cast = _cast()
        _to_option_talk(cast)

        option = cast.conv.propose_option(
            "Neighbour drives",
            source=tt.Source.NETWORK,
            expected_result="On time",
            by=cast.relative,
        )

        assert (option.source, option.expected_result) == (tt.Source.NETWORK, "On time")
        assert cast.conv.events[-1].data["source"] == "network"

    def test_an_obligation_source_needs_a_legal_basis_and_the_other_way_round(self) -> None:
        cast = _cast(tt.work_and_income())
        _to_option_talk(cast)
        conv = cast.conv

        without = _invalid(
            conv, lambda: conv.propose_option("x", source=tt.Source.OBLIGATION, by=cast.pro)
        )
        mismatched = _invalid(
            conv,
            lambda: conv.propose_option(
                "x", source=tt.Source.NETWORK, obligation="Art. 9", by=cast.pro
            ),
        )

        assert (without.argument, mismatched.argument) == ("obligation", "source")

    def test_obligations_only_where_the_protocol_allows_and_only_by_professionals(self) -> None:
        plain = _cast()
        _to_option_talk(plain)
        law = _cast(tt.work_and_income())
        _to_option_talk(law)

        nowhere = _refused(
            lambda: plain.conv.propose_option("Unpaid work", obligation="Art. 9", by=plain.pro)
        )
        by_client = _refused(
            lambda: law.conv.propose_option("Unpaid work", obligation="Art. 9", by=law.client)
        )

        assert nowhere.codes == ("obligations-not-allowed",)
        assert by_client.codes == ("only-professionals-propose-obligations",)


def _with_obligation() -> tuple[Cast, tt.Option, tt.Option, tt.Option]:
    cast = _cast(tt.work_and_income())
    _to_option_talk(cast)
    a, b = _two_options(cast)
    duty = cast.conv.propose_option(
        "Unpaid socially useful work", obligation="Participation Act, art. 9", by=cast.pro
    )
    return cast, a, b, duty


class TestObligations:
    def test_an_obligation_is_an_option_from_the_law(self) -> None:
        *_, duty = _with_obligation()

        assert duty.source is tt.Source.OBLIGATION
        assert duty.is_obligation

    def test_r16_refuses_a_decision_on_another_option_until_the_obligation_is_waived(
        self,
    ) -> None:
        cast, a, _b, duty = _with_obligation()
        conv = cast.conv
        conv.add_consideration(duty, tt.Stance.CON, "No time for it", by=cast.client)
        _to_decision(cast, a)

        refusal = _refused(
            lambda: conv.propose_decision(
                a, who="Mira", what="Start", when=WHEN, review_on=REVIEW, by=cast.pro
            )
        )

        assert refusal.codes == ("obligation-open",)
        assert refusal.reasons[0].rule == "R16"
        assert "Unpaid socially useful work" in refusal.reasons[0].text("nl")
        conv.waive(duty, "Two mornings of paid work serve the goal better", by=cast.pro)
        _decide(cast, a)
        assert conv.decision is not None
        assert conv.option_state(duty).waiver is not None

    def test_r16_lets_the_obligation_itself_be_decided(self) -> None:
        cast, _a, _b, duty = _with_obligation()
        conv = cast.conv
        conv.add_consideration(duty, tt.Stance.PRO, "Structure", by=cast.pro)
        _to_decision(cast, duty)

        _decide(cast, duty)

        assert conv.decision is not None
        assert conv.decision.option == duty

    def test_why_not_command_without_an_option_judges_what_it_can(self) -> None:
        cast, a, _b, duty = _with_obligation()
        conv = cast.conv
        second = conv.propose_option("Language course", obligation="Art. 18b", by=cast.pro)
        conv.add_consideration(duty, tt.Stance.PRO, "x", by=cast.pro)
        conv.add_consideration(second, tt.Stance.PRO, "x", by=cast.pro)
        _to_decision(cast, a)

        codes = [r.code for r in conv.why_not_command("propose_decision", by=cast.pro)]
        with_duty = conv.why_not_command("propose_decision", by=cast.pro, option=duty)

        assert codes == ["obligation-open"]  # two obligations: one at most can be decided
        assert [r.params["options"] for r in with_duty] == [("Language course",)]

    def test_an_obligation_cannot_be_withdrawn(self) -> None:
        cast, a, _b, duty = _with_obligation()
        cast.conv.add_consideration(duty, tt.Stance.PRO, "Structure", by=cast.pro)
        _to_decision(cast, a)

        refusal = _refused(lambda: cast.conv.withdraw_option(duty, "Not now", by=cast.pro))

        assert refusal.codes == ("obligation-not-withdrawn",)

    def test_waiving_in_option_talk_is_no_strike(self) -> None:
        cast, _a, _b, duty = _with_obligation()

        cast.conv.waive(duty, "A paid job is in sight", by=cast.pro)

        assert cast.conv.phase is P.OPTION_TALK
        assert not cast.conv.option_state(duty).open
        assert cast.conv.events[-1].kind == "obligation-waived"

    def test_waiving_needs_an_obligation_a_professional_and_a_justification(self) -> None:
        cast, a, _b, duty = _with_obligation()
        conv = cast.conv

        not_one = _refused(lambda: conv.waive(a, "x", by=cast.pro))
        by_client = _refused(lambda: conv.waive(duty, "x", by=cast.client))
        blank = _invalid(conv, lambda: conv.waive(duty, "  ", by=cast.pro))
        conv.waive(duty, "Paid work is in sight", by=cast.pro)
        twice = _refused(lambda: conv.waive(duty, "Again", by=cast.pro))

        assert not_one.codes == ("not-an-obligation",)
        assert by_client.codes == ("only-professionals-waive",)
        assert blank.argument == "justification"
        assert twice.codes == ("already-waived",)

    def test_a_waived_obligation_cannot_be_chosen_and_no_longer_counts_as_open(self) -> None:
        cast, a, b, duty = _with_obligation()
        conv = cast.conv
        conv.waive(duty, "Paid work is in sight", by=cast.pro)
        conv.add_consideration(b, tt.Stance.PRO, "Guidance", by=cast.pro)
        _to_decision(cast, a)  # R3/R4: a and b count, the bare waived obligation does not

        refusal = _refused(lambda: conv.state_preference(duty, by=cast.client))

        assert refusal.codes == ("option-waived",)

    def test_a_client_declines_and_the_obligation_stays_open(self) -> None:
        cast, _a, _b, duty = _with_obligation()
        conv = cast.conv

        conv.decline(duty, "I care for my mother in the mornings", by=cast.client)
        conv.decline(duty, "I care for my mother every morning", by=cast.client)
        by_relative = _refused(lambda: conv.decline(duty, "x", by=cast.relative))

        item = conv.option_state(duty)
        assert item.open
        assert [(d.by, d.reason) for d in item.declines] == [
            (cast.client.id, "I care for my mother every morning")
        ]
        assert by_relative.codes == ("only-clients-decline",)

    def test_allowed_commands_offer_waive_only_with_an_obligation(self) -> None:
        plain = _cast(tt.work_and_income())
        _to_option_talk(plain)
        _two_options(plain)
        cast, _a, _b, _duty = _with_obligation()

        assert "waive" not in plain.conv.allowed_commands(by=plain.pro)
        assert "waive" in cast.conv.allowed_commands(by=cast.pro)
        assert "decline" in cast.conv.allowed_commands(by=cast.client)
        assert "decline" not in cast.conv.allowed_commands(by=cast.pro)

    def test_conditions_and_steps_see_the_open_obligation(self) -> None:
        cast, _a, _b, duty = _with_obligation()
        conv = cast.conv

        assert "obligation-not-discussed" in [
            r.code for s in conv.progress() if s.step.id == "option_talk" for r in s.missing
        ]
        conv.decline(duty, "No", by=cast.client)
        assert "obligation-not-discussed" not in [
            r.code for s in conv.progress() if s.step.id == "option_talk" for r in s.missing
        ]


# ---------------------------------------------------------------------- prompts and replay


def test_a_doubtful_sure_check_brings_its_prompt() -> None:
    cast = _cast()
    conv = cast.conv
    _to_option_talk(cast)
    a, _b = _two_options(cast)
    _to_decision(cast, a)

    before = {p.id for p in conv.prompts(to=tt.Role.CLIENT)}
    conv.check_conflict(
        sure=False, informed=True, values_clear=True, supported=False, by=cast.client
    )
    after = {p.id for p in conv.prompts(to=tt.Role.CLIENT)}

    assert after - before == {"decision-talk-doubt"}


@pytest.mark.parametrize("name", sorted(tt.builtin_protocols()))
def test_every_act_replays_to_the_same_state(name: str) -> None:
    """The events alone rebuild every act, under every built-in protocol."""
    protocol = tt.builtin_protocols()[name]
    cast = _cast(protocol)
    conv = cast.conv
    conv.state_role_preference(tt.DecisionRole.SHARE, by=cast.client)
    question = conv.ask("What happens next?", by=cast.client)
    conv.move_to(P.TEAM_TALK, by=cast.pro)
    conv.add_analysis(tt.Analysis.STRENGTH, "Supportive partner", by=cast.relative)
    _to_option_talk(cast)
    a, _b = _two_options(cast)
    conv.share_information("Decision aid", kind=tt.Information.DECISION_AID, option=a, by=cast.pro)
    conv.check_conflict(
        sure=False, informed=True, values_clear=True, supported=True, by=cast.client
    )
    conv.decline(a, "Too early", by=cast.client)
    conv.answer(question, "We choose together", by=cast.pro)
    if protocol.allows_obligations:
        duty = conv.propose_option("Unpaid work", obligation="Art. 9", by=cast.pro)
        conv.waive(duty, "Paid work is in sight", by=cast.pro)

    again = tt.replay(conv.events)

    assert again.protocol is protocol
    assert again.snapshot() == conv.snapshot()
    assert again.snapshot().to_dict() == conv.snapshot().to_dict()
    data = json.loads(json.dumps(conv.snapshot().to_dict()))
    jsonschema.Draft202012Validator(tt.snapshot_schema()).validate(data)
    assert data["questions"][0]["answers"][0]["text"] == "We choose together"
    assert data["sure_checks"][0]["score"] == 3


def test_a_relatives_doubt_or_deferral_does_not_speak_for_the_client() -> None:
    """The conditions behind the client's doubt prompt and "leaves it to you" read clients
    only: a relative's SURE doubt or role preference is no client's (found by review)."""
    cast = _cast()
    conv = cast.conv
    conv.state_role_preference(tt.DecisionRole.DECIDE_MYSELF, by=cast.client)
    conv.state_role_preference(tt.DecisionRole.LEAVE_TO_PROFESSIONAL, by=cast.relative)
    _to_option_talk(cast)
    a, _b = _two_options(cast)
    conv.check_conflict(sure=True, informed=True, values_clear=True, supported=True, by=cast.client)
    conv.check_conflict(
        sure=False, informed=False, values_clear=True, supported=True, by=cast.relative
    )
    _to_decision(cast, a)

    ids = {p.id for p in conv.prompts()}

    assert "decision-talk-doubt" not in ids
    assert not any("leaves-to-professional" in p.when for p in conv.prompts())
    conv.check_conflict(
        sure=False, informed=True, values_clear=True, supported=True, by=cast.client
    )
    assert "decision-talk-doubt" in {p.id for p in conv.prompts()}


@pytest.mark.parametrize("command", ["ask", "add_goal"])
def test_a_command_placed_in_no_phase_is_not_offered(command: str) -> None:
    """An empty placement (written, or left by trimming) refuses with not-offered, naming
    the protocol in both languages, never "in ; the conversation is in ..."."""
    placement = {**tt.three_talk().placement, command: frozenset()}
    protocol = attrs.evolve(tt.three_talk(), name="narrow", placement=placement)
    conv = tt.Conversation(protocol, clock=_clock())
    client = conv.join("Mira", tt.Role.CLIENT)

    (reason,) = conv.why_not_command(command, by=client)

    assert reason.code == "not-offered"
    assert "narrow" in reason.message
    assert reason.text("nl").startswith("Dit hoort niet bij het protocol narrow: ")
    assert command not in conv.allowed_commands(by=client)


@pytest.mark.parametrize("command", [["ask"], {"ask": 1}, {"ask"}, 3])
def test_why_not_command_of_something_that_is_no_name_is_invalid(command: object) -> None:
    cast = _cast()

    with pytest.raises(tt.InvalidInput) as info:
        cast.conv.why_not_command(command, by=cast.client)  # type: ignore[arg-type]

    assert info.value.argument == "command"


def test_questions_are_quoted_in_both_languages() -> None:
    cast = _cast(tt.client_guide())
    conv = cast.conv
    conv.ask("Can I keep working?", by=cast.client)
    conv.ask("What does it cost?", by=cast.client)

    missing = {r.code: r for step in conv.progress() for r in step.missing}
    reason = missing["client-question-open"]

    assert reason.message == (
        "Questions of the client are still unanswered: “Can I keep working?” and "
        "“What does it cost?”."
    )
    assert reason.text("nl") == (
        "Vragen van de cliënt zijn nog niet beantwoord: “Can I keep working?” en "
        "“What does it cost?”."
    )


def test_an_advisorys_params_cannot_be_changed_in_the_recorded_event() -> None:
    """A6 carries a list of questions: the event holds it frozen, so nothing can change a
    recorded advisory (found by the simulation's store round trip)."""
    cast = _cast()
    conv = cast.conv
    conv.ask("How long does it take?", by=cast.client)
    _to_option_talk(cast)
    a, _b = _two_options(cast)
    _to_decision(cast, a)
    _decide(cast, a)
    (event,) = [e for e in conv.events if e.kind == "advisory" and e.data["rule"] == "A6"]

    with pytest.raises(TypeError):
        event.data["params"]["count"] = 99  # type: ignore[index]
    assert event.data["params"]["questions"] == ("How long does it take?",)
    assert tt.verify(conv.events).seq == len(conv.events)
