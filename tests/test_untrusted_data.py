"""Data threetalk did not just write itself: every reader bounds it, checks it like the
live path would, and reports what is wrong instead of crashing.

Each class is one kind of fault (issue "Reliability"), tested on the example that found it
and on at least one other member of the kind.
"""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import attrs
import pytest

import threetalk as tt
from conftest import StepClock
from threetalk._trail import Sealer, canonical_bytes, format_time, seal
from threetalk.store import InvalidTrail, SQLiteStore, open_conversation, read_jsonl, verify_store

if TYPE_CHECKING:
    from pathlib import Path

KEY = b"k" * 32


def line(raw: dict[str, object]) -> str:
    """A JSONL line in the canonical form."""
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def resealed(events: list[tt.Event], key: bytes | None = None) -> list[tt.Event]:
    """The events chained and sealed again, as a forger with the key would."""
    out: list[tt.Event] = []
    prev = "0" * 64
    for event in events:
        payload = canonical_bytes(
            event.seq,
            event.conversation_id,
            format_time(event.at),
            event.kind,
            event.actor,
            event.phase.value,
            event.data,
            prev,
        )
        sealed = attrs.evolve(event, prev=prev, hash=seal(payload, key))
        out.append(sealed)
        prev = sealed.hash
    return out


def talk(key: bytes | None = None) -> tt.Conversation:
    """A short conversation of five events (keyed with ``key``)."""
    store = None if key is None else tt.store.MemoryStore(key=key)
    conv = tt.Conversation(conversation_id="c", clock=StepClock(), store=store)
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=pro)
    conv.add_topic("Sleep", by=client)
    return conv


def nested(depth: int) -> object:
    """A list nested ``depth`` levels deep."""
    value: object = []
    for _ in range(depth - 1):
        value = [value]
    return value


class TestNesting:
    """Nothing recursive walks untrusted data without a bound."""

    def test_a_jsonl_line_nesting_600_deep_is_reported_at_its_line(self) -> None:
        """The example: data nesting 600 arrays deep is an InvalidTrail naming the line."""
        events = talk().events
        raw = events[3].to_dict()
        raw["data"] = {"text": "DEEP"}
        deep = line(raw).replace('"DEEP"', "[" * 600 + "]" * 600)
        lines = [line(event.to_dict()) for event in events[:3]] + [deep]

        with pytest.raises(InvalidTrail) as caught:
            read_jsonl(io.StringIO("\n".join(lines)))

        assert caught.value.line == 4
        assert "nests more than" in str(caught.value)

    def test_a_stored_row_nesting_deep_is_a_finding_not_a_crash(self, tmp_path: Path) -> None:
        """Another member: a stored row with deep data; reopening says where, verify
        reports it, neither recurses without bound."""
        db = tmp_path / "talks.db"
        with SQLiteStore(db) as store:
            store.append_many(talk().events)
        connection = sqlite3.connect(db)
        deep = '{"text":' + "[" * 5000 + "]" * 5000 + "}"
        connection.execute(
            "INSERT INTO events VALUES ('deep', 1, '2026-11-23T09:00:00.000000+00:00', "
            "'opened', NULL, 'preparation', ?, ?, ?)",
            (deep, "0" * 64, "0" * 64),
        )
        connection.commit()
        connection.close()

        with SQLiteStore(db) as store:
            with pytest.raises(tt.TamperedLog) as caught:
                open_conversation(store, "deep")
            report = verify_store(store)

        assert "nests more than" in str(caught.value)
        assert [finding.conversation_id for finding in report.errors] == ["deep"]
        assert "c" in report.heads

    def test_an_event_built_in_code_refuses_deep_data(self) -> None:
        """A third member: data handed to Event directly is bounded too (InvalidInput)."""
        event = talk().events[0]

        with pytest.raises(tt.InvalidInput, match="nest"):
            attrs.evolve(event, data={"text": nested(2000)})


class TestCanonicalLines:
    """A line is accepted only if its bytes are the canonical encoding of its event."""

    @pytest.mark.parametrize(
        "encode",
        [
            pytest.param(
                lambda raw: json.dumps(raw, sort_keys=True, separators=(",", ":")),
                id="ensure_ascii",
            ),
            pytest.param(
                lambda raw: json.dumps(raw, sort_keys=True, ensure_ascii=False), id="spaces"
            ),
            pytest.param(
                lambda raw: json.dumps(
                    dict(reversed(raw.items())), separators=(",", ":"), ensure_ascii=False
                ),
                id="reversed-keys",
            ),
        ],
    )
    def test_a_re_encoded_line_is_refused(self, encode: object) -> None:
        """The example and its two twins: the same event re-encoded another way."""
        conv = tt.Conversation(conversation_id="c", clock=StepClock())
        conv.join("Zoë", tt.Role.CLIENT)
        lines = [line(event.to_dict()) for event in conv.events]
        lines[1] = encode(conv.events[1].to_dict())  # type: ignore[operator]

        with pytest.raises(InvalidTrail) as caught:
            read_jsonl(io.StringIO("\n".join(lines)))

        assert caught.value.line == 2
        assert "canonical form" in str(caught.value)

    def test_the_canonical_line_is_accepted(self) -> None:
        """The line as exported reads back (the test above can fail)."""
        conv = tt.Conversation(conversation_id="c", clock=StepClock())
        conv.join("Zoë", tt.Role.CLIENT)
        lines = [line(event.to_dict()) for event in conv.events]

        assert read_jsonl(io.StringIO("\n".join(lines))) == conv.events

    def test_a_byte_order_mark_before_the_first_line_is_accepted(self) -> None:
        """A UTF-8 byte-order mark (some editors add one) is not part of the first line."""
        conv = talk()
        text = "\ufeff" + "\n".join(line(event.to_dict()) for event in conv.events)

        assert read_jsonl(io.BytesIO(text.encode("utf-8"))) == conv.events


class TestReplayChecksWhatTheLivePathEnforces:
    """Every envelope and actor invariant of the live path holds on replay and import."""

    def test_a_keyed_log_whose_time_goes_back_is_refused(self) -> None:
        """The example: event 3 stamped five minutes before event 2, resealed with the key."""
        events = list(talk(KEY).events)
        events[2] = attrs.evolve(events[2], at=events[1].at - timedelta(minutes=5))
        forged = resealed(events, KEY)

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(forged, key=KEY)
        with pytest.raises(InvalidTrail) as imported:
            read_jsonl(io.StringIO("\n".join(line(e.to_dict()) for e in forged)), key=KEY)

        assert caught.value.seq == 3
        assert "before the event before it" in str(caught.value)
        assert imported.value.line == 3

    def test_an_actor_who_never_joined_is_refused(self) -> None:
        """Another member: a topic by someone who never joined, resealed."""
        events = list(talk().events)
        events[4] = attrs.evolve(events[4], actor="p9")

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(resealed(events))

        assert caught.value.seq == 5
        assert "never joined" in str(caught.value)

    def test_an_advisory_with_an_actor_is_refused(self) -> None:
        """A third: the system's own events have no actor."""
        sealer = Sealer("c", None)
        opened = talk().events[0]
        (advisory,) = sealer.seal(
            datetime(2026, 11, 23, 9, 5, tzinfo=UTC),
            [("advisory", "p1", tt.Phase.PREPARATION, {"code": "x"})],
            opened,
        )

        with pytest.raises(tt.TamperedLog, match="no actor"):
            tt.verify([opened, advisory])


class TestTimesAtTheEdgeOfTheCalendar:
    """A time that overflows once taken to UTC is reported, never an OverflowError."""

    def test_a_jsonl_line_at_year_one_with_an_offset_is_refused_at_its_line(self) -> None:
        """The example: ``0001-01-01T00:00:00+01:00`` in an imported line."""
        events = talk().events
        raw = events[0].to_dict()
        raw["at"] = "0001-01-01T00:00:00+01:00"

        with pytest.raises(InvalidTrail) as caught:
            read_jsonl(io.StringIO(line(raw)))

        assert caught.value.line == 1
        assert "outside the calendar" in str(caught.value)

    def test_a_clock_reading_beyond_the_calendar_is_invalid_input(self) -> None:
        """Another member: a clock returning the last instant at -01:00."""
        edge = datetime.max.replace(tzinfo=timezone(-timedelta(hours=1)))

        with pytest.raises(tt.InvalidInput, match="clock"):
            tt.Conversation(clock=lambda: edge)

    def test_a_stored_row_beyond_the_calendar_is_a_finding_and_left_out_by_force(
        self, tmp_path: Path
    ) -> None:
        """A third: the row in a store; verify reports it, export --force leaves that
        conversation out and exports the others."""
        db = tmp_path / "talks.db"
        with SQLiteStore(db) as store:
            store.append_many(talk().events)
            other = tt.Conversation(conversation_id="other", clock=StepClock())
            store.append_many(other.events)
        connection = sqlite3.connect(db)
        connection.execute("DROP TRIGGER events_no_update")
        connection.execute(
            "UPDATE events SET at = '0001-01-01T00:00:00.000000+01:00' "
            "WHERE conversation_id = 'c' AND seq = 2"
        )
        connection.commit()
        connection.close()
        out = io.StringIO()

        with SQLiteStore(db) as store:
            report = verify_store(store)
            written = tt.store.export_jsonl(store, out, force=True)

        assert "c" not in report.heads
        assert "other" in report.heads
        assert written == 1
        assert '"conversation_id":"other"' in out.getvalue()


class TestConversationIds:
    """Stores take only ids a conversation can have, and diagnosis survives the rest."""

    @pytest.mark.parametrize("bad", ["   ", " padded", "x" * 201])
    def test_append_many_refuses_an_id_no_conversation_can_have(self, bad: str) -> None:
        """The example (a blank id) and its twins: refused before anything is written."""
        events = resealed([attrs.evolve(event, conversation_id=bad) for event in talk().events])
        store = tt.store.MemoryStore()

        with pytest.raises(tt.InvalidInput, match="conversation id"):
            store.append_many(events)

        assert store.conversation_ids() == ()


class TestRecordedDataShapes:
    """A resealed event whose data the live path could not have written does not replay."""

    def test_a_joiner_named_by_a_number_is_refused(self) -> None:
        """The example (from a breaker's review): ``joined.name = 0``, resealed."""
        events = list(talk().events)
        events[1] = attrs.evolve(events[1], data={**events[1].data, "name": 0})

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(resealed(events))

        assert caught.value.seq == 2
        assert "'name'" in str(caught.value)

    @pytest.mark.parametrize(
        ("index", "field", "value"),
        [(4, "text", None), (3, "reopened", "no"), (4, "text", ["Sleep"])],
    )
    def test_other_fields_of_the_wrong_type_are_refused(
        self, index: int, field: str, value: object
    ) -> None:
        """Other members: a topic without text, a move whose ``reopened`` is text."""
        events = list(talk().events)
        events[index] = attrs.evolve(events[index], data={**events[index].data, field: value})

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(resealed(events))

        assert caught.value.seq == index + 1


class TestSmallWrongAnswers:
    """Two small faults from a breaker's review, each now answered in its own words."""

    def test_a_mapping_is_not_a_trail_source(self) -> None:
        """``read_jsonl({...})`` says what it expected, not that a line is cut off."""
        with pytest.raises(tt.InvalidInput, match="a path or an open file"):
            read_jsonl({"a": 1})  # type: ignore[arg-type]

    def test_an_empty_store_path_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``threetalk verify ""`` exits 2 saying the path is empty (it used to check ".")."""
        from threetalk._cli import main

        code = main(["verify", ""])

        assert code == 2
        assert "empty path" in capsys.readouterr().err
