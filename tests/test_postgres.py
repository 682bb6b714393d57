"""PostgresStore beyond the conformance suite: the database itself, failures, processes.

Every test gets a new, empty database (the ``postgres`` fixture of ``conftest.py``) on the
session's server; raw SQL runs as that server's superuser. psycopg is imported inside the
tests, so that without it the fixture decides (skip with the reason, or fail under CI) and
the test of a missing psycopg still runs.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import threetalk as tt
from conftest import StepClock, postgres_database
from threetalk.store import (
    ConflictError,
    PostgresStore,
    SQLiteStore,
    StoreError,
    StoreUnavailable,
    export_jsonl,
    import_jsonl,
    open_conversation,
    verify_store,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = str(Path(__file__).parent)
ROOT = Path(__file__).resolve().parent.parent
KEY = b"k" * 32
SECOND = timedelta(seconds=1)


def raw(conninfo: str, query: Any, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement as the superuser, outside threetalk; its rows (if any)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        cursor = connection.execute(query, parameters)
        return cursor.fetchall() if cursor.description else []


def started(store: Any, conversation_id: str = "c1") -> tt.Conversation:
    """A stored conversation in team talk with a client and a professional (4 events)."""
    conv = tt.Conversation(
        conversation_id=conversation_id,
        clock=StepClock(datetime(2026, 11, 23, 9, tzinfo=UTC), SECOND),
        store=store,
    )
    conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    return conv


@pytest.fixture
def store(postgres: str) -> Iterator[PostgresStore]:
    """An unkeyed store in a new database."""
    with PostgresStore(postgres) as opened:
        yield opened


class TestOpening:
    def test_a_new_database_gets_a_store(self, postgres: str) -> None:
        """The schema threetalk is created with its tables, version, metadata and triggers."""
        PostgresStore(postgres, key=KEY).close()

        tables = raw(
            postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'threetalk' ORDER BY 1",
        )
        triggers = raw(
            postgres,
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'threetalk' AND NOT t.tgisinternal",
        )
        assert tables == [("events",), ("schema_version",), ("store_meta",)]
        assert raw(postgres, "SELECT version FROM threetalk.schema_version") == [(1,)]
        meta = dict(raw(postgres, "SELECT name, value FROM threetalk.store_meta"))
        assert meta["keyed"] == "1"
        assert re.fullmatch("[0-9a-f]{64}", meta["key_check"])
        assert triggers == [(6,)]

    def test_without_create_a_database_without_a_store_is_refused(self, postgres: str) -> None:
        """create=False opens only an existing store, and creates nothing."""
        with pytest.raises(StoreError, match="has no threetalk store"):
            PostgresStore(postgres, create=False)

        assert raw(postgres, "SELECT count(*) FROM pg_namespace WHERE nspname = 'threetalk'") == [
            (0,)
        ]

    def test_an_empty_schema_made_by_an_administrator_is_filled(self, postgres: str) -> None:
        """A schema threetalk that exists but holds nothing gets the store's tables."""
        raw(postgres, "CREATE SCHEMA threetalk")

        with PostgresStore(postgres) as store:
            conv = started(store)

            assert store.load("c1") == conv.events

    def test_a_role_that_may_not_create_the_store_gets_a_store_error(self, app_role: str) -> None:
        """Opening a database without a store as a role that may not create one is a
        StoreError naming the database, and nothing is created."""
        with postgres_database() as other:
            bare = psycopg_conninfo(other, options=conninfo_options(app_role))

            with pytest.raises(StoreError, match="cannot open the store: permission denied"):
                PostgresStore(bare)

            assert raw(other, "SELECT count(*) FROM pg_namespace WHERE nspname = 'threetalk'") == [
                (0,)
            ]

    def test_a_conninfo_that_does_not_connect(
        self, psycopg_installed: None, tmp_path: Path
    ) -> None:
        """A server that is not there is StoreUnavailable (a StoreError) naming the database
        it tried."""
        conninfo = f"host={tmp_path} dbname=talks user=app connect_timeout=2"

        with pytest.raises(StoreUnavailable, match="cannot connect") as caught:
            PostgresStore(conninfo)

        assert isinstance(caught.value, StoreError)
        assert f"app@{tmp_path}:5432/talks" in str(caught.value)
        assert caught.value.__cause__ is None

    @pytest.mark.parametrize(
        "conninfo",
        [
            "postgresql://app@127.0.0.1:99999/talks",  # libpq parses it; no port so high
            "postgresql://app@127.0.0.1:1/talks?connect_timeout=2",  # nobody listens
        ],
    )
    def test_a_port_that_cannot_connect_is_unavailable(
        self, psycopg_installed: None, conninfo: str
    ) -> None:
        """A port out of range or one nobody listens on is StoreUnavailable, one line."""
        with pytest.raises(StoreUnavailable, match="cannot connect to the database") as caught:
            PostgresStore(conninfo)

        assert "\n" not in str(caught.value)

    def test_a_conninfo_libpq_cannot_parse_is_invalid_input(self, psycopg_installed: None) -> None:
        """A malformed conninfo, or something that is no conninfo at all, is InvalidInput."""
        with pytest.raises(tt.InvalidInput, match="not a PostgreSQL connection string"):
            PostgresStore("dbname=talks colour=blue")
        with pytest.raises(tt.InvalidInput, match="conninfo_or_pool"):
            PostgresStore(Path("talks.db"))

    def test_a_schema_of_another_application_is_refused(self, postgres: str) -> None:
        """A threetalk schema that is not a store is refused and left as it was."""
        raw(postgres, "CREATE SCHEMA threetalk")
        raw(postgres, "CREATE TABLE threetalk.orders (id INTEGER)")

        with pytest.raises(StoreError, match="is not a threetalk store"):
            PostgresStore(postgres)

        tables = raw(postgres, "SELECT tablename FROM pg_tables WHERE schemaname = 'threetalk'")
        assert tables == [("orders",)]

    def test_a_store_without_its_events_table_is_refused(self, postgres: str) -> None:
        """A store that lacks a table is refused, naming the table."""
        PostgresStore(postgres).close()
        raw(postgres, "DROP TABLE threetalk.events")

        with pytest.raises(StoreError, match=r"lacks its table.*events"):
            PostgresStore(postgres)

    def test_a_newer_schema_is_refused_naming_both_versions(self, postgres: str) -> None:
        """A store written by a newer threetalk is refused; both versions are named."""
        PostgresStore(postgres).close()
        raw(postgres, "ALTER TABLE threetalk.schema_version DISABLE TRIGGER USER")
        raw(postgres, "UPDATE threetalk.schema_version SET version = 2")

        with pytest.raises(StoreError, match="a newer threetalk") as caught:
            PostgresStore(postgres)

        assert "store schema version 2" in str(caught.value)
        assert "reads version 1" in str(caught.value)

    @pytest.mark.parametrize(
        ("created", "opened", "message"),
        [
            (KEY, b"w" * 32, "not the key the store was created with"),
            (KEY, None, "keyed; open it with its key"),
            (None, KEY, "not keyed; open it without a key"),
        ],
    )
    def test_a_key_that_does_not_fit_is_refused(
        self, postgres: str, created: bytes | None, opened: bytes | None, message: str
    ) -> None:
        """A wrong key, a missing key or an unexpected key is a StoreError at open."""
        PostgresStore(postgres, key=created).close()

        with pytest.raises(StoreError, match=message):
            PostgresStore(postgres, key=opened)

    def test_without_psycopg_creating_one_says_how_to_install_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """threetalk.store imports without psycopg; creating a store says what to install."""
        monkeypatch.setitem(sys.modules, "psycopg", None)

        with pytest.raises(StoreError, match=re.escape("pip install 'threetalk[postgres]'")):
            PostgresStore("dbname=talks")

    def test_importing_the_store_module_does_not_import_psycopg(self) -> None:
        """psycopg is imported when a PostgresStore is created, not before."""
        code = "import sys, threetalk.store; print('psycopg' in sys.modules)"

        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert out.stdout.strip() == "False"


class TestConcurrentCreation:
    def test_threads_opening_a_new_database_make_one_store(self, postgres: str) -> None:
        """Eight threads opening one new database at the same moment all succeed, and the
        store is made once (the advisory lock)."""
        barrier = threading.Barrier(8)
        failures: list[BaseException] = []
        stores: list[PostgresStore] = []

        def open_store() -> None:
            try:
                barrier.wait()
                stores.append(PostgresStore(postgres, key=KEY))
            except BaseException as error:  # noqa: BLE001 - reported by the assert below
                failures.append(error)

        threads = [threading.Thread(target=open_store) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for opened in stores:
            opened.close()

        assert failures == []
        assert len(stores) == 8
        assert raw(postgres, "SELECT count(*) FROM threetalk.schema_version") == [(1,)]
        assert raw(postgres, "SELECT count(*) FROM threetalk.store_meta") == [(2,)]
        with PostgresStore(postgres, key=KEY) as again:
            assert again.verify().findings == ()

    def test_processes_opening_a_new_database_make_one_store(self, postgres: str) -> None:
        """Four processes, released at once, open one new database: one complete store."""
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, HERE, postgres],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=60) for process in processes]

        assert [out.strip() for out, _ in results] == ["opened"] * 4, results
        assert raw(postgres, "SELECT count(*) FROM threetalk.schema_version") == [(1,)]
        with PostgresStore(postgres) as again:
            assert again.verify().findings == ()


# Imports, says "ready", waits for "go", opens the store and says "opened".
OPENER = """
import sys
from threetalk.store import PostgresStore
print("ready", flush=True)
sys.stdin.readline()
PostgresStore(sys.argv[2]).close()
print("opened", flush=True)
"""


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE threetalk.events SET kind = 'forged' WHERE seq = 2",
            "DELETE FROM threetalk.events WHERE seq = 4",
            "TRUNCATE threetalk.events",
            "UPDATE threetalk.store_meta SET value = '0' WHERE name = 'keyed'",
            "DELETE FROM threetalk.store_meta",
            "DELETE FROM threetalk.schema_version",
        ],
    )
    def test_raw_sql_cannot_change_or_delete(
        self, store: PostgresStore, postgres: str, statement: str
    ) -> None:
        """The database itself refuses UPDATE, DELETE and TRUNCATE, even for its superuser."""
        import psycopg

        conv = started(store)

        with pytest.raises(psycopg.Error, match="append-only"):
            raw(postgres, statement)

        assert store.load("c1") == conv.events
        assert verify_store(store).ok

    def test_an_insert_only_role_can_keep_conversations(self, postgres: str, app_role: str) -> None:
        """The grants of docs/postgres.md: a role with INSERT and SELECT alone can record,
        reopen and verify, and is refused any change even with the triggers gone."""
        import psycopg

        raw(postgres, "DROP TRIGGER events_append_only ON threetalk.events")

        with PostgresStore(app_role) as app:
            conv = started(app)
            again = open_conversation(app, "c1")

            assert again.snapshot() == conv.snapshot()
            for statement in (
                "UPDATE threetalk.events SET kind = 'forged'",
                "DELETE FROM threetalk.events",
                "DROP TRIGGER events_no_truncate ON threetalk.events",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    raw(app_role, statement)


_ROLES = itertools.count(1)


@pytest.fixture
def app_role(store: PostgresStore, postgres: str) -> Iterator[str]:
    """A conninfo acting as a new role with only the grants docs/postgres.md shows; the
    role is dropped afterwards (roles belong to the whole server)."""
    import psycopg
    from psycopg import sql

    name = f"threetalk_app_{os.getpid()}_{next(_ROLES)}"
    role = sql.Identifier(name)
    raw(postgres, sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
    try:
        for statement in (
            "GRANT USAGE ON SCHEMA threetalk TO {}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA threetalk TO {}",
            "GRANT INSERT ON threetalk.events TO {}",
        ):
            raw(postgres, sql.SQL(statement).format(role))
        # the superuser's session, switched to the role (so no password is needed)
        yield psycopg.conninfo.make_conninfo(postgres, options=f"-c role={name}")
    finally:
        raw(postgres, sql.SQL("DROP OWNED BY {}").format(role))
        raw(postgres, sql.SQL("DROP ROLE {}").format(role))


def conninfo_options(conninfo: str) -> str:
    """The ``options`` of a conninfo."""
    import psycopg

    return str(psycopg.conninfo.conninfo_to_dict(conninfo)["options"])


def psycopg_conninfo(conninfo: str, **changes: str) -> str:
    """``conninfo`` with some parameters changed."""
    import psycopg

    return psycopg.conninfo.make_conninfo(conninfo, **changes)


class TestTampering:
    def test_a_row_changed_with_the_trigger_dropped_is_found_at_its_seq(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """A superuser drops the trigger and edits seq 3 of c1: verify names the missing
        trigger and c1 at seq 3, and keeps c2's head."""
        started(store)
        other = started(store, "c2")
        raw(postgres, "DROP TRIGGER events_append_only ON threetalk.events")
        raw(
            postgres,
            "UPDATE threetalk.events SET data = replace(data, 'Therapist', 'Surgeon') "
            "WHERE conversation_id = %s AND seq = %s",
            ("c1", 3),
        )

        report = verify_store(store)

        assert not report.ok
        assert "append-only triggers are missing (events_append_only)" in str(report.findings[0])
        broken = [finding for finding in report.findings if finding.conversation_id == "c1"]
        assert [finding.seq for finding in broken] == [3]
        assert report.heads == {"c2": tt.Head(4, other.events[-1].hash)}
        with pytest.raises(tt.TamperedLog) as caught:
            open_conversation(store, "c1")
        assert caught.value.seq == 3

    def test_a_deleted_row_is_found_at_its_seq(self, store: PostgresStore, postgres: str) -> None:
        """Deleting seq 2 behind disabled triggers breaks the chain at seq 2."""
        started(store)
        raw(postgres, "ALTER TABLE threetalk.events DISABLE TRIGGER USER")
        raw(postgres, "DELETE FROM threetalk.events WHERE seq = 2")

        report = store.verify()

        disabled = (
            "The append-only triggers are disabled (events_append_only, events_no_truncate): "
            "stored events can be changed or deleted without an error."
        )
        gap = (
            "conversation 'c1' seq 2: The audit trail breaks at seq 2: the stored event at "
            "position 2 has seq 3."
        )
        assert [str(finding) for finding in report.findings] == [disabled, gap]

    def test_a_trigger_function_made_harmless_is_found(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """Replacing refuse_change() with one that allows changes is reported."""
        started(store)
        raw(
            postgres,
            "CREATE OR REPLACE FUNCTION threetalk.refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$BEGIN RETURN OLD; END$$",
        )

        report = store.verify()

        assert not report.ok
        assert "do not call threetalk's refuse_change() as created" in str(report.findings[0])

    def test_a_row_that_cannot_be_read_is_a_finding_not_a_crash(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """A stored phase that is no phase: verify reports it, load says where."""
        started(store)
        raw(postgres, "ALTER TABLE threetalk.events DISABLE TRIGGER events_append_only")
        raw(postgres, "UPDATE threetalk.events SET phase = 'nowhere' WHERE seq = 4")
        raw(postgres, "ALTER TABLE threetalk.events ENABLE TRIGGER events_append_only")

        report = verify_store(store)

        assert [(finding.conversation_id, finding.seq) for finding in report.errors] == [("c1", 4)]
        with pytest.raises(tt.TamperedLog) as caught:
            store.load("c1")
        assert caught.value.seq == 4


class TestConnections:
    def test_a_connection_dropped_mid_command_is_a_store_error(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """The server ends the store's connection while a command waits on a lock: the
        command is a StoreError naming the database, nothing is half-written, the
        conversation has not moved on, and the next command works on a new connection."""
        import psycopg

        conv = started(store)
        failures: list[BaseException] = []
        with psycopg.connect(postgres) as blocker:
            blocker.execute("LOCK TABLE threetalk.events IN EXCLUSIVE MODE")
            pid = store._own.info.backend_pid  # type: ignore[union-attr]

            def command() -> None:
                try:
                    conv.add_topic("Sleep", by=conv.participant("p1"))
                except BaseException as error:  # noqa: BLE001 - checked below
                    failures.append(error)

            writer = threading.Thread(target=command)
            writer.start()
            wait_for_lock(postgres, pid)
            raw(postgres, "SELECT pg_terminate_backend(%s)", (pid,))
            writer.join(timeout=30)
            blocker.rollback()

        assert len(failures) == 1
        error = failures[0]
        assert type(error) is StoreError
        assert str(error).startswith(f"{store.name}: could not write:")
        assert "nothing was changed" in str(error)
        assert len(conv.events) == 4
        assert store.head("c1").seq == 4
        conv.add_topic("Sleep", by=conv.participant("p1"))
        assert open_conversation(store, "c1").snapshot() == conv.snapshot()

    def test_a_connection_lost_while_committing_says_the_outcome_is_unknown(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """A connection lost during COMMIT is a StoreError that says the events may or may
        not be stored, and to reopen the conversation to see."""
        import psycopg

        conv = started(store)
        # a deferred constraint trigger makes COMMIT wait for an advisory lock the test holds
        raw(
            postgres,
            "CREATE FUNCTION public.wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END$$",
        )
        raw(
            postgres,
            "CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON threetalk.events "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.wait_at_commit()",
        )
        failures: list[BaseException] = []
        with psycopg.connect(postgres) as holder:
            holder.execute("SELECT pg_advisory_xact_lock(4242)")
            pid = store._own.info.backend_pid  # type: ignore[union-attr]

            def command() -> None:
                try:
                    conv.add_topic("Sleep", by=conv.participant("p1"))
                except BaseException as error:  # noqa: BLE001 - checked below
                    failures.append(error)

            writer = threading.Thread(target=command)
            writer.start()
            wait_for_lock(postgres, pid)
            raw(postgres, "SELECT pg_terminate_backend(%s)", (pid,))
            writer.join(timeout=30)
            holder.rollback()

        assert len(failures) == 1
        assert type(failures[0]) is StoreError
        assert "failed while committing" in str(failures[0])
        assert "may or may not be stored" in str(failures[0])
        assert len(conv.events) == 4
        assert store.head("c1").seq == 4

    def test_a_connection_lost_while_idle_is_replaced(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """A connection the server ended between commands (a restart, an idle timeout) is
        replaced on the next command, for writes and reads alike."""
        conv = started(store)
        raw(postgres, "SELECT pg_terminate_backend(%s)", (store._own.info.backend_pid,))  # type: ignore[union-attr]
        conv.add_topic("Sleep", by=conv.participant("p1"))
        raw(postgres, "SELECT pg_terminate_backend(%s)", (store._own.info.backend_pid,))  # type: ignore[union-attr]

        assert store.load("c1") == conv.events

    def test_a_store_dropped_while_in_use_is_a_store_error(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """Reads of a store whose table was dropped are StoreErrors (verify: findings);
        a new connection to a database whose store is gone is a StoreError too."""
        started(store)
        raw(postgres, "DROP TABLE threetalk.events")

        with pytest.raises(StoreError, match=r"could not read.*does not exist"):
            store.load("c1")
        report = store.verify()
        raw(postgres, "DROP SCHEMA threetalk CASCADE")
        raw(postgres, "SELECT pg_terminate_backend(%s)", (store._own.info.backend_pid,))  # type: ignore[union-attr]
        with pytest.raises(StoreError, match="has no threetalk store"):
            store.conversation_ids()

        assert [finding.message.split(" (")[0] for finding in report.findings] == [
            "The append-only triggers are missing",
            "Reading the stored events failed",
        ]

    def test_a_pool_is_shared_and_stays_open(self, postgres: str) -> None:
        """Given a pool (with a row factory of its own), the store borrows connections
        for threads working in parallel, and leaves the pool open when closed."""
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        with ConnectionPool(
            postgres, min_size=2, max_size=4, kwargs={"row_factory": dict_row}, open=True
        ) as pool:
            store = PostgresStore(pool, key=KEY)
            barrier = threading.Barrier(4)
            failures: list[BaseException] = []

            def work(number: int) -> None:
                try:
                    conv = started(store, f"t{number}")
                    barrier.wait()
                    for topic in range(10):
                        conv.add_topic(f"Topic {topic}", by=conv.participant("p1"))
                except BaseException as error:  # noqa: BLE001 - reported below
                    failures.append(error)

            threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            report = verify_store(store)
            store.close()

            assert failures == []
            assert {cid: head.seq for cid, head in report.heads.items()} == {
                f"t{n}": 14 for n in range(4)
            }
            assert "pooled" in repr(PostgresStore(pool, key=KEY))
            with pytest.raises(StoreError, match="closed"):
                store.load("t1")
            assert not pool.closed

    def test_a_closed_pool_is_a_store_error_naming_it(self, postgres: str) -> None:
        """A pool that cannot give a connection is a StoreError, not a pool exception."""
        from psycopg_pool import ConnectionPool

        class AppPool(ConnectionPool):
            """A pool class of the app's own."""

        pool = AppPool(postgres, min_size=1, open=True, name="app-pool")
        PostgresStore(pool).close()
        pool.close()

        with pytest.raises(StoreUnavailable, match=r"cannot connect.*'app-pool' is already closed"):
            PostgresStore(pool)

    def test_ids_that_look_like_sql_are_only_data(self, store: PostgresStore) -> None:
        """Every value is a parameter: an id full of SQL is stored and found as it is."""
        name = "x'); DROP TABLE threetalk.events; --"
        conv = started(store, name)

        assert store.conversation_ids() == (name,)
        assert store.load(name) == conv.events

    def test_ids_sort_as_python_sorts(self, store: PostgresStore) -> None:
        """conversation_ids is in code point order, whatever the database's collation."""
        names = ["b", "B", "a", "ä", "A-2", "a-10", "Z"]
        for name in names:
            tt.Conversation(conversation_id=name, store=store)

        assert store.conversation_ids() == tuple(sorted(names))


def wait_for_lock(conninfo: str, pid: int) -> None:
    """Wait until backend ``pid`` waits for a lock."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = raw(conninfo, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,))
        if rows and rows[0][0] == "Lock":
            return
        time.sleep(0.01)
    pytest.fail(f"backend {pid} never waited for the lock")


class TestProcesses:
    def test_two_processes_lose_nothing(self, postgres: str) -> None:
        """Two processes, each with a conversation and batches of others, write at once:
        every event is stored once and every chain verifies."""
        PostgresStore(postgres).close()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, HERE, postgres, name, "60"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("left", "right")
        ]
        results = [writer.communicate(timeout=60) for writer in writers]

        assert [writer.returncode for writer in writers] == [0, 0], results
        with PostgresStore(postgres) as store:
            report = verify_store(store)
            assert report.ok
            assert report.heads["left"].seq == report.heads["right"].seq == 2 + 54
            assert len(report.heads) == 2 + 2 * 6


def write_many(conninfo: str, conversation_id: str, commands: int) -> None:
    """Start a conversation and give ``commands`` topics, a batch of another now and then."""
    with PostgresStore(conninfo) as store:
        conv = tt.Conversation(
            conversation_id=conversation_id,
            store=store,
            clock=StepClock(datetime(2026, 11, 23, tzinfo=UTC), SECOND),
        )
        client = conv.join("Client", tt.Role.CLIENT)
        for number in range(commands):
            if number % 10 == 9:
                other = tt.Conversation(conversation_id=f"{conversation_id}-batch-{number}")
                store.append_many(other.events)
            else:
                conv.add_topic(f"Topic {number}", by=client)


WRITER = """
import sys
sys.path.insert(0, sys.argv[1])
from test_postgres import write_many
write_many(sys.argv[2], sys.argv[3], int(sys.argv[4]))
"""


class TestAboveTheStore:
    def test_jsonl_round_trip_between_postgres_and_sqlite(
        self, store: PostgresStore, tmp_path: Path
    ) -> None:
        """export_jsonl from PostgreSQL, import_jsonl into SQLite and into another
        PostgreSQL database: the same events, and they verify."""
        started(store)
        started(store, "c2")
        trail = tmp_path / "trail.jsonl"

        exported = export_jsonl(store, trail)

        with SQLiteStore(tmp_path / "copy.db") as copy:
            import_jsonl(trail, copy)
            assert list(copy.events()) == list(store.events())
        with postgres_database() as other, PostgresStore(other) as target:
            report = import_jsonl(trail, target)
            assert list(target.events()) == list(store.events())
            assert verify_store(target).ok
        assert exported == 8
        assert report.events == 8

    def test_exporting_a_tampered_store_is_refused(
        self, store: PostgresStore, postgres: str
    ) -> None:
        """export_jsonl verifies a PostgreSQL store first, as any store."""
        started(store)
        raw(postgres, "ALTER TABLE threetalk.events DISABLE TRIGGER USER")
        raw(postgres, "UPDATE threetalk.events SET actor = 'p2' WHERE seq = 4")

        with pytest.raises(StoreError, match="does not verify"):
            export_jsonl(store, io.StringIO())

    def test_a_keyed_store_round_trips_through_open_conversation(self, postgres: str) -> None:
        """A keyed PostgreSQL store reopens, conflicts and verifies like any other."""
        with PostgresStore(postgres, key=KEY) as first, PostgresStore(postgres, key=KEY) as second:
            conv = started(first)
            mine = open_conversation(first, "c1", clock=StepClock(conv.events[-1].at, SECOND))
            theirs = open_conversation(second, "c1", clock=StepClock(conv.events[-1].at, SECOND))
            mine.add_topic("Sleep", by=mine.participant("p1"))

            with pytest.raises(ConflictError):
                theirs.add_topic("Work", by=theirs.participant("p1"))

            assert verify_store(second).heads["c1"].seq == 5


class TestDocs:
    def test_the_postgres_guide_runs(self, postgres: str) -> None:
        """The Python blocks of docs/postgres.md run, in order, against a real database."""
        text = (ROOT / "docs" / "postgres.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
        namespace: dict[str, Any] = {"CONNINFO": postgres}

        try:
            for block in blocks:
                code = compile(textwrap.dedent(block), "docs/postgres.md", "exec")
                exec(code, namespace)  # noqa: S102 - our own docs

            assert len(blocks) == 2
            assert namespace["store"].verify().ok
            assert namespace["shared"].conversation_ids() == ("anna-2026-11",)
        finally:
            for name in ("store", "shared", "pool"):
                if name in namespace:
                    namespace[name].close()


class TestManyRows:
    """More rows than one INSERT carries go through COPY: the same checks and all or
    nothing, conflicts included."""

    @staticmethod
    def _long(conversation_id: str, topics: int) -> tt.Conversation:
        conv = tt.Conversation(
            conversation_id=conversation_id,
            clock=StepClock(datetime(2026, 11, 23, 9, tzinfo=UTC), SECOND),
        )
        client = conv.join("Client", tt.Role.CLIENT)
        for number in range(topics):
            conv.add_topic(f"Topic {number}", by=client)
        return conv

    def test_a_large_batch_is_stored_whole_and_verifies(self, store: PostgresStore) -> None:
        conv = self._long("big", 1_500)

        assert store.append_many(conv.events) == len(conv.events)

        assert store.load("big") == conv.events
        assert store.verify().ok

    def test_a_large_batch_with_a_conflict_stores_nothing(
        self, store: PostgresStore, postgres: str
    ) -> None:
        first = started(store, "taken")
        other = tt.Conversation(
            conversation_id="taken",
            clock=StepClock(datetime(2026, 11, 23, 9, tzinfo=UTC), SECOND),
        )  # the same id, another chain: its seq 1 is stored already
        batch = [*self._long("fresh", 1_200).events, *other.events]

        with pytest.raises(tt.ConflictError):
            store.append_many(batch)

        assert raw(
            postgres, "SELECT count(*) FROM threetalk.events WHERE conversation_id = 'fresh'"
        ) == [(0,)]
        assert store.load("taken") == first.events
