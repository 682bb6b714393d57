"""A writer killed with SIGKILL loses nothing it acknowledged and leaves no half command."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import threetalk as tt
from conftest import StepClock
from threetalk.store import SQLiteStore, open_conversation

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

START = datetime(2026, 11, 23, tzinfo=UTC)


#: One second per command.
SECOND = timedelta(seconds=1)


def begin(store: SQLiteStore | None) -> tt.Conversation:
    """Open the crash conversation, or start it (with three participants)."""
    clock = StepClock(START, SECOND)
    if store is not None and store.conversation_ids():
        conv = open_conversation(store, "crash", clock=clock)
        clock.now = conv.events[-1].at
        return conv
    conv = tt.Conversation(conversation_id="crash", store=store, clock=clock)
    conv.join("Client", tt.Role.CLIENT)
    conv.join("Relative", tt.Role.RELATIVE)
    conv.join("Therapist", tt.Role.PROFESSIONAL)
    return conv


def step(conv: tt.Conversation) -> None:
    """The next command: moves between team and option talk, most with advisories."""
    client, _, pro = conv.participants
    if conv.phase is tt.Phase.PREPARATION:
        conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    elif not conv.snapshot().goals:
        conv.state_problem("Stalled", by=pro)
        conv.add_goal("Walk", by=client)
    elif conv.phase is tt.Phase.TEAM_TALK:
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    else:
        conv.move_to(tt.Phase.TEAM_TALK, by=pro)


# The child gives commands for ever, printing the last seq of each command once it
# returned, that is once the store acknowledged it.
CHILD = """
import sys
sys.path.insert(0, sys.argv[2])
from test_store_crash import begin, step
from threetalk.store import SQLiteStore

conv = begin(SQLiteStore(sys.argv[1]))
print(conv.events[-1].seq, flush=True)
while True:
    step(conv)
    print(conv.events[-1].seq, flush=True)
"""


def run_until_killed(path: Path, acks_before_kill: int) -> list[int]:
    """Start the child, let it acknowledge some commands, SIGKILL it; return what it acked."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[int] = []
    assert child.stdout is not None
    try:
        for line in child.stdout:
            acked.append(int(line))
            if len(acked) >= acks_before_kill:
                break
        os.kill(child.pid, signal.SIGKILL)
        # whatever it printed before it died was acknowledged too
        rest, errors = child.communicate(timeout=30)
    finally:
        if child.poll() is None:  # pragma: no cover - only if the test itself failed
            child.kill()
            child.wait()
    acked.extend(int(line) for line in rest.split())
    assert child.returncode == -signal.SIGKILL, errors
    return acked


def reference(events: int) -> tuple[list[tt.Event], set[int]]:
    """The same conversation kept in memory: its events and where each command ended."""
    conv = begin(None)
    ends = {len(conv.events)}
    while len(conv.events) < events:
        step(conv)
        ends.add(len(conv.events))
    return list(conv.events), ends


def test_sigkill_loses_no_acknowledged_event(tmp_path: Path) -> None:
    """After each kill every acknowledged event is stored, the chain verifies, and the
    trail ends where a command ended."""
    path = tmp_path / "crash.db"
    rng = random.Random()  # noqa: S311 - picks when to kill, not a secret
    for _ in range(3):
        kill_after = rng.randint(5, 60)
        acked = run_until_killed(path, kill_after)

        with SQLiteStore(path) as store:
            events = list(store.load("crash"))
            report = store.verify()
            open_conversation(store, "crash")
        expected, ends = reference(len(events))

        assert acked, kill_after
        assert events[-1].seq >= max(acked)
        assert report.ok
        assert tt.verify(events).seq == len(events)
        assert events == expected[: len(events)]
        assert len(events) in ends
