"""``threetalk verify``, ``export`` and ``import``: output and exit codes 0, 1 and 2."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

import threetalk as tt
from conftest import StepClock, postgres_url
from threetalk._cli import main
from threetalk.store import EventStore, MemoryStore, PostgresStore, SQLiteStore, export_jsonl

if TYPE_CHECKING:
    from pathlib import Path

KEY = b"c" * 32


def fill(path: Path, key: bytes | None = None) -> None:
    """A store file with conversations a and b, 8 events each."""
    with SQLiteStore(path, key=key) as store:
        fill_store(store)


def fill_store(store: EventStore) -> None:
    """Conversations a and b, 8 events each, in ``store``."""
    for conversation_id in ("a", "b"):
        conv = tt.Conversation(conversation_id=conversation_id, clock=StepClock(), store=store)
        client = conv.join("Client", tt.Role.CLIENT)
        pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
        conv.move_to(tt.Phase.TEAM_TALK, by=pro)
        for topic in ("Sleep", "Work", "Money", "Friends"):
            conv.add_topic(topic, by=client)


def tamper(path: Path, conversation_id: str, seq: int) -> None:
    """Change one stored event, as someone with file access could."""
    with sqlite3.connect(path, isolation_level=None) as connection:
        connection.execute("DROP TRIGGER events_no_update")
        connection.execute(
            "UPDATE events SET actor = 'p2' WHERE conversation_id = ? AND seq = ?",
            (conversation_id, seq),
        )
    connection.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A filled store file."""
    path = tmp_path / "talks.db"
    fill(path)
    return path


class TestVerify:
    def test_an_intact_store(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Exit 0 and a summary for a store whose chains all verify."""
        code = main(["verify", str(db)])

        assert code == 0
        assert "ok: 2 conversations, 16 events verified" in capsys.readouterr().out

    def test_a_tampered_store(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Exit 1, naming the first bad seq of the broken conversation and the triggers."""
        tamper(db, "b", 6)

        code = main(["verify", str(db)])

        out = capsys.readouterr().out
        assert code == 1
        assert "conversation 'b' seq 6:" in out
        assert "triggers are missing" in out
        assert "conversation 'a'" not in out

    def test_a_missing_file_is_an_io_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 2 for a file that is not there, and no store is made."""
        missing = tmp_path / "missing.db"

        code = main(["verify", str(missing)])

        assert code == 2
        assert "no such file" in capsys.readouterr().err
        assert not missing.exists()

    def test_a_store_file_sqlite_cannot_open_is_an_io_error(
        self, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A store whose folder refuses SQLite's side files cannot be opened: exit 2 and
        one line, for each command, and nothing is written."""
        folder = tmp_path / "locked"
        folder.mkdir()
        copy = folder / "talks.db"
        with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        source.close()
        target.close()
        (folder / "talks.db-wal").mkdir()  # where SQLite must put its write-ahead log

        codes = [main([command, str(copy)]) for command in ("verify", "export")]

        err = capsys.readouterr().err
        assert codes == [2, 2]
        assert err.count("\n") == 2
        assert "cannot open it" in err

    def test_a_foreign_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Exit 1 for a file that is not a threetalk store; it stays as it was."""
        other = tmp_path / "other.db"
        other.write_bytes(b"hello")

        code = main(["verify", str(other)])

        assert code == 1
        assert "not a SQLite database" in capsys.readouterr().err
        assert other.read_bytes() == b"hello"

    def test_keyed_store_with_key_file(self, tmp_path: Path) -> None:
        """A keyed store verifies with --key-file and is refused without it."""
        path = tmp_path / "keyed.db"
        fill(path, KEY)
        key_file = tmp_path / "key"
        key_file.write_bytes(KEY)

        assert main(["verify", str(path), "--key-file", str(key_file)]) == 0
        assert main(["verify", str(path)]) == 1

    def test_bad_key_files_are_usage_errors(
        self, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A short or unreadable key file is exit 2."""
        short = tmp_path / "short"
        short.write_bytes(b"tiny")

        assert main(["verify", str(db), "--key-file", str(short)]) == 2
        assert main(["verify", str(db), "--key-file", str(tmp_path / "none")]) == 2
        assert "32 bytes" in capsys.readouterr().err


class TestExport:
    def test_export_writes_one_event_per_line(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 0 and every event as a JSON line on stdout."""
        code = main(["export", str(db), "--format", "jsonl"])

        lines = capsys.readouterr().out.splitlines()
        assert code == 0
        assert len(lines) == 16
        assert json.loads(lines[0])["kind"] == "opened"

    def test_a_tampered_store_is_exported_only_with_force(
        self, db: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 and no output without --force; exit 0 with a warning with it."""
        tamper(db, "a", 3)

        refused = main(["export", str(db)])
        first = capsys.readouterr()
        forced = main(["export", str(db), "--force"])
        second = capsys.readouterr()

        assert (refused, first.out) == (1, "")
        assert "--force" in first.err
        assert forced == 0
        assert len(second.out.splitlines()) == 16
        assert "warning" in second.err


class TestImport:
    def test_import_round_trip(
        self, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An exported trail imports into a new store with exit 0."""
        main(["export", str(db)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")
        target = tmp_path / "other.db"

        code = main(["import", str(trail), str(target)])

        assert code == 0
        assert "imported 16 events of 2 conversations" in capsys.readouterr().out
        with SQLiteStore(target) as store:
            assert store.conversation_ids() == ("a", "b")
            assert store.verify().ok

    def test_a_bad_line_is_named_and_nothing_is_created(
        self, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 naming file and line; the target store is not even created."""
        main(["export", str(db)])
        lines = capsys.readouterr().out.splitlines()
        raw = json.loads(lines[3])
        raw["data"]["text"] = "Edited"
        lines[3] = json.dumps(raw)
        trail = tmp_path / "trail.jsonl"
        trail.write_text("\n".join(lines) + "\n", encoding="utf-8")
        target = tmp_path / "other.db"

        code = main(["import", str(trail), str(target)])

        assert code == 1
        assert f"{trail}:4: " in capsys.readouterr().err
        assert not target.exists()

    def test_keyed_export_and_import(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--key-file works for export and import; the wrong key is refused on import."""
        source = tmp_path / "keyed.db"
        fill(source, KEY)
        key_file = tmp_path / "key"
        key_file.write_bytes(KEY)
        other_key = tmp_path / "other-key"
        other_key.write_bytes(b"o" * 32)
        main(["export", str(source), "--key-file", str(key_file)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")

        wrong = main(["import", str(trail), str(tmp_path / "a.db"), "--key-file", str(other_key)])
        right = main(["import", str(trail), str(tmp_path / "b.db"), "--key-file", str(key_file)])

        assert (wrong, right) == (1, 0)
        assert not (tmp_path / "a.db").exists()
        with SQLiteStore(tmp_path / "b.db", key=KEY) as store:
            assert store.conversation_ids() == ("a", "b")

    def test_a_missing_trail_is_an_io_error(self, tmp_path: Path) -> None:
        """Exit 2 for a trail that cannot be read."""
        assert main(["import", str(tmp_path / "none.jsonl"), str(tmp_path / "x.db")]) == 2

    def test_importing_twice_is_refused(
        self, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 when the target already holds the conversations."""
        main(["export", str(db)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")

        assert main(["import", str(trail), str(db)]) == 1
        assert "in the store already" in capsys.readouterr().err


def test_the_installed_command(db: Path) -> None:
    """``python -m threetalk verify`` runs in a process of its own and sets its exit code."""
    tamper(db, "a", 5)

    done = subprocess.run(
        [sys.executable, "-m", "threetalk", "verify", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "conversation 'a' seq 5" in done.stdout


@pytest.fixture
def pg_url(postgres: str) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return postgres_url(postgres)


@pytest.fixture
def pg_filled(pg_url: str) -> str:
    """The URL of a PostgreSQL store holding conversations a and b."""
    with PostgresStore(pg_url) as store:
        fill_store(store)
    return pg_url


class TestPostgres:
    def test_verify_a_store_by_url(
        self, pg_filled: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 0 and the summary, naming the database without its URL."""
        code = main(["verify", pg_filled])

        out = capsys.readouterr().out
        assert code == 0
        assert "ok: 2 conversations, 16 events verified" in out
        assert out.startswith("PostgreSQL ")

    def test_verify_a_tampered_store_by_url(
        self, pg_filled: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 naming the first bad seq of a chain changed behind the store's back."""
        import psycopg

        with psycopg.connect(pg_filled, autocommit=True) as connection:
            connection.execute("ALTER TABLE threetalk.events DISABLE TRIGGER USER")
            connection.execute(
                "UPDATE threetalk.events SET actor = 'p2' WHERE conversation_id = 'b' AND seq = 6"
            )

        code = main(["verify", pg_filled])

        out = capsys.readouterr().out
        assert code == 1
        assert "conversation 'b' seq 6:" in out
        assert "disabled" in out

    def test_the_postgres_scheme_works_too(
        self, pg_filled: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``postgres://`` is read as ``postgresql://`` is."""
        url = "postgres://" + pg_filled.removeprefix("postgresql://")

        assert main(["verify", url]) == 0

    def test_sqlite_to_postgres_and_back(
        self, db: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A trail exported from a file imports into PostgreSQL and exports back unchanged."""
        main(["export", str(db)])
        exported = capsys.readouterr().out
        trail = tmp_path / "trail.jsonl"
        trail.write_text(exported, encoding="utf-8")

        imported = main(["import", str(trail), pg_url])
        out = capsys.readouterr().out
        again = main(["export", pg_url])
        back = capsys.readouterr()

        assert (imported, again) == (0, 0)
        assert "imported 16 events of 2 conversations" in out
        assert back.out == exported
        assert "wrote 16 events of 2 conversations" in back.err

    def test_keyed_store_by_url_with_key_file(
        self, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--key-file opens a keyed PostgreSQL store; without it, or with another key, exit 1."""
        with PostgresStore(pg_url, key=KEY) as store:
            fill_store(store)
        key_file = tmp_path / "key"
        key_file.write_bytes(KEY)
        other = tmp_path / "other"
        other.write_bytes(b"o" * 32)

        right = main(["verify", pg_url, "--key-file", str(key_file)])
        missing = main(["verify", pg_url])
        wrong = main(["export", pg_url, "--key-file", str(other)])

        err = capsys.readouterr().err
        assert (right, missing, wrong) == (0, 1, 1)
        assert "open it with its key" in err
        assert "not the key the store was created with" in err

    def test_importing_twice_into_postgres_is_refused(
        self, pg_filled: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 1 when the database already holds the conversations."""
        main(["export", str(db)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")

        assert main(["import", str(trail), pg_filled]) == 1
        assert "in the store already" in capsys.readouterr().err

    def test_a_database_without_a_store_is_not_given_one_by_verify(
        self, pg_url: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """verify and export never create a store: exit 1, one line, the database untouched."""
        import psycopg

        codes = (main(["verify", pg_url]), main(["export", pg_url]))

        err = capsys.readouterr().err
        assert codes == (1, 1)
        assert err.count("\n") == 2
        assert "has no threetalk store" in err
        with psycopg.connect(pg_url) as connection:
            found = connection.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname = 'threetalk'"
            ).fetchone()
        assert found == (0,)

    def test_a_url_that_does_not_connect_is_one_line(
        self, psycopg_installed: None, tmp_path: Path
    ) -> None:
        """No server behind the URL: exit 2 (an I/O error) and one line, no traceback, no
        password shown."""
        url = f"postgresql://app:s3cret@/talks?host={tmp_path}&connect_timeout=2"

        done = subprocess.run(
            [sys.executable, "-m", "threetalk", "verify", url],
            capture_output=True,
            text=True,
            check=False,
        )

        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
        assert "cannot connect" in done.stderr
        assert "Traceback" not in done.stderr
        assert "s3cret" not in done.stderr

    @pytest.mark.parametrize("command", ["verify", "export", "import"])
    @pytest.mark.parametrize(
        "url",
        [
            "postgresql://app:s3cret@127.0.0.1:99999/talks",
            "postgresql://app:s3cret@127.0.0.1:1/talks?connect_timeout=2",
            "postgresql://app:s3cret@host.invalid:99999/talks?connect_timeout=2",
        ],
    )
    def test_a_port_that_cannot_connect_is_an_io_error(
        self,
        psycopg_installed: None,
        command: str,
        url: str,
        db: Path,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A port out of range, one nobody listens on, an unknown host: exit 2 and one
        line naming the database without its password."""
        main(["export", str(db)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")
        args = [command, str(trail), url] if command == "import" else [command, url]

        code = main(args)

        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1
        assert err.startswith(f"threetalk {command}: PostgreSQL app@")
        assert "cannot connect to the database" in err
        assert "s3cret" not in err

    def test_ctrl_c_while_importing_is_one_line_and_stores_nothing(
        self, pg_url: str, tmp_path: Path
    ) -> None:
        """Ctrl-C while an import writes to PostgreSQL: exit 130 and the one line
        'interrupted' on standard error (no psycopg warning about a pipeline or a
        rollback), and nothing is stored."""
        import psycopg

        memory = MemoryStore()
        fill_store(memory)
        trail = tmp_path / "trail.jsonl"
        export_jsonl(memory, trail)
        PostgresStore(pg_url).close()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "CREATE FUNCTION public.slowly() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END$$"
            )
            admin.execute(
                "CREATE TRIGGER slowly BEFORE INSERT ON threetalk.events "
                "FOR EACH ROW EXECUTE FUNCTION public.slowly()"
            )
        importing = subprocess.Popen(
            [sys.executable, "-m", "threetalk", "import", str(trail), pg_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            with psycopg.connect(pg_url, autocommit=True) as admin:
                while time.monotonic() < deadline:
                    found = admin.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        "AND query LIKE 'INSERT INTO threetalk.events%%'"
                    ).fetchone()
                    if found and found[0]:
                        break
                    time.sleep(0.01)
            importing.send_signal(signal.SIGINT)
            out, err = importing.communicate(timeout=30)
        finally:
            importing.kill()

        assert importing.returncode == 130
        assert err == "threetalk import: interrupted\n"
        assert out == ""
        with psycopg.connect(pg_url, autocommit=True) as admin:
            assert admin.execute("SELECT count(*) FROM threetalk.events").fetchone() == (0,)

    def test_a_url_libpq_cannot_parse_is_a_usage_error(
        self, psycopg_installed: None, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A malformed URL is exit 2 and one line."""
        code = main(["verify", "postgresql://app@/talks?colour=blue"])

        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1
        assert "not a PostgreSQL connection string" in err

    @pytest.mark.parametrize("command", ["verify", "export", "import"])
    def test_without_psycopg_it_says_how_to_install_it(
        self,
        command: str,
        db: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Without psycopg: exit 2 and one line with the pip command."""
        main(["export", str(db)])
        trail = tmp_path / "trail.jsonl"
        trail.write_text(capsys.readouterr().out, encoding="utf-8")
        monkeypatch.setitem(sys.modules, "psycopg", None)
        url = "postgresql://app@db.example/talks"
        args = [command, str(trail), url] if command == "import" else [command, url]

        code = main(args)

        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"threetalk {command}: a PostgreSQL store needs psycopg 3: ")
        assert err.endswith(": pip install 'threetalk[postgres]'\n")
        assert err.count("\n") == 1
