"""JSON for web apps: ``to_dict()`` on every public value, the schemas, reopening by fingerprint."""

from __future__ import annotations

import json
from datetime import date

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import LATER, build, scripted, step
from threetalk._values import json_ready
from threetalk.store import MemoryStore, retrying

jsonschema = pytest.importorskip("jsonschema")

SNAPSHOT = jsonschema.Draft202012Validator(tt.snapshot_schema())
REFUSAL = jsonschema.Draft202012Validator(tt.refusal_schema())


def round_trips(data: object) -> bool:
    """``json.dumps`` takes ``data`` without a default, and reading it back gives it again."""
    return json.loads(json.dumps(data)) == data


def check_conversation(conv: tt.Conversation) -> None:
    """Every value ``conv`` hands out is JSON-ready; the snapshot fits its schema."""
    snapshot = conv.snapshot().to_dict()
    assert round_trips(snapshot)
    SNAPSHOT.validate(snapshot)
    values = [
        *conv.participants,
        *conv.options,
        *conv.advisories,
        conv.step,
        *conv.progress(),
        *conv.prompts(),
        *conv.prompts("nl"),
    ]
    for value in values:
        assert round_trips(value.to_dict()), value


# ---------------------------------------------------------------------- shapes


def test_snapshot_gives_values_ids_and_iso_dates():
    """Enums as values, dates as ISO text, the decided option by id, preferences by id."""
    scene = build(StepClock(), "decided")

    data = scene.conv.snapshot().to_dict()

    assert data["phase"] == "decision_talk"
    assert data["participants"][0] == {
        "id": "p1",
        "name": "Client",
        "role": "client",
        "conversation_id": "c1",
    }
    assert data["decision"]["option"] == "o1"
    assert data["decision"]["how"] == "agreed"
    assert data["decision"]["when"] == "2026-12-01"
    assert data["preferences"] == {"p1": "o1", "p2": None}
    assert data["options"][0]["option"]["id"] == "o1"
    assert data["options"][0]["considerations"][0]["stance"] in {"pro", "con"}


def test_proposal_trial_and_pause():
    """A pending proposal's consents and objections, a trial, a pause: all JSON-ready."""
    scene = build(StepClock(), "options")
    conv = scene.conv
    conv.start_trial(scene.wait, LATER, by=scene.pro)
    advance = build(StepClock(), "proposed")
    advance.conv.object("Too soon", by=advance.client)

    trial = conv.snapshot().to_dict()["options"][0]["trial"]
    proposal = advance.conv.snapshot().to_dict()["proposal"]
    conv.pause(date(2026, 12, 24), "Holidays", by=scene.pro)
    paused = conv.snapshot().to_dict()

    assert trial == {"evaluate_on": LATER.isoformat(), "started_by": "p3", "outcome": None}
    assert proposal["option"] == "o1"
    assert proposal["objections"] == [{"by": "p1", "reason": "Too soon"}]
    assert proposal["consents"] == []
    assert paused["phase"] == "paused"
    assert paused["resume_phase"] == "option_talk"
    assert paused["paused_until"] == "2026-12-24"
    for data in (conv.snapshot().to_dict(), advance.conv.snapshot().to_dict()):
        SNAPSHOT.validate(data)
        assert round_trips(data)


def test_step_progress_and_prompt_shapes():
    """Texts as language mappings, done rules as codes, statuses and roles as values."""
    conv = build(StepClock(), "joined").conv

    step = conv.step.to_dict()
    progress = [item.to_dict() for item in conv.progress()]
    prompt = tt.Prompt("ask", "preparation", tt.Role.CLIENT, tt.Text(en="Why?", nl="Waarom?"))

    assert step["phase"] == "preparation"
    assert step["title"] == {"en": "Preparation", "nl": "Voorbereiding"}
    assert step["done"] == ["needs-client-and-professional", "needs-topic-or-goal"]
    assert progress[0]["status"] == "current"
    assert progress[0]["missing"][0]["code"] == "needs-topic-or-goal"
    assert prompt.to_dict() == {
        "id": "ask",
        "step": "preparation",
        "to": "client",
        "text": {"en": "Why?", "nl": "Waarom?"},
        "when": [],
    }


def test_reason_advisory_head_evaluation():
    """Params thaw to lists; a head is its seq and hash."""
    reason = tt.Reason("x-y", "Message.", "R1", {"names": ("Ann", "Bo")})
    head = tt.Head(3, "ab" * 32)
    scene = build(StepClock(), "evaluation")
    scene.conv.evaluate("Good", "Calm", by=scene.client)

    assert reason.to_dict() == {
        "code": "x-y",
        "message": "Message.",
        "rule": "R1",
        "params": {"names": ["Ann", "Bo"]},
    }
    assert head.to_dict() == {"seq": 3, "hash": "ab" * 32}
    assert scene.conv.snapshot().to_dict()["evaluations"] == [
        {"outcome": "Good", "process": "Calm", "by": "p1"}
    ]
    advisory = scene.conv.advisories[0].to_dict()
    assert set(advisory) == {"code", "message", "rule", "participant", "seq", "params"}
    check_conversation(scene.conv)


def test_json_ready_refuses_what_has_no_json_form():
    """Something with no JSON form is a TypeError, not silently text."""
    with pytest.raises(TypeError, match="object has no JSON form"):
        json_ready(object())


# ---------------------------------------------------------------------- refusals


def refusals() -> list[tt.Refused]:
    """Refusals of many kinds: wrong phase, wrong role, unmet rules, no proposal, paused."""
    found: list[tt.Refused] = []

    def refused(command):
        with pytest.raises(tt.Refused) as caught:
            command()
        found.append(caught.value)

    joined = build(StepClock(), "joined")
    conv, client, pro = joined.conv, joined.client, joined.pro
    refused(lambda: conv.propose_option("Walk", by=client))  # wrong phase
    refused(lambda: conv.move_to(tt.Phase.OPTION_TALK, by=pro))  # entry rules
    refused(lambda: conv.consent(by=client))  # nothing to consent to
    decision = build(StepClock(), "decision")
    refused(lambda: decision.conv.impose("Because", by=decision.client))
    refused(lambda: decision.conv.consent(by=decision.client))
    evaluation = build(StepClock(), "decided")
    refused(
        lambda: evaluation.conv.propose_decision(
            evaluation.wait,
            who="x",
            what="y",
            when=date(2026, 12, 1),
            review_on=date(2027, 1, 1),
            by=evaluation.client,
        )
    )
    paused = build(StepClock(), "team")
    paused.conv.pause(LATER, "Ill", by=paused.pro)
    refused(lambda: paused.conv.add_goal("Walk", by=paused.client))
    closed = build(StepClock(), "team")
    closed.conv.close("Moved away", by=closed.pro)
    refused(lambda: closed.conv.add_goal("Walk", by=closed.client))
    return found


def test_refusals_fit_their_schema():
    """Every refusal provoked gives codes, messages and params that fit the schema."""
    found = refusals()

    codes = {code for error in found for code in error.codes}
    for error in found:
        data = error.to_dict()
        REFUSAL.validate(data)
        assert round_trips(data)
        assert data["codes"] == [reason["code"] for reason in data["reasons"]]
        assert data["seq"] == error.seq
        assert data["summary"] == error.summary
    assert len(codes) >= 5, codes


def test_refusal_params_are_plain_lists():
    """A refusal's params as recorded (tuples when frozen) come out as lists."""
    conv = build(StepClock(), "joined").conv
    with pytest.raises(tt.Refused) as caught:
        conv.propose_option("Walk", by=conv.participants[0])

    (reason,) = caught.value.to_dict()["reasons"]

    assert reason["params"]["phases"] == ["option_talk"]


def test_schemas_are_valid_and_can_refuse():
    """The schemas are valid draft 2020-12, and a wrong shape does not pass them."""
    jsonschema.Draft202012Validator.check_schema(tt.snapshot_schema())
    jsonschema.Draft202012Validator.check_schema(tt.refusal_schema())
    data = build(StepClock(), "decided").conv.snapshot().to_dict()
    wrong = {**data, "phase": "Phase.DECISION_TALK"}
    by_object = {**data, "decision": {**data["decision"], "option": data["options"][0]["option"]}}

    assert not SNAPSHOT.is_valid(wrong)
    assert not SNAPSHOT.is_valid(by_object)
    assert not REFUSAL.is_valid({"summary": "No.", "seq": 1, "codes": [], "reasons": []})


def test_schemas_are_fresh_copies():
    """Changing a schema returned does not change the next one."""
    tt.snapshot_schema()["title"] = "changed"

    assert tt.snapshot_schema()["title"] == "threetalk snapshot"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_conversation_reached_is_json_ready(data):
    """For conversations built by random scripts, every value and refusal is JSON-ready."""

    def check(scene, _command, error):
        check_conversation(scene.conv)
        if isinstance(error, tt.Refused):
            REFUSAL.validate(error.to_dict())
            assert round_trips(error.to_dict())

    scene = data.draw(scripted(check))

    assert round_trips(scene.conv.snapshot().to_dict())


@pytest.mark.parametrize("name", sorted(tt.builtin_protocols()))
def test_every_builtin_protocol(name):
    """Under every built-in protocol, a scripted conversation's values are JSON-ready."""
    scene = build(StepClock(), "joined", protocol=tt.builtin_protocols()[name])
    for number, command in enumerate(tt.COMMANDS):
        step(scene, command, (number, number + 1, number + 2))
        check_conversation(scene.conv)


# ---------------------------------------------------------------------- reopening


def custom() -> tt.Protocol:
    """A protocol of the app's own (not built in)."""
    return attrs.evolve(tt.three_talk(), name="custom")


def test_open_conversation_finds_a_given_protocol():
    """``protocols=`` lets a conversation under the app's own protocol reopen by itself."""
    store = MemoryStore()
    conv = tt.Conversation(custom(), conversation_id="c1", store=store)
    conv.join("Ann", tt.Role.CLIENT)
    mine = custom()

    reopened = tt.open_conversation(store, "c1", protocols=[tt.six_step(), mine])
    replayed = tt.replay(conv.events, protocols=(mine,))

    assert reopened.protocol is mine
    assert replayed.protocol is mine
    assert reopened.snapshot() == conv.snapshot() == replayed.snapshot()


def test_unknown_fingerprint_is_named():
    """Without the protocol among the known ones, ProtocolMismatch names its fingerprint."""
    store = MemoryStore()
    conv = tt.Conversation(custom(), conversation_id="c1", store=store)
    fingerprint = conv.protocol.fingerprint

    with pytest.raises(tt.ProtocolMismatch, match=fingerprint) as opening:
        tt.open_conversation(store, "c1", protocols=[tt.six_step()])
    with pytest.raises(tt.ProtocolMismatch, match=fingerprint):
        tt.replay(conv.events, protocols=[])

    assert opening.value.recorded == fingerprint
    assert opening.value.given is None


def test_given_protocols_win_and_builtins_still_found():
    """A protocol given with a built-in's fingerprint is the one used; built-ins still open."""
    store = MemoryStore()
    tt.Conversation(tt.three_talk(), conversation_id="c1", store=store)
    tt.Conversation(tt.youth_care(), conversation_id="c2", store=store)
    mine = tt.three_talk()

    assert tt.open_conversation(store, "c1", protocols=[mine]).protocol is mine
    assert tt.open_conversation(store, "c2", protocols=[mine]).protocol.name == "youth_care"


def test_a_protocol_given_is_used_over_protocols():
    """``protocol=`` is checked against the recording; ``protocols`` then plays no part."""
    store = MemoryStore()
    tt.Conversation(custom(), conversation_id="c1", store=store)

    with pytest.raises(tt.ProtocolMismatch, match="not under 'three_talk'"):
        tt.open_conversation(store, "c1", tt.three_talk(), protocols=[custom()])


@pytest.mark.parametrize("bad", [tt.three_talk(), "three_talk", [1], 5])
def test_protocols_must_be_protocols(bad):
    """``protocols`` that are not an iterable of protocols are InvalidInput; nothing opens."""
    store = MemoryStore()
    conv = tt.Conversation(conversation_id="c1", store=store)

    with pytest.raises(tt.InvalidInput, match="protocols"):
        tt.open_conversation(store, "c1", protocols=bad)
    with pytest.raises(tt.InvalidInput, match="protocols"):
        tt.replay(conv.events, protocols=bad)


def test_retrying_finds_a_given_protocol():
    """``retrying(..., protocols=)`` reopens a conversation under the app's own protocol on
    every attempt, as ``open_conversation`` does; without it the fingerprint is unknown."""
    store = MemoryStore()
    conv = tt.Conversation(custom(), conversation_id="c1", store=store)
    conv.join("Ann", tt.Role.CLIENT)
    mine = custom()
    seen: list[tt.Protocol] = []

    def join_bo(reopened: tt.Conversation) -> int:
        seen.append(reopened.protocol)
        if len(seen) == 1:  # another writer is first: a conflict, and a second attempt
            other = tt.open_conversation(store, "c1", protocols=[mine])
            other.join("Dr. Bakker", tt.Role.PROFESSIONAL)
        reopened.join("Bo", tt.Role.RELATIVE)
        return len(reopened.participants)

    joined = retrying(store, "c1", join_bo, protocols=iter([tt.six_step(), mine]))

    assert joined == 3
    assert seen == [mine, mine]
    with pytest.raises(tt.ProtocolMismatch, match=conv.protocol.fingerprint):
        retrying(store, "c1", join_bo)
    assert len(seen) == 2


@pytest.mark.parametrize("bad", [tt.three_talk(), "three_talk", [1], 5])
def test_retrying_refuses_bad_protocols_before_any_attempt(bad):
    """``protocols`` that are not an iterable of protocols are InvalidInput; the command is
    never called."""
    store = MemoryStore()
    tt.Conversation(conversation_id="c1", store=store)
    calls: list[tt.Conversation] = []

    with pytest.raises(tt.InvalidInput, match="protocols"):
        retrying(store, "c1", calls.append, protocols=bad)

    assert calls == []
