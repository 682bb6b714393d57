"""The sharing claims of docs/concurrency.md that other tests do not already prove.

Already proven elsewhere: threads sharing one store, each with its own conversation, and
threads retrying on one conversation with handles of their own
(``test_store_conformance.py``); threads sharing one conversation without a store
(``test_reliability_core.py``); two processes on one SQLite file
(``test_store_concurrency.py``) and on one PostgreSQL database (``test_postgres.py``); a
pool shared by threads (``test_postgres.py``); clocks that disagree and async callers
(the doctests of ``docs/concurrency.md``). Here: one stored conversation shared by threads,
and processes whose threads share one store each, settling conflicts on the same
conversations with ``retrying``, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import threetalk as tt
from conftest import postgres_database
from threetalk.store import (
    MemoryStore,
    PostgresStore,
    SQLiteStore,
    open_conversation,
    retrying,
    verify_store,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

HERE = str(Path(__file__).parent)
SHARED_IDS = ("s1", "s2")
THREADS = 4
TOPICS = 10  # per thread and conversation


def open_store(where: str) -> Any:
    """A store on ``where``: a PostgreSQL conninfo or a SQLite path."""
    if where.startswith("postgresql://") or "dbname=" in where:
        return PostgresStore(where)
    return SQLiteStore(where)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Opens a handle on one and the same new store of the kind named by the parameter."""
    if request.param == "memory":
        memory = MemoryStore()
        yield lambda: memory
        return
    opened: list[Any] = []
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            where = str(tmp_path / "talks.db")
        else:
            where = stack.enter_context(postgres_database())

        def make() -> Any:
            opened.append(open_store(where))
            return opened[-1]

        yield make
        for store in opened:
            store.close()


def test_threads_share_one_stored_conversation(store_opener: Callable[[], Any]) -> None:
    """Eight threads give commands to one Conversation written through to a store: every
    command is stored once, in one chain, and reopening gives the same state."""
    store = store_opener()
    conv = tt.Conversation(conversation_id="shared", store=store)
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Professional", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)

    def say(number: int) -> None:
        if number % 2:
            conv.add_topic(f"Topic {number}", by=client)
        else:
            conv.add_concern(f"Concern {number}", by=pro)

    with ThreadPoolExecutor(max_workers=8) as threads:
        list(threads.map(say, range(200)))

    stored = store.load("shared")
    assert len(stored) == 4 + 200
    assert [event.seq for event in stored] == list(range(1, 205))
    assert stored == conv.events
    assert open_conversation(store_opener(), "shared").snapshot() == conv.snapshot()
    assert verify_store(store).ok


def give_topics(where: str, process: str) -> None:
    """One process: one store shared by THREADS threads, each adding TOPICS topics to each
    shared conversation through ``retrying``; prints how many conflicts it retried."""
    store = open_store(where)
    conflicts = 0
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        nonlocal conflicts
        try:
            barrier.wait()
            for number in range(TOPICS):
                for conversation_id in SHARED_IDS:
                    calls = 0

                    def command(conv: tt.Conversation, text: str) -> None:
                        nonlocal calls
                        calls += 1
                        conv.add_topic(text, by=conv.participant("p1"))

                    text = f"{process}.{thread}.{number}"
                    retrying(store, conversation_id, lambda c, t=text: command(c, t), attempts=100)
                    with lock:
                        conflicts += calls - 1
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    if failures:
        raise failures[0]
    sys.stdout.write(f"conflicts {conflicts}\n")


GIVER = """
import sys
sys.path.insert(0, sys.argv[1])
from test_sharing import give_topics
give_topics(sys.argv[2], sys.argv[3])
"""


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new SQLite path or PostgreSQL database that processes can open."""
    if request.param == "sqlite":
        yield str(tmp_path / "talks.db")
    else:
        with postgres_database() as conninfo:
            yield conninfo


def test_processes_sharing_conversations_through_retrying_lose_nothing(where: str) -> None:
    """Two processes, each with one store shared by four threads, add topics to the same
    two conversations at once through ``retrying``: conflicts happen, and still every
    topic is stored exactly once and the store verifies."""
    with open_store(where) as store:
        for conversation_id in SHARED_IDS:
            tt.Conversation(conversation_id=conversation_id, store=store).join(
                "Client", tt.Role.CLIENT
            )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", GIVER, HERE, where, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    outputs = [process.communicate(timeout=120) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    conflicts = sum(int(out.split()[1]) for out, _ in outputs)
    expected = sorted(
        f"{process}.{thread}.{number}"
        for process in ("left", "right")
        for thread in range(THREADS)
        for number in range(TOPICS)
    )
    with open_store(where) as store:
        for conversation_id in SHARED_IDS:
            topics = open_conversation(store, conversation_id).snapshot().topics
            assert sorted(topic.text for topic in topics) == expected
        assert verify_store(store).ok
    assert conflicts > 0
