"""Fuzzing the public API with bad input: only ThreetalkError escapes, and nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import STAGES, build

P = tt.Phase

# Every command, with (parameter name, kind of value) for each argument but ``by``.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "join": (("name", "text"), ("role", "role")),
    "add_topic": (("text", "text"),),
    "state_problem": (("text", "text"),),
    "add_goal": (("text", "text"),),
    "add_concern": (("text", "text"),),
    "propose_option": (("text", "text"),),
    "add_consideration": (("option", "option"), ("stance", "stance"), ("text", "text")),
    "withdraw_option": (("option", "option"), ("reason", "text")),
    "start_trial": (("option", "option"), ("evaluate_on", "date")),
    "end_trial": (("option", "option"), ("outcome", "text")),
    "state_preference": (("option", "option"),),
    "delegate": (("to", "participant"),),
    "propose_decision": (
        ("option", "option"),
        ("who", "text"),
        ("what", "text"),
        ("when", "date"),
        ("review_on", "date"),
    ),
    "consent": (),
    "object": (("reason", "text"),),
    "impose": (("justification", "text"),),
    "pause": (("until", "date"), ("reason", "text")),
    "resume": (),
    "evaluate": (("outcome", "text"), ("process", "text")),
    "move_to": (("phase", "phase"),),
    "close": (("reason", "text"),),
}

_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)

_junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    _any_text,
    st.sampled_from(["", "   ", "\t\n", "x" * 20_000, "\ud800", "a\udfffb", "nul\x00", "Zoë ☕"]),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.sampled_from([*tt.Phase, *tt.Role, *tt.Stance, *tt.Decided]),
    st.sampled_from(["team_talk", "client", "pro", "o1", "p1"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

_field = st.one_of(
    _junk_scalars, st.lists(st.integers(), max_size=2), st.sampled_from(["c1", "p1"])
)


def forged(conversation_id: str) -> st.SearchStrategy[Any]:
    """Participants and options that were never handed out, some with fields of odd types."""
    return st.one_of(
        st.builds(tt.Participant, _field, _field, _field, _field),
        st.builds(tt.Option, _field, _field, _field, _field),
        st.builds(
            tt.Participant,
            _field,
            st.just("Ghost"),
            st.sampled_from(tt.Role),
            st.just(conversation_id),
        ),
        st.builds(tt.Option, _field, st.just("Ghost"), st.just("p1"), st.just(conversation_id)),
    )


def plausible(kind: str, scene) -> st.SearchStrategy[Any]:
    """A value of the right type for ``kind`` in ``scene``."""
    conv = scene.conv
    options = list(conv.options) or [None]
    return {
        "text": st.sampled_from(["Walk to the shop", "Money", "Zoë ☕", " padded "]),
        "role": st.sampled_from(tt.Role),
        "stance": st.sampled_from(tt.Stance),
        "phase": st.sampled_from(tt.Phase),
        "option": st.sampled_from([*options, None]),
        "participant": st.sampled_from(conv.participants),
        "date": st.sampled_from([date(2026, 11, 23), date(2026, 12, 1), date(2027, 1, 12)])
        | st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)),
    }[kind]


def arguments(kind: str, scene, other) -> st.SearchStrategy[Any]:
    """A right or wrong value for an argument of ``kind``."""
    foreign = st.sampled_from([*other.conv.participants, *other.conv.options])
    return st.one_of(plausible(kind, scene), _junk_scalars, foreign, forged(scene.conv.id))


def raised(call: Any) -> tt.ThreetalkError | None:
    """What ``call()`` raised of threetalk's errors; anything else propagates."""
    try:
        call()
    except tt.ThreetalkError as error:
        return error
    return None


class TestCommandFuzz:
    @given(st.data())
    def test_only_threetalk_errors_and_nothing_changes(self, data):
        """Random commands with random arguments raise only ThreetalkError, changing nothing."""
        stage = data.draw(st.sampled_from([*STAGES, "paused", "closed"]), label="stage")
        scene = build(StepClock(), "decision" if stage in {"paused", "closed"} else stage)
        if stage == "paused":
            scene.conv.pause(date(2026, 12, 1), "Think", by=scene.client)
        elif stage == "closed":
            scene.conv.close(by=scene.pro)
        other = build(StepClock(), "decision", conversation_id="c2")
        conv = scene.conv
        calls = data.draw(st.integers(1, 4), label="calls")

        for _ in range(calls):
            name = data.draw(st.sampled_from(sorted(COMMANDS)), label="command")
            kwargs = {
                param: data.draw(arguments(kind, scene, other), label=param)
                for param, kind in COMMANDS[name]
            }
            if name != "join":
                kwargs["by"] = data.draw(arguments("participant", scene, other), label="by")
            before, count = conv.snapshot(), len(conv.events)

            error = raised(lambda name=name, kwargs=kwargs: getattr(conv, name)(**kwargs))

            if isinstance(error, tt.InvalidInput):
                assert conv.snapshot() == before
                assert len(conv.events) == count
                assert error.argument in {*kwargs, "by"}
                assert error.argument in str(error)
            elif isinstance(error, tt.Refused):
                assert conv.snapshot() == before
                assert len(conv.events) == count + 1
                assert conv.events[-1].kind == "refused"
                assert conv.events[-1].seq == error.seq
                assert error.reasons
            else:
                assert error is None

        assert tt.verify(conv.events).seq == len(conv.events)
        assert tt.replay(conv.events, conv.protocol).snapshot() == conv.snapshot()


class TestQueryFuzz:
    @given(value=st.one_of(_junk_scalars, forged("c1")))
    def test_queries(self, value):
        """why_not, can_move_to, participant, option and option_state take only what fits."""
        scene = build(StepClock(), "options")
        before = scene.conv.snapshot()
        calls = [
            scene.conv.why_not,
            scene.conv.can_move_to,
            scene.conv.participant,
            scene.conv.option,
            scene.conv.option_state,
        ]

        errors = [raised(lambda call=call: call(value)) for call in calls]

        assert all(
            error is None or (isinstance(error, tt.InvalidInput) and error.argument)
            for error in errors
        )
        assert scene.conv.snapshot() == before
        assert len(scene.conv.events) == len(build(StepClock(), "options").conv.events)

    @given(
        protocol=st.one_of(st.none(), _junk_scalars),
        conversation_id=st.one_of(st.none(), _junk_scalars),
        clock=st.one_of(st.none(), _junk_scalars),
    )
    def test_constructor(self, protocol, conversation_id, clock):
        """Conversation() refuses malformed arguments with InvalidInput only."""
        made: list[tt.Conversation] = []

        error = raised(
            lambda: made.append(
                tt.Conversation(protocol, conversation_id=conversation_id, clock=clock)
            )
        )

        if error is None:
            assert made[0].phase is P.PREPARATION
        else:
            assert isinstance(error, tt.InvalidInput)
            assert error.argument in {"protocol", "conversation_id", "clock", "clock()"}

    @given(
        value=st.one_of(
            _junk_scalars,
            st.datetimes(),
            st.datetimes(timezones=st.just(timezone(timedelta(hours=-5)))),
        )
    )
    def test_clock_returning_anything(self, value):
        """A clock that returns anything but an aware datetime gives InvalidInput."""
        made: list[tt.Conversation] = []

        error = raised(lambda: made.append(tt.Conversation(clock=lambda: value)))

        if error is None:
            assert made[0].events[0].at == value.astimezone(UTC)
        else:
            assert isinstance(error, tt.InvalidInput)
            assert error.argument in {"clock", "clock()"}

    @given(events=st.one_of(_junk_scalars, st.lists(_junk_scalars, max_size=3)))
    def test_verify_and_replay_of_junk(self, events):
        """verify and replay of things that are not event logs raise ThreetalkError only."""
        errors = [raised(lambda call=call: call(events)) for call in (tt.verify, tt.replay)]

        assert all(isinstance(error, tt.InvalidInput) for error in errors)

    @given(protocol=_junk_scalars.filter(lambda value: value is not None))
    def test_replay_protocol_argument(self, protocol):
        """replay checks its protocol like every public function: InvalidInput naming it."""
        events = build(StepClock(), "team").conv.events

        error = raised(lambda: tt.replay(events, protocol))

        assert isinstance(error, tt.InvalidInput)
        assert error.argument == "protocol"

    @given(key=_junk_scalars.filter(lambda value: value is not None))
    def test_key_argument(self, key):
        """A key that is not bytes is InvalidInput naming key, not a broken chain."""
        events = build(StepClock(), "team").conv.events

        errors = [
            raised(lambda: tt.verify(events, key=key)),
            raised(lambda: tt.replay(events, key=key)),
        ]

        assert all(isinstance(error, tt.ThreetalkError) for error in errors)
        assert isinstance(key, bytes) or all(
            isinstance(error, tt.InvalidInput) and error.argument == "key" for error in errors
        )

    @given(
        raw=st.dictionaries(
            st.sampled_from(
                [
                    "seq",
                    "conversation_id",
                    "at",
                    "kind",
                    "actor",
                    "phase",
                    "data",
                    "prev",
                    "hash",
                    "x",
                ]
            ),
            _junk_scalars,
        )
    )
    def test_event_from_dict(self, raw):
        """Event.from_dict of malformed data raises InvalidInput only."""
        with pytest.raises(tt.InvalidInput):
            tt.Event.from_dict(raw)

        assert isinstance(raw, dict)


class TestExamples:
    """A few fixed cases of what the fuzz explores, easy to read when one breaks."""

    @pytest.mark.parametrize(
        ("argument", "value"),
        [
            ("text", ""),
            ("text", "   "),
            ("text", "x" * 20_000),
            ("text", "lone \ud800 surrogate"),
            ("text", 42),
            ("text", None),
            ("by", "Client"),
            ("by", None),
        ],
    )
    def test_add_concern(self, argument, value):
        """add_concern names the bad argument and changes nothing."""
        scene = build(StepClock(), "team")
        kwargs: dict[str, Any] = {"text": "Money", "by": scene.client, argument: value}
        before, count = scene.conv.snapshot(), len(scene.conv.events)

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.add_concern(**kwargs)

        assert info.value.argument == argument
        assert argument in str(info.value)
        assert (scene.conv.snapshot(), len(scene.conv.events)) == (before, count)

    @pytest.mark.parametrize(
        "value",
        [
            datetime(2026, 12, 1),  # noqa: DTZ001 - naive on purpose
            datetime(2026, 12, 1, tzinfo=UTC),
            "2026-12-01",
            20261201,
        ],
    )
    def test_dates_must_be_dates(self, value):
        """Datetimes, strings and numbers are not dates."""
        scene = build(StepClock(), "team")

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.pause(value, "Think", by=scene.client)

        assert info.value.argument == "until"

    def test_option_of_another_conversation(self):
        """An option of another conversation is invalid input naming option."""
        scene = build(StepClock(), "options")
        other = build(StepClock(), "options", conversation_id="c2")

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.add_consideration(other.wait, tt.Stance.PRO, "Good", by=scene.client)

        assert info.value.argument == "option"

    def test_forged_participant_with_unhashable_id(self):
        """A made-up participant whose id is a list is UnknownParticipant, not TypeError."""
        scene = build(StepClock(), "team")
        ghost = tt.Participant([1], "Ghost", tt.Role.CLIENT, scene.conv.id)

        with pytest.raises(tt.UnknownParticipant) as info:
            scene.conv.add_concern("Boo", by=ghost)

        assert info.value.argument == "by"

    def test_forged_option_with_unhashable_id(self):
        """A made-up option whose id is a list is invalid input, not TypeError."""
        scene = build(StepClock(), "options")
        ghost = tt.Option([1], "Ghost", "p1", scene.conv.id)

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.add_consideration(ghost, tt.Stance.PRO, "Boo", by=scene.client)

        assert info.value.argument == "option"

    def test_option_state_of_forged_option_with_unhashable_id(self):
        """option_state of a made-up option whose id is a dict is invalid input."""
        scene = build(StepClock(), "options")
        ghost = tt.Option({}, "Ghost", "p1", scene.conv.id)

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.option_state(ghost)

        assert info.value.argument == "option"

    @pytest.mark.parametrize("callback", [None, 3, "print"])
    def test_subscribe_needs_callable(self, callback):
        """subscribe of something that cannot be called is invalid input naming callback."""
        scene = build(StepClock())

        with pytest.raises(tt.InvalidInput) as info:
            scene.conv.subscribe(callback)

        assert info.value.argument == "callback"
