"""Conversations built up to a given stage, for the scenario tests.

``build(clock, "decided")`` returns a :class:`Scene` holding the conversation and its cast
after every stage up to and including ``"decided"``; each stage only does what that stage
needs, so a test can take over at any point and break exactly one rule.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import attrs
from hypothesis import strategies as st

import threetalk as tt
from conftest import StepClock
from threetalk._protocols import COMMANDS

if TYPE_CHECKING:
    from collections.abc import Callable

WHEN = date(2026, 12, 1)
REVIEW_ON = date(2027, 1, 12)
LATER = date(2026, 12, 7)

STAGES = (
    "joined",  # client, relative and professional joined, in preparation
    "team",  # moved to team talk
    "option",  # problem and a client goal recorded, moved to option talk
    "options",  # two options, each with a consideration
    "decision",  # moved to decision talk
    "preferences",  # client and relative stated a preference
    "proposed",  # the professional proposed a decision on the first option
    "decided",  # the client consented: the decision is final
    "evaluation",  # moved to evaluation
)


@attrs.define
class Scene:
    """A conversation with its participants and options at hand."""

    conv: tt.Conversation
    client: tt.Participant
    relative: tt.Participant | None
    pro: tt.Participant
    options: list[tt.Option] = attrs.field(factory=list)

    @property
    def wait(self) -> tt.Option:
        """The client's option, proposed first."""
        return self.options[0]

    @property
    def days(self) -> tt.Option:
        """The professional's option, proposed second."""
        return self.options[1]

    def propose(self, option: tt.Option | None = None, by: tt.Participant | None = None) -> None:
        """Propose a well-formed decision on ``option`` (the first option by default)."""
        self.conv.propose_decision(
            option or self.wait,
            who="Client and therapist",
            what="Wait six weeks and see",
            when=WHEN,
            review_on=REVIEW_ON,
            by=by or self.pro,
        )


def _joined(scene: Scene) -> None:
    """Nothing to do: the cast joined when the scene was made."""


def _team(scene: Scene) -> None:
    scene.conv.move_to(tt.Phase.TEAM_TALK, by=scene.pro)


def _option(scene: Scene) -> None:
    scene.conv.state_problem("Progress has stalled", by=scene.pro)
    scene.conv.add_goal("Walk to the shop on my own", by=scene.client)
    if "needs-understanding" in {
        r.code for r in scene.conv.protocol.entry_rules[tt.Phase.OPTION_TALK]
    }:
        # Youth care (R15): the client shows they understood before option talk.
        scene.conv.check_understanding(
            scene.client, understood=True, note="Said it back in her own words", by=scene.pro
        )
    scene.conv.move_to(tt.Phase.OPTION_TALK, by=scene.pro)


def _options(scene: Scene) -> None:
    conv = scene.conv
    wait = conv.propose_option("Wait and see", by=scene.client)
    days = conv.propose_option("Four day-treatment days a week", by=scene.pro)
    conv.add_consideration(wait, tt.Stance.PRO, "Stays at home", by=scene.client)
    conv.add_consideration(days, tt.Stance.PRO, "Most training hours", by=scene.pro)
    scene.options.extend([wait, days])


def _decision(scene: Scene) -> None:
    scene.conv.move_to(tt.Phase.DECISION_TALK, by=scene.pro)


def _preferences(scene: Scene) -> None:
    scene.conv.state_preference(scene.wait, by=scene.client)
    if scene.relative is not None:
        scene.conv.state_preference(None, by=scene.relative)


def _proposed(scene: Scene) -> None:
    scene.propose()


def _decided(scene: Scene) -> None:
    scene.conv.consent(by=scene.client)


def _evaluation(scene: Scene) -> None:
    scene.conv.move_to(tt.Phase.EVALUATION, by=scene.pro)


_STEPS: dict[str, Callable[[Scene], None]] = {
    "joined": _joined,
    "team": _team,
    "option": _option,
    "options": _options,
    "decision": _decision,
    "preferences": _preferences,
    "proposed": _proposed,
    "decided": _decided,
    "evaluation": _evaluation,
}


def advance(scene: Scene, *stages: str) -> Scene:
    """Take ``scene`` through ``stages`` (names of :data:`STAGES`), in the order given."""
    for stage in stages:
        _STEPS[stage](scene)
    return scene


def build(
    clock: Callable[[], object] | None,
    upto: str = "joined",
    *,
    protocol: tt.Protocol | None = None,
    relative: bool = True,
    conversation_id: str = "c1",
) -> Scene:
    """A conversation taken through every stage of :data:`STAGES` up to ``upto``."""
    conv = tt.Conversation(protocol, conversation_id=conversation_id, clock=clock)
    client = conv.join("Client", tt.Role.CLIENT)
    kin = conv.join("Partner", tt.Role.RELATIVE) if relative else None
    pro = conv.join("Therapist", tt.Role.PROFESSIONAL)
    scene = Scene(conv, client, kin, pro)
    for stage in STAGES[: STAGES.index(upto) + 1]:
        _STEPS[stage](scene)
    return scene


def refusal_events(conv: tt.Conversation) -> list[tt.Event]:
    """The refusal events of ``conv``."""
    return [event for event in conv.events if event.kind == "refused"]


def kinds(conv: tt.Conversation, since: int = 0) -> list[str]:
    """The kinds of the events after the first ``since``."""
    return [event.kind for event in conv.events[since:]]


@attrs.frozen
class Attempt:
    """What one command did to a conversation: what it raised, what it appended."""

    error: Exception | None
    new_events: tuple[tt.Event, ...]
    unchanged: bool

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes of a refusal; empty for anything else."""
        return self.error.codes if isinstance(self.error, tt.Refused) else ()

    @property
    def refused_once(self) -> bool:
        """Refused, with exactly one refusal event appended, and the state unchanged."""
        error = self.error
        if not isinstance(error, tt.Refused) or not self.unchanged:
            return False
        if [event.kind for event in self.new_events] != ["refused"]:
            return False
        (event,) = self.new_events
        logged = tuple(reason["code"] for reason in event.data["reasons"])
        return event.seq == error.seq and logged == error.codes

    @property
    def invalid(self) -> bool:
        """Rejected as invalid input with nothing appended and the state unchanged."""
        return isinstance(self.error, tt.InvalidInput) and not self.new_events and self.unchanged

    @property
    def accepted(self) -> bool:
        """Nothing raised and at least one event appended."""
        return self.error is None and bool(self.new_events)


def attempt(conv: tt.Conversation, command: Callable[[], object]) -> Attempt:
    """Run ``command`` (a call on ``conv``) and record what it did."""
    before = conv.snapshot()
    count = len(conv.events)
    error: Exception | None = None
    try:
        command()
    except tt.ThreetalkError as raised:
        error = raised
    return Attempt(error, conv.events[count:], conv.snapshot() == before)


#: Commands that :func:`step` can give, each with plausible arguments.
STEP_COMMANDS = COMMANDS


def step(scene: Scene, name: str, picks: tuple[int, int, int]) -> Exception | None:
    """Give command ``name`` with well-formed arguments chosen by ``picks``.

    Returns the ``ThreetalkError`` it raised, if any (refusals are expected).
    """
    conv = scene.conv
    people = conv.participants
    actor = people[picks[0] % len(people)]
    options = conv.options
    option = options[picks[1] % len(options)] if options else None
    text = ("Walk", "Money", "Zoë ☕", "Sleep")[picks[2] % 4]
    day = (WHEN, REVIEW_ON, LATER)[picks[1] % 3]
    talks = (tt.Phase.TEAM_TALK, tt.Phase.OPTION_TALK, tt.Phase.DECISION_TALK, tt.Phase.EVALUATION)
    calls: dict[str, Callable[[], object]] = {
        "join": lambda: conv.join(f"{text} {len(people)}", tuple(tt.Role)[picks[1] % 3]),
        "add_topic": lambda: conv.add_topic(text, by=actor),
        "state_problem": lambda: conv.state_problem(text, by=actor),
        "add_goal": lambda: conv.add_goal(text, by=actor),
        "add_concern": lambda: conv.add_concern(text, by=actor),
        "propose_option": lambda: conv.propose_option(f"{text} {len(options)}", by=actor),
        "add_consideration": lambda: conv.add_consideration(
            option, tuple(tt.Stance)[picks[2] % 2], text, by=actor
        ),
        "withdraw_option": lambda: conv.withdraw_option(option, text, by=actor),
        "start_trial": lambda: conv.start_trial(option, day, by=actor),
        "end_trial": lambda: conv.end_trial(option, text, by=actor),
        "state_preference": lambda: conv.state_preference(
            option if picks[2] % 3 else None, by=actor
        ),
        "delegate": lambda: conv.delegate(people[picks[2] % len(people)], by=actor),
        "propose_decision": lambda: conv.propose_decision(
            option, who=text, what=text, when=WHEN, review_on=REVIEW_ON, by=actor
        ),
        "consent": lambda: conv.consent(by=actor),
        "object": lambda: conv.object(text, by=actor),
        "impose": lambda: conv.impose(text, by=actor),
        "pause": lambda: conv.pause(LATER, text, by=actor),
        "resume": lambda: conv.resume(by=actor),
        "evaluate": lambda: conv.evaluate(text, text, by=actor),
        "move_to": lambda: conv.move_to(talks[picks[1] % 4], by=actor),
        "close": lambda: conv.close(text if picks[2] % 2 else None, by=actor),
        "state_role_preference": lambda: conv.state_role_preference(
            tuple(tt.DecisionRole)[picks[2] % 3], by=actor
        ),
        "check_conflict": lambda: conv.check_conflict(
            sure=picks[1] % 2 == 0,
            informed=picks[2] % 2 == 0,
            values_clear=picks[1] % 3 != 0,
            supported=True,
            by=actor,
        ),
        "check_understanding": lambda: conv.check_understanding(
            subject, understood=picks[2] % 3 != 0, note=text, by=actor
        ),
        "add_analysis": lambda: conv.add_analysis(tuple(tt.Analysis)[picks[2] % 5], text, by=actor),
        "share_information": lambda: conv.share_information(
            text, kind=tuple(tt.Information)[picks[2] % 5], option=option, by=actor
        ),
        "ask": lambda: conv.ask(f"{text}?", by=actor),
        "answer": lambda: conv.answer(question, text, by=actor),
        "decline": lambda: conv.decline(option, text, by=actor),
        "waive": lambda: conv.waive(option, text, by=actor),
    }
    if name == "propose_option" and picks[1] % 4 == 0 and conv.protocol.allows_obligations:
        calls[name] = lambda: conv.propose_option(
            f"{text} {len(options)}", obligation="Participation Act", by=actor
        )
    # Arguments that must be well formed: someone else's question, a client or relative
    # other than the actor.
    others = [q.question for q in conv.questions if q.question.asked_by != actor.id]
    question = others[picks[2] % len(others)] if others else None
    subjects = [p for p in people if p.role is not tt.Role.PROFESSIONAL and p.id != actor.id]
    subject = subjects[picks[1] % len(subjects)] if subjects else None
    if (name == "answer" and question is None) or (
        name == "check_understanding" and subject is None
    ):
        return None
    if option is None and name in {
        "add_consideration",
        "withdraw_option",
        "start_trial",
        "end_trial",
        "propose_decision",
        "decline",
        "waive",
    }:
        return None
    try:
        calls[name]()
    except tt.ThreetalkError as error:
        return error
    return None


@st.composite
def scripted(draw: st.DrawFn, check: Callable[[Scene, str, Exception | None], None] | None = None):
    """A conversation built by a random command script (some commands refused).

    ``check(scene, command, error)`` runs after every command of the script.
    """
    stage = draw(st.sampled_from(STAGES))
    protocol = draw(st.sampled_from(list(tt.builtin_protocols().values())))
    scene = build(StepClock(), stage, protocol=protocol)
    picks = st.tuples(st.integers(0, 11), st.integers(0, 11), st.integers(0, 11))
    script = draw(st.lists(st.tuples(st.sampled_from(STEP_COMMANDS), picks), max_size=12))
    for name, chosen in script:
        error = step(scene, name, chosen)
        assert error is None or isinstance(error, tt.Refused)
        if check is not None:
            check(scene, name, error)
    return scene
