"""Concurrency benchmark: 2 processes x 8 threads giving mixed commands to 200 conversations.

Run with ``.venv/bin/python benchmarks/bench_concurrency.py [--quick] [--json]``.

Two ways an app can serve requests, measured side by side on SQLite and on PostgreSQL,
each on a fresh store seeded with the same 200 conversations (26 events each: two
participants, a problem, a goal, topics and concerns, in team talk):

- **shared store**: each process opens one store shared by its threads and keeps the
  conversations it has opened (one ``Conversation`` object per conversation, shared by
  its threads); a command that meets a ``ConflictError`` (the other process wrote that
  conversation first) goes through ``retrying``, and the reopened conversation is kept.
- **open store + replay** per request: every request opens a store (a ``SQLiteStore``
  on the file; a ``PostgresStore`` with a new connection), opens the conversation afresh
  (``retrying``, which calls ``open_conversation``: load, verify, replay), gives one
  command and closes the store.
- **pooled + replay** (PostgreSQL only): one ``PostgresStore`` per process over a
  ``psycopg_pool.ConnectionPool``, so a request only borrows a connection; it still opens
  and replays the conversation for every request.

In the shared store, a thread holds the app's own lock of a conversation while it looks
at its phase and gives the command, so that another thread does not move it in between
(a ``Conversation`` serialises each command, not a sequence of calls).

Every thread gives the same seeded sequence of requests in both patterns: a conversation
(with probability ``--affinity`` one of its own process's half, as behind a load
balancer with session affinity, else any), and a command that is valid in the
conversation's phase as it finds it: in team talk a topic, a concern or a move to option
talk; in option talk an option, a consideration or a move back to team talk. Each thread
stops after ``--seconds`` or ``--max-commands``, whichever comes first.

Reported: commands per second, p50 and p99 latency of a request (including its retries),
conflicts retried, and the check at the end: every command a worker was told succeeded
is stored once (0 lost, 0 duplicated, counted per conversation and kind of event, and by
the unique text of each topic, concern, option and consideration), and
``verify_store(store).ok``. Target: the shared store reaches >= 5x the throughput of
opening a store and replaying per request; the pooled variant is reported beside it.

PostgreSQL is ``--postgres CONNINFO`` (a role that may create databases; the benchmark
creates and drops ``threetalk_bench_conc_*``) or else a throwaway server started with
``pgserver`` in a temporary folder, with PostgreSQL's default (durable) settings. SQLite
runs with ``durability="full"``. Traffic stays on this machine.

``--against REF --rounds N`` measures this tree's threetalk and the ``src`` of commit
``REF`` (taken with ``git archive``) side by side: N rounds, each running the whole
benchmark once under each (in alternating order, each in a process of its own with
``PYTHONPATH`` pointing at its ``src``), then every round's figures and the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import queue
import random
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import warnings
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import threetalk as tt
from threetalk.store import (
    ConflictError,
    PostgresStore,
    SQLiteStore,
    retrying,
    verify_store,
)
from threetalk.testing import StepClock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from multiprocessing.synchronize import Event as ProcessEvent

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 2
THREADS = 8
CONVERSATIONS = 200
#: Topics and concerns each seeded conversation starts with (26 events in all).
SEED_STATEMENTS = 10
#: Event kinds that carry a command's unique text.
TEXT_KINDS = frozenset({"topic-added", "concern-added", "option-proposed", "consideration-added"})
SHARED = "shared store"
OPENED = "open store + replay"
POOLED = "pooled + replay"
#: The patterns measured on each store.
PATTERNS = {"sqlite": (SHARED, OPENED), "postgres": (SHARED, OPENED, POOLED)}
TARGET = 5.0


@attrs.frozen
class Job:
    """What one worker process does."""

    backend: str  # "sqlite" or "postgres"
    where: str  # the SQLite path or the PostgreSQL conninfo
    pattern: str  # one of PATTERNS
    process: int
    processes: int
    threads: int
    seconds: float
    max_commands: int
    affinity: float
    seed: int


@attrs.define
class Tally:
    """What one thread (or, merged, one run) saw."""

    latencies: list[float] = attrs.field(factory=list)
    conflicts: int = 0
    acknowledged: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    texts: list[str] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)
    elapsed: float = 0.0

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        self.latencies.extend(other.latencies)
        self.conflicts += other.conflicts
        self.acknowledged.update(other.acknowledged)
        self.texts.extend(other.texts)
        self.errors.extend(other.errors)
        self.elapsed = max(self.elapsed, other.elapsed)


# ----------------------------------------------------------------------------- commands


def give(conv: tt.Conversation, choice: float, text: str) -> str:
    """Give one command valid in ``conv``'s phase, decided from ``conv`` itself.

    Returns:
        The kind of the event the command records.
    """
    client, pro = conv.participant("p1"), conv.participant("p2")
    if conv.phase is tt.Phase.TEAM_TALK:
        if choice < 0.45:
            conv.add_topic(text, by=client)
            return "topic-added"
        if choice < 0.9:
            conv.add_concern(text, by=client)
            return "concern-added"
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
        return "moved"
    options = conv.options
    if choice < 0.4 or not options:
        conv.propose_option(text, by=client)
        return "option-proposed"
    if choice < 0.9:
        conv.add_consideration(options[-1], tt.Stance.PRO, text, by=pro)
        return "consideration-added"
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    return "moved"


def seeded(conversation_id: str, start: datetime) -> tuple[tt.Event, ...]:
    """The 26 events a conversation starts with, in team talk, ready for option talk."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=StepClock(start))
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Professional", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Sleeping badly since the move", by=client)
    conv.add_goal("Sleep through the night", by=client)
    for number in range(SEED_STATEMENTS):
        conv.add_topic(f"Seed topic {number}", by=client)
        conv.add_concern(f"Seed concern {number}", by=pro)
    return conv.events


def conversation_ids() -> list[str]:
    """The ids of the benchmark's conversations."""
    return [f"c{number:03d}" for number in range(CONVERSATIONS)]


# ----------------------------------------------------------------------------- workers


class Worker:
    """One worker process's store, kept conversations and requests."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.pool: Any = None
        self.store: Any = None
        if job.backend == "postgres" and job.pattern != OPENED:
            from psycopg_pool import ConnectionPool

            self.pool = ConnectionPool(
                job.where, min_size=job.threads, max_size=job.threads, open=True
            )
            self.store = PostgresStore(self.pool)
        elif job.pattern == SHARED:
            self.store = SQLiteStore(job.where)
        self.kept: dict[str, tt.Conversation] = {}
        self.locks: dict[str, threading.Lock] = {}
        self.kept_lock = threading.Lock()
        self.ids = conversation_ids()
        self.mine = self.ids[job.process :: job.processes]

    def request(self, tally: Tally, conversation_id: str, choice: float, text: str) -> None:
        """Give one command to ``conversation_id`` in the job's pattern; tally it."""
        calls = 0

        def command(conv: tt.Conversation) -> tuple[tt.Conversation, str]:
            nonlocal calls
            calls += 1
            return conv, give(conv, choice, text)

        if self.job.pattern == SHARED:
            with self.kept_lock:
                conv = self.kept.get(conversation_id)
                lock = self.locks.setdefault(conversation_id, threading.Lock())
            with lock:  # the look at the phase and the command, together
                kind = None
                if conv is not None:
                    try:
                        kind = give(conv, choice, text)
                    except ConflictError:
                        tally.conflicts += 1
                if kind is None:
                    conv, kind = retrying(self.store, conversation_id, command, attempts=50)
                    with self.kept_lock:
                        self.kept[conversation_id] = conv
        elif self.job.pattern == OPENED:
            with reopen(self.job.backend, self.job.where) as own:
                _, kind = retrying(own, conversation_id, command, attempts=50)
        else:
            _, kind = retrying(self.store, conversation_id, command, attempts=50)
        tally.conflicts += max(0, calls - 1)
        tally.acknowledged[conversation_id, kind] += 1
        if kind in TEXT_KINDS:
            tally.texts.append(text)

    def thread(self, number: int, tally: Tally, barrier: threading.Barrier) -> None:
        """One thread's requests, until the job's time or count runs out."""
        job = self.job
        rng = random.Random(job.seed * 1_000 + job.process * 100 + number)
        barrier.wait()
        start = time.perf_counter()
        deadline = start + job.seconds
        for count in range(job.max_commands):
            if time.perf_counter() >= deadline:
                break
            conversation_id = rng.choice(self.mine if rng.random() < job.affinity else self.ids)
            text = f"w{job.process}.{number}.{count}"
            began = time.perf_counter()
            try:
                self.request(tally, conversation_id, rng.random(), text)
            except Exception as error:  # noqa: BLE001 - reported, and fails the check
                tally.errors.append(f"{conversation_id}: {error!r}")
                continue
            tally.latencies.append(time.perf_counter() - began)
        tally.elapsed = time.perf_counter() - start

    def close(self) -> None:
        """Close the store and the pool."""
        if self.store is not None:
            self.store.close()
        if self.pool is not None:
            self.pool.close()


def work(job: Job, ready: ProcessEvent, go: ProcessEvent, results: Any) -> None:
    """One worker process: ``job.threads`` threads giving requests until time or count."""
    worker = Worker(job)
    tallies = [Tally() for _ in range(job.threads)]
    barrier = threading.Barrier(job.threads + 1)
    threads = [
        threading.Thread(target=worker.thread, args=(number, tallies[number], barrier))
        for number in range(job.threads)
    ]
    for each in threads:
        each.start()
    ready.set()
    go.wait()
    barrier.wait()
    for each in threads:
        each.join()
    worker.close()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    results.put(attrs.asdict(total, recurse=False))


# ----------------------------------------------------------------------------- one run


@attrs.frozen
class Row:
    """The figures of one pattern on one store."""

    backend: str
    pattern: str
    commands: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    conflicts: int
    lost: int
    duplicated: int
    verified: bool
    errors: tuple[str, ...]


def run(backend: str, where: str, pattern: str, args: argparse.Namespace) -> Row:
    """Seed a fresh store at ``where``, run the workers, check what is stored."""
    start = datetime.now().astimezone() - timedelta(days=1)
    ids = conversation_ids()
    with contextlib.closing(reopen(backend, where)) as store:
        store.append_many(event for cid in ids for event in seeded(cid, start))
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    readies = []
    workers = []
    for process in range(args.processes):
        job = Job(
            backend,
            where,
            pattern,
            process,
            args.processes,
            THREADS,
            args.seconds,
            args.max_commands,
            args.affinity,
            args.seed,
        )
        ready = context.Event()
        worker = context.Process(target=work, args=(job, ready, go, results))
        worker.start()
        readies.append(ready)
        workers.append(worker)
    for ready in readies:
        if not ready.wait(timeout=60):
            msg = "a worker did not start within 60 s"
            raise RuntimeError(msg)
    go.set()
    total = Tally()
    for _ in workers:
        try:
            found = results.get(timeout=args.seconds + 60)
        except queue.Empty:
            msg = "a worker did not report within its time"
            raise RuntimeError(msg) from None
        total.merge(Tally(**found))
    for worker in workers:
        worker.join(timeout=30)
    lost, duplicated, verified = check(backend, where, total)
    latencies = sorted(total.latencies) or [0.0]
    commands = len(total.latencies)
    return Row(
        backend,
        pattern,
        commands,
        total.elapsed,
        commands / total.elapsed if total.elapsed else 0.0,
        statistics.median(latencies) * 1_000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1_000,
        total.conflicts,
        lost,
        duplicated,
        verified,
        tuple(total.errors[:5]),
    )


def reopen(backend: str, where: str) -> SQLiteStore | PostgresStore:
    """A store on ``where`` for the parent process."""
    return SQLiteStore(where) if backend == "sqlite" else PostgresStore(where)


def check(backend: str, where: str, total: Tally) -> tuple[int, int, bool]:
    """Compare what the workers were told succeeded with what is stored.

    Returns:
        The commands lost, the commands stored more often than acknowledged, and whether
        ``verify_store`` found the store intact.
    """
    seed_length = len(seeded("c000", datetime.now().astimezone()))
    stored: Counter[tuple[str, str]] = Counter()
    texts: Counter[str] = Counter()
    with contextlib.closing(reopen(backend, where)) as store:
        verified = verify_store(store).ok
        for conversation_id in conversation_ids():
            for event in store.load(conversation_id)[seed_length:]:
                if event.kind == "advisory":
                    continue
                stored[conversation_id, event.kind] += 1
                if event.kind in TEXT_KINDS:
                    texts[str(event.data["text"])] += 1
    keys = set(stored) | set(total.acknowledged)
    lost = sum(max(0, total.acknowledged[key] - stored[key]) for key in keys)
    lost += sum(1 for text in total.texts if texts[text] == 0)
    duplicated = sum(max(0, stored[key] - total.acknowledged[key]) for key in keys)
    duplicated += sum(count - 1 for count in texts.values() if count > 1)
    return lost, duplicated, verified


# ----------------------------------------------------------------------------- servers


@contextlib.contextmanager
def postgres_server(conninfo: str | None) -> Iterator[str]:
    """The conninfo of the server to measure on: the one given, or a throwaway one."""
    if conninfo:
        yield conninfo
        return
    with warnings.catch_warnings():
        # platformdirs (under pgserver) warns when XDG_RUNTIME_DIR is unset; harmless here
        warnings.simplefilter("ignore", UserWarning)
        import pgserver
    with tempfile.TemporaryDirectory(prefix="threetalk-bench-pg-") as folder:
        server = pgserver.get_server(Path(folder) / "data", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


@contextlib.contextmanager
def postgres_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on ``server``; its conninfo; dropped afterwards."""
    import psycopg
    from psycopg import sql

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(server, dbname=name)
    finally:
        drop()


# ----------------------------------------------------------------------------- output


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    """Print the rows and the target."""
    print(
        f"threetalk concurrency benchmark: {args.processes} processes x {THREADS} threads, "
        f"{CONVERSATIONS} conversations, {args.seconds:g} s per run, affinity "
        f"{args.affinity:g}; SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs"
    )
    head = (
        f"{'store':<9} {'pattern':<26} {'commands':>8} {'cmd/s':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'conflicts':>9} {'lost':>4} {'dup':>4} verify"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        print(
            f"{row.backend:<9} {row.pattern:<26} {row.commands:>8,} {row.per_second:>8,.0f} "
            f"{row.p50_ms:>7.2f} {row.p99_ms:>7.2f} {row.conflicts:>9,} {row.lost:>4} "
            f"{row.duplicated:>4} {'ok' if row.verified else 'FAILED'}"
        )
        for error in row.errors:
            print(f"    error: {error}")
    for (backend, pattern), ratio in ratios(rows).items():
        verdict = ("meets" if ratio >= TARGET else "misses") + " >= 5x"
        if pattern != OPENED:
            verdict = "for information"
        print(f"{backend}: shared store {ratio:.1f}x {pattern} ({verdict})")


def ratios(rows: list[Row]) -> dict[tuple[str, str], float]:
    """Shared-store throughput over each per-request pattern's, by store and pattern."""
    found: dict[tuple[str, str], float] = {}
    for backend in dict.fromkeys(row.backend for row in rows):
        by = {row.pattern: row.per_second for row in rows if row.backend == backend}
        for pattern, rate in by.items():
            if pattern != SHARED and rate:
                found[backend, pattern] = by.get(SHARED, 0.0) / rate
    return found


def passed(rows: list[Row]) -> bool:
    """Whether every run lost nothing, duplicated nothing, verified and met the target."""
    sound = all(
        row.lost == 0 and row.duplicated == 0 and row.verified and not row.errors for row in rows
    )
    targets = [ratio for (_, pattern), ratio in ratios(rows).items() if pattern == OPENED]
    return sound and all(ratio >= TARGET for ratio in targets)


def main(argv: list[str] | None = None) -> int:
    """Run both patterns on SQLite and PostgreSQL, print the table; 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 seconds per run, not 10")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--postgres", metavar="CONNINFO", help="the PostgreSQL server (default: pgserver)"
    )
    parser.add_argument("--seconds", type=float, help="seconds per run (default 10, quick 2)")
    parser.add_argument(
        "--max-commands", type=int, default=20_000, help="most requests per thread per run"
    )
    parser.add_argument(
        "--affinity",
        type=float,
        default=0.9,
        help="share of requests a process gets for its own half of the conversations",
    )
    parser.add_argument("--seed", type=int, default=12, help="seed of the requests")
    parser.add_argument(
        "--processes",
        type=int,
        default=PROCESSES,
        help=f"worker processes (default {PROCESSES}; 1 shows one store's threads alone)",
    )
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="measure on one store only")
    parser.add_argument(
        "--against", metavar="REF", help="also measure the src of this git commit, side by side"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --against: rounds of both (default 1)"
    )
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 10.0
    if not 0 < args.seconds <= 20 or not 0 <= args.affinity <= 1 or args.max_commands < 1:
        parser.error("--seconds must be in (0, 20], --affinity in [0, 1], --max-commands >= 1")
    if args.rounds < 1 or args.processes < 1:
        parser.error("--rounds and --processes must be >= 1")
    if args.against:
        return compare(args)
    rows: list[Row] = []
    if args.only != "postgres":
        with tempfile.TemporaryDirectory(prefix="threetalk-bench-") as folder:
            for number, pattern in enumerate(PATTERNS["sqlite"]):
                rows.append(run("sqlite", str(Path(folder) / f"talks{number}.db"), pattern, args))
    if args.only != "sqlite":
        with postgres_server(args.postgres) as server:
            for number, pattern in enumerate(PATTERNS["postgres"]):
                name = f"threetalk_bench_conc_{number}"
                with postgres_database(server, name) as conninfo:
                    rows.append(run("postgres", conninfo, pattern, args))
    if args.json:
        figures = {
            "processes": args.processes,
            "threads": THREADS,
            "conversations": CONVERSATIONS,
            "seconds": args.seconds,
            "affinity": args.affinity,
            "rows": [attrs.asdict(row) for row in rows],
            "ratios": [
                {"store": backend, "against": pattern, "ratio": ratio}
                for (backend, pattern), ratio in ratios(rows).items()
            ],
            "passed": passed(rows),
        }
        json.dump(figures, sys.stdout, indent=2)
        print()
    else:
        print_table(rows, args)
    return 0 if passed(rows) else 1


# ----------------------------------------------------------------------------- side by side


def compare(args: argparse.Namespace) -> int:
    """Run the benchmark under this tree's src and under ``args.against``'s, round by round."""
    passed_on = ["--json", "--seconds", str(args.seconds), "--affinity", str(args.affinity)]
    passed_on += ["--seed", str(args.seed), "--max-commands", str(args.max_commands)]
    passed_on += ["--processes", str(args.processes)]
    if args.only:
        passed_on += ["--only", args.only]
    if args.postgres:
        passed_on += ["--postgres", args.postgres]
    with tempfile.TemporaryDirectory(prefix="threetalk-bench-ref-") as folder:
        archive = subprocess.run(  # noqa: S603 - git, on this repository, for REF's src
            ["git", "-C", str(ROOT), "archive", "--format=tar", args.against, "src"],  # noqa: S607
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        codes = [(args.against, Path(folder) / "src"), ("this tree", ROOT / "src")]
        found: list[tuple[int, str, dict[str, Any]]] = []
        for number in range(1, args.rounds + 1):
            for label, src in codes if number % 2 else codes[::-1]:
                done = subprocess.run(  # noqa: S603 - this Python, running this script
                    [sys.executable, __file__, *passed_on],
                    env={**os.environ, "PYTHONPATH": str(src)},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if not done.stdout.strip():
                    print(done.stderr, file=sys.stderr)
                    return 1
                found.append((number, label, json.loads(done.stdout)))
    print_rounds(found, args)
    return 0


def print_rounds(found: list[tuple[int, str, dict[str, Any]]], args: argparse.Namespace) -> None:
    """Every round's figures per code, then the medians of throughput and ratio."""
    print(
        f"threetalk concurrency benchmark, side by side: {args.processes} processes x {THREADS} "
        f"threads, {CONVERSATIONS} conversations, {args.seconds:g} s per run, affinity "
        f"{args.affinity:g}, {args.rounds} rounds; SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs"
    )
    head = (
        f"{'round':>5} {'code':<10} {'store':<9} {'pattern':<21} {'cmd/s':>7} {'p50 ms':>7} "
        f"{'p99 ms':>8} {'confl':>6} {'lost':>4} {'dup':>4} verify"
    )
    print(head)
    print("-" * len(head))
    rates: dict[tuple[str, str, str], list[float]] = {}
    ratios_seen: dict[tuple[str, str, str], list[float]] = {}
    for number, label, figures in found:
        for row in figures["rows"]:
            print(
                f"{number:>5} {label:<10} {row['backend']:<9} {row['pattern']:<21} "
                f"{row['per_second']:>7,.0f} {row['p50_ms']:>7.2f} {row['p99_ms']:>8.2f} "
                f"{row['conflicts']:>6,} {row['lost']:>4} {row['duplicated']:>4} "
                f"{'ok' if row['verified'] else 'FAILED'}"
            )
            key = (label, row["backend"], row["pattern"])
            rates.setdefault(key, []).append(row["per_second"])
        for ratio in figures["ratios"]:
            key = (label, ratio["store"], ratio["against"])
            ratios_seen.setdefault(key, []).append(ratio["ratio"])
    print()
    for (label, backend, pattern), values in rates.items():
        print(
            f"median {label:<10} {backend:<9} {pattern:<21} "
            f"{statistics.median(values):>7,.0f} cmd/s"
        )
    for (label, backend, pattern), values in ratios_seen.items():
        shown = ", ".join(f"{value:.1f}" for value in values)
        print(
            f"{label}: {backend} shared store / {pattern}: median "
            f"{statistics.median(values):.1f}x (rounds: {shown})"
        )


if __name__ == "__main__":
    sys.exit(main())
