"""Two processes writing to one store file: no lost events, no lock errors, one winner."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import threetalk as tt
from conftest import StepClock
from threetalk.store import SQLiteStore, open_conversation

HERE = str(Path(__file__).parent)
COMMANDS = 120


#: One second per command.
SECOND = timedelta(seconds=1)


def write_many(path: str, conversation_id: str, commands: int) -> None:
    """Start a conversation and give ``commands`` topics, each its own transaction."""
    store = SQLiteStore(path)
    conv = tt.Conversation(
        conversation_id=conversation_id,
        store=store,
        clock=StepClock(datetime(2026, 11, 23, tzinfo=UTC), SECOND),
    )
    client = conv.join("Client", tt.Role.CLIENT)
    for number in range(commands):
        if number % 10 == 9:
            # a batch now and then, to mix both kinds of write
            other = tt.Conversation(conversation_id=f"{conversation_id}-batch-{number}")
            store.append_many(other.events)
        else:
            conv.add_topic(f"Topic {number}", by=client)
    store.close()


WRITER = """
import sys
import threading
sys.path.insert(0, sys.argv[1])
from test_store_concurrency import write_many
write_many(sys.argv[2], sys.argv[3], int(sys.argv[4]))
"""

# Opens the conversation, says so, waits for "go", gives one command, reports how it went,
# and after a conflict reloads and gives it again.
RACER = """
import sys
import threading
sys.path.insert(0, sys.argv[1])
from test_store_concurrency import race
race(sys.argv[2], sys.argv[3])
"""


def say(line: str) -> None:
    """Tell the test process something, at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def race(path: str, text: str) -> None:
    """One of two writers on the same conversation; prints ``won`` or ``conflict ...``."""
    from threetalk.store import ConflictError

    store = SQLiteStore(path)
    conv = open_conversation(
        store, "shared", clock=StepClock(datetime(2026, 11, 24, tzinfo=UTC), SECOND)
    )
    say("ready")
    sys.stdin.readline()
    try:
        conv.add_topic(text, by=conv.participant("p1"))
        say("won")
    except ConflictError as error:
        say(f"conflict {error.expected_seq} {error.actual_seq}")
        conv = open_conversation(
            store, "shared", clock=StepClock(datetime(2026, 11, 25, tzinfo=UTC), SECOND)
        )
        conv.add_topic(text, by=conv.participant("p1"))
        say("retried")
    store.close()


def test_two_processes_on_different_conversations(tmp_path: Path) -> None:
    """Two processes appending at once to one file lose nothing and never see a lock error."""
    path = str(tmp_path / "shared.db")
    SQLiteStore(path).close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, HERE, path, name, str(COMMANDS)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert not any("locked" in error for error in errors)
    with SQLiteStore(path) as store:
        report = store.verify()
        ids = store.conversation_ids()
        for name in ("left", "right"):
            events = store.load(name)
            topics = [event.data["text"] for event in events if event.kind == "topic-added"]
            assert topics == [f"Topic {n}" for n in range(COMMANDS) if n % 10 != 9]

    assert report.ok
    assert len(ids) == 2 + 2 * (COMMANDS // 10)


def test_two_processes_on_the_same_conversation(tmp_path: Path) -> None:
    """Exactly one of two simultaneous writers gets ConflictError; after a retry both
    commands are in the trail, once each, in a valid chain."""
    path = str(tmp_path / "shared.db")
    with SQLiteStore(path) as store:
        conv = tt.Conversation(
            conversation_id="shared",
            store=store,
            clock=StepClock(datetime(2026, 11, 23, tzinfo=UTC), SECOND),
        )
        conv.join("Client", tt.Role.CLIENT)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, HERE, path, text],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for text in ("Sleep", "Work")
    ]
    for racer in racers:
        assert racer.stdout is not None
        assert racer.stdout.readline() == "ready\n"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    outputs = [racer.communicate(timeout=60) for racer in racers]

    assert [racer.returncode for racer in racers] == [0, 0], outputs
    said = sorted(out.split("\n")[0] for out, _ in outputs)
    assert said == ["conflict 2 3", "won"]
    with SQLiteStore(path) as store:
        events = store.load("shared")
        conv = open_conversation(store, "shared")

    assert tt.verify(events).seq == 4
    assert sorted(topic.text for topic in conv.snapshot().topics) == ["Sleep", "Work"]


def test_stores_created_at_the_same_moment(tmp_path: Path) -> None:
    """Openers racing to create one store all get the same, complete store."""
    path = tmp_path / "new.db"
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def create(number: int) -> None:
        barrier.wait()
        try:
            with SQLiteStore(path) as store:
                tt.Conversation(conversation_id=f"c{number}", store=store)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            failures.append(error)

    threads = [threading.Thread(target=create, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with SQLiteStore(path) as store:
        assert store.conversation_ids() == ("c0", "c1", "c2", "c3")
        assert store.verify().ok
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# Process A of the lock test: one thread writes through one store while another thread of
# the same process keeps opening and closing a second store on the same file.
WRITER_WITH_OPENER = """
import sys
sys.path.insert(0, sys.argv[1])
from test_store_concurrency import write_while_opening
write_while_opening(sys.argv[2], float(sys.argv[3]))
"""

# Process B of the lock test: opens the store, appends one conversation, closes; repeatedly.
OPEN_APPEND_CLOSE = """
import sys
sys.path.insert(0, sys.argv[1])
from test_store_concurrency import open_append_close
open_append_close(sys.argv[2], float(sys.argv[3]))
"""


def write_while_opening(path: str, seconds: float) -> None:
    """Give topics to one conversation for ``seconds`` while a second thread opens and closes
    another store on the same file; print the seq of every event the store acknowledged."""
    import time

    store = SQLiteStore(path)
    conv = tt.Conversation(
        conversation_id="acknowledged",
        store=store,
        clock=StepClock(datetime(2026, 11, 23, tzinfo=UTC), SECOND),
    )
    client = conv.join("Client", tt.Role.CLIENT)
    stop = threading.Event()

    def open_and_close() -> None:
        while not stop.is_set():
            SQLiteStore(path).close()

    opener = threading.Thread(target=open_and_close)
    opener.start()
    deadline = time.monotonic() + seconds
    try:
        number = 0
        while time.monotonic() < deadline:
            conv.add_topic(f"Topic {number}", by=client)
            say(f"stored {conv.events[-1].seq}")
            number += 1
    finally:
        stop.set()
        opener.join()
        store.close()


def open_append_close(path: str, seconds: float) -> None:
    """Open the store, append a new conversation, close it; again and again for ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    number = 0
    while time.monotonic() < deadline:
        with SQLiteStore(path) as store:
            store.append_many(tt.Conversation(conversation_id=f"b-{number}").events)
        say(f"stored b-{number}")
        number += 1


def test_a_store_opened_beside_a_writer_keeps_its_locks(tmp_path: Path) -> None:
    """Opening and closing stores in one process while another writes never drops SQLite's
    locks: after a few seconds of three writers the file is intact, every acknowledged event
    is stored, and no (conversation, seq) is stored twice."""
    import sqlite3

    path = str(tmp_path / "shared.db")
    SQLiteStore(path).close()
    seconds = "3"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, HERE, path, seconds],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script in (WRITER_WITH_OPENER, OPEN_APPEND_CLOSE)
    ]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    acknowledged = [int(line.split()[1]) for line in outputs[0][0].split("\n") if line]
    conversations = [line.split()[1] for line in outputs[1][0].split("\n") if line]
    db = sqlite3.connect(path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        duplicates = db.execute(
            "SELECT conversation_id, seq, count(*) FROM events"
            " GROUP BY conversation_id, seq HAVING count(*) > 1"
        ).fetchall()
        stored = [
            seq
            for (seq,) in db.execute(
                "SELECT seq FROM events WHERE conversation_id = 'acknowledged' ORDER BY seq"
            )
        ]
        others = {
            conversation_id
            for (conversation_id,) in db.execute("SELECT DISTINCT conversation_id FROM events")
        }
    finally:
        db.close()

    assert [writer.returncode for writer in writers] == [0, 0], [err for _, err in outputs]
    assert integrity == [("ok",)]
    assert duplicates == []
    assert len(acknowledged) > 10
    assert set(acknowledged) <= set(stored)
    assert stored == list(range(1, len(stored) + 1))
    assert set(conversations) <= others
    with SQLiteStore(path) as store:
        assert store.verify().ok
