"""Steps: derived from the state, checked with the protocol, never blocking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

import threetalk as tt
from threetalk._steps import default_step

P = tt.Phase


def _clock() -> tt.Conversation:
    ticks = iter(datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(minutes=n) for n in range(999))
    return tt.Conversation(clock=lambda: next(ticks))


def _to_option_talk() -> tuple[tt.Conversation, tt.Participant, tt.Participant]:
    conv = _clock()
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Pro", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.state_problem("Sleeps badly", by=pro)
    conv.add_goal("Sleep through the night", by=client)
    conv.move_to(P.OPTION_TALK, by=pro)
    return conv, client, pro


def _small() -> tt.Protocol:
    """A protocol of preparation and team talk only, given no steps."""
    return tt.Protocol(
        name="small",
        moves={(P.PREPARATION, P.TEAM_TALK), (P.TEAM_TALK, P.PREPARATION)},
        entry_rules={},
        decision_rules=(),
        placement={command: {P.TEAM_TALK} for command in tt.PLACED_COMMANDS},
    )


class TestDefinition:
    def test_a_protocol_given_no_steps_has_one_per_phase(self) -> None:
        """Ids are the phases' values, in the order of the phases."""
        protocol = attrs.evolve(tt.three_talk(), name="mine", steps=())

        assert [step.id for step in protocol.steps] == [phase.value for phase in tt.Phase][:5]
        assert all(step.id == step.phase.value for step in protocol.steps)

    def test_default_steps_follow_the_phases_of_a_derived_protocol(self) -> None:
        """A protocol with fewer phases gets default steps for those only."""
        protocol = _small()

        assert [step.phase for step in protocol.steps] == [P.PREPARATION, P.TEAM_TALK]

    def test_a_phase_without_a_step_is_invalid(self) -> None:
        """Every phase the protocol uses has a step."""
        steps = [default_step(phase) for phase in (P.PREPARATION, P.TEAM_TALK)]
        steps.append(attrs.evolve(default_step(P.OPTION_TALK), id="options"))

        with pytest.raises(tt.InvalidProtocol, match="DECISION_TALK has no step") as caught:
            attrs.evolve(tt.three_talk(), steps=steps)
        assert "EVALUATION has no step" in str(caught.value)

    def test_duplicate_ids_and_foreign_phases_are_invalid(self) -> None:
        """Ids are unique, and a step's phase is one of the protocol's."""
        small = _small()
        twice = attrs.evolve(default_step(P.TEAM_TALK), id="preparation")
        foreign = attrs.evolve(default_step(P.EVALUATION), id="later")

        with pytest.raises(tt.InvalidProtocol) as caught:
            attrs.evolve(small, steps=(default_step(P.PREPARATION), twice, foreign))

        problems = " ".join(caught.value.problems)
        assert "'preparation' appears twice" in problems
        assert "'later' is in Phase.EVALUATION, which is not a phase here" in problems

    def test_steps_change_the_fingerprint_words_do_not(self) -> None:
        """Titles and outcomes are presentation; ids and done rules are behaviour."""
        protocol = tt.three_talk()
        first = protocol.steps[0]
        retitled = attrs.evolve(first, title=tt.Text(en="Getting ready", nl="Klaarmaken"))
        renamed = attrs.evolve(first, id="ready")

        assert attrs.evolve(protocol, steps=(retitled, *protocol.steps[1:])) == protocol
        assert attrs.evolve(protocol, steps=(renamed, *protocol.steps[1:]), prompts=()) != protocol
        assert attrs.evolve(
            protocol, steps=(attrs.evolve(first, done=()), *protocol.steps[1:])
        ) != (protocol)


class TestSupersedes:
    def test_a_derived_protocol_continues_nothing(self) -> None:
        """``attrs.evolve`` does not pass ``supersedes`` on."""
        assert attrs.evolve(tt.three_talk(), name="mine").supersedes == frozenset()

    def test_a_protocol_of_ones_own_can_continue_an_earlier_version(self) -> None:
        """A conversation recorded under version one replays under version two."""
        one = attrs.evolve(tt.three_talk(), name="mine")
        conv = tt.Conversation(one)
        two = attrs.evolve(one, allows_imposition=True)

        with pytest.raises(tt.ProtocolMismatch):
            tt.replay(conv.events, two)
        assert tt.replay(conv.events, two.continuing(one.fingerprint)).protocol is not None

    def test_continuing_wants_fingerprints(self) -> None:
        """Anything but 64 hex digits is an InvalidProtocol."""
        with pytest.raises(tt.InvalidProtocol, match="not a fingerprint"):
            tt.three_talk().continuing("abc")


class TestWhereAConversationIs:
    def test_the_step_follows_the_state_within_a_phase(self) -> None:
        """Preparation stays the step until its rules hold; then it is the phase's last."""
        conv = _clock()

        assert conv.step.id == "preparation"
        missing = conv.progress()[0].missing
        assert [reason.code for reason in missing] == [
            "needs-client-and-professional",
            "needs-topic-or-goal",
        ]

    def test_progress_gives_every_step_its_status(self) -> None:
        """The current step is CURRENT; others DONE when their rules hold, else OPEN."""
        conv, _client, _pro = _to_option_talk()

        statuses = {item.step.id: item.status for item in conv.progress()}

        assert conv.step.id == "option_talk"
        assert statuses == {
            "preparation": tt.StepStatus.DONE,  # the goal named in team talk counts
            "team_talk": tt.StepStatus.DONE,
            "option_talk": tt.StepStatus.CURRENT,
            "decision_talk": tt.StepStatus.OPEN,
            "evaluation": tt.StepStatus.OPEN,
        }

    def test_the_current_step_is_current_even_when_done(self) -> None:
        """A step whose rules hold stays CURRENT while the conversation is at it."""
        conv, client, pro = _to_option_talk()
        sleep = conv.propose_option("Sleep hygiene", by=client)
        pills = conv.propose_option("Sleeping pills", by=pro)
        conv.add_consideration(sleep, tt.Stance.PRO, "No side effects", by=client)
        conv.add_consideration(pills, tt.Stance.CON, "Habit-forming", by=client)

        current = next(item for item in conv.progress() if item.step is conv.step)

        assert current.status is tt.StepStatus.CURRENT
        assert current.missing == ()

    def test_paused_and_closed_conversations_report_the_step_they_were_in(self) -> None:
        """The step is recomputed from the state: the phase it paused or closed in."""
        conv, _client, pro = _to_option_talk()

        conv.pause(date(2026, 12, 20), "Think it over", by=pro)
        assert conv.step.id == "option_talk"
        conv.close("Moved away", by=pro)
        assert conv.step.id == "option_talk"
        assert tt.replay(conv.events).step == conv.step

    def test_steps_never_block_and_record_nothing(self) -> None:
        """Asking for the step or the progress adds no event; moves ignore done rules."""
        conv, _client, pro = _to_option_talk()
        before = len(conv.events)

        conv.progress()
        _ = conv.step
        assert len(conv.events) == before
        conv.move_to(P.TEAM_TALK, by=pro)  # the option-talk step is far from done

        assert conv.phase is P.TEAM_TALK
        assert conv.events[before].kind == "moved"
        assert {event.kind for event in conv.events[before:]} <= {"moved", "advisory"}
