"""Faults real use found in the core, each tested on its example and another member of its
kind: protocol values checked like input, commands racing on one conversation, text that
is the same, and calendar days in the clock's own zone."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest

import threetalk as tt
from conftest import StepClock

if TYPE_CHECKING:
    from collections.abc import Iterator


def with_entry_rule(check: object, code: str = "my-rule", rule: str = "") -> tt.Protocol:
    """three_talk() with one more entry rule for option talk."""
    base = tt.three_talk()
    entry = dict(base.entry_rules)
    entry[tt.Phase.OPTION_TALK] = (*entry[tt.Phase.OPTION_TALK], tt.Rule(code, rule, check))  # type: ignore[arg-type]
    return attrs.evolve(base, name="custom", entry_rules=entry)


def in_team_talk(protocol: tt.Protocol) -> tuple[tt.Conversation, tt.Participant]:
    """A conversation of ``protocol`` in team talk, ready for option talk but for the
    protocol's own rule; returns it and its professional."""
    conv = tt.Conversation(protocol, clock=StepClock())
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Stalled", by=pro)
    conv.add_goal("Walk", by=client)
    return conv, pro


class TestProtocolValues:
    """Everything a protocol supplies is validated like user input."""

    def test_a_protocol_name_with_a_lone_surrogate_is_refused_when_built(self) -> None:
        """The example: the name is refused at definition, not later as UnicodeEncodeError."""
        with pytest.raises(tt.InvalidProtocol, match="name"):
            attrs.evolve(tt.three_talk(), name="care\udcb2plan")

    def test_a_check_returning_a_float_records_nothing(self) -> None:
        """Another member: a check returning 0.4 is InvalidProtocol naming the rule's code,
        and nothing is recorded."""
        conv, pro = in_team_talk(with_entry_rule(lambda view: 0.4))
        before = conv.events

        with pytest.raises(tt.InvalidProtocol, match="my-rule"):
            conv.move_to(tt.Phase.OPTION_TALK, by=pro)

        assert conv.events == before

    def test_a_message_with_a_lone_surrogate_records_nothing(self) -> None:
        """A third: a message that cannot be stored never reaches the log."""
        protocol = with_entry_rule(lambda view: "bad \ud800 text")
        conv, pro = in_team_talk(protocol)
        before = conv.events

        with pytest.raises(tt.InvalidProtocol, match="my-rule"):
            conv.move_to(tt.Phase.OPTION_TALK, by=pro)

        assert conv.events == before
        assert tt.replay(conv.events, protocol).snapshot() == conv.snapshot()

    def test_a_rule_label_that_is_not_text_is_refused_when_built(self) -> None:
        """The rule label is recorded with every refusal, so it is checked too."""
        with pytest.raises(tt.InvalidProtocol, match="rule label"):
            with_entry_rule(lambda view: None, rule="R\ud8001")


@pytest.fixture
def switching() -> Iterator[None]:
    """Threads switch as often as the interpreter can, so races show within a test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("switching")
class TestRacingCommands:
    def test_two_threads_on_one_conversation_keep_one_chain(self) -> None:
        """The example (two threads giving topics to one conversation; 1,000 each rather
        than 300, so that unserialised commands would interleave in every run): every
        topic is recorded once, the chain verifies and the state agrees with the log."""
        conv = tt.Conversation(clock=StepClock(step=timedelta(microseconds=1)))
        client = conv.join("Client", tt.Role.CLIENT)
        barrier = threading.Barrier(2)

        def talk(name: str) -> None:
            barrier.wait()
            for number in range(1000):
                conv.add_topic(f"{name} {number}", by=client)

        threads = [threading.Thread(target=talk, args=(name,)) for name in ("left", "right")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(conv.events) == 2002
        assert tt.verify(conv.events).seq == 2002
        assert len(conv.snapshot().topics) == 2000
        assert tt.replay(conv.events).snapshot() == conv.snapshot()

    def test_moves_and_queries_from_threads_stay_consistent(self) -> None:
        """Another member: one thread moves back and forth while another reads why_not and
        snapshots; the log replays to the same state."""
        conv, pro = in_team_talk(tt.three_talk())
        stop = threading.Event()
        errors: list[BaseException] = []

        def read() -> None:
            while not stop.is_set():
                try:
                    conv.why_not(tt.Phase.DECISION_TALK)
                    conv.snapshot()
                except BaseException as error:  # noqa: BLE001 - checked below
                    errors.append(error)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            for _ in range(100):
                conv.move_to(tt.Phase.OPTION_TALK, by=pro)
                conv.move_to(tt.Phase.TEAM_TALK, by=pro)
        finally:
            stop.set()
            reader.join()

        assert errors == []
        assert tt.replay(conv.events).snapshot() == conv.snapshot()


class TestSameText:
    def test_an_option_in_nfc_and_nfd_is_one_option(self) -> None:
        """The example: "Crèche three days" typed composed and decomposed is the same
        option (option-exists), as a case-only twin already was."""
        conv, pro = in_team_talk(tt.three_talk())
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
        conv.propose_option("Cr\u00e8che three days", by=pro)

        with pytest.raises(tt.Refused) as caught:
            conv.propose_option("Cre\u0300che three days", by=pro)

        assert caught.value.codes == ("option-exists",)
        assert [option.text for option in conv.options] == ["Cr\u00e8che three days"]

    def test_a_name_in_nfd_is_the_name_taken(self) -> None:
        """Another member: joining as "Zoë" decomposed when "ZOË" composed takes part."""
        conv = tt.Conversation(clock=StepClock())
        conv.join("Zo\u00cb", tt.Role.CLIENT)

        with pytest.raises(tt.Refused) as caught:
            conv.join("zoe\u0308", tt.Role.RELATIVE)

        assert caught.value.codes == ("name-taken",)


class TestCalendarDays:
    def test_late_evening_in_los_angeles_is_still_that_day(self) -> None:
        """The example: at 23:30 in Los Angeles (07:30 UTC the next day) a pause until that
        local date is accepted, as the user sees the calendar."""
        zone = ZoneInfo("America/Los_Angeles")
        evening = datetime(2026, 11, 30, 23, 30, tzinfo=zone)
        conv = tt.Conversation(clock=lambda: evening)
        pro = conv.join("Therapist", tt.Role.PROFESSIONAL)

        conv.pause(until=date(2026, 11, 30), reason="Time to think", by=pro)

        assert conv.phase is tt.Phase.PAUSED
        assert conv.events[-1].at.tzinfo is UTC
        assert conv.events[-1].at.date() == date(2026, 12, 1)

    def test_morning_in_auckland_refuses_the_local_yesterday(self) -> None:
        """Another member: at 09:00 in Auckland (20:00 UTC the day before) the local
        yesterday is before today, so it is invalid input."""
        morning = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
        conv = tt.Conversation(clock=lambda: morning)
        pro = conv.join("Therapist", tt.Role.PROFESSIONAL)

        with pytest.raises(tt.InvalidInput, match="until"):
            conv.pause(until=date(2026, 11, 30), reason="Time to think", by=pro)

    def test_the_default_clock_reads_the_machine_s_zone(self) -> None:
        """Without a clock, a conversation judges days in the machine's own zone (its
        events are still written in UTC)."""
        conv = tt.Conversation()
        local = datetime.now(UTC).astimezone()

        assert conv.events[0].at.tzinfo is UTC
        assert conv._local.utcoffset() == local.utcoffset()
        assert isinstance(conv._local.tzinfo, timezone)


def test_a_rule_s_params_that_cannot_be_recorded_are_invalid_protocol() -> None:
    """A rule whose params hold a float is InvalidProtocol naming its code; nothing is
    recorded (a member of the protocol-values kind that came with translatable reasons)."""
    base = tt.three_talk()
    entry = dict(base.entry_rules)
    rule = tt.Rule("my-rule", "", lambda view: "Not yet.", params=lambda view: {"share": 0.4})
    entry[tt.Phase.OPTION_TALK] = (*entry[tt.Phase.OPTION_TALK], rule)
    conv, pro = in_team_talk(attrs.evolve(base, name="custom", entry_rules=entry))
    before = conv.events

    with pytest.raises(tt.InvalidProtocol, match="my-rule"):
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)

    assert conv.events == before
