"""Conversations stored before the guides issue still open, replay and take commands.

``tests/data/before-guides.jsonl`` was exported by the code before the practice guides
became protocols (steps and prompts changed the built-in fingerprints): one
``three_talk()`` conversation (with a refusal and advisories, paused) and one
``work_and_income()`` conversation (with an imposed decision, closed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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
    assert tt.three_talk().supersedes == {THREE_TALK_BEFORE}
    assert tt.work_and_income().supersedes == {WORK_AND_INCOME_BEFORE}
    assert tt.three_talk().fingerprint != THREE_TALK_BEFORE
