"""One SQLiteStore shared by threads: writes that wait together share a commit, each on its
own terms, and reads never wait for a write.

Another connection holds the file's write lock (``BEGIN IMMEDIATE``) so that the store's
writes queue up behind it, as they do behind another process's commit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
from threetalk.store import (
    ConflictError,
    SQLiteStore,
    StoreError,
    open_conversation,
    verify_store,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


class Clock:
    """A clock that threads may share, 30 seconds on per call from 2026-11-23 09:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(seconds=30)
            return self.now


CLOCK = Clock()


def started(store: SQLiteStore, conversation_id: str) -> tt.Conversation:
    """A stored conversation in team talk with a client and a professional (4 events)."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=CLOCK, store=store)
    conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    return conv


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 10 s) until ``condition()`` holds."""
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.001)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A store whose writes wait up to 30 s for the file's write lock."""
    with SQLiteStore(tmp_path / "talks.db", timeout=30) as opened:
        yield opened


@pytest.fixture
def commits(store: SQLiteStore) -> list[str]:
    """The COMMIT statements the store's connection runs, as it runs them."""
    seen: list[str] = []
    connection = store._connection
    assert connection is not None
    connection.set_trace_callback(
        lambda statement: seen.append(statement) if statement == "COMMIT" else None
    )
    return seen


class WriteLock:
    """The file's write lock, held by a connection of its own until released."""

    def __init__(self, store: SQLiteStore) -> None:
        self.connection = sqlite3.connect(store.path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

        self.held = True

    def release(self) -> None:
        """End the transaction (nothing was written) and close the connection; once."""
        if self.held:
            self.held = False
            self.connection.execute("ROLLBACK")
            self.connection.close()


def writing_now(store: SQLiteStore) -> bool:
    """Whether another thread holds the store's own connection (as a write does)."""
    if store._lock.acquire(blocking=False):
        store._lock.release()
        return False
    return True


def add_topics(
    convs: list[tt.Conversation], threads: ThreadPoolExecutor, text: str
) -> list[Future[None]]:
    """Start ``add_topic`` on each conversation in a thread of its own."""
    return [
        threads.submit(conv.add_topic, f"{text} {number}", by=conv.participant("p1"))
        for number, conv in enumerate(convs)
    ]


class TestSharedCommits:
    def test_writes_that_wait_together_share_one_commit(
        self, store: SQLiteStore, commits: list[str]
    ) -> None:
        """A write that waits for the file's write lock leads: once it has the lock, it
        commits the six writes queued meanwhile with its own, in one transaction; a
        conflict among them fails that write alone, and every other write is stored."""
        first = started(store, "first")
        convs = [started(store, f"c{number}") for number in range(5)]
        twin = open_conversation(store, "c4", clock=CLOCK)
        commits.clear()
        lock = WriteLock(store)
        with ThreadPoolExecutor(max_workers=7) as threads:
            try:
                leading = threads.submit(first.add_topic, "First", by=first.participant("p1"))
                until(lambda: store._leading, "the first write leads")
                waiting = add_topics([*convs, twin], threads, "Topic")
                until(lambda: len(store._queue) == 7, "six more writes wait")
            finally:
                lock.release()
            leading.result(timeout=10)
            outcomes = [future.exception(timeout=10) for future in waiting]

        assert commits == ["COMMIT"]
        assert outcomes[:4] == [None] * 4
        assert sorted(type(error).__name__ for error in outcomes[4:]) == [
            "ConflictError",
            "NoneType",
        ]
        conflict = next(error for error in outcomes[4:] if error is not None)
        assert isinstance(conflict, ConflictError)
        assert (conflict.conversation_id, conflict.expected_seq, conflict.actual_seq) == (
            "c4",
            4,
            5,
        )
        for conv in [first, *convs[:4]]:
            assert store.load(conv.id) == conv.events
            assert len(conv.events) == 5
        winner = convs[4] if len(convs[4].events) == 5 else twin
        assert store.load("c4") == winner.events
        assert verify_store(store).ok

    def test_a_write_the_database_refuses_gets_its_own_error(
        self, store: SQLiteStore, commits: list[str]
    ) -> None:
        """When one write of a shared commit fails for another reason than a conflict, the
        shared transaction is rolled back and each write is committed alone: that one
        raises StoreError with the database's reason, the others are stored."""
        first = started(store, "first")
        convs = [started(store, f"c{number}") for number in range(4)]
        with sqlite3.connect(store.path, isolation_level=None) as other:
            other.execute(
                "CREATE TRIGGER no_c2 BEFORE INSERT ON events WHEN NEW.conversation_id = 'c2' "
                "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        commits.clear()
        lock = WriteLock(store)
        with ThreadPoolExecutor(max_workers=5) as threads:
            try:
                leading = threads.submit(first.add_topic, "First", by=first.participant("p1"))
                until(lambda: store._leading, "the first write leads")
                waiting = add_topics(convs, threads, "Topic")
                until(lambda: len(store._queue) == 5, "four more writes wait")
            finally:
                lock.release()
            leading.result(timeout=10)
            outcomes = [future.exception(timeout=10) for future in waiting]

        assert [str(error) if error else None for error in outcomes[:2]] == [None, None]
        assert isinstance(outcomes[2], StoreError)
        assert "disk says no" in str(outcomes[2])
        assert outcomes[3] is None
        assert len(commits) == 4  # the shared commit failed: first, c0, c1 and c3 alone
        assert len(store.load("c2")) == len(convs[2].events) == 4
        for conv in (first, convs[0], convs[1], convs[3]):
            assert store.load(conv.id) == conv.events
            assert len(conv.events) == 5

    def test_a_write_lock_kept_too_long_fails_each_write_after_its_own_wait(
        self, tmp_path: Path
    ) -> None:
        """Another connection keeps the write lock past the timeout: the leading write
        fails with the store's 'busy' StoreError; the write queued behind it then leads
        and waits its own timeout before failing too; nothing is stored, and once the
        lock is free, writing works."""
        with SQLiteStore(tmp_path / "talks.db", timeout=0.3) as store:
            first, second = started(store, "c1"), started(store, "c2")
            lock = WriteLock(store)
            with ThreadPoolExecutor(max_workers=2) as threads:
                try:
                    leading = threads.submit(first.add_topic, "A", by=first.participant("p1"))
                    until(lambda: store._leading, "the first write leads")
                    began = time.monotonic()
                    waiting = threads.submit(second.add_topic, "B", by=second.participant("p1"))
                    errors = [leading.exception(timeout=10), waiting.exception(timeout=10)]
                    waited = time.monotonic() - began
                finally:
                    lock.release()

            assert [type(error) for error in errors] == [StoreError, StoreError]
            assert all("kept the store busy" in str(error) for error in errors)
            assert waited >= 0.3
            assert [len(store.load(c)) for c in ("c1", "c2")] == [4, 4]
            first.add_topic("A", by=first.participant("p1"))
            assert len(store.load("c1")) == 5

    def test_many_threads_lose_nothing(self, store: SQLiteStore) -> None:
        """Eight threads give forty commands each to conversations of their own through one
        store: every event is stored once, in order, and the store verifies."""
        convs = [started(store, f"c{number}") for number in range(8)]

        def work(conv: tt.Conversation) -> None:
            for number in range(40):
                conv.add_topic(f"Topic {number}", by=conv.participant("p1"))

        with ThreadPoolExecutor(max_workers=8) as threads:
            list(threads.map(work, convs))

        for conv in convs:
            assert store.load(conv.id) == conv.events
            assert len(conv.events) == 44
        assert verify_store(store).ok


class TestReadsBesideWrites:
    def test_reads_do_not_wait_for_a_write(self, store: SQLiteStore) -> None:
        """While a write waits for the file's write lock, every read answers at once, with
        what is committed; the write then completes and is read back."""
        conv = started(store, "c1")
        before = conv.events
        lock = WriteLock(store)
        with ThreadPoolExecutor(max_workers=2) as threads:
            try:
                writing = threads.submit(conv.add_topic, "Sleep", by=conv.participant("p1"))
                until(lambda: writing_now(store), "the write holds the store's connection")

                def read_everything() -> tuple[object, ...]:
                    return (
                        store.load("c1"),
                        store.head("c1").seq,
                        store.conversation_ids(),
                        [info.events for info in store.conversations()],
                        store.due(date(2027, 1, 1)),
                        len(list(store.events())),
                    )

                reads = threads.submit(read_everything).result(timeout=5)
            finally:
                lock.release()
            writing.result(timeout=10)

        assert reads == (before, 4, ("c1",), [4], (), 4)
        assert store.load("c1") == conv.events
        assert store.head("c1").seq == 5

    def test_closing_closes_the_reader_too(self, store: SQLiteStore) -> None:
        """A store whose reads used the second connection closes both; reads then say the
        store is closed."""
        started(store, "c1")
        # the store's connection held, as a write holds it: the read goes to the reader
        with ThreadPoolExecutor(max_workers=1) as threads, store._lock:
            head = threads.submit(store.head, "c1")
            assert head.result(timeout=5).seq == 4
        assert store._reader

        store.close()

        assert store._reader is None
        with pytest.raises(StoreError, match="closed"):
            store.load("c1")
