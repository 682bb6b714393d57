"""Conversations stored before the guides issue still open, replay and take commands.

``tests/data/before-guides.jsonl`` was exported by the code before the practice guides
became protocols (steps and prompts changed the built-in fingerprints): one
``three_talk()`` conversation (with a refusal and advisories, paused) and one
``work_and_income()`` conversation (with an imposed decision, closed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import threetalk as tt
from threetalk.store import MemoryStore, import_jsonl, open_conversation

FIXTURE = Path(__file__).parent / "data" / "before-guides.jsonl"

#: The built-in fingerprints before the guides issue, as the fixture records them.
THREE_TALK_BEFORE = "9aeeab63343f450fcca34ceb3df45e6e67ae0684e0a40f215caf467e32343fbb"
WORK_AND_INCOME_BEFORE = "93094c574d3db9e9f11f74f1671f947dbe29c5ba44e7af297f5756a90f3b77a8"


def _store() -> MemoryStore:
    store = MemoryStore()
    report = import_jsonl(FIXTURE, store)
    assert len(report.conversation_ids) == 2
    return store


def test_the_fixture_records_the_fingerprints_of_before() -> None:
    """The fixture is what it says: both conversations name the old fingerprints."""
    text = FIXTURE.read_text(encoding="utf-8")

    assert THREE_TALK_BEFORE in text
    assert WORK_AND_INCOME_BEFORE in text


def test_a_three_talk_conversation_stored_before_opens_and_continues() -> None:
    """It opens under today's ``three_talk()`` and can be resumed."""
    store = _store()

    later = datetime(2027, 1, 11, 9, tzinfo=UTC)
    conv = open_conversation(store, "before-guides-three-talk", clock=lambda: later)

    assert conv.protocol.name == "three_talk"
    assert conv.phase is tt.Phase.PAUSED
    assert conv.decision is not None
    assert tt.replay(conv.events).snapshot() == conv.snapshot()
    pro = next(p for p in conv.participants if p.role is tt.Role.PROFESSIONAL)
    conv.resume(by=pro)
    assert conv.phase is tt.Phase.DECISION_TALK


def test_a_work_and_income_conversation_stored_before_opens() -> None:
    """It opens under today's ``work_and_income()``, closed with its imposed decision."""
    store = _store()

    conv = open_conversation(store, "before-guides-work-and-income")

    assert conv.protocol.name == "work_and_income"
    assert conv.phase is tt.Phase.CLOSED
    assert conv.decision is not None
    assert tt.replay(conv.events).snapshot() == conv.snapshot()


def test_the_built_ins_continue_their_fingerprints_of_before() -> None:
    """The fingerprints of before the steps are listed, and differ from today's."""
    assert THREE_TALK_BEFORE in tt.three_talk().supersedes
    assert WORK_AND_INCOME_BEFORE in tt.work_and_income().supersedes
    assert tt.three_talk().fingerprint != THREE_TALK_BEFORE


# ---------------------------------------------------------------------- before the acts

BEFORE_ACTS = Path(__file__).parent / "data" / "before-acts.jsonl"


def _before_acts() -> MemoryStore:
    store = MemoryStore()
    report = import_jsonl(BEFORE_ACTS, store)
    assert len(report.conversation_ids) == len(tt.builtin_protocols())
    return store


def _fingerprints(store: MemoryStore) -> dict[str, str]:
    found = {}
    for conversation_id in store.conversation_ids():
        opened = store.load(conversation_id)[0]
        found[opened.data["protocol"]] = opened.data["fingerprint"]
    return found


def test_every_built_in_continues_its_fingerprint_of_before_the_acts() -> None:
    """The fixture holds one conversation per built-in, under a fingerprint it supersedes."""
    store = _before_acts()
    recorded = _fingerprints(store)

    assert sorted(recorded) == sorted(tt.builtin_protocols())
    for name, protocol in tt.builtin_protocols().items():
        assert recorded[name] != protocol.fingerprint, name  # the acts changed it
        assert recorded[name] in protocol.supersedes, name


@pytest.mark.parametrize("name", sorted(tt.builtin_protocols()))
def test_a_conversation_of_before_the_acts_opens_replays_and_renders(name: str) -> None:
    """It opens under today's protocol, replays to the same state, and its refusals and
    advisories still read in both languages."""
    store = _before_acts()
    conversation_id = f"before-acts-{name.replace('_', '-')}"

    conv = open_conversation(store, conversation_id)

    assert conv.protocol is tt.builtin_protocols()[name]
    assert conv.decision is not None
    assert tt.replay(conv.events).snapshot() == conv.snapshot()
    assert all(item.option.source in set(tt.Source) for item in conv.option_states)
    client = next(p for p in conv.participants if p.role is tt.Role.CLIENT)
    own = next(item.option for item in conv.option_states if item.option.proposed_by == client.id)
    assert own.source is tt.Source.OWN_IDEA  # from the proposer's role: no source recorded
    refusals = [event for event in conv.events if event.kind == "refused"]
    assert refusals
    for event in refusals:
        for recorded in event.data["reasons"]:
            reason = tt.Reason(
                recorded["code"], recorded["message"], recorded["rule"], recorded.get("params")
            )
            assert reason.text("en") == recorded["message"]
            assert reason.text("nl") != recorded["message"]
    assert conv.advisories
    assert all(advisory.text("nl") for advisory in conv.advisories)


def test_a_paused_conversation_of_before_the_acts_continues_with_the_acts() -> None:
    """Resumed under today's protocol, it takes the new acts where they belong."""
    store = _before_acts()
    later = datetime(2027, 1, 11, 9, tzinfo=UTC)
    conv = open_conversation(store, "before-acts-youth-care", clock=lambda: later)
    client = next(p for p in conv.participants if p.role is tt.Role.CLIENT)
    pro = next(p for p in conv.participants if p.role is tt.Role.PROFESSIONAL)

    conv.resume(by=pro)
    question = conv.ask("How do we know it works?", by=client)
    conv.answer(question, "We look at the sleep diary together", by=pro)

    assert conv.questions[0].answered
    again = open_conversation(store, "before-acts-youth-care")
    assert again.snapshot() == conv.snapshot()
