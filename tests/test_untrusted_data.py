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
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import build
from test_acts_properties import ACT_KINDS, every_act
from threetalk._trail import Sealer, canonical_bytes, format_time, seal
from threetalk.store import InvalidTrail, SQLiteStore, open_conversation, read_jsonl, verify_store

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

KEY = b"k" * 32

#: The recorded values of every member of the acts' vocabularies.
ACT_VALUES = tuple(
    member.value
    for kind in (tt.DecisionRole, tt.Analysis, tt.Information, tt.Source)
    for member in kind
)


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


def acts_log() -> list[tt.Event]:
    """A work-and-income conversation with every act of the guides (see ``every_act``)."""
    scene = build(StepClock(), "joined", protocol=tt.work_and_income())
    every_act(scene)
    return list(scene.conv.events)


def forge(
    events: list[tt.Event], kind: str, nth: int, changes: dict[str, object]
) -> list[tt.Event]:
    """``events`` with the data of the ``nth`` event of ``kind`` changed, resealed."""
    index = [i for i, event in enumerate(events) if event.kind == kind][nth]
    forged = list(events)
    forged[index] = attrs.evolve(events[index], data={**events[index].data, **changes})
    return resealed(forged)


def seq_of(events: list[tt.Event], kind: str, nth: int = 0) -> int:
    """The seq of the ``nth`` event of ``kind``."""
    return [event.seq for event in events if event.kind == kind][nth]


#: (name, kind, nth, changes): a resealed event of an act that the live path cannot write.
_FORGED_ACTS: list[tuple[str, str, int, dict[str, object]]] = [
    ("role preference of no known kind", "role-preference-stated", 0, {"preference": "boss"}),
    ("role preference as a number", "role-preference-stated", 0, {"preference": 2}),
    ("role preference missing", "role-preference-stated", 0, {"preference": None}),
    ("SURE answer as 1", "conflict-checked", 0, {"sure": 1}),
    ("SURE answer as yes", "conflict-checked", 0, {"supported": "yes"}),
    ("SURE answer as null", "conflict-checked", 1, {"informed": None}),
    ("teach-back of nobody", "understanding-checked", 0, {"of": "p9"}),
    ("teach-back of a number", "understanding-checked", 0, {"of": 1}),
    ("teach-back understood as text", "understanding-checked", 1, {"understood": "yes"}),
    ("teach-back without a note", "understanding-checked", 0, {"note": None}),
    ("analysis of no known kind", "analysis-added", 0, {"kind": "gossip"}),
    ("analysis as a list", "analysis-added", 1, {"text": ["Too little rest"]}),
    ("information on no option", "information-shared", 0, {"option": "o9"}),
    ("information on an option given as a number", "information-shared", 0, {"option": 3}),
    ("information of no known kind", "information-shared", 0, {"kind": "rumour"}),
    ("question out of order", "question-asked", 1, {"question": "q5"}),
    ("question numbered again", "question-asked", 1, {"question": "q1"}),
    ("question id as a number", "question-asked", 0, {"question": 1}),
    ("answer to no question", "question-answered", 0, {"question": "q9"}),
    ("answer to a question asked later", "question-answered", 0, {"question": "q2"}),
    ("answer as a mapping", "question-answered", 0, {"text": {"a": 1}}),
    ("decline of no option", "option-declined", 0, {"option": "o9"}),
    ("decline without a reason", "option-declined", 1, {"reason": None}),
    ("waiver of an option that is no obligation", "obligation-waived", 0, {"option": "o1"}),
    ("waiver of no option", "obligation-waived", 0, {"option": "o9"}),
    ("waiver justified by a number", "obligation-waived", 0, {"justification": 0}),
    ("option of no known source", "option-proposed", 0, {"source": "the stars"}),
    ("obligation without a legal basis", "option-proposed", 3, {"obligation": None}),
    ("legal basis of an own idea", "option-proposed", 0, {"obligation": "The law"}),
    ("legal basis as a number", "option-proposed", 3, {"obligation": 9}),
    ("expected result as a list", "option-proposed", 2, {"expected_result": ["Walks"]}),
    ("source as a boolean", "option-proposed", 1, {"source": True}),
]


class TestForgedActs:
    """Resealed events of the acts of the guides that the live path cannot have written are
    a TamperedLog naming the event on replay, never another exception."""

    @pytest.mark.parametrize(
        ("kind", "nth", "changes"), [pytest.param(*case[1:], id=case[0]) for case in _FORGED_ACTS]
    )
    def test_a_forged_act_is_tampering(self, kind: str, nth: int, changes: dict) -> None:
        """The case's forgery is found at its own event."""
        events = acts_log()

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(forge(events, kind, nth, changes))

        assert caught.value.seq == seq_of(events, kind, nth)

    def test_a_waiver_given_twice_is_tampering(self) -> None:
        """Another member: the same obligation waived again, by a copied event."""
        events = acts_log()
        index = next(i for i, event in enumerate(events) if event.kind == "obligation-waived")
        copy = attrs.evolve(events[index], seq=events[index].seq + 1)
        later = [attrs.evolve(event, seq=event.seq + 1) for event in events[index + 1 :]]

        with pytest.raises(tt.TamperedLog) as caught:
            tt.replay(resealed([*events[: index + 1], copy, *later]))

        assert caught.value.seq == copy.seq

    def test_the_log_replays_unforged(self) -> None:
        """The log the forgeries start from replays (so the tests above can fail)."""
        events = acts_log()

        assert tt.replay(resealed(events)).snapshot() == tt.replay(events).snapshot()

    @given(data=st.data())
    def test_any_field_of_an_act_forged_is_tampering_or_harmless(self, data) -> None:
        """Any field of any act's event set to any JSON value: replay gives a TamperedLog at
        that event, or replays (the value being one the live path could write); never
        another exception."""
        events = acts_log()
        acts = [i for i, event in enumerate(events) if event.kind in ACT_KINDS]
        index = data.draw(st.sampled_from(acts), label="event")
        event = events[index]
        field = data.draw(st.sampled_from(sorted(event.data)), label="field")
        value = data.draw(_json_values, label="value")
        forged = list(events)
        forged[index] = attrs.evolve(event, data={**event.data, field: value})

        found = tampering(lambda: tt.replay(resealed(forged)))

        assert found is None or found.seq == event.seq


def tampering(call: Callable[[], object]) -> tt.TamperedLog | None:
    """The TamperedLog ``call()`` raised, or ``None``; any other exception propagates."""
    try:
        call()
    except tt.TamperedLog as error:
        return error
    return None


_json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from(["", "p1", "p3", "p9", "o1", "o4", "o9", "q1", "q2", "q9", "share", "yes"]),
    st.sampled_from([*ACT_VALUES]),
    st.text(max_size=6),
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)
