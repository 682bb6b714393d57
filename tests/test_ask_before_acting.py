"""Ask before acting: ``why_not_command`` and ``allowed_commands``.

The stateful test (``threetalk.testing.ConversationStateMachine``) asks both before every
command it gives and holds them to what the command then does; these are the plain
examples, the input errors, and that asking changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import REVIEW_ON, WHEN, attempt, build
from strategies import ACTS, scripts
from threetalk._protocols import COMMANDS

TERMS = {"who": "Client and therapist", "what": "Wait six weeks", "when": WHEN}


def _refusal(command) -> tt.Refused:
    with pytest.raises(tt.Refused) as caught:
        command()
    return caught.value


class TestWhyNotCommand:
    def test_propose_decision_with_every_argument_agrees_with_the_command(self, clock):
        scene = build(clock, "decision")
        conv, pro = scene.conv, scene.pro
        asked = conv.why_not_command(
            "propose_decision", by=pro, option=scene.wait, review_on=REVIEW_ON, **TERMS
        )

        refusal = _refusal(
            lambda: conv.propose_decision(scene.wait, review_on=REVIEW_ON, by=pro, **TERMS)
        )

        assert asked
        assert asked == refusal.reasons

    def test_propose_decision_is_empty_when_it_would_be_accepted(self, clock):
        scene = build(clock, "preferences")
        conv, pro = scene.conv, scene.pro
        arguments = {"option": scene.wait, "review_on": REVIEW_ON, **TERMS}

        assert conv.why_not_command("propose_decision", by=pro, **arguments) == ()
        conv.propose_decision(by=pro, **arguments)
        assert conv.proposal is not None

    def test_move_to(self, clock):
        scene = build(clock, "joined")
        conv, pro = scene.conv, scene.pro

        assert conv.why_not_command("move_to", by=pro, phase=tt.Phase.TEAM_TALK) == ()
        asked = conv.why_not_command("move_to", by=pro, phase=tt.Phase.DECISION_TALK)
        assert [reason.code for reason in asked] == ["no-such-move"]
        assert asked == conv.why_not(tt.Phase.DECISION_TALK)
        refusal = _refusal(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=pro))
        assert asked == refusal.reasons

    def test_role_comes_before_placement_and_rules(self, clock):
        scene = build(clock, "joined")
        asked = scene.conv.why_not_command("consent", by=scene.pro)
        assert [reason.code for reason in asked] == ["only-clients-consent"]

    def test_asking_records_nothing_and_changes_nothing(self, clock):
        scene = build(clock, "decision")
        conv = scene.conv
        before, count = conv.snapshot(), len(conv.events)

        for command in COMMANDS:
            by = None if command == "join" else scene.client
            conv.why_not_command(command, by=by)
        conv.allowed_commands(by=scene.client)

        assert conv.snapshot() == before
        assert len(conv.events) == count

    def test_missing_arguments_are_judged_as_far_as_they_can_be(self, clock):
        scene = build(clock, "decision")
        conv, pro = scene.conv, scene.pro
        # No option given: the decision rules that need none (the client has no
        # preference yet) still speak; nothing about an option is made up.
        without = conv.why_not_command("propose_decision", by=pro)
        with_option = conv.why_not_command("propose_decision", by=pro, option=scene.wait)
        assert without
        assert without == with_option
        # Placement needs no argument.
        scene.conv.close(by=pro)
        assert [r.code for r in conv.why_not_command("add_topic", by=pro)] == [
            "conversation-closed"
        ]

    def test_a_withdrawn_option_speaks_only_when_given(self, clock):
        scene = build(clock, "decision")
        conv, pro = scene.conv, scene.pro
        conv.withdraw_option(scene.days, "Too much", by=pro)

        assert conv.why_not_command("state_preference", by=scene.client) == ()
        assert conv.why_not_command("state_preference", by=scene.client, option=None) == ()
        asked = conv.why_not_command("state_preference", by=scene.client, option=scene.days)
        assert [reason.code for reason in asked] == ["option-withdrawn"]

    def test_join_is_asked_without_a_participant(self, clock):
        scene = build(clock, "joined")
        conv = scene.conv
        asked = conv.why_not_command("join", by=None, name="client", role=tt.Role.CLIENT)
        assert [reason.code for reason in asked] == ["name-taken"]
        assert conv.why_not_command("join", by=None, name="Doctor", role=tt.Role.PROFESSIONAL) == ()
        with pytest.raises(tt.InvalidInput) as caught:
            conv.why_not_command("join", by=scene.pro, name="Doctor")
        assert caught.value.argument == "by"


class TestInputErrors:
    def test_an_unknown_command_is_named_with_the_commands_there_are(self, clock):
        scene = build(clock, "joined")
        with pytest.raises(tt.InvalidInput) as caught:
            scene.conv.why_not_command("decide", by=scene.pro)
        assert caught.value.argument == "command"
        assert "'decide'" in str(caught.value)
        assert "propose_decision" in str(caught.value)

    def test_unknown_argument_names_are_named_with_the_valid_ones(self, clock):
        scene = build(clock, "joined")
        with pytest.raises(tt.InvalidInput) as caught:
            scene.conv.why_not_command("move_to", by=scene.pro, target=tt.Phase.TEAM_TALK)
        assert caught.value.argument == "target"
        assert "'target'" in str(caught.value)
        assert "phase" in str(caught.value)

    @pytest.mark.parametrize(
        ("change", "argument"),
        [
            ({"who": "  "}, "who"),
            ({"when": date(2020, 1, 1)}, "when"),
            ({"review_on": date(2026, 11, 30)}, "review_on"),
            ({"option": "o1"}, "option"),
        ],
    )
    def test_a_malformed_argument_is_the_commands_own_error(self, clock, change, argument):
        scene = build(clock, "decision")
        conv, pro = scene.conv, scene.pro
        arguments = {"option": scene.wait, "review_on": REVIEW_ON, **TERMS, **change}

        with pytest.raises(tt.InvalidInput) as asked:
            conv.why_not_command("propose_decision", by=pro, **arguments)
        with pytest.raises(tt.InvalidInput) as given:
            conv.propose_decision(by=pro, **arguments)

        assert asked.value.argument == given.value.argument == argument
        assert str(asked.value) == str(given.value)

    def test_a_stranger_is_unknown(self, clock):
        scene = build(clock, "joined")
        other = build(clock, "joined", conversation_id="c2")
        with pytest.raises(tt.UnknownParticipant):
            scene.conv.why_not_command("add_topic", by=other.pro)
        with pytest.raises(tt.UnknownParticipant):
            scene.conv.allowed_commands(by=other.pro)


class TestAllowedCommands:
    def test_in_preparation(self, clock):
        """In preparation a client adds topics and goals, asks questions and says how they
        want to take part in deciding (the acts the built-ins place there); a professional
        asks too, but has no role preference to state."""
        scene = build(clock, "joined")
        conv = scene.conv
        moves = {"move_to", "pause", "close"}

        assert conv.allowed_commands(by=scene.client) == {
            "add_topic",
            "add_goal",
            "ask",
            "state_role_preference",
            *moves,
        }
        assert conv.allowed_commands(by=scene.relative) == conv.allowed_commands(by=scene.client)
        assert conv.allowed_commands(by=scene.pro) == {"add_topic", "add_goal", "ask", *moves}

    def test_answer_needs_a_question_someone_else_asked(self, clock):
        """``answer`` is listed for whoever did not ask the only question, not for its asker."""
        scene = build(clock, "joined")
        conv = scene.conv
        conv.ask("What are my options?", by=scene.client)

        assert "answer" not in conv.allowed_commands(by=scene.client)
        assert "answer" in conv.allowed_commands(by=scene.pro)

    def test_waive_needs_an_obligation(self, clock):
        """``waive`` is listed for a professional once an obligation is on the table."""
        scene = build(clock, "option", protocol=tt.work_and_income())
        conv = scene.conv
        conv.propose_option("Wait", by=scene.client)
        assert "waive" not in conv.allowed_commands(by=scene.pro)

        conv.propose_option("Unpaid work", obligation="Participation Act", by=scene.pro)

        assert "waive" in conv.allowed_commands(by=scene.pro)
        assert "waive" not in conv.allowed_commands(by=scene.client)

    def test_propose_option_in_option_talk_for_any_participant(self, clock):
        scene = build(clock, "option")
        for person in (scene.client, scene.relative, scene.pro):
            assert "propose_option" in scene.conv.allowed_commands(by=person)

    def test_consent_only_for_a_client_with_a_pending_proposal(self, clock):
        scene = build(clock, "preferences")
        conv = scene.conv
        assert "consent" not in conv.allowed_commands(by=scene.client)
        scene.propose()
        assert "consent" in conv.allowed_commands(by=scene.client)
        assert "consent" not in conv.allowed_commands(by=scene.pro)
        assert "consent" not in conv.allowed_commands(by=scene.relative)

    def test_option_commands_need_an_option_that_allows_them(self, clock):
        scene = build(clock, "option")
        conv = scene.conv
        assert "add_consideration" not in conv.allowed_commands(by=scene.client)
        option = conv.propose_option("Wait", by=scene.client)
        assert "add_consideration" in conv.allowed_commands(by=scene.client)
        assert "end_trial" not in conv.allowed_commands(by=scene.client)
        conv.start_trial(option, WHEN, by=scene.pro)
        assert "end_trial" in conv.allowed_commands(by=scene.client)

    def test_move_to_when_no_move_is_possible(self, clock):
        scene = build(clock, "joined")
        conv = scene.conv
        conv.pause(WHEN, "Think it over", by=scene.pro)
        allowed = conv.allowed_commands(by=scene.pro)
        assert "move_to" not in allowed
        assert allowed == {"resume", "close"}

    def test_join_is_never_listed(self, clock):
        scene = build(clock, "joined")
        assert "join" not in scene.conv.allowed_commands(by=scene.pro)

    def test_every_listed_command_has_no_reason_against_it_without_arguments(self, clock):
        scene = build(clock, "proposed")
        conv = scene.conv
        for person in conv.participants:
            for command in conv.allowed_commands(by=person):
                if command not in {"move_to", "withdraw_option", "delegate", "end_trial"}:
                    assert conv.why_not_command(command, by=person) == (), (command, person)


def candidates(conv: tt.Conversation, command: str, by: tt.Participant) -> list[dict[str, Any]]:
    """Well-formed arguments of ``command`` by ``by``, covering every choice
    ``allowed_commands`` looks at (every option, question, subject) and a few others."""
    options = list(conv.options)
    texts = {option.text.casefold() for option in options}
    fresh = next(f"Idea {n}" for n in range(99) if f"idea {n}" not in texts)
    others = [p for p in conv.participants if p.role is not tt.Role.PROFESSIONAL and p.id != by.id]
    yes = dict.fromkeys(("sure", "informed", "values_clear", "supported"), True)
    table: dict[str, list[dict[str, Any]]] = {
        "state_role_preference": [{"preference": each} for each in tt.DecisionRole],
        "check_conflict": [yes, {**yes, "supported": False}],
        "check_understanding": [
            {"of": person, "understood": understood, "note": "Said it back"}
            for person in others
            for understood in (True, False)
        ],
        "add_analysis": [{"kind": each, "text": "Seen"} for each in tt.Analysis],
        "share_information": [
            {"text": "A leaflet", "kind": tt.Information.LEAFLET, "option": option}
            for option in (None, *options)
        ],
        "ask": [{"text": "Why?"}],
        "answer": [
            {"question": item.question, "text": "Because"}
            for item in conv.questions
            if item.question.asked_by != by.id
        ],
        "decline": [{"option": option, "reason": "Not for me"} for option in options],
        "waive": [{"option": option, "justification": "Better"} for option in options],
        "propose_option": [
            {"text": fresh},
            {"text": f"{fresh} by law", "obligation": "The law"},
            *({"text": option.text} for option in options[:1]),
        ],
    }
    return table[command]


class TestAskingAgreesWithActing:
    """Under every built-in protocol, after a random script, what ``why_not_command`` and
    ``allowed_commands`` say of an act is what the act then does."""

    @pytest.mark.parametrize("name", sorted(tt.builtin_protocols()))
    @given(data=st.data())
    def test_the_acts_of_the_guides(self, name, data):
        """Each act, by anyone, with every choice of argument: no reasons means accepted,
        reasons are the refusal's; listed means some choice is accepted, and only then."""
        scene = data.draw(scripts(tt.builtin_protocols()[name], max_size=10), label="scene")
        conv = scene.conv
        by = data.draw(st.sampled_from(conv.participants), label="by")
        command = data.draw(st.sampled_from(ACTS), label="command")
        before, count = conv.snapshot(), len(conv.events)
        listed = command in conv.allowed_commands(by=by)
        accepted = []

        for arguments in candidates(conv, command, by):
            asked = conv.why_not_command(command, by=by, **arguments)
            copy = tt.replay(conv.events, clock=StepClock(start=conv.events[-1].at))
            act = getattr(copy, command)
            done = attempt(copy, lambda act=act, arguments=arguments: act(**arguments, by=by))
            if done.accepted:
                accepted.append(arguments)
                assert asked == (), (command, arguments)
            else:
                assert done.refused_once, (command, arguments, done.error)
                assert asked == done.error.reasons, (command, arguments)

        assert (conv.snapshot(), len(conv.events)) == (before, count)
        assert listed == bool(accepted), (command, listed, accepted)
