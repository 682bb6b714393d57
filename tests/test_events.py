"""The audit trail: canonical hashing, frozen events, ``verify`` and ``replay``."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import LATER, STAGES, advance, attempt, build, scripted
from threetalk._trail.canonical import _MAX_ORDERS, canonical_bytes, encode_data, format_time
from threetalk.store import MemoryStore

P = tt.Phase
KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def fields(event: tt.Event) -> dict[str, Any]:
    """The fields an event's hash covers, as plain JSON data."""
    raw = event.to_dict()
    del raw["hash"]
    return raw


def canonical(event: tt.Event) -> bytes:
    """The canonical encoding as the issue defines it, written with the json module."""
    return json.dumps(
        fields(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def rehash(events: list[tt.Event], key: bytes | None = None) -> list[tt.Event]:
    """The same events chained and hashed anew, as a forger who knows the scheme would."""
    chained = []
    prev = tt.GENESIS
    for event in events:
        linked = attrs.evolve(event, prev=prev, hash="")
        payload = canonical(linked)
        digest = (
            hashlib.sha256(payload).hexdigest()
            if key is None
            else hmac.new(key, payload, hashlib.sha256).hexdigest()
        )
        linked = attrs.evolve(linked, hash=digest)
        chained.append(linked)
        prev = digest
    return chained


def keyed_scene(clock: StepClock, key: bytes = KEY):
    """A decided conversation whose chain is keyed."""
    conv = tt.Conversation(conversation_id="keyed", clock=clock, store=MemoryStore(key=key))
    client = conv.join("Client", tt.Role.CLIENT)
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    conv.move_to(P.TEAM_TALK, by=pro)
    conv.add_concern("Money", by=client)
    return conv


class TestCanonicalEncoding:
    def test_hash_is_sha256_of_json_dumps(self, clock):
        """Every event's hash is SHA-256 over json.dumps(sorted, compact, non-ASCII kept)."""
        scene = build(clock, "evaluation")

        digests = [hashlib.sha256(canonical(event)).hexdigest() for event in scene.conv.events]

        assert digests == [event.hash for event in scene.conv.events]

    def test_unicode_kept_as_is(self, clock):
        """Non-ASCII text is hashed as UTF-8, not as escapes."""
        scene = build(clock, "team")
        scene.conv.add_concern("Zoë is wary of the café ☕ at 𝄞", by=scene.client)
        event = scene.conv.events[-1]

        payload = canonical(event)

        assert "Zoë is wary of the café ☕ at 𝄞".encode() in payload
        assert hashlib.sha256(payload).hexdigest() == event.hash

    def test_sorted_keys_and_no_whitespace(self, clock):
        """The canonical bytes list the keys sorted, with no whitespace between tokens."""
        scene = build(clock, "team")
        event = scene.conv.events[-1]

        payload = canonical_bytes(
            event.seq,
            event.conversation_id,
            fields(event)["at"],
            event.kind,
            event.actor,
            event.phase.value,
            event.data,
            event.prev,
        )

        assert payload == canonical(event)
        assert payload.startswith(b'{"actor":')
        assert b", " not in payload
        assert b": " not in payload

    def test_times_in_utc(self):
        """Times from a clock in another zone are recorded and encoded in UTC."""
        zone = timezone(timedelta(hours=2))
        clock = StepClock(datetime(2026, 11, 23, 11, 0, tzinfo=zone))
        conv = tt.Conversation(clock=clock)

        event = conv.events[0]

        assert event.at.utcoffset() == timedelta(0)
        assert event.to_dict()["at"] == "2026-11-23T09:00:30.000000+00:00"

    def test_first_event_is_opened(self, clock):
        """The first event opens the conversation: seq 1, no actor, the protocol's fingerprint."""
        conv = tt.Conversation(clock=clock)

        (opened,) = conv.events

        assert (opened.seq, opened.kind, opened.actor, opened.prev) == (
            1,
            "opened",
            None,
            tt.GENESIS,
        )
        assert opened.data["fingerprint"] == tt.three_talk().fingerprint

    @given(
        data=st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(st.characters(codec="utf-8")),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(st.characters(codec="utf-8")), inner, max_size=3)
            ),
            max_leaves=10,
        ).map(lambda value: {"value": value}),
        actor=st.none() | st.text(st.characters(codec="utf-8")),
        kind=st.text(st.characters(codec="utf-8")),
        conversation_id=st.text(st.characters(codec="utf-8")),
    )
    def test_canonical_bytes_equal_json_dumps(self, data, actor, kind, conversation_id):
        """The hand-written encoder equals json.dumps for any JSON data without floats."""
        at = "2026-11-23T09:00:00.000000+00:00"
        expected = json.dumps(
            {
                "actor": actor,
                "at": at,
                "conversation_id": conversation_id,
                "data": data,
                "kind": kind,
                "phase": "team_talk",
                "prev": tt.GENESIS,
                "seq": 7,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()

        payload = canonical_bytes(
            7, conversation_id, at, kind, actor, "team_talk", data, tt.GENESIS
        )

        assert payload == expected


class TestEventValue:
    def test_round_trip(self, clock):
        """to_dict, JSON and from_dict give back equal events."""
        scene = build(clock, "evaluation")
        scene.conv.close("Done", by=scene.pro)

        back = [
            tt.Event.from_dict(json.loads(json.dumps(event.to_dict())))
            for event in scene.conv.events
        ]

        assert back == list(scene.conv.events)
        assert tt.verify(back) == tt.verify(scene.conv.events)

    @pytest.mark.parametrize(
        ("change", "argument"),
        [
            ({"seq": 0}, "seq"),
            ({"seq": "1"}, "seq"),
            ({"at": "yesterday"}, "at"),
            ({"at": "2026-11-23T09:00:00"}, "at"),
            ({"phase": "limbo"}, "phase"),
            ({"actor": 3}, "actor"),
            ({"data": []}, "data"),
            ({"data": {"x": 1.5}}, "data"),
            ({"kind": None}, "kind"),
        ],
    )
    def test_from_dict_checks_fields(self, clock, change, argument):
        """from_dict names the field that is of the wrong type or form."""
        raw = {**tt.Conversation(clock=clock).events[0].to_dict(), **change}

        with pytest.raises(tt.InvalidInput) as info:
            tt.Event.from_dict(raw)

        assert info.value.argument == argument

    @pytest.mark.parametrize("drop", [None, "hash", "data"])
    def test_from_dict_missing_or_unknown(self, clock, drop):
        """A missing or unknown field is invalid input."""
        raw = tt.Conversation(clock=clock).events[0].to_dict()
        if drop is None:
            raw["extra"] = 1
        else:
            del raw[drop]

        with pytest.raises(tt.InvalidInput) as info:
            tt.Event.from_dict(raw)

        assert ("extra" if drop is None else drop) in str(info.value)

    def test_event_is_frozen(self, clock):
        """An event's fields cannot be reassigned."""
        event = tt.Conversation(clock=clock).events[0]

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            event.kind = "closed"  # type: ignore[misc]

        assert event.kind == "opened"

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda data: data.__setitem__("x", 1),
            lambda data: data.__delitem__("command"),
            lambda data: data.update(x=1),
            lambda data: data.pop("command"),
            lambda data: data.popitem(),
            lambda data: data.clear(),
            lambda data: data.setdefault("x", 1),
            lambda data: data.__ior__({"x": 1}),
            lambda data: data["reasons"][0].__setitem__("code", "fine"),
        ],
    )
    def test_frozen_data_refuses_mutation(self, clock, mutate):
        """Event data refuses every change, nested data included."""
        scene = build(clock)
        attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))
        event = scene.conv.events[-1]
        before = json.dumps(event.to_dict())

        with pytest.raises(TypeError):
            mutate(event.data)

        assert json.dumps(event.to_dict()) == before
        assert isinstance(event.data, tt.FrozenData)

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda data: data.__setitem__("to", "closed"),
            lambda data: data.update(reopened=True),
            lambda data: setattr(data, "text", '{"to":"closed"}'),
            lambda data: delattr(data, "text"),
        ],
    )
    def test_the_data_of_a_move_refuses_mutation_too(self, clock, mutate):
        """A move's data is shared between moves and encoded once; none of it can change."""
        scene = build(clock, "team")
        event = scene.conv.events[-1]
        assert event.kind == "moved"
        before = json.dumps(event.to_dict())

        with pytest.raises((TypeError, AttributeError)):
            mutate(event.data)

        assert json.dumps(event.to_dict()) == before
        assert tt.verify(scene.conv.events).seq == len(scene.conv.events)

    def test_frozen_data_nested_lists_are_tuples(self, clock):
        """Lists inside event data are kept as tuples, which cannot change."""
        scene = build(clock)
        attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))

        reasons = scene.conv.events[-1].data["reasons"]

        assert isinstance(reasons, tuple)
        assert isinstance(reasons[0], tt.FrozenData)

    def test_frozen_data_equals_plain_dict(self):
        """FrozenData compares equal to a plain dict with the same items and is hashable."""
        data = tt.FrozenData({"a": 1})

        assert data == {"a": 1}
        assert hash(data) == hash(tt.FrozenData({"a": 1}))

    def test_subscribe_and_unsubscribe(self, clock):
        """A subscriber sees every new event until it unsubscribes."""
        scene = build(clock, "team")
        seen: list[tt.Event] = []
        unsubscribe = scene.conv.subscribe(seen.append)
        scene.conv.add_concern("Money", by=scene.client)
        attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))
        unsubscribe()
        unsubscribe()

        scene.conv.add_concern("Time", by=scene.client)

        assert seen == list(scene.conv.events[-3:-1])
        assert [event.kind for event in seen] == ["concern-added", "refused"]


class TestSubscribers:
    """Delivery runs to completion: every subscriber gets every event once, in seq order."""

    def test_a_command_from_a_subscriber_is_delivered_after_the_current_event(self, clock):
        """The example: a subscriber that gives a command on ``moved``; another subscriber
        still receives the seqs in order."""
        scene = build(clock, "option")
        conv = scene.conv

        def react(event: tt.Event) -> None:
            if event.kind == "moved":
                conv.add_topic("Seen the move", by=scene.client)

        second: list[int] = []
        conv.subscribe(react)
        conv.subscribe(lambda event: second.append(event.seq))
        first_seq = len(conv.events) + 1

        conv.move_to(tt.Phase.TEAM_TALK, by=scene.pro)

        assert second == list(range(first_seq, len(conv.events) + 1))
        assert conv.events[-1].kind == "topic-added"

    def test_a_subscriber_that_raises_does_not_stop_the_others(self, clock):
        """Another member: a raising subscriber; the others get every event, then the
        command raises SubscriberError saying it was recorded."""
        scene = build(clock, "option")
        conv = scene.conv
        before = len(conv.events)

        def broken(event: tt.Event) -> None:
            msg = f"cannot handle {event.kind}"
            raise RuntimeError(msg)

        seen: list[int] = []
        conv.subscribe(broken)
        conv.subscribe(lambda event: seen.append(event.seq))

        with pytest.raises(tt.SubscriberError) as caught:
            conv.move_to(tt.Phase.TEAM_TALK, by=scene.pro)

        recorded = list(range(before + 1, len(conv.events) + 1))
        assert recorded
        assert seen == recorded
        assert len(caught.value.errors) == len(recorded)
        assert caught.value.seq == len(conv.events)
        assert "was recorded" in str(caught.value)


class TestPickling:
    def test_a_conversation_says_to_keep_its_events(self, clock):
        """pickle.dumps(conversation) is a ThreetalkError that says what to do instead."""
        import pickle

        scene = build(clock, "team")

        with pytest.raises(tt.ThreetalkError, match=r"replay\(events\)"):
            pickle.dumps(scene.conv)

        kept = pickle.loads(pickle.dumps(scene.conv.events))  # noqa: S301 - our own bytes
        assert tt.replay(kept).snapshot() == (scene.conv.snapshot())


class TestVerify:
    def test_returns_head(self, clock):
        """verify returns the seq and hash of the last event."""
        scene = build(clock, "evaluation")

        head = tt.verify(scene.conv.events)

        assert head == tt.Head(len(scene.conv.events), scene.conv.events[-1].hash)

    def test_empty_is_invalid(self):
        """There is nothing to verify in no events."""
        with pytest.raises(tt.InvalidInput) as info:
            tt.verify([])

        assert info.value.argument == "events"

    def test_non_event_is_invalid(self, clock):
        """Something that is not an Event is invalid input."""
        conv = tt.Conversation(clock=clock)

        with pytest.raises(tt.InvalidInput):
            tt.verify([conv.events[0], conv.events[0].to_dict()])

        assert len(conv.events) == 1

    def test_tail_cut_is_only_visible_against_a_head(self, clock):
        """Dropping the last events leaves a shorter intact chain, whose head differs."""
        scene = build(clock, "decided")
        head = tt.verify(scene.conv.events)

        shorter = tt.verify(scene.conv.events[:-2])

        assert shorter.seq == head.seq - 2
        assert shorter != head

    def test_mixed_conversations(self, clock):
        """Events of another conversation spliced in break the chain where they start."""
        one = build(clock, "team")
        other = build(clock, "team", conversation_id="c2")
        spliced = [*one.conv.events[:3], *other.conv.events[3:]]

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(spliced)

        assert info.value.seq == 4

    def test_rehashed_foreign_event_is_caught(self, clock):
        """Even rehashed, an event of another conversation id breaks the chain."""
        scene = build(clock, "team")
        events = list(scene.conv.events)
        events[2] = attrs.evolve(events[2], conversation_id="c2")

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(rehash(events))

        assert info.value.seq == 3

    def test_naive_time_is_tampering(self, clock, monkeypatch):
        """An event whose time lost its zone no longer verifies, whatever the local zone."""
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        scene = build(clock, "decided")
        events = list(scene.conv.events)
        events[3] = attrs.evolve(events[3], at=events[3].at.replace(tzinfo=None))

        try:
            with pytest.raises(tt.TamperedLog) as info:
                tt.verify(events)
        finally:
            monkeypatch.undo()
            time.tzset()

        assert info.value.seq == 4


class TestKeyedChain:
    def test_keyed_chain_verifies_with_its_key(self, clock):
        """A keyed chain verifies with its key and its hashes are HMAC-SHA256."""
        conv = keyed_scene(clock)

        head = tt.verify(conv.events, key=KEY)

        assert head.seq == len(conv.events)
        assert all(
            event.hash == hmac.new(KEY, canonical(event), hashlib.sha256).hexdigest()
            for event in conv.events
        )

    @pytest.mark.parametrize("key", [None, OTHER_KEY])
    def test_keyed_chain_fails_without_right_key(self, clock, key):
        """Without its key, or with another, a keyed chain breaks at seq 1."""
        conv = keyed_scene(clock)

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(conv.events, key=key)

        assert info.value.seq == 1

    def test_plain_chain_fails_with_a_key(self, clock):
        """A plain chain does not verify as a keyed one."""
        scene = build(clock, "team")

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(scene.conv.events, key=KEY)

        assert info.value.seq == 1

    def test_rehash_without_key_is_caught(self, clock):
        """A forger without the key cannot rehash a keyed chain."""
        conv = keyed_scene(clock)
        events = list(conv.events)
        events[4] = attrs.evolve(events[4], data={"text": "Nothing"})

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(rehash(events), key=KEY)

        assert info.value.seq == 1

    def test_replay_keyed(self, clock):
        """A keyed chain replays with its key and not without."""
        conv = keyed_scene(clock)

        again = tt.replay(conv.events, key=KEY)

        assert again.snapshot() == conv.snapshot()
        with pytest.raises(tt.TamperedLog):
            tt.replay(conv.events)


# ---------------------------------------------------------------- tampering property

_utf8 = st.text(st.characters(codec="utf-8"), max_size=20)
_json_leaf = st.none() | st.booleans() | st.integers() | _utf8


def _other(value: Any, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy.filter(lambda candidate: candidate != value)


def _flip(event: tt.Event, name: str) -> st.SearchStrategy[Any]:
    """A different value of the same type for field ``name`` of ``event``."""
    value = getattr(event, name)
    strategies = {
        "seq": st.integers(min_value=-(2**40), max_value=2**40),
        "conversation_id": _utf8,
        "at": st.integers(min_value=-(10**12), max_value=10**12)
        .filter(bool)
        .map(lambda micros: event.at + timedelta(microseconds=micros)),
        "kind": _utf8,
        "actor": st.none() | _utf8,
        "phase": st.sampled_from(P),
        "data": st.dictionaries(_utf8, _json_leaf, max_size=3)
        | st.builds(
            lambda key, leaf: {**event.data, key: leaf},
            st.sampled_from(sorted(event.data) or ["x"]),
            _json_leaf,
        ),
        "prev": _utf8 | st.text("0123456789abcdef", min_size=64, max_size=64),
        "hash": _utf8 | st.text("0123456789abcdef", min_size=64, max_size=64),
    }
    return _other(value, strategies[name])


def logs() -> st.SearchStrategy[list[tt.Event]]:
    """The log of a conversation built by a random command script."""
    return scripted().map(lambda scene: list(scene.conv.events))


@st.composite
def tampered_logs(draw: st.DrawFn) -> tuple[list[tt.Event], list[tt.Event], str]:
    """An intact log, a tampered copy of it, and what was done."""
    events = draw(logs())
    count = len(events)
    how = draw(st.sampled_from(["flip", "drop", "swap", "insert"]))
    tampered = list(events)
    if how == "flip":
        index = draw(st.integers(0, count - 1))
        name = draw(st.sampled_from([field.name for field in attrs.fields(tt.Event)]))
        value = draw(_flip(events[index], name))
        tampered[index] = attrs.evolve(events[index], **{name: value})
        how = f"flip {name} of seq {index + 1}"
    elif how == "drop":
        index = draw(st.integers(0, count - 2))
        del tampered[index]
    elif how == "swap":
        index = draw(st.integers(0, count - 2))
        tampered[index], tampered[index + 1] = tampered[index + 1], tampered[index]
    else:
        source = draw(st.integers(0, count - 1))
        index = draw(st.integers(0, count))
        tampered.insert(index, events[source])
    return events, tampered, how


def first_difference(events: list[tt.Event], tampered: list[tt.Event]) -> int:
    """The 1-based position where ``tampered`` first differs from ``events``."""
    for position, (old, new) in enumerate(zip(events, tampered, strict=False), start=1):
        if old != new:
            return position
    return min(len(events), len(tampered)) + 1


class TestTampering:
    @given(scripted())
    def test_intact_logs_verify_and_replay(self, scene):
        """A log built by any command script verifies and replays to the same state."""
        events = scene.conv.events

        again = tt.replay(events, scene.conv.protocol)

        assert tt.verify(events) == tt.Head(len(events), events[-1].hash)
        assert again.events == events
        assert again.snapshot() == scene.conv.snapshot()
        assert again.advisories == scene.conv.advisories

    @given(tampered_logs())
    def test_any_tampering_is_found_where_it_happened(self, case):
        """Flipping a field, dropping, swapping or inserting an event breaks verify there."""
        events, tampered, _how = case

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(tampered)

        assert info.value.seq == first_difference(events, tampered)

    @pytest.mark.parametrize("name", [field.name for field in attrs.fields(tt.Event)])
    def test_flip_of_each_field_of_the_first_event(self, clock, name):
        """Changing any field of the opening event breaks the chain at seq 1."""
        events = list(build(clock, "team").conv.events)
        changes = {
            "seq": 2,
            "conversation_id": "c9",
            "at": events[0].at + timedelta(seconds=1),
            "kind": "joined",
            "actor": "p1",
            "phase": P.TEAM_TALK,
            "data": {"protocol": "three_talk"},
            "prev": "1" * 64,
            "hash": "2" * 64,
        }
        events[0] = attrs.evolve(events[0], **{name: changes[name]})

        with pytest.raises(tt.TamperedLog) as info:
            tt.verify(events)

        assert info.value.seq == 1


# ---------------------------------------------------------------- replay


class TestReplay:
    @pytest.mark.parametrize("stage", STAGES)
    def test_replay_equals_live_state(self, clock, stage):
        """Replaying the events of a conversation gives the same snapshot, events, advisories."""
        scene = build(clock, stage)

        again = tt.replay(scene.conv.events)

        assert again.snapshot() == scene.conv.snapshot()
        assert again.events == scene.conv.events
        assert again.advisories == scene.conv.advisories
        assert again.participants == scene.conv.participants
        assert again.options == scene.conv.options

    def test_replay_of_imposed_paused_closed(self, clock):
        """Imposition, pauses, refusals and closing replay faithfully."""
        scene = build(clock, "proposed", protocol=tt.work_and_income())
        scene.conv.object("No", by=scene.client)
        scene.conv.pause(LATER, "Think", by=scene.client)
        attempt(scene.conv, lambda: scene.conv.consent(by=scene.client))
        scene.conv.resume(by=scene.client)
        scene.conv.impose("The law asks it", by=scene.pro)
        scene.conv.move_to(P.EVALUATION, by=scene.pro)
        scene.conv.evaluate("Works", "Not heard", by=scene.client)
        scene.conv.close("Done", by=scene.pro)

        again = tt.replay(scene.conv.events, tt.work_and_income())

        assert again.snapshot() == scene.conv.snapshot()
        assert again.decision is not None
        assert again.decision.justification == "The law asks it"

    def test_replay_of_reopened_trial_and_delegation(self, clock):
        """Trials, withdrawals, delegation and reopening replay faithfully."""
        scene = build(clock, "options")
        scene.conv.start_trial(scene.days, LATER, by=scene.pro)
        scene.conv.end_trial(scene.days, "Tiring", by=scene.client)
        advance(scene, "decision", "preferences")
        scene.conv.delegate(scene.pro, by=scene.client)
        scene.propose()
        scene.conv.move_to(P.OPTION_TALK, by=scene.client)
        scene.conv.move_to(P.DECISION_TALK, by=scene.client)
        scene.conv.withdraw_option(scene.days, "Too tiring", by=scene.client)

        again = tt.replay(scene.conv.events)

        assert again.snapshot() == scene.conv.snapshot()

    def test_replayed_conversation_continues(self, clock):
        """A replayed conversation takes further commands like the original."""
        scene = build(clock, "proposed")
        again = tt.replay(scene.conv.events, clock=StepClock(clock.now))
        participant = again.participant(scene.client.id)

        again.consent(by=participant)
        scene.conv.consent(by=scene.client)

        assert again.snapshot() == scene.conv.snapshot()
        assert again.events == scene.conv.events

    def test_replay_of_an_iterator(self, clock):
        """replay takes any iterable of events, not only a list."""
        scene = build(clock, "decided")

        again = tt.replay(iter(scene.conv.events))

        assert again.snapshot() == scene.conv.snapshot()

    def test_replay_under_other_protocol(self, clock):
        """Events recorded under three_talk do not replay under work_and_income."""
        scene = build(clock, "team")

        with pytest.raises(tt.InvalidInput) as info:
            tt.replay(scene.conv.events, tt.work_and_income())

        assert info.value.argument == "protocol"

    def test_replay_of_tampered_log(self, clock):
        """replay verifies first."""
        scene = build(clock, "team")
        events = list(scene.conv.events)
        del events[2]

        with pytest.raises(tt.TamperedLog) as info:
            tt.replay(events)

        assert info.value.seq == 3


def _no_evaluation() -> tt.Protocol:
    """three_talk() without evaluation."""
    base = tt.three_talk()
    talks = (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK)
    placement = {
        command: (frozenset({P.OPTION_TALK}) if P.EVALUATION in where else where)
        for command, where in base.placement.items()
    }
    return attrs.evolve(
        base,
        name="no_evaluation",
        moves={(P.PREPARATION, P.TEAM_TALK)} | {(a, b) for a in talks for b in talks if a is not b},
        entry_rules={p: rules for p, rules in base.entry_rules.items() if p is not P.EVALUATION},
        placement=placement,
    )


class TestForgedReplay:
    """Events rehashed by a forger verify, but replay still refuses what does not fit."""

    @pytest.mark.parametrize(
        ("index", "change"),
        [
            (4, {"kind": "teleported"}),
            (4, {"data": {"to": "paused", "reopened": False}}),
            (4, {"data": {"to": "decision_talk", "reopened": False}}),
            (4, {"data": {"to": "nowhere", "reopened": False}}),
            (4, {"data": {"to": "team_talk"}}),
            (4, {"phase": P.OPTION_TALK}),
            (2, {"data": {"participant": "p7", "name": "X", "role": "client"}}),
            (2, {"data": {"participant": "p2", "name": "X", "role": "king"}}),
            (5, {"kind": "consented", "data": {}}),
            (5, {"kind": "paused", "data": {"until": "soon", "reason": "x"}}),
            (5, {"kind": "paused", "data": {"until": 20261201, "reason": "x"}}),
            (5, {"kind": "goal-added", "actor": None}),
        ],
    )
    def test_forged_event_does_not_fit(self, clock, index, change):
        """A rehashed event that the conversation could not have made is TamperedLog (from
        verify already where an envelope or actor invariant breaks, else from replay)."""
        scene = build(clock, "team")
        scene.conv.add_goal("Walk", by=scene.client)
        events = list(scene.conv.events)
        events[index] = attrs.evolve(events[index], **change)
        forged = rehash(events)

        with pytest.raises(tt.TamperedLog) as info:
            tt.replay(forged)

        assert info.value.seq == index + 1

    def test_move_to_phase_the_protocol_lacks(self, clock):
        """A forged move to evaluation under a protocol without evaluation is TamperedLog."""
        protocol = _no_evaluation()
        scene = build(clock, "decision", protocol=protocol)
        events = list(scene.conv.events)
        index = max(i for i, event in enumerate(events) if event.kind == "moved")
        events[index] = attrs.evolve(events[index], data={"to": "evaluation", "reopened": False})

        with pytest.raises(tt.TamperedLog) as info:
            tt.replay(rehash(events), protocol)

        assert info.value.seq == index + 1

    def test_actor_who_never_joined(self, clock):
        """A rehashed event by someone who never joined does not fit (R14)."""
        scene = build(clock, "team")
        scene.conv.add_goal("Walk", by=scene.client)
        events = list(scene.conv.events)
        events[5] = attrs.evolve(events[5], actor="p9")
        forged = rehash(events)

        with pytest.raises(tt.TamperedLog) as info:
            tt.replay(forged)

        assert info.value.seq == 6

    def test_forged_opening_fingerprint(self, clock):
        """An opening event claiming another protocol replays as another protocol's log."""
        scene = build(clock, "team")
        events = list(scene.conv.events)
        events[0] = attrs.evolve(events[0], data={**events[0].data, "fingerprint": "0" * 64})

        with pytest.raises(tt.InvalidInput) as info:
            tt.replay(rehash(events))

        assert info.value.argument == "protocol"


class TestClockChecks:
    def test_clock_going_back_too_far(self, clock):
        """A clock that reads an hour before the last event is ClockSkew; nothing is
        recorded."""
        times = iter(
            [datetime(2026, 11, 23, 10, tzinfo=UTC), datetime(2026, 11, 23, 9, tzinfo=UTC)]
        )
        conv = tt.Conversation(clock=lambda: next(times))

        result = attempt(conv, lambda: conv.join("Client", tt.Role.CLIENT))

        assert isinstance(result.error, tt.ClockSkew)
        assert result.unchanged
        assert result.new_events == ()
        assert result.error.last - result.error.reading == timedelta(hours=1)

    def test_a_little_skew_is_recorded_at_the_last_event_s_time(self):
        """A reading 3 s behind (within the 5 s tolerance) is recorded at the last event's
        time, keeping the reading in the data; times stay monotonic and the log replays."""
        start = datetime(2026, 11, 23, 10, tzinfo=UTC)
        times = iter([start, start - timedelta(seconds=3), start + timedelta(seconds=1)])
        conv = tt.Conversation(clock=lambda: next(times))

        conv.join("Client", tt.Role.CLIENT)
        conv.join("Partner", tt.Role.RELATIVE)

        skewed, later = conv.events[1], conv.events[2]
        assert skewed.at == start
        assert skewed.data["clock"] == "2026-11-23T09:59:57.000000+00:00"
        assert "clock" not in later.data
        assert tt.replay(conv.events).snapshot() == conv.snapshot()

    def test_the_tolerance_can_be_set_and_is_checked(self):
        """clock_tolerance=0 makes any step back ClockSkew; a bad tolerance is InvalidInput."""
        start = datetime(2026, 11, 23, 10, tzinfo=UTC)
        times = iter([start, start - timedelta(microseconds=1)])
        conv = tt.Conversation(clock=lambda: next(times), clock_tolerance=timedelta(0))

        with pytest.raises(tt.ClockSkew):
            conv.join("Client", tt.Role.CLIENT)
        for bad in (-timedelta(seconds=1), 5, None):
            with pytest.raises(tt.InvalidInput, match="clock_tolerance"):
                tt.Conversation(clock_tolerance=bad)

    def test_naive_clock(self):
        """A clock returning naive datetimes is invalid input."""
        with pytest.raises(tt.InvalidInput):
            tt.Conversation(clock=lambda: datetime(2026, 11, 23))  # noqa: DTZ001


@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),  # noqa: DTZ001 - bounds; the zone comes with timezones=
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=9, minutes=30))]
        ),
    )
)
def test_event_times_are_written_as_utc_iso_8601_with_microseconds(at):
    assert format_time(at) == at.astimezone(UTC).isoformat(timespec="microseconds")


def test_a_naive_event_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        format_time(datetime(2026, 11, 23, 9, 0))  # noqa: DTZ001 - the point of the test


_FLAT = st.none() | st.booleans() | st.integers() | st.text(st.characters(codec="utf-8"))


@given(st.lists(st.tuples(st.text(st.characters(codec="utf-8")), _FLAT), max_size=6))
def test_flat_event_data_encodes_as_json_dumps_in_any_key_order(items):
    """The fast path for flat data (key orders worked out once per set of keys) is exact.

    The same keys arrive in two insertion orders, so that the second meets the order
    worked out for the first.
    """
    data = dict(items)
    backwards = dict(reversed(list(data.items())))
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert encode_data(data) == expected
    assert encode_data(backwards) == expected
    assert encode_data(data) == expected


def test_event_data_encodes_the_same_after_the_key_orders_are_forgotten():
    """More sets of keys than the cache holds: it starts over, and every text stays exact."""
    shapes = [{f"key{i}": i, "text": "x"} for i in range(2 * _MAX_ORDERS + 5)]
    for data in shapes + shapes:
        assert encode_data(data) == json.dumps(data, sort_keys=True, separators=(",", ":"))
