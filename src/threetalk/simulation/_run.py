"""Running simulated conversations on the real engine, one at a time or a chunk at a time.

Everything a conversation does follows from ``(seed, index)``: its own random generator,
its id, its start time and its simulated clock. That is why a run gives the same events for
any number of workers and any backend.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from threetalk._conversation import Conversation
from threetalk._exceptions import InvalidInput, PolicyError, Refused
from threetalk._phases import (
    ANALYSIS_BY_VALUE,
    DECISION_ROLE_BY_VALUE,
    PHASE_BY_VALUE,
    Analysis,
    DecisionRole,
    Information,
    Phase,
    Role,
    Source,
    Stance,
)
from threetalk._protocols import COMMANDS, Protocol
from threetalk._trail import Event
from threetalk._values import Option, Participant, Question
from threetalk.simulation._policy import (
    ALL_YES,
    NEEDS_OPTION,
    Action,
    SimPolicy,
    View,
    check_policy,
)
from threetalk.simulation._summary import Summary, summary_of

if TYPE_CHECKING:
    from collections.abc import Callable

#: Commands whose actions need nothing checked but an actor (``days`` stays 0 or is set by
#: the built-in policy); the rest go through the full check.
_PLAIN: Final = frozenset(COMMANDS) - NEEDS_OPTION - {"join", "pause"}

#: Where simulated time begins; each conversation starts within a year after it.
EPOCH: Final = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_YEAR: Final = 365 * 24 * 3600

#: ``timedelta(seconds=n)`` for the short gaps between utterances, made once.
_MANY_SECONDS: Final = 3600
_SECONDS: Final = tuple(timedelta(0, n) for n in range(_MANY_SECONDS))

_OPTION_NAMES: Final = (
    "Wait and see",
    "Day treatment",
    "Job coaching",
    "Home support",
    "Group sessions",
    "Peer support",
    "Medication review",
    "Volunteer work",
)

#: Obligations of the Participation Act (Participatiewet) with their legal basis, in the
#: order the simulator proposes them.
_OBLIGATIONS: Final = (
    ("Unpaid socially useful work", "Participation Act, art. 9(1)(c): work in return"),
    ("Re-integration programme", "Participation Act, art. 9(1)(b): take part in a programme"),
    ("Apply for regular work", "Participation Act, art. 9(1)(a): find and accept work"),
)


def _check_whole(value: object, name: str, minimum: int | None = None) -> None:
    """Refuse anything but a whole number (of at least ``minimum``) for argument ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name}: a whole number is needed, got {value!r:.40}"
        raise InvalidInput(msg, name)
    if minimum is not None and value < minimum:
        msg = f"{name}: a whole number of at least {minimum} is needed, got {value!r:.40}"
        raise InvalidInput(msg, name)


def conversation_seed(seed: int, index: int) -> int:
    """The seed of conversation ``index`` of a run with ``seed`` (stable across platforms).

    Raises:
        InvalidInput: ``seed`` is not a whole number, or ``index`` not one of at least 0.
    """
    _check_whole(seed, "seed")
    _check_whole(index, "index", 0)
    digest = hashlib.blake2b(f"threetalk:{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def conversation_id(seed: int, index: int) -> str:
    """The id of conversation ``index`` of a run with ``seed``.

    Raises:
        InvalidInput: ``seed`` is not a whole number, or ``index`` not one of at least 0.
    """
    _check_whole(seed, "seed")
    _check_whole(index, "index", 0)
    return f"sim-{seed}-{index}"


@attrs.define
class _Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@attrs.frozen
class Chunk:
    """A slice of a run: conversations ``start`` to ``stop - 1`` (picklable work unit)."""

    start: int
    stop: int
    seed: int
    policy: SimPolicy
    protocol: Protocol | None
    keep_events: bool
    max_steps: int
    compact: bool = False


#: One conversation's events in the compact form that crosses process boundaries.
Packed = tuple[str, list[tuple[Any, ...]]]


def pack(events: tuple[Event, ...]) -> Packed:
    """A conversation's events as plain tuples (pickled several times faster than events)."""
    return (
        events[0].conversation_id,
        [(e.seq, e.at, e.kind, e.actor, e.phase.value, e.data, e.prev, e.hash) for e in events],
    )


def unpack(packed: Packed) -> tuple[Event, ...]:
    """The events :func:`pack` packed."""
    cid, rows = packed
    phases = PHASE_BY_VALUE
    return tuple(
        Event(seq, cid, at, kind, actor, phases[phase], data, prev, digest)
        for seq, at, kind, actor, phase, data, prev, digest in rows
    )


def run_chunk(chunk: Chunk) -> tuple[list[Summary], list[Any] | None]:
    """Simulate one chunk; the summaries, and the events when the chunk keeps them.

    With ``chunk.compact`` the events come :func:`pack`-ed, ready to be pickled.
    """
    summaries = []
    kept: list[Any] | None = [] if chunk.keep_events else None
    for index in range(chunk.start, chunk.stop):
        conversation = run_one(
            index,
            seed=chunk.seed,
            policy=chunk.policy,
            protocol=chunk.protocol,
            max_steps=chunk.max_steps,
        )
        events = conversation.events
        summaries.append(summary_of(events, index))
        if kept is not None:
            kept.append(pack(events) if chunk.compact else events)
    return summaries, kept


def simulate_one(
    index: int,
    *,
    seed: int,
    policy: SimPolicy,
    protocol: Protocol | None = None,
    max_steps: int = 400,
) -> Conversation:
    """Simulate conversation ``index`` of the run with ``seed`` and return it, closed.

    This is what :func:`~threetalk.simulation.simulate` does for each index; use it to look
    at one conversation closely (a :class:`PolicyError` names the index and seed).

    Args:
        index: The conversation's index in the run (0 or more).
        seed: The seed of the run.
        policy: A policy object: a :class:`~threetalk.simulation.Policy` (such as
            ``Policy.ideal()``) or your own :class:`~threetalk.typing.PolicyLike`.
        protocol: The protocol; :func:`~threetalk.three_talk` when not given.
        max_steps: Actions the conversation may try before the simulator closes it.

    Returns:
        The simulated conversation, closed.

    Raises:
        InvalidInput: A malformed argument (a preset's name or a class instead of a
            policy object, a negative index, ...), before anything runs.
        PolicyError: The policy returned something that cannot be carried out.
    """
    _check_whole(index, "index", 0)
    _check_whole(seed, "seed")
    check_policy(policy)
    if protocol is not None and not isinstance(protocol, Protocol):
        msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    _check_whole(max_steps, "max_steps", 1)
    return run_one(index, seed=seed, policy=policy, protocol=protocol, max_steps=max_steps)


def run_one(
    index: int,
    *,
    seed: int,
    policy: SimPolicy,
    protocol: Protocol | None,
    max_steps: int,
) -> Conversation:
    """:func:`simulate_one` for arguments already checked."""
    rng = random.Random(conversation_seed(seed, index))  # noqa: S311 - simulation, not crypto
    clock = _Clock(EPOCH + timedelta(seconds=rng.randrange(_YEAR)))
    conversation = Conversation(protocol, conversation_id=conversation_id(seed, index), clock=clock)
    view = View(index=index, conversation=conversation, today=clock.now.date())
    # The watcher holds the view, which holds the conversation: unsubscribing afterwards
    # breaks that cycle, so a finished conversation is freed at once, not by the collector.
    unsubscribe = conversation.subscribe(_Watcher(view))
    try:
        _walk(conversation, view, rng, clock, policy, max_steps, seed)
    finally:
        unsubscribe()
    if conversation.phase is not Phase.CLOSED:
        closer = _anyone(view)
        clock.now += timedelta(seconds=1)
        if closer is None:
            return conversation
        conversation.close("the simulation's step limit was reached", by=closer)
    return conversation


def _walk(
    conversation: Conversation,
    view: View,
    rng: random.Random,
    clock: _Clock,
    policy: SimPolicy,
    max_steps: int,
    seed: int,
) -> None:
    """Let ``policy`` act on ``conversation`` until it closes or ``max_steps`` are taken."""
    index = view.index
    rate = 1 / float(getattr(policy, "seconds_per_utterance", 60))
    # rng.expovariate(rate), drawn the same way without a Python call per step.
    draw, log = rng.random, math.log
    choose = policy.choose
    for step in range(max_steps):
        if conversation.phase is Phase.CLOSED:
            break
        view.step = step
        try:
            action = _check(choose(view, rng))
        except InvalidInput as error:
            msg = (
                f"the policy's answer at step {step} of conversation {index} (seed {seed}) "
                f"cannot be carried out: {error}"
            )
            raise PolicyError(msg, index, seed) from None
        except Exception as error:
            msg = (
                f"the policy failed at step {step} of conversation {index} (seed {seed}): "
                f"{type(error).__name__}: {error}"
            )
            raise PolicyError(msg, index, seed) from error
        seconds = max(1, round(-log(1.0 - draw()) / rate))
        clock.now += _SECONDS[seconds] if seconds < _MANY_SECONDS else timedelta(0, seconds)
        if action.command == "resume" and view.paused_until is not None:
            morning = datetime.combine(view.paused_until, time(9), UTC)
            clock.now = max(clock.now, morning + timedelta(seconds=rng.randrange(8 * 3600)))
        view.today = clock.now.date()
        view.last_refusal = ()
        try:
            _COMMAND[action.command](conversation, view, action)
        except Refused as refusal:
            view.last_refusal = refusal.codes
            view.refusals += 1
        except InvalidInput as error:
            msg = (
                f"the policy's action {action!r:.300} cannot be carried out at step {step} of "
                f"conversation {index} (seed {seed}): {error}"
            )
            raise PolicyError(msg, index, seed) from None


def _anyone(view: View) -> Participant | None:
    everyone = view.participants
    for person in everyone:
        if person.role is Role.PROFESSIONAL:
            return person
    return everyone[0] if everyone else None


def _check(action: object) -> Action:
    if type(action) is Action and action.command in _PLAIN and action.by is not None:
        return action
    if not isinstance(action, Action):
        action = _as_action(action)
    if action.command not in _COMMAND:
        msg = f"choose() returned an Action with unknown command {action.command!r:.40}"
        raise InvalidInput(msg, "policy")
    if isinstance(action.days, bool) or not isinstance(action.days, int) or action.days < 0:
        msg = f"days must be a whole number of at least 0, got {action.days!r:.40}"
        raise InvalidInput(msg, "policy")
    return action


#: The attributes every action has had from the start; the later ones (the acts of the
#: guides: ``question``, ``of``, ``kind``, ...) take their defaults when an action of
#: one's own lacks them, so that policies written before them keep running.
_FIELDS: Final = ("command", "by", "option", "phase", "role", "stance", "to", "days")
_LATER: Final = tuple(field.name for field in attrs.fields(Action) if field.name not in _FIELDS)


def _as_action(value: object) -> Action:
    """An :class:`Action` with the attributes of ``value`` (a :class:`PolicyAction`)."""
    missing = [name for name in _FIELDS if not hasattr(value, name)]
    if missing:
        msg = f"choose() returned {value!r:.80}, not an Action"
        raise InvalidInput(msg, "policy")
    given = {name: getattr(value, name) for name in _FIELDS}
    given.update((name, getattr(value, name)) for name in _LATER if hasattr(value, name))
    return Action(**given)


# The arguments of each command, checked as the command needs them (and typed so).


def _someone(action: Action, who: Participant | None, what: str) -> Participant:
    """``who``, the participant an argument of ``action`` names; ``what`` says which."""
    if who is None:
        msg = f"{action.command} needs {what}; the Action names nobody"
        raise InvalidInput(msg, "policy")
    return who


_T = TypeVar("_T")


def _typed(action: Action, value: object, kind: type[_T], what: str, width: int) -> _T:
    """``value``, an argument of ``action`` that must be a ``kind``; ``what`` says which
    (the error shows ``width`` characters of what the Action names instead)."""
    if not isinstance(value, kind):
        msg = f"{action.command} needs {what}; the Action names {value!r:.{width}}"
        raise InvalidInput(msg, "policy")
    return value


def _by(action: Action) -> Participant:
    return _someone(action, action.by, "someone to give it (by=)")


def _to(action: Action) -> Participant:
    return _someone(action, action.to, "someone to delegate to (to=)")


def _of(action: Action) -> Participant:
    return _someone(action, action.of, "whose understanding it checks (of=)")


def _option(action: Action) -> Option:
    return _typed(action, action.option, Option, "an option", 60)


def _stance(action: Action) -> Stance:
    return _typed(action, action.stance, Stance, "a stance (pro or con)", 40)


def _phase(action: Action) -> Phase:
    return _typed(action, action.phase, Phase, "a phase", 40)


def _question(action: Action) -> Question:
    return _typed(action, action.question, Question, "a question (question=)", 60)


def _analysis_kind(action: Action) -> Analysis:
    return _typed(action, action.kind, Analysis, "an Analysis kind (kind=)", 40)


def _information_kind(action: Action) -> Information:
    return _typed(action, action.kind, Information, "an Information kind (kind=)", 40)


def _decision_role(action: Action) -> DecisionRole:
    return _typed(action, action.decision_role, DecisionRole, "a DecisionRole (decision_role=)", 40)


def _answers(action: Action) -> tuple[bool, bool, bool, bool]:
    answers = action.answers
    if answers is ALL_YES:
        return answers
    if not isinstance(answers, tuple) or len(answers) != 4:
        msg = (
            f"{action.command} needs four yes/no answers (answers=(sure, informed, "
            f"values_clear, supported)); the Action names {answers!r:.60}"
        )
        raise InvalidInput(msg, "policy")
    return answers


def _text(view: View, action: Action) -> str:
    return f"{_SAID[action.command]} ({view.step})"


#: "add topic" for "add_topic": how the simulator's texts begin.
_SAID: Final = {command: command.replace("_", " ") for command in COMMANDS}


def _later(view: View, action: Action) -> date:
    today = view.today or view.conversation.events[-1].at.date()
    return today + timedelta(days=action.days)


def _join(c: Conversation, view: View, action: Action) -> None:
    role = action.role
    if not isinstance(role, Role):
        msg = f"join needs a role; the Action names {role!r:.40}"
        raise InvalidInput(msg, "policy")
    count = 1 + sum(1 for person in view.participants if person.role is role)
    c.join(f"{role.label.capitalize()} {count}", role)


def _add_topic(c: Conversation, view: View, action: Action) -> None:
    c.add_topic(_text(view, action), by=_by(action))


def _state_problem(c: Conversation, view: View, action: Action) -> None:
    c.state_problem(_text(view, action), by=_by(action))


def _add_goal(c: Conversation, view: View, action: Action) -> None:
    c.add_goal(_text(view, action), by=_by(action))


def _add_concern(c: Conversation, view: View, action: Action) -> None:
    c.add_concern(_text(view, action), by=_by(action))


def _propose_option(c: Conversation, _view: View, action: Action) -> None:
    by = _by(action)
    options = c.options
    count = len(options)
    source = action.source
    expected = action.expected_result
    if source is None and expected is False:
        name = _OPTION_NAMES[count % len(_OPTION_NAMES)]
        c.propose_option(name if count < len(_OPTION_NAMES) else f"{name} {count}", by=by)
        return
    if source is Source.OBLIGATION:
        made = sum(1 for option in options if option.obligation is not None)
        name, basis = _OBLIGATIONS[made % len(_OBLIGATIONS)]
        if made >= len(_OBLIGATIONS):
            name = f"{name} {made}"
        obligation: str | None = basis
    else:
        name = _OPTION_NAMES[count % len(_OPTION_NAMES)]
        if count >= len(_OPTION_NAMES):
            name = f"{name} {count}"
        obligation = None
    c.propose_option(
        name,
        by=by,
        source=source,
        expected_result=f"{name.lower()} helps towards the goal" if expected is True else None,
        obligation=obligation,
    )


def _consideration(c: Conversation, view: View, action: Action) -> None:
    c.add_consideration(_option(action), _stance(action), _text(view, action), by=_by(action))


def _withdraw(c: Conversation, _view: View, action: Action) -> None:
    c.withdraw_option(_option(action), "not wanted", by=_by(action))


def _start_trial(c: Conversation, view: View, action: Action) -> None:
    c.start_trial(_option(action), _later(view, action), by=_by(action))


def _end_trial(c: Conversation, _view: View, action: Action) -> None:
    c.end_trial(_option(action), "tried out", by=_by(action))


def _preference(c: Conversation, _view: View, action: Action) -> None:
    c.state_preference(action.option, by=_by(action))


def _delegate(c: Conversation, _view: View, action: Action) -> None:
    c.delegate(_to(action), by=_by(action))


def _propose_decision(c: Conversation, view: View, action: Action) -> None:
    when = _later(view, action)
    c.propose_decision(
        _option(action),
        who="the client, with support",
        what="carry out the chosen option",
        when=when,
        review_on=when + timedelta(days=90),
        by=_by(action),
    )


def _consent(c: Conversation, _view: View, action: Action) -> None:
    c.consent(by=_by(action))


def _object(c: Conversation, _view: View, action: Action) -> None:
    c.object("this does not fit me", by=_by(action))


def _impose(c: Conversation, _view: View, action: Action) -> None:
    c.impose("the law requires a step now", by=_by(action))


def _pause(c: Conversation, view: View, action: Action) -> None:
    by = _by(action)
    until = _later(view, action)
    view.paused_until = until
    c.pause(until, "time to think it over", by=by)


def _resume(c: Conversation, _view: View, action: Action) -> None:
    c.resume(by=_by(action))


def _evaluate(c: Conversation, _view: View, action: Action) -> None:
    c.evaluate("the decision works out", "I could say what matters to me", by=_by(action))


def _role_preference(c: Conversation, _view: View, action: Action) -> None:
    c.state_role_preference(_decision_role(action), by=_by(action))


def _ask(c: Conversation, view: View, action: Action) -> None:
    c.ask(_text(view, action), by=_by(action))


def _answer(c: Conversation, view: View, action: Action) -> None:
    c.answer(_question(action), _text(view, action), by=_by(action))


def _add_analysis(c: Conversation, view: View, action: Action) -> None:
    c.add_analysis(_analysis_kind(action), _text(view, action), by=_by(action))


def _check_understanding(c: Conversation, _view: View, action: Action) -> None:
    understood = action.understood
    note = "said it back in own words" if understood is True else "not clear yet"
    c.check_understanding(_of(action), understood=understood, note=note, by=_by(action))


def _share_information(c: Conversation, view: View, action: Action) -> None:
    c.share_information(
        _text(view, action),
        kind=_information_kind(action),
        option=action.option,
        by=_by(action),
    )


def _decline(c: Conversation, _view: View, action: Action) -> None:
    c.decline(_option(action), "this does not fit me", by=_by(action))


def _waive(c: Conversation, _view: View, action: Action) -> None:
    c.waive(
        _option(action),
        "another step serves the way to regular work better here",
        by=_by(action),
    )


def _check_conflict(c: Conversation, _view: View, action: Action) -> None:
    sure, informed, values_clear, supported = _answers(action)
    c.check_conflict(
        sure=sure,
        informed=informed,
        values_clear=values_clear,
        supported=supported,
        by=_by(action),
    )


def _move(c: Conversation, _view: View, action: Action) -> None:
    c.move_to(_phase(action), by=_by(action))


def _close(c: Conversation, _view: View, action: Action) -> None:
    c.close("done", by=_by(action))


_COMMAND: Final[dict[str, Callable[[Conversation, View, Action], None]]] = {
    "join": _join,
    "add_topic": _add_topic,
    "state_problem": _state_problem,
    "add_goal": _add_goal,
    "add_concern": _add_concern,
    "propose_option": _propose_option,
    "add_consideration": _consideration,
    "withdraw_option": _withdraw,
    "start_trial": _start_trial,
    "end_trial": _end_trial,
    "state_preference": _preference,
    "delegate": _delegate,
    "propose_decision": _propose_decision,
    "consent": _consent,
    "object": _object,
    "impose": _impose,
    "pause": _pause,
    "resume": _resume,
    "evaluate": _evaluate,
    "move_to": _move,
    "close": _close,
    "state_role_preference": _role_preference,
    "ask": _ask,
    "answer": _answer,
    "add_analysis": _add_analysis,
    "check_understanding": _check_understanding,
    "share_information": _share_information,
    "decline": _decline,
    "waive": _waive,
    "check_conflict": _check_conflict,
}


_KEEP_NONE: Final = frozenset({"opened", "advisory"})


class _Watcher:
    """Keeps a :class:`View` up to date from the conversation's events."""

    __slots__ = ("_handlers", "_view")

    def __init__(self, view: View) -> None:
        self._view = view
        self._handlers: dict[str, Callable[[View, Event], None]] = _HANDLERS

    def __call__(self, event: Event) -> None:
        kind = event.kind
        if kind in _KEEP_NONE:
            return
        view = self._view
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(view, event)
        if kind != "refused":
            view.last = kind
            if kind not in ("moved", "paused", "resumed"):
                view.visit.append((kind, event.actor))


# The view holds the very objects the conversation returned, not equal copies: the engine
# recognises those by identity, without comparing them field by field.


def _joined(view: View, event: Event) -> None:
    person = view.conversation.participant(event.data["participant"])
    {Role.CLIENT: view.clients, Role.RELATIVE: view.relatives}.get(
        person.role, view.professionals
    ).append(person)


def _proposed(view: View, event: Event) -> None:
    data = event.data
    view.options.append(view.conversation.option(data["option"]))
    view.considered[data["option"]] = 0


def _withdrawn(view: View, event: Event) -> None:
    oid = event.data["option"]
    view.options = [option for option in view.options if option.id != oid]
    view.trials.pop(oid, None)
    for pid in [pid for pid, preferred in view.preferences.items() if preferred == oid]:
        del view.preferences[pid]


def _waived(view: View, event: Event) -> None:
    view.waived.add(event.data["option"])
    _withdrawn(view, event)


def _declined(view: View, event: Event) -> None:
    view.declines.setdefault(event.data["option"], set()).add(event.actor or "")


def _role_preferred(view: View, event: Event) -> None:
    view.role_preferences[event.actor or ""] = DECISION_ROLE_BY_VALUE[event.data["preference"]]


def _conflict_checked(view: View, event: Event) -> None:
    data = event.data
    view.sure[event.actor or ""] = (
        data["sure"] + data["informed"] + data["values_clear"] + data["supported"]
    )


def _understanding_checked(view: View, event: Event) -> None:
    view.understood[event.data["of"]] = event.data["understood"]


def _analysed(view: View, event: Event) -> None:
    kind = ANALYSIS_BY_VALUE[event.data["kind"]]
    view.analysis[kind] = view.analysis.get(kind, 0) + 1


def _informed(view: View, event: Event) -> None:
    oid = event.data["option"]
    view.information[oid] = view.information.get(oid, 0) + 1


def _asked(view: View, event: Event) -> None:
    view.open_questions.append(view.conversation.question(event.data["question"]))


def _answered(view: View, event: Event) -> None:
    qid = event.data["question"]
    view.open_questions = [question for question in view.open_questions if question.id != qid]


def _considered(view: View, event: Event) -> None:
    oid = event.data["option"]
    view.considered[oid] = view.considered.get(oid, 0) + 1


def _trial_started(view: View, event: Event) -> None:
    view.trials[event.data["option"]] = date.fromisoformat(event.data["evaluate_on"])


def _trial_ended(view: View, event: Event) -> None:
    view.trials.pop(event.data["option"], None)


def _preferred(view: View, event: Event) -> None:
    view.preferences[event.actor or ""] = event.data["option"]


def _delegated(view: View, event: Event) -> None:
    view.delegations[event.actor or ""] = event.data["to"]


def _problem(view: View, _event: Event) -> None:
    view.problem_stated = True


def _goal(view: View, event: Event) -> None:
    if any(person.id == event.actor for person in view.clients):
        view.client_goal = True


def _moved(view: View, event: Event) -> None:
    view.visit = []
    if event.data["reopened"]:
        view.delegations.clear()


def _resumed(view: View, _event: Event) -> None:
    view.sitting += 1
    view.paused_until = None


_HANDLERS: Final[dict[str, Callable[[View, Event], None]]] = {
    "joined": _joined,
    "option-proposed": _proposed,
    "option-withdrawn": _withdrawn,
    "consideration-added": _considered,
    "trial-started": _trial_started,
    "trial-ended": _trial_ended,
    "preference-stated": _preferred,
    "delegated": _delegated,
    "problem-stated": _problem,
    "goal-added": _goal,
    "moved": _moved,
    "resumed": _resumed,
    "obligation-waived": _waived,
    "option-declined": _declined,
    "role-preference-stated": _role_preferred,
    "conflict-checked": _conflict_checked,
    "understanding-checked": _understanding_checked,
    "analysis-added": _analysed,
    "information-shared": _informed,
    "question-asked": _asked,
    "question-answered": _answered,
}
