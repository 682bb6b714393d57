"""Benchmarks of the event stores, side by side with the raw database drivers.

Run with ``.venv/bin/python benchmarks/bench_store.py [--quick]``.

1. ``append_many`` of 200,000 events (hashes checked, rows encoded, one transaction) vs a
   raw ``executemany`` of the same rows, already encoded, into the same table; target:
   the store reaches >= 50% of the raw rate.
2. Durable single-command appends (``durability="full"``: WAL, ``synchronous=FULL``, one
   fsync per command) vs raw single-row insert-and-commit with the same settings.
3. Open + load + verify + replay of one conversation of 10,000 events; target <= 0.5 s,
   and linear in events (measured at several sizes), next to a raw ``SELECT`` of its rows.
4. PostgreSQL (issue 12): ``PostgresStore.append_many`` of the same events vs a raw psycopg
   ``executemany`` of the same rows, already encoded, into the same table (and ``COPY``
   beside them, for information); target: the store reaches >= 50% of ``executemany``.
   The server is ``--postgres CONNINFO`` (a role that may create databases; the
   benchmark creates and drops the database ``threetalk_bench``) or else a throwaway one
   started with ``pgserver``, with PostgreSQL's default (durable) settings.
   ``--postgres-only`` runs this measurement alone.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sqlite3
import tempfile
import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import threetalk as tt
from threetalk._trail import store_rows
from threetalk.store import PostgresStore, SQLiteStore, open_conversation
from threetalk.testing import StepClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: Where the benchmarks' clocks start; they tick one second per call.
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
#: The raw baselines' one-row INSERT into the stores' own tables (SQLite, PostgreSQL):
#: spelled out here, so that the benchmark runs the same against any threetalk.
SQLITE_INSERT = (
    "INSERT INTO events (conversation_id, seq, at, kind, actor, phase, data, prev, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
POSTGRES_INSERT = (
    "INSERT INTO threetalk.events (conversation_id, seq, at, kind, actor, phase, data, prev, "
    "hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a measurement."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def best(function: Callable[[], Any], repeat: int) -> float:
    """The best wall time in seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        with gc_paused():
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return min(times)


def mixed_conversation(
    events: int, conversation_id: str = "long", store: SQLiteStore | None = None
) -> tt.Conversation:
    """A conversation of about ``events`` events of every common kind.

    Moves back and forth between option and decision talk (with advisories), preferences,
    pauses and resumes, refusals: what a long real conversation is made of.
    """
    conv = tt.Conversation(conversation_id=conversation_id, clock=StepClock(START), store=store)
    client = conv.join("Client", tt.Role.CLIENT)
    relative = conv.join("Relative", tt.Role.RELATIVE)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Progress has stalled", by=pro)
    conv.add_goal("Walk to the shop", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    wait = conv.propose_option("Wait and see", by=client)
    days = conv.propose_option("Day treatment", by=pro)
    conv.add_consideration(wait, tt.Stance.PRO, "No travel", by=client)
    conv.add_consideration(days, tt.Stance.PRO, "Structure", by=relative)
    while len(conv.events) < events:
        conv.move_to(tt.Phase.DECISION_TALK, by=pro)
        conv.state_preference(wait, by=client)
        conv.state_preference(days, by=relative)
        conv.pause(date(2027, 1, 1), "Time to think", by=client)
        conv.resume(by=client)
        conv.move_to(tt.Phase.OPTION_TALK, by=pro)
        with contextlib.suppress(tt.Refused):
            conv.withdraw_option(days, "Too far", by=client)
    return conv


def generated_events(total: int) -> list[tt.Event]:
    """``total`` events of conversations of ~100 events each, interleaved by conversation."""
    events: list[tt.Event] = []
    number = 0
    while len(events) < total:
        events.extend(mixed_conversation(100, f"c{number:06d}").events)
        number += 1
    return events[:total]


def fresh(folder: Path, name: str) -> Path:
    """A path for a new store file in ``folder``."""
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def bench_append_many(folder: Path, total: int, repeat: int) -> list[tuple[str, ...]]:
    """Measurement 1: append_many vs raw executemany of the same rows."""
    events = generated_events(total)
    rows, _ = store_rows(events, None)

    def store_run() -> None:
        with SQLiteStore(fresh(folder, "many.db"), durability="normal") as store:
            store.append_many(events)

    def raw_run() -> None:
        path = fresh(folder, "raw.db")
        SQLiteStore(path, durability="normal").close()  # same schema, same file layout
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(SQLITE_INSERT, rows)
        connection.execute("COMMIT")
        connection.close()

    # alternate the two so that a busy machine slows both alike
    raw, ours = float("inf"), float("inf")
    for _ in range(repeat):
        raw = min(raw, best(raw_run, 1))
        ours = min(ours, best(store_run, 1))
    return [
        ("raw executemany, pre-encoded rows", f"{total / raw:,.0f} events/s", f"{raw:.2f} s"),
        ("store.append_many (checks + encoding)", f"{total / ours:,.0f} events/s", f"{ours:.2f} s"),
        ("  ratio store / raw (target >= 50%)", f"{raw / ours:.0%}", ""),
    ]


def bench_durable(folder: Path, commands: int) -> list[tuple[str, ...]]:
    """Measurement 2: one command, one durable transaction."""
    path = fresh(folder, "durable.db")
    with SQLiteStore(path, durability="full") as store:
        conv = tt.Conversation(conversation_id="d", clock=StepClock(START), store=store)
        client = conv.join("Client", tt.Role.CLIENT)
        before = len(conv.events)
        with gc_paused():
            start = time.perf_counter()
            for number in range(commands):
                conv.add_goal(f"Goal {number}", by=client)
            ours = time.perf_counter() - start
        written = len(conv.events) - before
        rows, _ = store_rows(conv.events[before:], None)

    raw_path = fresh(folder, "durable-raw.db")
    SQLiteStore(raw_path).close()
    connection = sqlite3.connect(raw_path, isolation_level=None)
    connection.execute("PRAGMA synchronous = FULL")
    renamed = [("raw", *row[1:]) for row in rows]
    with gc_paused():
        start = time.perf_counter()
        for row in renamed:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(SQLITE_INSERT, row)
            connection.execute("COMMIT")
        raw = time.perf_counter() - start
    connection.close()
    return [
        ("raw insert + commit per row (FULL)", f"{len(rows) / raw:,.0f} events/s", ""),
        ("conversation command, durability=full", f"{written / ours:,.0f} events/s", ""),
        ("  ratio store / raw", f"{raw / ours:.0%}", ""),
    ]


def bench_reopen(folder: Path, sizes: list[int], repeat: int) -> list[tuple[str, ...]]:
    """Measurement 3: open + load + verify + replay, at several sizes."""
    path = fresh(folder, "reopen.db")
    with SQLiteStore(path, durability="normal") as store:
        for size in sizes:
            store.append_many(mixed_conversation(size, f"long-{size}").events)
    lines = []
    for size in sizes:
        conversation_id = f"long-{size}"

        def reopen(conversation_id: str = conversation_id) -> None:
            with SQLiteStore(path) as store:
                open_conversation(store, conversation_id)

        def raw_select(conversation_id: str = conversation_id) -> None:
            connection = sqlite3.connect(path)
            connection.execute(
                "SELECT * FROM events WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
            ).fetchall()
            connection.close()

        with SQLiteStore(path) as store:
            count = len(store.load(conversation_id))
        ours, raw = float("inf"), float("inf")
        for _ in range(repeat):
            ours = min(ours, best(reopen, 1))
            raw = min(raw, best(raw_select, 1))
        target = "  (target <= 0.5 s)" if size == 10_000 else ""
        lines.append(
            (
                f"open+verify+replay {count:,} events{target}",
                f"{ours:.3f} s",
                f"{ours / count * 1e6:.1f} us/event; raw SELECT {raw:.3f} s",
            )
        )
    return lines


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
    with tempfile.TemporaryDirectory() as folder:
        server = pgserver.get_server(Path(folder) / "data", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


def fresh_database(server: str) -> str:
    """A new, empty database ``threetalk_bench`` with an empty store; its conninfo."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS threetalk_bench WITH (FORCE)")
        admin.execute("CREATE DATABASE threetalk_bench")
    conninfo = psycopg.conninfo.make_conninfo(server, dbname="threetalk_bench")
    PostgresStore(conninfo).close()  # the same schema, table, index and triggers for all
    return conninfo


def bench_postgres(server: str, total: int, repeat: int) -> list[tuple[str, ...]]:
    """Measurement 4: PostgresStore.append_many vs raw executemany (and COPY) of the rows."""
    import psycopg

    events = generated_events(total)
    rows, _ = store_rows(events, None)
    copy_sql = (
        "COPY threetalk.events (conversation_id, seq, at, kind, actor, phase, data, prev, hash) "
        "FROM STDIN"
    )

    def store_run(conninfo: str) -> float:
        with PostgresStore(conninfo) as store, gc_paused():
            start = time.perf_counter()
            store.append_many(events)
            return time.perf_counter() - start

    def raw_run(conninfo: str) -> float:
        with psycopg.connect(conninfo, autocommit=True) as connection, gc_paused():
            start = time.perf_counter()
            with connection.transaction():
                connection.cursor().executemany(POSTGRES_INSERT, rows)
            return time.perf_counter() - start

    def copy_run(conninfo: str) -> float:
        with psycopg.connect(conninfo, autocommit=True) as connection, gc_paused():
            start = time.perf_counter()
            with connection.transaction(), connection.cursor().copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return time.perf_counter() - start

    # alternate the three so that a busy machine slows them alike
    raw, ours, copied = float("inf"), float("inf"), float("inf")
    for _ in range(repeat):
        raw = min(raw, raw_run(fresh_database(server)))
        ours = min(ours, store_run(fresh_database(server)))
        copied = min(copied, copy_run(fresh_database(server)))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS threetalk_bench WITH (FORCE)")
        version = admin.execute("SHOW server_version").fetchone()
    return [
        (f"server: PostgreSQL {version[0] if version else '?'}", "", ""),
        ("raw executemany, pre-encoded rows", f"{total / raw:,.0f} events/s", f"{raw:.2f} s"),
        ("store.append_many (checks + encoding)", f"{total / ours:,.0f} events/s", f"{ours:.2f} s"),
        ("  ratio store / raw executemany (target >= 50%)", f"{raw / ours:.0%}", ""),
        (
            "raw COPY, pre-encoded rows (for information)",
            f"{total / copied:,.0f} events/s",
            f"{copied:.2f} s",
        ),
    ]


def table(title: str, lines: list[tuple[str, ...]]) -> None:
    """Print one section."""
    print(f"\n{title}")
    for line in lines:
        print(f"  {line[0]:<52} {line[1]:>18}  {' '.join(line[2:])}")


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round")
    parser.add_argument(
        "--postgres", metavar="CONNINFO", help="the PostgreSQL server (default: pgserver)"
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="only the PostgreSQL measurement"
    )
    args = parser.parse_args()
    total = 20_000 if args.quick else 200_000
    repeat = 1 if args.quick else 5
    print(f"threetalk store benchmark; SQLite {sqlite3.sqlite_version}")
    if not args.postgres_only:
        sqlite_measurements(total, repeat, quick=args.quick)
    with postgres_server(args.postgres) as server:
        table(
            f"4. PostgreSQL append_many of {total:,} events",
            bench_postgres(server, total, repeat),
        )


def sqlite_measurements(total: int, repeat: int, *, quick: bool) -> None:
    """Measurements 1 to 3, on SQLite."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        table(f"1. append_many of {total:,} events", bench_append_many(folder, total, repeat))
        table(
            "2. durable single-command appends",
            bench_durable(folder, 50 if quick else 300),
        )
        table(
            "3. open + verify + replay",
            bench_reopen(folder, [2_500, 5_000, 10_000, 20_000], repeat),
        )


if __name__ == "__main__":
    main()
