"""What every event store promises, run against each of them.

A store joins by adding a factory to ``STORES``: a function of ``(tmp_path, key)`` that
returns a function opening a handle on one and the same backing store (a second call gives
a second handle, as a second process or thread would have). SQLite-only behaviour (files,
triggers, SQL tampering) is tested in ``test_store.py``.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
import pytest

import threetalk as tt
from conftest import postgres_database
from scenarios import REVIEW_ON, Scene, advance
from threetalk.store import (
    ConflictError,
    ConversationInfo,
    DueItem,
    EventStore,
    MemoryStore,
    PostgresStore,
    SQLiteStore,
    StoreError,
    UnknownConversation,
    open_conversation,
    retrying,
    verify_store,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    Opener = Callable[[], Any]

KEY = b"k" * 32


def _memory(tmp_path: Path, key: bytes | None) -> Iterator[Opener]:
    del tmp_path
    store = MemoryStore(key=key)
    yield lambda: store


def _sqlite(tmp_path: Path, key: bytes | None) -> Iterator[Opener]:
    opened: list[SQLiteStore] = []

    def open_store() -> SQLiteStore:
        store = SQLiteStore(tmp_path / "talks.db", key=key)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def _postgres(tmp_path: Path, key: bytes | None) -> Iterator[Opener]:
    del tmp_path
    opened: list[PostgresStore] = []
    with postgres_database() as conninfo:

        def open_store() -> PostgresStore:
            store = PostgresStore(conninfo, key=key)
            opened.append(store)
            return store

        yield open_store
        for store in opened:
            store.close()


STORES = {"memory": _memory, "postgres": _postgres, "sqlite": _sqlite}


@pytest.fixture(params=sorted(STORES))
def kind(request: pytest.FixtureRequest) -> str:
    """The name of the store under test."""
    return str(request.param)


@pytest.fixture
def opener(kind: str, tmp_path: Path) -> Iterator[Opener]:
    """Opens handles on one unkeyed store of the kind under test."""
    yield from STORES[kind](tmp_path, None)


@pytest.fixture
def keyed_opener(kind: str, tmp_path: Path) -> Iterator[Opener]:
    """Opens handles on one keyed store of the kind under test."""
    yield from STORES[kind](tmp_path, KEY)


class Clock:
    """A clock ticking 30 seconds per call from 09:00 UTC on a day of November 2026."""

    def __init__(self, day: int = 23) -> None:
        self.now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def started(store: EventStore, conversation_id: str = "c1") -> tt.Conversation:
    """A stored conversation in team talk with a client and a professional (4 events)."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=Clock(), store=store)
    conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    return conv


class TestWriting:
    def test_every_event_is_stored_as_it_happens(self, opener: Opener) -> None:
        """Each command's events are in the store when the command returns."""
        conv = started(opener())

        assert opener().load("c1") == conv.events

    def test_reopened_conversation_equals_the_original(self, opener: Opener) -> None:
        """open_conversation loads, verifies and replays to the same snapshot and head."""
        conv = started(opener())
        conv.add_topic("Sleep", by=conv.participant("p1"))
        store = opener()

        same = open_conversation(store, "c1")

        assert same.snapshot() == conv.snapshot()
        assert same.events == conv.events
        assert store.head("c1") == tt.Head(conv.events[-1].seq, conv.events[-1].hash)
        assert store.conversation_ids() == ("c1",)

    def test_reopened_conversation_keeps_writing_through(self, opener: Opener) -> None:
        """A reopened conversation's commands are stored too."""
        store = opener()
        started(store)
        again = open_conversation(store, "c1", clock=Clock(24))

        again.add_topic("Sleep", by=again.participant("p1"))

        assert store.load("c1") == again.events

    def test_a_closed_store_refuses_writes(self, opener: Opener) -> None:
        """Writing through a closed store is a StoreError and changes nothing."""
        store = opener()
        conv = started(store)
        store.close()
        store.close()

        with pytest.raises(StoreError, match="closed"):
            conv.add_topic("Sleep", by=conv.participant("p1"))

        assert len(conv.events) == 4

    def test_the_store_fits_the_event_store_protocol(self, opener: Opener) -> None:
        """Every store is an EventStore, so one can stand in for another."""
        fits: EventStore = opener()

        assert fits.key is None
        for name in ("append_events", "append_many", "load", "conversation_ids", "head"):
            assert callable(getattr(fits, name))


class TestReading:
    def test_an_unknown_conversation(self, opener: Opener) -> None:
        """Nothing stored: load is empty, head and open_conversation say so."""
        store = opener()

        assert store.load("nobody") == ()
        with pytest.raises(UnknownConversation):
            store.head("nobody")
        with pytest.raises(UnknownConversation):
            open_conversation(store, "nobody")

    def test_the_head_unpacks(self, opener: Opener) -> None:
        """``seq, hash = store.head(id)`` works, as does ``.seq`` and ``.hash``."""
        conv = started(opener())

        seq, digest = opener().head("c1")

        assert (seq, digest) == (4, conv.events[-1].hash)

    def test_ids_are_sorted(self, opener: Opener) -> None:
        """conversation_ids lists every stored conversation, sorted."""
        store = opener()
        for name in ("b", "c", "a"):
            tt.Conversation(conversation_id=name, clock=Clock(), store=store)

        assert store.conversation_ids() == ("a", "b", "c")

    def test_a_bad_id_is_invalid_input(self, opener: Opener) -> None:
        """A conversation id that is not a string is InvalidInput, for load and head."""
        store = opener()

        with pytest.raises(tt.InvalidInput):
            store.load(7)
        with pytest.raises(tt.InvalidInput):
            store.head(None)

    def test_another_protocol_is_refused_naming_both(self, opener: Opener) -> None:
        """Reopening under another protocol is ProtocolMismatch (a StoreError and an
        InvalidInput) naming both fingerprints."""
        store = opener()
        started(store)
        other = tt.work_and_income()

        with pytest.raises(tt.ProtocolMismatch) as caught:
            open_conversation(store, "c1", other)

        error = caught.value
        assert isinstance(error, StoreError)
        assert isinstance(error, tt.InvalidInput)
        assert error.given == other.fingerprint
        assert error.recorded == tt.three_talk().fingerprint
        assert other.fingerprint in str(error)
        assert tt.three_talk().fingerprint in str(error)

    def test_a_store_verifies(self, opener: Opener) -> None:
        """A store of intact conversations verifies, with the head of each."""
        store = opener()
        conv = started(store)
        started(store, "c2")

        report = verify_store(store)

        assert report.ok
        assert report.findings == ()
        assert report.heads["c1"] == tt.Head(4, conv.events[-1].hash)
        assert sorted(report.heads) == ["c1", "c2"]


class TestConflicts:
    def test_second_writer_gets_a_conflict_and_writes_nothing(self, opener: Opener) -> None:
        """Two copies of one conversation: the first to append wins, the second is told."""
        first_store, second_store = opener(), opener()
        started(first_store)
        first = open_conversation(first_store, "c1", clock=Clock(24))
        second = open_conversation(second_store, "c1", clock=Clock(24))
        first.add_topic("Sleep", by=first.participant("p1"))

        with pytest.raises(ConflictError) as caught:
            second.add_topic("Work", by=second.participant("p1"))

        error = caught.value
        assert (error.conversation_id, error.expected_seq, error.actual_seq) == ("c1", 4, 5)
        assert len(second.events) == 4
        retry = open_conversation(second_store, "c1", clock=Clock(25))
        retry.add_topic("Work", by=retry.participant("p1"))
        topics = [t.text for t in open_conversation(first_store, "c1").snapshot().topics]
        assert topics == ["Sleep", "Work"]
        assert tt.verify(first_store.load("c1")).seq == 6

    def test_starting_a_stored_conversation_again_is_a_conflict(self, opener: Opener) -> None:
        """A new conversation with a stored id is refused, and the stored one stays."""
        store = opener()
        started(store)

        with pytest.raises(ConflictError) as caught:
            tt.Conversation(conversation_id="c1", store=store)

        assert caught.value.expected_seq == 0
        assert len(store.load("c1")) == 4

    def test_threads_sharing_one_store_lose_nothing(self, opener: Opener) -> None:
        """One store object shared by eight threads, each with its own conversation: every
        command is stored once, every chain verifies."""
        store = opener()
        failures: list[BaseException] = []
        barrier = threading.Barrier(8)

        def work(number: int) -> None:
            try:
                conv = tt.Conversation(conversation_id=f"t{number}", clock=Clock(), store=store)
                client = conv.join("Client", tt.Role.CLIENT)
                barrier.wait()
                for topic in range(25):
                    conv.add_topic(f"Topic {topic}", by=client)
            except BaseException as error:  # noqa: BLE001 - reported by the assert below
                failures.append(error)

        threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        report = verify_store(store)
        assert report.ok
        assert {cid: head.seq for cid, head in report.heads.items()} == {
            f"t{number}": 27 for number in range(8)
        }


class SharedClock(Clock):
    """A :class:`Clock` that threads may share: every reading is later than the one before."""

    def __init__(self, day: int = 24) -> None:
        super().__init__(day)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return super().__call__()


class TestRetrying:
    def test_a_real_conflict_is_retried_against_the_fresh_state(self, opener: Opener) -> None:
        """The first attempt loses to another handle's write; the second sees it and wins."""
        started(opener())
        seen: list[int] = []

        def add_work(conv: tt.Conversation) -> int:
            seen.append(len(conv.events))
            if len(seen) == 1:
                other = open_conversation(opener(), "c1", clock=Clock(24))
                other.add_topic("Sleep", by=other.participant("p1"))
            conv.add_topic("Work", by=conv.participant("p1"))
            return len(conv.snapshot().topics)

        result = retrying(opener(), "c1", add_work, clock=Clock(25))

        assert (result, seen) == (2, [4, 5])
        reopened = open_conversation(opener(), "c1")
        assert [t.text for t in reopened.snapshot().topics] == ["Sleep", "Work"]
        assert verify_store(opener()).ok

    def test_attempts_exhausted_reraise_the_conflict(self, opener: Opener) -> None:
        """When every attempt meets a conflict, the last ConflictError is raised; none of
        the attempts wrote anything."""
        started(opener())
        calls: list[int] = []
        clock = Clock(24)

        def always_late(conv: tt.Conversation) -> None:
            calls.append(len(conv.events))
            other = open_conversation(opener(), "c1", clock=clock)
            other.add_topic(f"Other {len(calls)}", by=other.participant("p1"))
            conv.add_topic("Mine", by=conv.participant("p1"))

        with pytest.raises(ConflictError) as caught:
            retrying(opener(), "c1", always_late, attempts=3, clock=clock)

        assert calls == [4, 5, 6]
        assert (caught.value.expected_seq, caught.value.actual_seq) == (6, 7)
        topics = [t.text for t in open_conversation(opener(), "c1").snapshot().topics]
        assert topics == ["Other 1", "Other 2", "Other 3"]

    def test_one_attempt_is_no_retry(self, opener: Opener) -> None:
        """attempts=1 calls the command once and lets its conflict through."""
        started(opener())
        calls: list[int] = []

        def late(conv: tt.Conversation) -> None:
            calls.append(1)
            other = open_conversation(opener(), "c1", clock=Clock(24))
            other.add_topic("Other", by=other.participant("p1"))
            conv.add_topic("Mine", by=conv.participant("p1"))

        with pytest.raises(ConflictError):
            retrying(opener(), "c1", late, attempts=1, clock=Clock(25))

        assert calls == [1]

    def test_a_refusal_is_not_retried(self, opener: Opener) -> None:
        """Only conflicts are retried: a refused command raises on the first attempt."""
        started(opener())
        calls: list[int] = []

        def decide_early(conv: tt.Conversation) -> None:
            calls.append(1)
            conv.move_to(tt.Phase.DECISION_TALK, by=conv.participant("p2"))

        with pytest.raises(tt.Refused):
            retrying(opener(), "c1", decide_early, clock=Clock(24))

        assert calls == [1]

    def test_a_clock_that_raises_is_not_retried_and_nothing_is_stored(self, opener: Opener) -> None:
        """A clock that raises ends retrying at once with its own exception (it is no
        conflict); nothing is stored and the store still verifies. Opening calls no clock."""
        started(opener())
        calls: list[int] = []

        def broken() -> datetime:
            msg = "the clock broke"
            raise RuntimeError(msg)

        def add_sleep(conv: tt.Conversation) -> None:
            calls.append(len(conv.events))
            conv.add_topic("Sleep", by=conv.participant("p1"))

        with pytest.raises(RuntimeError, match="the clock broke"):
            retrying(opener(), "c1", add_sleep, clock=broken)

        assert calls == [4]
        assert len(opener().load("c1")) == 4
        assert len(open_conversation(opener(), "c1", clock=broken).events) == 4
        assert verify_store(opener()).ok

    def test_threads_retrying_on_one_conversation_lose_nothing(self, opener: Opener) -> None:
        """Four threads, each with its own handle, add five topics each to one conversation
        through retrying: all twenty are stored once and the chain verifies."""
        started(opener())
        clock = SharedClock()
        failures: list[BaseException] = []
        barrier = threading.Barrier(4)

        def work(number: int) -> None:
            store = opener()
            try:
                barrier.wait()
                for topic in range(5):
                    retrying(
                        store,
                        "c1",
                        lambda conv, topic=topic: conv.add_topic(
                            f"T{number}.{topic}", by=conv.participant("p1")
                        ),
                        attempts=200,
                        clock=clock,
                    )
            except BaseException as error:  # noqa: BLE001 - reported by the assert below
                failures.append(error)

        threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        topics = [t.text for t in open_conversation(opener(), "c1").snapshot().topics]
        assert sorted(topics) == sorted(f"T{n}.{t}" for n in range(4) for t in range(5))
        assert verify_store(opener()).ok


class TestAppendMany:
    def test_many_conversations_in_one_call(self, opener: Opener) -> None:
        """append_many stores interleaved conversations' events in one go."""
        convs = [tt.Conversation(conversation_id=f"c{n}", clock=Clock()) for n in range(3)]
        for conv in convs:
            conv.join("Client", tt.Role.CLIENT)
        events = [event for pair in zip(*(c.events for c in convs), strict=True) for event in pair]
        store = opener()

        written = store.append_many(events)

        assert written == 6
        assert store.conversation_ids() == ("c0", "c1", "c2")
        for conv in convs:
            assert open_conversation(store, conv.id).snapshot() == conv.snapshot()

    def test_a_bad_event_anywhere_writes_nothing(self, opener: Opener) -> None:
        """One event that does not verify stops the whole batch before anything is written."""
        good = tt.Conversation(conversation_id="good", clock=Clock())
        bad = tt.Conversation(conversation_id="bad", clock=Clock())
        bad.join("Client", tt.Role.CLIENT)
        forged = attrs.evolve(bad.events[1], actor="p9")
        store = opener()

        with pytest.raises(tt.InvalidInput, match="seq 2 of 'bad'"):
            store.append_many([*good.events, bad.events[0], forged])

        assert store.conversation_ids() == ()

    def test_events_of_an_unkeyed_conversation_do_not_enter_a_keyed_store(
        self, keyed_opener: Opener
    ) -> None:
        """A keyed store accepts only events sealed with its key."""
        conv = tt.Conversation(conversation_id="c1", clock=Clock())

        with pytest.raises(tt.InvalidInput, match="key"):
            keyed_opener().append_many(conv.events)

    def test_a_gap_is_a_conflict(self, opener: Opener) -> None:
        """Events that do not continue the stored chain are refused."""
        conv = tt.Conversation(conversation_id="c1", clock=Clock())
        conv.join("Client", tt.Role.CLIENT)
        conv.join("Therapist", tt.Role.PROFESSIONAL)
        store = opener()
        store.append_many(conv.events[:1])

        with pytest.raises(ConflictError) as caught:
            store.append_many(conv.events[2:])

        assert (caught.value.expected_seq, caught.value.actual_seq) == (2, 1)

    def test_events_of_another_conversation_with_the_same_id(self, opener: Opener) -> None:
        """Events that fit the stored seq but not the stored chain are refused."""
        first = tt.Conversation(conversation_id="c1", clock=Clock())
        other = tt.Conversation(conversation_id="c1", clock=Clock(24))
        other.join("Client", tt.Role.CLIENT)
        store = opener()
        store.append_many(first.events)

        with pytest.raises(StoreError, match="do not continue the stored chain"):
            store.append_many(other.events[1:])

        assert store.load("c1") == first.events

    def test_nothing_to_write(self, opener: Opener) -> None:
        """An empty batch writes nothing and says so."""
        assert opener().append_many([]) == 0

    def test_not_events(self, opener: Opener) -> None:
        """Something that is not an iterable of events is InvalidInput; nothing is written."""
        store = opener()

        for junk in ("events", 7, [object()]):
            with pytest.raises(tt.InvalidInput):
                store.append_many(junk)

        assert store.conversation_ids() == ()


class TestKeys:
    def test_keyed_round_trip(self, keyed_opener: Opener) -> None:
        """A keyed store's chains are HMACs that verify only with the key."""
        store = keyed_opener()
        conv = started(store)

        again = open_conversation(keyed_opener(), "c1")

        assert again.snapshot() == conv.snapshot()
        assert tt.verify(conv.events, key=KEY).seq == 4
        with pytest.raises(tt.TamperedLog):
            tt.verify(conv.events)

    def test_a_short_key_is_invalid_input(self, kind: str, tmp_path: Path) -> None:
        """Keys shorter than 32 bytes are refused."""
        with pytest.raises(tt.InvalidInput, match="32 bytes"):
            next(STORES[kind](tmp_path, b"short"))()


def restarted(kind: str, store: Any, opener: Opener) -> Any:
    """The store as the app sees it after a restart: closed and opened again.

    A memory store has nothing to reopen (it lives as long as the process), so it is
    handed back as it is.
    """
    if kind == "memory":
        return store
    store.close()
    return opener()


def scene(store: EventStore, conversation_id: str = "c1", upto: str = "joined") -> Scene:
    """A stored conversation with a client and a professional, taken through ``upto``."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=Clock(), store=store)
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    stages = ("team", "option", "options", "decision", "preferences", "proposed", "decided")
    return advance(Scene(conv, client, None, pro), *stages[: stages.index(upto) + 1])


class TestListing:
    def test_an_empty_store_lists_nothing(self, opener: Opener) -> None:
        """No conversations, no page."""
        assert opener().conversations() == ()

    def test_each_conversation_at_a_glance(self, kind: str, opener: Opener) -> None:
        """Id, protocol name, phase now, event count, first and last time; by id, also
        after a restart."""
        store = opener()
        started(store, "b")
        tt.Conversation(tt.work_and_income(), conversation_id="a", clock=Clock(), store=store)
        logs = {cid: store.load(cid) for cid in ("a", "b")}

        store = restarted(kind, store, opener)
        listed = store.conversations()

        assert listed == (
            ConversationInfo(
                "a", "work_and_income", tt.Phase.PREPARATION, 1, logs["a"][0].at, logs["a"][0].at
            ),
            ConversationInfo(
                "b", "three_talk", tt.Phase.TEAM_TALK, 4, logs["b"][0].at, logs["b"][-1].at
            ),
        )
        assert logs["b"][0].at < logs["b"][-1].at

    def test_the_phase_is_where_the_conversation_is_now(self, opener: Opener) -> None:
        """After every kind of move, and after a refusal, the listed phase is the phase the
        replayed conversation is in."""
        store = opener()
        conv = started(store)
        pro = conv.participants[1]
        seen = []

        def check() -> None:
            (info,) = store.conversations()
            seen.append(info.phase)
            assert info.phase is open_conversation(store, "c1").phase
            assert info.events == len(store.load("c1"))

        check()
        conv.pause(date(2026, 12, 1), "Think it over", by=pro)
        check()
        with pytest.raises(tt.Refused):
            conv.add_topic("Too late", by=pro)  # refused while paused: still paused
        check()
        conv.resume(by=pro)
        check()
        conv.close("Done", by=pro)
        check()
        with pytest.raises(tt.Refused):
            conv.close("Again", by=pro)
        check()

        phases = tt.Phase
        assert seen == [
            phases.TEAM_TALK,
            phases.PAUSED,
            phases.PAUSED,
            phases.TEAM_TALK,
            phases.CLOSED,
            phases.CLOSED,
        ]

    def test_pages_follow_each_other(self, kind: str, opener: Opener) -> None:
        """Pages of ``limit`` ids, each after the last id of the one before, cover every
        conversation once; after a restart the same pages come back."""
        store = opener()
        ids = ["e", "a", "d", "c", "b"]
        for cid in ids:
            tt.Conversation(conversation_id=cid, clock=Clock(), store=store)

        def pages() -> list[list[str]]:
            found, after = [], None
            while page := store.conversations(limit=2, after=after):
                found.append([info.conversation_id for info in page])
                after = page[-1].conversation_id
            return found

        before = pages()
        store = restarted(kind, store, opener)

        assert before == [["a", "b"], ["c", "d"], ["e"]]
        assert pages() == before
        assert store.conversations(after="b", limit=1)[0].conversation_id == "c"
        assert store.conversations(after="bb") == store.conversations(after="b")
        assert store.conversations(after="e") == ()

    def test_ids_page_in_code_point_order(self, opener: Opener) -> None:
        """Ids sort as Python sorts them (by code point), whatever the store, so ``after``
        never skips or repeats a conversation."""
        store = opener()
        ids = ["b", "\u00e9t\u00e9", "Z", "\U0001f600", "a", "a b", "\u4e2d", "10", "9"]
        for cid in ids:
            tt.Conversation(conversation_id=cid, clock=Clock(), store=store)

        found, after = [], None
        while page := store.conversations(limit=2, after=after):
            found.extend(info.conversation_id for info in page)
            after = page[-1].conversation_id

        assert found == sorted(ids) == list(store.conversation_ids())

    def test_filters_by_protocol_and_phase(self, opener: Opener) -> None:
        """Only conversations under the protocol named and in the phase given."""
        store = opener()
        started(store, "t1")
        other = tt.Conversation(
            tt.work_and_income(), conversation_id="w1", clock=Clock(), store=store
        )
        other.join("Client", tt.Role.CLIENT)
        closing = started(store, "t3")
        closing.close("Done", by=closing.participants[1])

        def ids(**filters: Any) -> list[str]:
            return [info.conversation_id for info in store.conversations(**filters)]

        assert ids() == ["t1", "t3", "w1"]
        assert ids(protocol="three_talk") == ["t1", "t3"]
        assert ids(protocol="work_and_income") == ["w1"]
        assert ids(protocol="nobody") == []
        assert ids(phase=tt.Phase.CLOSED) == ["t3"]
        assert ids(phase=tt.Phase.TEAM_TALK, protocol="three_talk") == ["t1"]
        assert ids(phase=tt.Phase.PREPARATION) == ["w1"]
        assert ids(protocol="three_talk", limit=1) == ["t1"]
        assert ids(protocol="three_talk", limit=1, after="t1") == ["t3"]

    def test_a_filtered_page_fills_past_many_that_do_not_pass(self, opener: Opener) -> None:
        """A filter that few conversations pass still fills its page, in order."""
        store = opener()
        events = [
            event
            for number in range(130)
            for event in tt.Conversation(
                tt.work_and_income() if number in (3, 120, 125) else None,
                conversation_id=f"c{number:03d}",
                clock=Clock(),
            ).events
        ]
        store.append_many(events)

        page = store.conversations(protocol="work_and_income", limit=2)

        assert [info.conversation_id for info in page] == ["c003", "c120"]
        rest = store.conversations(protocol="work_and_income", after="c120")
        assert [info.conversation_id for info in rest] == ["c125"]
        assert len(store.conversations(limit=1000)) == 130

    @pytest.mark.parametrize(
        "arguments",
        [
            {"limit": 0},
            {"limit": 1001},
            {"limit": True},
            {"limit": "10"},
            {"phase": "paused"},
            {"protocol": 3},
            {"after": 5},
        ],
    )
    def test_malformed_arguments_are_invalid_input(
        self, opener: Opener, arguments: dict[str, Any]
    ) -> None:
        """A limit outside 1..1000, a phase that is no Phase, a name that is no string."""
        store = opener()
        started(store)

        with pytest.raises(tt.InvalidInput):
            store.conversations(**arguments)

    def test_the_largest_page(self, opener: Opener) -> None:
        """limit=1000 and limit=1 are allowed."""
        store = opener()
        started(store)

        assert len(store.conversations(limit=1000)) == len(store.conversations(limit=1)) == 1


class TestDue:
    def test_a_decision_review_falls_due_until_evaluated(self, kind: str, opener: Opener) -> None:
        """The decision's review date is due from that day on, also after a restart, until
        the decision is evaluated."""
        store = opener()
        decided = scene(store, "c1", "decided")
        review = DueItem("c1", "review", REVIEW_ON, decided.wait.id)

        assert store.due(REVIEW_ON - timedelta(days=1)) == ()
        assert store.due(REVIEW_ON) == (review,)

        store = restarted(kind, store, opener)
        assert store.due(REVIEW_ON + timedelta(days=30)) == (review,)

        conv = open_conversation(store, "c1", clock=Clock(day=28))
        pro = conv.participant(decided.pro.id)
        conv.move_to(tt.Phase.EVALUATION, by=pro)
        assert store.due(REVIEW_ON) == (review,)
        conv.evaluate("It helped", "We decided together", by=pro)
        assert store.due(REVIEW_ON) == ()

    def test_reopening_the_decision_drops_its_review(self, opener: Opener) -> None:
        """A move that reopens the decision clears it, and its review with it."""
        store = opener()
        decided = scene(store, "c1", "decided")
        decided.conv.move_to(tt.Phase.OPTION_TALK, by=decided.pro)

        assert store.due(REVIEW_ON) == ()

    def test_a_trial_falls_due_until_it_ends(self, kind: str, opener: Opener) -> None:
        """Each trial's evaluation date, with its option, until that trial ends."""
        store = opener()
        options = scene(store, "c1", "options")
        first, second = date(2026, 12, 3), date(2026, 12, 10)
        options.conv.start_trial(options.wait, first, by=options.pro)
        options.conv.start_trial(options.days, second, by=options.pro)
        wait = DueItem("c1", "trial", first, options.wait.id)
        days = DueItem("c1", "trial", second, options.days.id)

        assert store.due(first - timedelta(days=1)) == ()
        assert store.due(first) == (wait,)
        assert store.due(second) == (wait, days)

        store = restarted(kind, store, opener)
        conv = open_conversation(store, "c1", clock=Clock(day=28))
        conv.end_trial(
            conv.option(options.wait.id), "Too slow", by=conv.participant(options.pro.id)
        )

        assert store.due(second) == (days,)

    def test_a_pause_falls_due_until_resumed_or_closed(self, opener: Opener) -> None:
        """The end of a pause is due from its date until the conversation resumes; a
        closed conversation has nothing due."""
        store = opener()
        one, two = started(store, "one"), started(store, "two")
        until = date(2026, 12, 1)
        one.pause(until, "Think it over", by=one.participants[1])
        two.pause(until - timedelta(days=2), "Ask family", by=two.participants[1])

        assert store.due(until) == (
            DueItem("two", "resume", until - timedelta(days=2)),
            DueItem("one", "resume", until),
        )
        one.resume(by=one.participants[1])
        two.close("Moved away", by=two.participants[1])

        assert store.due(until) == ()

    def test_due_items_of_many_conversations_by_date(self, opener: Opener) -> None:
        """Items come by date, then conversation; nothing is due in a conversation that
        sets no date."""
        store = opener()
        started(store, "quiet")
        scene(store, "late", "decided")
        paused = started(store, "early")
        paused.pause(date(2026, 11, 30), "Holiday", by=paused.participants[1])

        due = store.due(date(2030, 1, 1))

        assert [(item.conversation_id, item.kind) for item in due] == [
            ("early", "resume"),
            ("late", "review"),
        ]

    @pytest.mark.parametrize("on", [datetime(2026, 12, 1, tzinfo=UTC), "2026-12-01", None])
    def test_a_day_that_is_no_date_is_invalid_input(self, opener: Opener, on: object) -> None:
        """``on`` is a date; a datetime, text or None is InvalidInput."""
        with pytest.raises(tt.InvalidInput):
            opener().due(on)
