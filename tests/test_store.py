"""The SQLite event store: write-through, conflicts, tampering, foreign files, keys."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sqlite3
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import threetalk as tt
from threetalk._sqlite import APPLICATION_ID, TRIGGERS
from threetalk._trail import canonical_bytes, format_time
from threetalk.store import (
    SQLiteStore,
    StoreError,
    StoreUnavailable,
    UnknownConversation,
    open_conversation,
)

KEY = b"k" * 32


class Clock:
    """A clock ticking 30 seconds per call from 09:00 UTC on a day of November 2026."""

    def __init__(self, day: int = 23) -> None:
        self.now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def started(store: SQLiteStore, conversation_id: str = "c1") -> tt.Conversation:
    """A stored conversation in team talk with a client and a professional (4 events)."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=Clock(), store=store)
    conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    return conv


def grown(store: SQLiteStore, topics: int = 5, conversation_id: str = "c1") -> tt.Conversation:
    """A stored conversation with ``topics`` more events after :func:`started`."""
    conv = started(store, conversation_id)
    client = conv.participant("p1")
    for number in range(topics):
        conv.add_topic(f"Topic {number}", by=client)
    return conv


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection to the file, as someone with file access would open it."""
    return sqlite3.connect(path, isolation_level=None)


def reseal(row: dict[str, object], key: bytes | None) -> str:
    """The hash an attacker computes for a row they changed (bare SHA-256 without key)."""
    payload = canonical_bytes(
        row["seq"],  # type: ignore[arg-type]
        row["conversation_id"],  # type: ignore[arg-type]
        row["at"],  # type: ignore[arg-type]
        row["kind"],  # type: ignore[arg-type]
        row["actor"],  # type: ignore[arg-type]
        row["phase"],  # type: ignore[arg-type]
        json.loads(row["data"]),  # type: ignore[arg-type]
        row["prev"],  # type: ignore[arg-type]
    )
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a store file goes."""
    return tmp_path / "talks.db"


class TestWriteThrough:
    def test_reopened_conversation_equals_the_original(self, db: Path) -> None:
        """open_conversation loads, verifies and replays to the same snapshot."""
        with SQLiteStore(db) as store:
            conv = grown(store)
            with contextlib.suppress(tt.Refused):
                conv.move_to(tt.Phase.DECISION_TALK, by=conv.participant("p2"))

        with SQLiteStore(db) as store:
            same = open_conversation(store, "c1")

            assert same.snapshot() == conv.snapshot()
            assert same.events == conv.events
            assert store.head("c1") == tt.Head(conv.events[-1].seq, conv.events[-1].hash)
            assert store.conversation_ids() == ("c1",)

    def test_a_failed_write_leaves_the_conversation_unchanged(self, db: Path) -> None:
        """When the store refuses the write, the command raises StoreError and changes nothing."""
        with SQLiteStore(db) as store:
            conv = started(store)
            before = conv.snapshot(), conv.events
            with raw(db) as connection:
                connection.execute(
                    "CREATE TRIGGER no_topics BEFORE INSERT ON events WHEN NEW.kind = "
                    "'topic-added' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
                )

            with pytest.raises(StoreError, match="disk says no"):
                conv.add_topic("Sleep", by=conv.participant("p1"))

            assert (conv.snapshot(), conv.events) == before
            assert store.load("c1") == before[1]

    def test_a_command_with_advisories_is_stored_whole_or_not_at_all(self, db: Path) -> None:
        """If the advisory of a command cannot be written, the command is not written either."""
        with SQLiteStore(db) as store:
            conv = started(store)
            client, pro = conv.participants
            conv.state_problem("Progress has stalled", by=pro)
            conv.add_goal("Walk to the shop", by=client)
            conv.move_to(tt.Phase.OPTION_TALK, by=pro)
            with raw(db) as connection:
                connection.execute(
                    "CREATE TRIGGER no_advice BEFORE INSERT ON events WHEN NEW.kind = "
                    "'advisory' BEGIN SELECT RAISE(ABORT, 'no advice today'); END"
                )
            before = conv.events

            with pytest.raises(StoreError, match="no advice today"):
                conv.propose_option("Day treatment", by=pro)

            assert store.load("c1") == before
            assert conv.events == before
            assert conv.options == ()

    def test_a_locked_store_gives_a_clear_error(self, db: Path) -> None:
        """A writer that cannot get the lock in time gets StoreError, not a raw sqlite error."""
        with SQLiteStore(db, timeout=0.1) as store:
            conv = started(store)
            blocker = raw(db)
            blocker.execute("BEGIN IMMEDIATE")
            try:
                with pytest.raises(StoreError, match="busy"):
                    conv.add_topic("Sleep", by=conv.participant("p1"))
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()

            assert len(conv.events) == 4


class TestConflicts:
    def test_the_unique_constraint_backs_the_check(self, db: Path) -> None:
        """Inserting a seq that exists fails in the database itself, not only in Python."""
        with SQLiteStore(db) as store:
            started(store)
        with raw(db) as connection:
            row = connection.execute("SELECT * FROM events WHERE seq = 4").fetchone()

            with pytest.raises(sqlite3.IntegrityError):
                connection.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)", row)


class TestTampering:
    def test_update_after_dropping_the_trigger(self, db: Path) -> None:
        """A changed row is found at its seq, and so are the missing triggers."""
        with SQLiteStore(db) as store:
            grown(store)
        with raw(db) as connection:
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute("UPDATE events SET actor = 'p2' WHERE seq = 6")
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute("UPDATE events SET actor = 'p2' WHERE seq = 6")

        with SQLiteStore(db) as store:
            report = store.verify()
            with pytest.raises(tt.TamperedLog) as caught:
                open_conversation(store, "c1")

        assert not report.ok
        assert [(f.conversation_id, f.seq) for f in report.errors] == [(None, None), ("c1", 6)]
        assert "events_no_update" in report.errors[0].message
        assert caught.value.seq == 6

    def test_deleted_row(self, db: Path) -> None:
        """A row deleted from the middle is found at its seq."""
        with SQLiteStore(db) as store:
            grown(store)
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_delete")
            connection.execute("DELETE FROM events WHERE seq = 7")

        with SQLiteStore(db) as store:
            broken = [f for f in store.verify().errors if f.conversation_id == "c1"]

        assert [f.seq for f in broken] == [7]

    def test_swapped_rows(self, db: Path) -> None:
        """Two events swapped in place are found at the first of them."""
        with SQLiteStore(db) as store:
            grown(store)
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute("UPDATE events SET seq = 100 WHERE seq = 7")
            connection.execute("UPDATE events SET seq = 7 WHERE seq = 8")
            connection.execute("UPDATE events SET seq = 8 WHERE seq = 100")

        with SQLiteStore(db) as store:
            broken = [f for f in store.verify().errors if f.conversation_id == "c1"]

        assert [f.seq for f in broken] == [7]

    def test_a_row_that_is_no_event(self, db: Path) -> None:
        """A row whose columns cannot even be read as an event is found at its seq."""
        with SQLiteStore(db) as store:
            grown(store)
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute("UPDATE events SET data = '{not json' WHERE seq = 3")

        with SQLiteStore(db) as store:
            broken = [f for f in store.verify().errors if f.conversation_id == "c1"]
            with pytest.raises(tt.TamperedLog) as caught:
                open_conversation(store, "c1")

        assert [f.seq for f in broken] == [3]
        assert caught.value.seq == 3

    @pytest.mark.parametrize(
        ("which", "change"),
        [
            ("first", "UPDATE events SET data = '{not json' WHERE seq = ?"),
            ("first", "UPDATE events SET at = '' WHERE seq = ?"),
            ("last", "UPDATE events SET phase = 'nowhere' WHERE seq = ?"),
            ("last", "UPDATE events SET at = 'yesterday' WHERE seq = ?"),
        ],
    )
    def test_listing_a_row_that_is_no_event(self, db: Path, which: str, change: str) -> None:
        """conversations() reads only the first and last rows, and says at which seq one
        of them cannot be read, rather than listing nonsense."""
        with SQLiteStore(db) as store:
            grown(store, topics=3)
            seq = 1 if which == "first" else store.head("c1").seq
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute(change, (seq,))

        with SQLiteStore(db) as store, pytest.raises(tt.TamperedLog) as caught:
            store.conversations()

        assert caught.value.seq == seq

    def test_a_due_date_that_is_no_date(self, db: Path) -> None:
        """due() says at which seq a stored date cannot be read."""
        with SQLiteStore(db) as store:
            conv = grown(store)
            conv.pause(date(2026, 12, 1), "Later", by=conv.participant("p1"))
            seq = store.head("c1").seq
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute(
                "UPDATE events SET data = ? WHERE seq = ?",
                ('{"reason":"Later","until":"soon"}', seq),
            )

        with SQLiteStore(db) as store, pytest.raises(tt.TamperedLog) as caught:
            store.due(date(2030, 1, 1))

        assert caught.value.seq == seq

    @pytest.mark.parametrize("start", [1, 6])
    def test_bare_rewrite_of_a_keyed_chain(self, db: Path, start: int) -> None:
        """Rewriting a keyed chain with bare hashes is found where the rewrite starts."""
        with SQLiteStore(db, key=KEY) as store:
            grown(store)
        rewrite_from(db, start, key=None)

        with SQLiteStore(db, key=KEY) as store:
            broken = [f for f in store.verify().errors if f.conversation_id == "c1"]

        assert [f.seq for f in broken] == [start]

    def test_bare_rewrite_of_a_bare_chain_needs_an_anchored_head(self, db: Path) -> None:
        """Without a key a consistent rewrite verifies; only the anchored head reveals it."""
        with SQLiteStore(db) as store:
            grown(store)
            anchored = store.head("c1")
        rewrite_from(db, 6, key=None)

        with SQLiteStore(db) as store:
            report = store.verify()

            assert [f for f in report.errors if f.conversation_id] == []
            assert store.head("c1") != anchored
            assert report.heads["c1"] != anchored

    def test_a_cut_off_tail_shows_only_against_the_anchored_head(self, db: Path) -> None:
        """Removing the last events leaves an intact chain whose head no longer matches."""
        with SQLiteStore(db) as store:
            grown(store)
            anchored = store.head("c1")
        with raw(db) as connection:
            connection.execute("DROP TRIGGER events_no_delete")
            connection.execute("DELETE FROM events WHERE seq >= 9")

        with SQLiteStore(db) as store:
            report = store.verify()

        assert report.heads["c1"].seq == 8
        assert report.heads["c1"] != anchored


def rewrite_from(db: Path, seq: int, key: bytes | None) -> None:
    """Change the actor of event ``seq`` and re-seal the chain from there on."""
    with raw(db) as connection:
        connection.row_factory = sqlite3.Row
        for trigger in TRIGGERS:
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        rows = [
            dict(row)
            for row in connection.execute(
                "SELECT * FROM events WHERE seq >= ? ORDER BY seq", (seq,)
            )
        ]
        before = connection.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()
        prev = tt.GENESIS if before is None else before[0]
        rows[0]["actor"] = "p2"
        for row in rows:
            row["prev"] = prev
            row["hash"] = prev = reseal(row, key)
            connection.execute(
                "UPDATE events SET actor = ?, prev = ?, hash = ? WHERE seq = ?",
                (row["actor"], row["prev"], row["hash"], row["seq"]),
            )


class TestForeignFiles:
    def assert_refused_untouched(self, path: Path, match: str) -> None:
        before = path.read_bytes(), path.stat().st_mtime_ns

        with pytest.raises(StoreError, match=match):
            SQLiteStore(path)

        assert (path.read_bytes(), path.stat().st_mtime_ns) == before

    def test_random_bytes(self, db: Path) -> None:
        """A file of random bytes is not a store and stays as it is."""
        db.write_bytes(os.urandom(4096))

        self.assert_refused_untouched(db, "not a SQLite database")

    def test_empty_file(self, db: Path) -> None:
        """A zero-byte file is not a store; it is not turned into one."""
        db.write_bytes(b"")

        self.assert_refused_untouched(db, "empty")

    def test_sqlite_file_of_another_app(self, db: Path) -> None:
        """Another application's SQLite file is refused and left alone."""
        with raw(db) as connection:
            connection.execute("CREATE TABLE notes (text TEXT)")
            connection.execute("INSERT INTO notes VALUES ('mine')")
        connection.close()

        self.assert_refused_untouched(db, "another application")

    def test_newer_schema_version(self, db: Path) -> None:
        """A store of a newer schema version is refused, naming both versions."""
        with raw(db) as connection:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            connection.execute("INSERT INTO schema_version VALUES (2)")
        connection.close()

        self.assert_refused_untouched(db, r"newer threetalk.*version 2.*version 1")

    def test_damaged_store(self, db: Path) -> None:
        """A store cut in half is refused with a clear error."""
        with SQLiteStore(db) as store:
            grown(store, topics=200)
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2] + os.urandom(len(data) // 2))

        try:
            with SQLiteStore(db) as store:
                found = [finding.message for finding in store.verify().errors]
        except StoreError as error:
            found = [str(error)]

        assert found

    def test_a_folder_that_does_not_exist(self, tmp_path: Path) -> None:
        """A store cannot be created in a missing folder; the error says where."""
        with pytest.raises(StoreError, match="cannot create a store there"):
            SQLiteStore(tmp_path / "nowhere" / "talks.db")

    def test_missing_file_with_create_off(self, db: Path) -> None:
        """create=False does not make a store."""
        with pytest.raises(StoreError, match="no such store"):
            SQLiteStore(db, create=False)

        assert not db.exists()


class TestOwnDescriptors:
    """threetalk never opens a descriptor of its own on a database a store of this process
    has open: closing it would drop SQLite's locks (see test_store_concurrency)."""

    def test_exporting_onto_the_open_store_is_refused(self, db: Path) -> None:
        """An export whose target is the store's own file is refused; the store is intact."""
        from threetalk.store import export_jsonl

        with SQLiteStore(db) as store:
            grown(store)
            with pytest.raises(tt.InvalidInput, match="store file"):
                export_jsonl(store, db)

            assert store.verify().ok
            assert store.head("c1").seq == 9

    @pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
    def test_reading_a_trail_from_a_file_of_an_open_store_is_refused(
        self, db: Path, suffix: str
    ) -> None:
        """Reading the database, its WAL or its shared-memory file as a trail is refused."""
        from threetalk.store import read_jsonl

        with SQLiteStore(db) as store:
            grown(store)
            with pytest.raises(tt.InvalidInput, match="store file"):
                read_jsonl(f"{db}{suffix}")

    def test_a_link_to_the_open_store_is_recognised(self, db: Path) -> None:
        """A hard link under another name is the same file, and refused as such."""
        from threetalk.store import read_jsonl

        with SQLiteStore(db) as store:
            grown(store)
            other = db.with_name("trail.jsonl")
            os.link(db, other)
            with pytest.raises(tt.InvalidInput, match="store file"):
                read_jsonl(other)

    def test_a_hard_link_of_an_open_store_is_refused_as_a_store(self, db: Path) -> None:
        """Opening a hard link of a store this process has open is a StoreError that says
        so (SQLite would give the file a second WAL); once the store is closed, the link
        opens; a symbolic link is the same name and opens beside it."""
        linked, symbolic = db.with_name("linked.db"), db.with_name("symbolic.db")
        with SQLiteStore(db) as store:
            conv = grown(store)
            os.link(db, linked)
            symbolic.symlink_to(db)

            with pytest.raises(StoreError, match="another name \\(a hard link\\)") as caught:
                SQLiteStore(linked)
            with SQLiteStore(symbolic) as same:
                assert same.load("c1") == conv.events

            assert str(db) in str(caught.value)
            assert store.verify().ok
            assert not Path(f"{linked}-wal").exists()

        with SQLiteStore(linked) as alone:
            assert alone.load("c1") == conv.events

    def test_a_simulation_file_output_onto_an_open_store_is_refused(self, db: Path) -> None:
        """A file output of a simulation may not be a store this process has open."""
        from threetalk.simulation._export import CSVWriter

        with SQLiteStore(db) as store:
            grown(store)
            with pytest.raises(tt.InvalidInput, match="store file"):
                CSVWriter(db)

            assert store.verify().ok

    def test_once_closed_the_file_is_anyone_s(self, db: Path) -> None:
        """The register forgets a store when it is closed (every store that opened it)."""
        from threetalk.store import read_jsonl

        first, second = SQLiteStore(db), SQLiteStore(db)
        first.close()
        with pytest.raises(tt.InvalidInput):
            read_jsonl(db)
        second.close()

        with pytest.raises(tt.store.InvalidTrail):
            read_jsonl(db)


class TestLeftovers:
    """A new store never inherits what an earlier database under its name left behind."""

    def test_a_stale_wal_of_a_deleted_store_is_refused(self, db: Path) -> None:
        """A writer dies without closing, its store is deleted: creating a store there is
        refused naming the WAL files, which stay untouched (the deleted talks stay gone)."""
        import subprocess
        import sys

        script = (
            "import os, sys, threetalk as tt\n"
            "from threetalk.store import SQLiteStore\n"
            "store = SQLiteStore(sys.argv[1])\n"
            "conv = tt.Conversation(conversation_id='secret', store=store)\n"
            "conv.join('Client', tt.Role.CLIENT)\n"
            "os._exit(0)\n"
        )
        subprocess.run([sys.executable, "-c", script, str(db)], check=True)
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists()
        db.unlink()
        before = wal.read_bytes()

        with pytest.raises(StoreError) as caught:
            SQLiteStore(db)

        assert str(wal) in str(caught.value)
        assert str(shm) in str(caught.value)
        assert "delete these files" in str(caught.value)
        assert not db.exists()
        assert wal.read_bytes() == before

    def test_a_leftover_journal_is_refused_too(self, db: Path) -> None:
        """A rollback journal left by an earlier database is refused the same way."""
        journal = Path(f"{db}-journal")
        journal.write_bytes(b"journal of an earlier database")

        with pytest.raises(StoreError, match="-journal"):
            SQLiteStore(db)

        assert journal.read_bytes() == b"journal of an earlier database"
        assert not db.exists()


class TestFiles:
    def test_new_store_is_owner_only(self, db: Path) -> None:
        """A new store and its WAL files have mode 0600; no temporary file is left beside it."""
        with SQLiteStore(db) as store:
            started(store)
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in db.parent.iterdir()}

        assert modes == {"talks.db": 0o600, "talks.db-shm": 0o600, "talks.db-wal": 0o600}

    def test_a_store_readable_by_others_is_reported(self, db: Path) -> None:
        """verify warns about a file others can read; the trail itself is still fine."""
        with SQLiteStore(db) as store:
            started(store)
        db.chmod(0o644)

        with SQLiteStore(db) as store:
            report = store.verify()

        assert report.ok
        assert [f.severity for f in report.findings] == ["warning"]
        assert "0644" in report.findings[0].message

    def test_a_store_without_triggers_opens_and_is_reported(self, db: Path) -> None:
        """Missing triggers do not stop opening (to examine it), but verify reports them."""
        with SQLiteStore(db) as store:
            started(store)
        with raw(db) as connection:
            for trigger in TRIGGERS:
                connection.execute(f"DROP TRIGGER {trigger}")

        with SQLiteStore(db) as store:
            report = store.verify()
            same = open_conversation(store, "c1")

        assert not report.ok
        assert "triggers are missing" in report.errors[0].message
        assert same.phase is tt.Phase.TEAM_TALK

    def test_the_schema_is_recorded(self, db: Path) -> None:
        """The file carries the application id and a schema_version table."""
        SQLiteStore(db).close()

        with raw(db) as connection:
            assert connection.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
            assert connection.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


class TestKeys:
    def test_keyed_store_round_trip(self, db: Path) -> None:
        """A keyed store seals with HMAC and reopens with its key."""
        with SQLiteStore(db, key=KEY) as store:
            conv = started(store)

        with SQLiteStore(db, key=KEY) as store:
            assert open_conversation(store, "c1").snapshot() == conv.snapshot()
            assert store.verify().ok
        with pytest.raises(tt.TamperedLog):
            tt.verify(conv.events)

    @pytest.mark.parametrize(
        ("created", "opened", "match"),
        [
            (KEY, None, "keyed; open it with its key"),
            (KEY, b"j" * 32, "not the key"),
            (None, KEY, "not keyed"),
        ],
    )
    def test_the_wrong_key_is_refused_at_open(
        self, db: Path, created: bytes | None, opened: bytes | None, match: str
    ) -> None:
        """Opening with a missing, wrong or superfluous key fails at once."""
        SQLiteStore(db, key=created).close()

        with pytest.raises(StoreError, match=match):
            SQLiteStore(db, key=opened)

    @pytest.mark.parametrize("key", [b"short", b"x" * 31, "k" * 40])
    def test_weak_keys_are_invalid_input(self, db: Path, key: object) -> None:
        """Keys under 32 bytes, or not bytes at all, are refused before any file is made."""
        with pytest.raises(tt.InvalidInput):
            SQLiteStore(db, key=key)  # type: ignore[arg-type]

        assert not db.exists()


class TestArguments:
    @pytest.mark.parametrize(("durability", "level"), [("full", 2), ("normal", 1)])
    def test_durability_sets_wal_and_sync_level(
        self, db: Path, durability: str, level: int
    ) -> None:
        """'full' syncs every commit, 'normal' only at checkpoints; both use WAL."""
        with SQLiteStore(db, durability=durability) as store:  # type: ignore[arg-type]
            connection = store._connection
            assert connection is not None

            assert connection.execute("PRAGMA synchronous").fetchone() == (level,)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert store.durability == durability

    def test_bad_durability(self, db: Path) -> None:
        """Only 'full' and 'normal' are durability settings."""
        with pytest.raises(tt.InvalidInput, match="durability"):
            SQLiteStore(db, durability="fast")  # type: ignore[arg-type]

    def test_unknown_conversation(self, db: Path) -> None:
        """Asking for a conversation that is not stored is UnknownConversation."""
        with SQLiteStore(db) as store:
            with pytest.raises(UnknownConversation):
                open_conversation(store, "nobody")
            with pytest.raises(UnknownConversation):
                store.head("nobody")

            assert store.load("nobody") == ()

    def test_another_protocol_is_refused_naming_both(self, db: Path) -> None:
        """Reopening under a protocol other than the recorded one names both."""
        with SQLiteStore(db) as store:
            started(store)

            with pytest.raises(StoreError, match=r"three_talk.*work_and_income"):
                open_conversation(store, "c1", tt.work_and_income())

    def test_repr_names_the_file(self, db: Path) -> None:
        """The repr says which file and whether it is keyed."""
        with SQLiteStore(db, key=KEY) as store:
            assert "talks.db" in repr(store)
            assert "keyed" in repr(store)


# ---------------------------------------------------------------------- property

COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "join",
                "move",
                "topic",
                "problem",
                "goal",
                "option",
                "consider",
                "prefer",
                "pause",
                "resume",
                "close",
            ]
        ),
        st.integers(0, 6),
    ),
    max_size=25,
)


def run(conv: tt.Conversation, name: str, pick: int) -> None:
    """Give one command, picked by ``name`` and ``pick``; refusals are fine (they are logged)."""
    people = conv.participants
    roles = [tt.Role.CLIENT, tt.Role.PROFESSIONAL, tt.Role.RELATIVE]
    if name == "join" or not people:
        conv.join(f"Person {len(people) + pick}", roles[pick % 3])
        return
    by = people[pick % len(people)]
    options = conv.options
    day = conv.events[-1].at.date()
    match name:
        case "move":
            conv.move_to(list(tt.Phase)[pick % 5], by=by)
        case "topic" | "problem" | "goal":
            method = {"topic": conv.add_topic, "problem": conv.state_problem}
            method.get(name, conv.add_goal)(f"Text {pick}", by=by)
        case "option":
            conv.propose_option(f"Option {pick}", by=by)
        case "consider" if options:
            stance = (tt.Stance.PRO, tt.Stance.CON)[pick % 2]
            conv.add_consideration(options[pick % len(options)], stance, f"Because {pick}", by=by)
        case "prefer" if options:
            conv.state_preference(options[pick % len(options)], by=by)
        case "pause":
            conv.pause(day + timedelta(days=pick), "Time to think", by=by)
        case "resume":
            conv.resume(by=by)
        case "close":
            conv.close(by=by)
        case _:
            conv.add_topic("Nothing else to do", by=by)


def in_option_talk(conv: tt.Conversation) -> None:
    """Bring a new conversation to option talk with a client, a relative and a professional."""
    client = conv.join("Client", tt.Role.CLIENT)
    conv.join("Relative", tt.Role.RELATIVE)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.state_problem("Progress has stalled", by=pro)
    conv.add_goal("Walk to the shop", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)


@settings(max_examples=30, deadline=None)
@given(commands=COMMANDS, deep=st.booleans())
def test_persisted_then_reopened_replays_to_the_same_snapshot(
    tmp_path_factory: pytest.TempPathFactory, commands: list[tuple[str, int]], deep: bool
) -> None:
    """Any sequence of commands, persisted and reopened, gives back the same snapshot."""
    path = tmp_path_factory.mktemp("prop") / "talks.db"
    with SQLiteStore(path, durability="normal") as store:
        conv = tt.Conversation(conversation_id="prop", clock=Clock(), store=store)
        if deep:
            in_option_talk(conv)
        for name, pick in commands:
            with contextlib.suppress(tt.Refused, tt.InvalidInput):
                run(conv, name, pick)

    with SQLiteStore(path) as store:
        same = open_conversation(store, "prop")

        assert same.snapshot() == conv.snapshot()
        assert same.events == conv.events
        assert store.verify().ok


def test_times_are_stored_canonically(db: Path) -> None:
    """The at column holds the canonical text the hash covers."""
    with SQLiteStore(db) as store:
        conv = started(store)
    with raw(db) as connection:
        stored = [row[0] for row in connection.execute("SELECT at FROM events ORDER BY seq")]

    assert stored == [format_time(event.at) for event in conv.events]
    assert date.fromisoformat(stored[0][:10]) == date(2026, 11, 23)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    conversation_id=st.text(min_size=1),
    kind=st.text(min_size=1),
    actor=st.none() | st.text(),
    data=st.dictionaries(st.text(), JSON_VALUES, max_size=4),
)
def test_the_stores_encoding_is_the_canonical_one(
    conversation_id: str, kind: str, actor: str | None, data: dict[str, object]
) -> None:
    """The store hashes bytes built from data it encoded once; they are canonical JSON."""
    from threetalk._trail import encode_data, envelope_bytes

    at = format_time(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    fields = {
        "seq": 7,
        "conversation_id": conversation_id,
        "at": at,
        "kind": kind,
        "actor": actor,
        "phase": "team_talk",
        "data": data,
        "prev": "0" * 64,
    }
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    built = envelope_bytes(
        7, conversation_id, at, kind, actor, "team_talk", encode_data(data), "0" * 64
    )

    assert built == expected.encode()
    assert built == canonical_bytes(
        7, conversation_id, at, kind, actor, "team_talk", data, "0" * 64
    )


class TestReplacedTriggers:
    def test_a_trigger_replaced_under_its_name_is_a_finding(self, db: Path) -> None:
        """Dropping the append-only triggers and creating harmless ones of the same names
        no longer hides a deletion from verify."""
        with SQLiteStore(db) as store:
            grown(store)
        with raw(db) as connection:
            for name, verb in (("events_no_update", "UPDATE"), ("events_no_delete", "DELETE")):
                connection.execute(f"DROP TRIGGER {name}")
                connection.execute(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON store_meta WHEN 0 BEGIN SELECT 1; END"
                )
            connection.execute("DELETE FROM events WHERE seq > 5")
        connection.close()

        with SQLiteStore(db) as store:
            report = store.verify()

        assert not report.ok
        assert any("replaced" in finding.message for finding in report.errors)


class TestPaths:
    @pytest.mark.parametrize("bad", ["a\ud800x.db", "a\x00b.db", ""])
    def test_a_path_no_file_can_have_is_invalid_input_and_nothing_is_left(
        self, tmp_path: Path, bad: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A name the file system cannot take is InvalidInput; no file is created."""
        monkeypatch.chdir(tmp_path)

        with pytest.raises(tt.InvalidInput, match="path"):
            SQLiteStore(bad)

        assert list(tmp_path.iterdir()) == []

    def test_a_name_that_is_not_utf8_names_its_own_file(self, tmp_path: Path) -> None:
        """A file name of bytes that are not UTF-8 (kept by Python as surrogates) is a
        store like any other, opened under that very name."""
        path = tmp_path / "caf\udce9.db"  # the byte 0xE9 alone, as a Latin-1 system wrote it

        with SQLiteStore(path) as store:
            tt.Conversation(conversation_id="c1", store=store)
        with SQLiteStore(path, create=False) as store:
            assert store.conversation_ids() == ("c1",)

        assert [entry.name for entry in tmp_path.iterdir()] == [path.name]

    def test_a_name_too_long_is_a_store_error(self, tmp_path: Path) -> None:
        """A name longer than the file system allows is StoreUnavailable (a StoreError)
        naming the path: the file cannot be got at, rather than being a bad one."""
        with pytest.raises(StoreUnavailable, match="x" * 300):
            SQLiteStore(tmp_path / ("x" * 300 + ".db"))
