"""JSONL trails: the line format, its schema, export, and import that checks everything first."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
from typing import TYPE_CHECKING

import attrs
import pytest

import threetalk as tt
from conftest import StepClock
from threetalk._trail import canonical_bytes, event_hash
from threetalk.store import (
    ConflictError,
    InvalidTrail,
    SQLiteStore,
    StoreError,
    event_schema,
    export_jsonl,
    import_jsonl,
    open_conversation,
    read_jsonl,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

KEY = b"s" * 32


def talk(conversation_id: str, store: SQLiteStore | None = None) -> tt.Conversation:
    """A conversation with a refusal, advisories and non-ASCII text (9 events or so)."""
    conv = tt.Conversation(conversation_id=conversation_id, clock=StepClock(), store=store)
    client = conv.join("Zoë", tt.Role.CLIENT)
    conv.join("Relative", tt.Role.RELATIVE)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.add_topic("Slaap — en werk", by=client)
    with contextlib.suppress(tt.Refused):
        conv.move_to(tt.Phase.DECISION_TALK, by=pro)
    conv.state_problem("Progress has stalled", by=pro)
    conv.add_goal("Walk to the shop", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=pro)
    return conv


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A store holding conversations a and b."""
    with SQLiteStore(tmp_path / "source.db") as made:
        talk("a", made)
        talk("b", made)
        yield made


def exported(store: SQLiteStore) -> list[str]:
    """The store's trail as lines."""
    buffer = io.StringIO()
    export_jsonl(store, buffer)
    return buffer.getvalue().splitlines()


def trail_file(tmp_path: Path, lines: list[str], *, end: str = "\n") -> Path:
    """Write lines to trail.jsonl."""
    path = tmp_path / "trail.jsonl"
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return path


class TestLineFormat:
    def test_a_line_is_the_event_with_sorted_keys(self, store: SQLiteStore) -> None:
        """Each line is compact JSON with sorted keys, and without its hash it is the
        canonical bytes the hash covers."""
        lines = exported(store)
        events = [*store.load("a"), *store.load("b")]

        assert len(lines) == len(events)
        for line, event in zip(lines, events, strict=True):
            raw = json.loads(line)
            assert raw == event.to_dict()
            assert line == json.dumps(
                raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            del raw["hash"]
            assert json.dumps(
                raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode() == canonical_bytes(**{**raw, "phase": raw["phase"]})

    def test_the_schema_describes_every_line(self, store: SQLiteStore) -> None:
        """The shipped JSON Schema names exactly the fields of a line, and lines fit it."""
        schema = event_schema()
        fields = schema["properties"]
        at = re.compile(fields["at"]["pattern"])
        digest = re.compile(schema["$defs"]["digest"]["pattern"])

        assert schema["additionalProperties"] is False
        for line in exported(store):
            raw = json.loads(line)
            assert sorted(raw) == sorted(schema["required"]) == sorted(fields)
            assert at.match(raw["at"])
            assert digest.match(raw["hash"])
            assert digest.match(raw["prev"])
            assert raw["phase"] in fields["phase"]["enum"]
        assert sorted(fields["phase"]["enum"]) == sorted(phase.value for phase in tt.Phase)


class TestExport:
    def test_export_to_a_path(self, store: SQLiteStore, tmp_path: Path) -> None:
        """Exporting to a path writes the same lines as to a stream."""
        target = tmp_path / "out.jsonl"

        written = export_jsonl(store, target)

        assert target.read_text(encoding="utf-8").splitlines() == exported(store)
        assert written == len(exported(store))

    def test_a_store_that_does_not_verify_is_not_exported(self, store: SQLiteStore) -> None:
        """Export refuses a tampered store unless forced."""
        with sqlite3.connect(store.path, isolation_level=None) as connection:
            connection.execute("DROP TRIGGER events_no_update")
            connection.execute(
                "UPDATE events SET actor = 'p3' WHERE conversation_id = 'b' AND seq = 6"
            )
        connection.close()

        with pytest.raises(StoreError, match="seq 6"):
            export_jsonl(store, io.StringIO())

        forced = io.StringIO()
        assert export_jsonl(store, forced, force=True) == len(store.load("a")) * 2


class TestImport:
    def test_round_trip(self, store: SQLiteStore, tmp_path: Path) -> None:
        """Exported and imported, every conversation reopens to the same snapshot."""
        path = trail_file(tmp_path, exported(store))

        with SQLiteStore(tmp_path / "copy.db") as copy:
            report = import_jsonl(path, copy)

            assert report.conversation_ids == ("a", "b")
            assert report.events == len(exported(store))
            for conversation_id in ("a", "b"):
                original = open_conversation(store, conversation_id).snapshot()
                assert open_conversation(copy, conversation_id).snapshot() == original

    def test_interleaved_conversations(self, store: SQLiteStore, tmp_path: Path) -> None:
        """Conversations may be interleaved line by line."""
        lines = exported(store)
        half = len(lines) // 2
        mixed = [line for pair in zip(lines[:half], lines[half:], strict=True) for line in pair]

        events = read_jsonl(io.StringIO("\n".join(mixed) + "\n"))

        assert [event.conversation_id for event in events[:4]] == ["a", "b", "a", "b"]

    def test_keyed_trail_round_trip(self, tmp_path: Path) -> None:
        """A keyed store's trail imports into a store with the same key, not into others."""
        with SQLiteStore(tmp_path / "keyed.db", key=KEY) as keyed:
            talk("k", keyed)
            path = trail_file(tmp_path, exported(keyed))

        with SQLiteStore(tmp_path / "same.db", key=KEY) as same:
            assert import_jsonl(path, same).conversation_ids == ("k",)
        with SQLiteStore(tmp_path / "bare.db") as bare, pytest.raises(InvalidTrail) as caught:
            import_jsonl(path, bare)

        assert caught.value.line == 1

    def test_a_conversation_already_stored_is_refused(
        self, store: SQLiteStore, tmp_path: Path
    ) -> None:
        """Import refuses a conversation id the store holds, and writes none of the others."""
        lines = exported(store)
        path = trail_file(tmp_path, lines)
        with SQLiteStore(tmp_path / "copy.db") as copy:
            talk("b", copy)

            with pytest.raises(InvalidTrail, match="'b' is in the store already") as caught:
                import_jsonl(path, copy)

            assert copy.conversation_ids() == ("b",)
        assert caught.value.line == len(store.load("a")) + 1

    def test_a_race_on_import_is_a_conflict(self, store: SQLiteStore, tmp_path: Path) -> None:
        """A conversation stored by another writer meanwhile makes the write a conflict."""
        events = read_jsonl(io.StringIO("\n".join(exported(store)) + "\n"))
        with SQLiteStore(tmp_path / "copy.db") as copy:
            talk("a", copy)

            with pytest.raises(ConflictError):
                copy.append_many(events)

            assert copy.conversation_ids() == ("a",)


def canonical(raw: dict[str, object]) -> str:
    """A JSONL line in the canonical form (what an exporter writes)."""
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def broken(lines: list[str], number: int, **changes: object) -> list[str]:
    """The lines with fields of line ``number`` (1-based) changed, still canonical JSON."""
    raw = json.loads(lines[number - 1])
    raw.update(changes)
    return [*lines[: number - 1], canonical(raw), *lines[number:]]


class TestBadTrails:
    @pytest.fixture
    def lines(self, store: SQLiteStore) -> list[str]:
        """A good trail of two conversations."""
        return exported(store)

    def refused(self, tmp_path: Path, lines: list[str], *, end: str = "\n") -> InvalidTrail:
        path = trail_file(tmp_path, lines, end=end)
        target = tmp_path / "target.db"
        with SQLiteStore(target) as copy:
            with pytest.raises(InvalidTrail) as caught:
                import_jsonl(path, copy)
            assert copy.conversation_ids() == ()
        assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")
        return caught.value

    def test_truncated_last_line(self, tmp_path: Path, lines: list[str]) -> None:
        """A file cut off in the middle of a line is reported at that line."""
        cut = [*lines[:-1], lines[-1][:40]]

        error = self.refused(tmp_path, cut, end="")

        assert error.line == len(lines)
        assert "cut off" in str(error)

    def test_bad_json(self, tmp_path: Path, lines: list[str]) -> None:
        """A line that is not JSON is reported by number."""
        error = self.refused(tmp_path, [*lines[:3], "{not json", *lines[4:]])

        assert error.line == 4
        assert "not valid JSON" in str(error)

    def test_unknown_field(self, tmp_path: Path, lines: list[str]) -> None:
        """A line with a field events do not have is refused."""
        error = self.refused(tmp_path, broken(lines, 5, colour="red"))

        assert error.line == 5
        assert "unknown colour" in str(error)

    def test_duplicate_field(self, tmp_path: Path, lines: list[str]) -> None:
        """A line naming a field twice is refused (JSON parsers disagree on which counts)."""
        doubled = lines[2][:-1] + ',"kind":"closed"}'

        error = self.refused(tmp_path, [*lines[:2], doubled, *lines[3:]])

        assert error.line == 3
        assert "twice" in str(error)

    def test_edited_line(self, tmp_path: Path, lines: list[str]) -> None:
        """An edited event is found at its line, with its seq."""
        error = self.refused(tmp_path, broken(lines, 5, actor="p2"))

        assert (error.line, error.seq) == (5, 5)
        assert "does not match its hash" in str(error)

    def test_deleted_line(self, tmp_path: Path, lines: list[str]) -> None:
        """A missing event is found where the gap is."""
        error = self.refused(tmp_path, [*lines[:4], *lines[5:]])

        assert (error.line, error.seq) == (5, 6)

    def test_swapped_lines(self, tmp_path: Path, lines: list[str]) -> None:
        """Two events in the wrong order are found at the first of them."""
        error = self.refused(tmp_path, [*lines[:4], lines[5], lines[4], *lines[6:]])

        assert error.line == 5

    def test_empty_line(self, tmp_path: Path, lines: list[str]) -> None:
        """An empty line in the middle is refused."""
        error = self.refused(tmp_path, [*lines[:2], "", *lines[2:]])

        assert error.line == 3

    def test_a_conversation_must_start_at_its_opening(
        self, tmp_path: Path, lines: list[str]
    ) -> None:
        """A trail that starts a conversation in the middle is refused."""
        error = self.refused(tmp_path, lines[1:])

        assert error.line == 1

    def test_an_event_that_does_not_fit_its_conversation(
        self, tmp_path: Path, lines: list[str]
    ) -> None:
        """A chain that verifies but does not replay is refused at the event that does not fit."""
        forged = tt.Conversation(conversation_id="a", clock=StepClock())
        forged.join("Zoë", tt.Role.CLIENT)
        # a bare chain can be rebuilt by anyone: here a second event that is a closing
        # by nobody, sealed correctly, which no conversation can replay
        raw = {**forged.events[1].to_dict(), "kind": "closed", "actor": None, "data": {}}
        raw["hash"] = event_hash(tt.Event.from_dict(raw))
        trail = [canonical(forged.events[0].to_dict()), canonical(raw)]

        error = self.refused(tmp_path, trail)

        assert (error.line, error.seq) == (2, 2)

    def test_unknown_protocol(self, tmp_path: Path, lines: list[str]) -> None:
        """A conversation of a protocol that is not known here is refused at its opening."""
        custom = attrs.evolve(tt.three_talk(), name="custom")
        conv = tt.Conversation(custom, conversation_id="c", clock=StepClock())
        trail = [canonical(event.to_dict()) for event in conv.events]

        error = self.refused(tmp_path, [*lines, *trail])

        assert error.line == len(lines) + 1
        assert "custom" in str(error)
        assert read_jsonl(io.StringIO("\n".join(trail)), protocols=[custom])

    def test_times_must_be_canonical(self, tmp_path: Path, lines: list[str]) -> None:
        """A time written another way (same instant) is refused: lines stay canonical."""
        raw = json.loads(lines[1])
        other = raw["at"].replace("+00:00", "Z")

        error = self.refused(tmp_path, broken(lines, 2, at=other))

        assert error.line == 2
        assert "UTC with microseconds" in str(error)

    def test_a_first_event_that_is_no_opening(self, tmp_path: Path, lines: list[str]) -> None:
        """A conversation's seq 1 must be its opening."""
        error = self.refused(tmp_path, broken(lines, 1, kind="joined"))

        assert error.line == 1
        assert "not the opening" in str(error)

    def test_an_empty_trail(self, tmp_path: Path) -> None:
        """A trail without events is refused."""
        with pytest.raises(InvalidTrail, match="no events"):
            read_jsonl(io.StringIO(""))

    def test_not_utf8(self, tmp_path: Path, lines: list[str]) -> None:
        """A line that is not UTF-8 is reported by number."""
        path = tmp_path / "trail.jsonl"
        path.write_bytes(("\n".join(lines[:2]) + "\n").encode() + b"\xff\xfe\n")

        with pytest.raises(InvalidTrail) as caught:
            read_jsonl(path)

        assert caught.value.line == 3


class TestExportFiles:
    def test_a_missing_folder_is_invalid_input(self, store: SQLiteStore, tmp_path: Path) -> None:
        """The example: export to a folder that does not exist names it, not a bare OSError."""
        with pytest.raises(tt.InvalidInput, match="does not exist"):
            export_jsonl(store, tmp_path / "missing" / "x.jsonl")

    def test_an_interrupted_export_leaves_the_old_file(
        self, store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Another member: Ctrl-C in the middle of an export leaves the earlier file whole
        and no temporary file behind."""
        import threetalk._jsonl as jsonl

        target = tmp_path / "trail.jsonl"
        target.write_text("earlier export\n")

        def interrupted(*_args: object) -> str:
            raise KeyboardInterrupt

        monkeypatch.setattr(jsonl, "event_line", interrupted)

        with pytest.raises(KeyboardInterrupt):
            export_jsonl(store, target)

        assert target.read_text() == "earlier export\n"
        assert [path.name for path in tmp_path.iterdir() if path.suffix == ".part"] == []
