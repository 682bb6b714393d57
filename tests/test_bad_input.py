"""Fuzzing the public API with bad input: only ThreetalkError escapes, and nothing changes.

A malformed argument is ``InvalidInput`` naming it, with nothing recorded; a well-formed
command the actor's role may not give is ``Refused`` with a permission code (rule R14),
recorded once. The acts of the guides are held to the same, case by case below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from scenarios import STAGES, Scene, advance, attempt, build
from threetalk._protocols import COMMANDS as ALL_COMMANDS

P = tt.Phase

# Every command, with (parameter name, kind of value) for each argument but ``by``.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "join": (("name", "text"), ("role", "role")),
    "add_topic": (("text", "text"),),
    "state_problem": (("text", "text"),),
    "add_goal": (("text", "text"),),
    "add_concern": (("text", "text"),),
    "propose_option": (
        ("text", "text"),
        ("source", "source"),
        ("expected_result", "text"),
        ("obligation", "text"),
    ),
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
    "state_role_preference": (("preference", "decision_role"),),
    "check_conflict": (
        ("sure", "flag"),
        ("informed", "flag"),
        ("values_clear", "flag"),
        ("supported", "flag"),
    ),
    "check_understanding": (("of", "participant"), ("understood", "flag"), ("note", "text")),
    "add_analysis": (("kind", "analysis"), ("text", "text")),
    "share_information": (("text", "text"), ("kind", "information"), ("option", "option")),
    "ask": (("text", "text"),),
    "answer": (("question", "question"), ("text", "text")),
    "decline": (("option", "option"), ("reason", "text")),
    "waive": (("option", "option"), ("justification", "text")),
}

#: Every enum member a command takes somewhere (and so the wrong kind everywhere else).
MEMBERS = [
    *tt.Phase,
    *tt.Role,
    *tt.Stance,
    *tt.Decided,
    *tt.DecisionRole,
    *tt.Analysis,
    *tt.Information,
    *tt.Source,
]

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
    st.sampled_from(MEMBERS),
    st.sampled_from(["team_talk", "client", "pro", "o1", "p1", "q1", "share", "strength", "yes"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

_field = st.one_of(
    _junk_scalars, st.lists(st.integers(), max_size=2), st.sampled_from(["c1", "p1"])
)


def forged(conversation_id: str) -> st.SearchStrategy[Any]:
    """Participants, options and questions that were never handed out, some with fields of
    odd types."""
    return st.one_of(
        st.builds(tt.Participant, _field, _field, _field, _field),
        st.builds(tt.Option, _field, _field, _field, _field),
        st.builds(tt.Question, _field, _field, _field, _field),
        st.builds(tt.Question, _field, st.just("Ghost?"), st.just("p1"), st.just(conversation_id)),
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
    questions = [item.question for item in conv.questions] or [None]
    return {
        "text": st.sampled_from(["Walk to the shop", "Money", "Zoë ☕", " padded "]),
        "role": st.sampled_from(tt.Role),
        "stance": st.sampled_from(tt.Stance),
        "phase": st.sampled_from(tt.Phase),
        "decision_role": st.sampled_from(tt.DecisionRole),
        "analysis": st.sampled_from(tt.Analysis),
        "information": st.sampled_from(tt.Information),
        "source": st.sampled_from([*tt.Source, None]),
        "flag": st.booleans(),
        "option": st.sampled_from([*options, None]),
        "question": st.sampled_from([*questions, None]),
        "participant": st.sampled_from(conv.participants),
        "date": st.sampled_from([date(2026, 11, 23), date(2026, 12, 1), date(2027, 1, 12)])
        | st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)),
    }[kind]


def arguments(kind: str, scene, other) -> st.SearchStrategy[Any]:
    """A right or wrong value for an argument of ``kind``."""
    foreign = st.sampled_from(
        [*other.conv.participants, *other.conv.options, *(q.question for q in other.conv.questions)]
    )
    return st.one_of(plausible(kind, scene), _junk_scalars, foreign, forged(scene.conv.id))


def answered(call: Any) -> Any:
    """What ``call()`` returned, or the ThreetalkError it raised."""
    try:
        return call()
    except tt.ThreetalkError as error:
        return error


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
        protocol = data.draw(st.sampled_from(list(tt.builtin_protocols().values())))
        at = "decision" if stage in {"paused", "closed"} else stage
        scene = build(StepClock(), at, protocol=protocol)
        if data.draw(st.booleans(), label="question"):
            scene.conv.ask("What are my options?", by=scene.client)
        if stage == "paused":
            scene.conv.pause(date(2026, 12, 1), "Think", by=scene.client)
        elif stage == "closed":
            scene.conv.close(by=scene.pro)
        other = build(StepClock(), "decision", conversation_id="c2")
        other.conv.ask("Elsewhere?", by=other.client)
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
            asking = {"by": None, **kwargs} if name == "join" else kwargs
            asked = answered(lambda name=name, asking=asking: conv.why_not_command(name, **asking))

            error = raised(lambda name=name, kwargs=kwargs: getattr(conv, name)(**kwargs))

            if error is None or isinstance(error, tt.Refused):
                assert asked == (() if error is None else error.reasons)
            else:
                assert (type(asked), str(asked)) == (type(error), str(error))
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


def test_the_fuzz_knows_every_command():
    """A command added later is fuzzed too."""
    assert set(COMMANDS) == set(ALL_COMMANDS)


# ---------------------------------------------------------------------- the acts of the guides


def _scene(stage: str, protocol: tt.Protocol | None = None) -> Scene:
    """A conversation of client, relative and professional, with a second professional and
    a question of the client's, taken to ``stage``."""
    scene = build(StepClock(), "joined", protocol=protocol)
    scene.conv.join("Second opinion", tt.Role.PROFESSIONAL)
    scene.conv.ask("What are my options?", by=scene.client)
    return advance_to(scene, stage)


def advance_to(scene: Scene, stage: str) -> Scene:
    """``scene`` (built at "joined") taken on to ``stage``."""
    return advance(scene, *STAGES[1 : STAGES.index(stage) + 1])


def _obligation(scene: Scene) -> tt.Option:
    """An obligation proposed in option talk of a work-and-income scene."""
    return scene.conv.propose_option("Unpaid work", obligation="Participation Act", by=scene.pro)


#: (name, stage, command given the scene): each malformed in exactly one named argument.
_MALFORMED: list[tuple[str, str, str, Any]] = [
    ("blank question", "team", "text", lambda s: s.conv.ask("   ", by=s.client)),
    ("blank answer", "team", "text", lambda s: s.conv.answer(_question(s), "", by=s.pro)),
    (
        "blank analysis",
        "team",
        "text",
        lambda s: s.conv.add_analysis(tt.Analysis.CAUSE, " \t", by=s.pro),
    ),
    (
        "blank information",
        "options",
        "text",
        lambda s: s.conv.share_information("", kind=tt.Information.LEAFLET, by=s.pro),
    ),
    (
        "blank teach-back note",
        "team",
        "note",
        lambda s: s.conv.check_understanding(s.client, understood=True, note=" ", by=s.pro),
    ),
    ("blank decline", "options", "reason", lambda s: s.conv.decline(s.wait, "  ", by=s.client)),
    (
        "blank expected result",
        "option",
        "expected_result",
        lambda s: s.conv.propose_option("Course", expected_result="  ", by=s.pro),
    ),
    (
        "question of another conversation",
        "team",
        "question",
        lambda s: s.conv.answer(_foreign_question(), "Yes", by=s.pro),
    ),
    (
        "question with its text altered",
        "team",
        "question",
        lambda s: s.conv.answer(attrs.evolve(_question(s), text="Other?"), "Yes", by=s.pro),
    ),
    (
        "question never asked",
        "team",
        "question",
        lambda s: s.conv.answer(tt.Question("q9", "Why?", "p1", s.conv.id), "Yes", by=s.pro),
    ),
    ("not a question", "team", "question", lambda s: s.conv.answer("q1", "Yes", by=s.pro)),
    (
        "option of another conversation declined",
        "options",
        "option",
        lambda s: s.conv.decline(_foreign_option(), "No", by=s.client),
    ),
    (
        "option of another conversation waived",
        "options",
        "option",
        lambda s: s.conv.waive(_foreign_option(), "Better", by=s.pro),
    ),
    (
        "information on an option of another conversation",
        "options",
        "option",
        lambda s: s.conv.share_information(
            "Leaflet", kind=tt.Information.LEAFLET, option=_foreign_option(), by=s.pro
        ),
    ),
    (
        "a role for a role preference",
        "joined",
        "preference",
        lambda s: s.conv.state_role_preference(tt.Role.CLIENT, by=s.client),
    ),
    (
        "text for a role preference",
        "joined",
        "preference",
        lambda s: s.conv.state_role_preference("share", by=s.client),
    ),
    (
        "information kind for an analysis",
        "team",
        "kind",
        lambda s: s.conv.add_analysis(tt.Information.LEAFLET, "Seen", by=s.pro),
    ),
    (
        "analysis kind for information",
        "options",
        "kind",
        lambda s: s.conv.share_information("Leaflet", kind=tt.Analysis.CAUSE, by=s.pro),
    ),
    (
        "a role for a source",
        "option",
        "source",
        lambda s: s.conv.propose_option("Course", source=tt.Role.CLIENT, by=s.pro),
    ),
    (
        "checking one's own understanding",
        "team",
        "of",
        lambda s: s.conv.check_understanding(s.pro, understood=True, note="Yes", by=s.pro),
    ),
    (
        "a client checking their own understanding",
        "team",
        "of",
        lambda s: s.conv.check_understanding(s.client, understood=True, note="Yes", by=s.client),
    ),
    (
        "checking a professional's understanding",
        "team",
        "of",
        lambda s: s.conv.check_understanding(
            s.conv.participants[-1], understood=True, note="Yes", by=s.pro
        ),
    ),
    (
        "checking the understanding of someone who never joined",
        "team",
        "of",
        lambda s: s.conv.check_understanding(
            tt.Participant("p9", "Ghost", tt.Role.CLIENT, s.conv.id),
            understood=True,
            note="Yes",
            by=s.pro,
        ),
    ),
    (
        "answering one's own question",
        "team",
        "question",
        lambda s: s.conv.answer(_question(s), "I know now", by=s.client),
    ),
    (
        "Source.OBLIGATION without obligation=",
        "option",
        "obligation",
        lambda s: s.conv.propose_option("Unpaid work", source=tt.Source.OBLIGATION, by=s.pro),
    ),
    (
        "obligation= with another source",
        "option",
        "source",
        lambda s: s.conv.propose_option(
            "Unpaid work", source=tt.Source.NETWORK, obligation="The law", by=s.pro
        ),
    ),
    (
        "blank legal basis",
        "option",
        "obligation",
        lambda s: s.conv.propose_option("Unpaid work", obligation=" ", by=s.pro),
    ),
]


def _question(scene: Scene) -> tt.Question:
    return scene.conv.questions[0].question


def _foreign_question() -> tt.Question:
    other = build(StepClock(), "joined", conversation_id="c2")
    return other.conv.ask("What are my options?", by=other.client)


def _foreign_option() -> tt.Option:
    return build(StepClock(), "options", conversation_id="c2").wait


class TestActsTakeOnlyWellFormedArguments:
    """Every act of the guides checks its arguments: ``InvalidInput`` naming the bad one,
    nothing recorded, and ``why_not_command`` says the same."""

    @pytest.mark.parametrize(
        ("stage", "argument", "command"),
        [pytest.param(*case[1:], id=case[0]) for case in _MALFORMED],
    )
    def test_malformed(self, stage, argument, command):
        """The case's command is invalid input naming its bad argument; nothing changes."""
        scene = _scene(stage, tt.work_and_income())

        done = attempt(scene.conv, lambda: command(scene))

        assert done.invalid, done.error
        assert done.error.argument == argument
        assert argument in str(done.error)

    @pytest.mark.parametrize("value", [0, 1, "yes", None, 1.0, "True"])
    @pytest.mark.parametrize("answer", ["sure", "informed", "values_clear", "supported"])
    def test_sure_answers_are_true_or_false(self, answer, value):
        """A SURE answer of 0, 1, "yes" or None is invalid input naming it, recorded nowhere."""
        scene = _scene("options")
        answers = {"sure": True, "informed": True, "values_clear": True, "supported": True}
        answers[answer] = value

        done = attempt(scene.conv, lambda: scene.conv.check_conflict(**answers, by=scene.client))
        with pytest.raises(tt.InvalidInput) as asked:
            scene.conv.why_not_command("check_conflict", by=scene.client, **answers)

        assert done.invalid
        assert done.error.argument == asked.value.argument == answer
        assert str(done.error) == str(asked.value)

    @pytest.mark.parametrize("value", [0, 1, "yes", None])
    def test_understood_is_true_or_false(self, value):
        """A teach-back's ``understood`` of 0, 1, "yes" or None is invalid input."""
        scene = _scene("team")

        done = attempt(
            scene.conv,
            lambda: scene.conv.check_understanding(
                scene.client, understood=value, note="Said it back", by=scene.pro
            ),
        )

        assert done.invalid
        assert done.error.argument == "understood"

    @pytest.mark.parametrize("justification", ["", "   ", None, 7])
    def test_a_waiver_needs_a_justification(self, justification):
        """A waiver with a blank or missing justification is invalid input; nothing is
        waived."""
        scene = _scene("option", tt.work_and_income())
        duty = _obligation(scene)

        done = attempt(scene.conv, lambda: scene.conv.waive(duty, justification, by=scene.pro))

        assert done.invalid
        assert done.error.argument == "justification"
        assert scene.conv.option_state(duty).waiver is None


#: (name, protocol, stage, code, command given the scene): a well-formed act by a role that
#: may not give it.
_NOT_YOURS: list[tuple[str, str, str, str, Any]] = [
    (
        "a professional's SURE check",
        "three_talk",
        "options",
        "only-clients-and-relatives-check-conflict",
        lambda s: s.conv.check_conflict(
            sure=True, informed=True, values_clear=True, supported=True, by=s.pro
        ),
    ),
    (
        "a professional's role preference",
        "rehabilitation",
        "joined",
        "only-clients-and-relatives-state-role-preferences",
        lambda s: s.conv.state_role_preference(tt.DecisionRole.SHARE, by=s.pro),
    ),
    (
        "a professional's role preference where none belongs",
        "three_talk",
        "decision",
        "only-clients-and-relatives-state-role-preferences",
        lambda s: s.conv.state_role_preference(tt.DecisionRole.DECIDE_MYSELF, by=s.pro),
    ),
    (
        "a client's waiver",
        "work_and_income",
        "options",
        "only-professionals-waive",
        lambda s: s.conv.waive(s.conv.options[-1], "I do not want it", by=s.client),
    ),
    (
        "a relative's teach-back",
        "youth_care",
        "team",
        "only-professionals-check-understanding",
        lambda s: s.conv.check_understanding(
            s.client, understood=True, note="She said it back", by=s.relative
        ),
    ),
    (
        "a relative's decline",
        "work_and_income",
        "options",
        "only-clients-decline",
        lambda s: s.conv.decline(s.wait, "Not for us", by=s.relative),
    ),
    (
        "a professional's decline",
        "six_step",
        "options",
        "only-clients-decline",
        lambda s: s.conv.decline(s.wait, "Not advisable", by=s.pro),
    ),
    (
        "a client's obligation",
        "work_and_income",
        "option",
        "only-professionals-propose-obligations",
        lambda s: s.conv.propose_option("Unpaid work", obligation="The law", by=s.client),
    ),
]


class TestActsOfAnotherRole:
    """An act given by a role that may not give it is refused with a permission code
    (R14), recorded once, and nothing else changes."""

    @pytest.mark.parametrize(
        ("protocol", "stage", "code", "command"),
        [pytest.param(*case[1:], id=case[0]) for case in _NOT_YOURS],
    )
    def test_refused_with_a_permission_code(self, protocol, stage, code, command):
        """Refused with the case's code alone, rule R14, one refusal event."""
        scene = _scene(stage, tt.builtin_protocols()[protocol])
        if protocol == "work_and_income" and stage == "options":
            _obligation(scene)

        done = attempt(scene.conv, lambda: command(scene))

        assert done.refused_once, done.error
        assert done.codes == (code,)
        assert [reason.rule for reason in done.error.reasons] == ["R14"]
