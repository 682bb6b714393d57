"""What a conversation knows, and how each kind of event changes it.

``apply`` is the single way state changes: a live command builds its events and applies
them; ``replay`` applies recorded events the same way. That is what makes the events alone
enough to rebuild a conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import attrs

from threetalk._engine import Engine
from threetalk._phases import (
    ANALYSIS_BY_VALUE,
    DECIDED_BY_VALUE,
    DECISION_ROLE_BY_VALUE,
    INFORMATION_BY_VALUE,
    PHASE_BY_VALUE,
    ROLE_BY_VALUE,
    SOURCE_BY_VALUE,
    STANCE_BY_VALUE,
    DecisionRole,
    Phase,
    Role,
    Source,
)
from threetalk._trail import Event
from threetalk._values import (
    AnalysisEntry,
    Answer,
    Consideration,
    Decision,
    Decline,
    Evaluation,
    Option,
    OptionState,
    Participant,
    Proposal,
    Question,
    QuestionState,
    SharedInformation,
    Snapshot,
    Statement,
    SureCheck,
    Trial,
    UnderstandingCheck,
    Waiver,
)


@attrs.define
class State:
    """The mutable state behind a conversation (private; read through ``Conversation``).

    What :class:`~threetalk.typing.ConversationView` hands out is kept here as the events
    apply, never copied per read: tuples of the participants, options and option states
    (rebuilt when someone joins or an option changes), read-only proxies over the dicts
    of preferences and delegations (made once, when first read), and the statements as
    tuples rebuilt at most once per change, when first read after it.
    """

    phase: Phase
    #: The phase as the shared transitions machine names it (see ``_engine``).
    machine_state: str = attrs.field(
        default=attrs.Factory(lambda self: self.phase.value, takes_self=True)
    )
    participants: dict[str, Participant] = attrs.field(factory=dict)
    options: dict[str, OptionState] = attrs.field(factory=dict)
    preferences: dict[str, str | None] = attrs.field(factory=dict)
    delegations: dict[str, str] = attrs.field(factory=dict)
    # A tuple when read last (the shared empty tuple until something is added: it costs no
    # memory), a list while things are being added: appending stays O(1) however long a
    # conversation runs, and reading (see ``frozen``) freezes the list once, not per read.
    topics: list[Statement] | tuple[Statement, ...] = ()
    goals: list[Statement] | tuple[Statement, ...] = ()
    concerns: list[Statement] | tuple[Statement, ...] = ()
    evaluations: list[Evaluation] | tuple[Evaluation, ...] = ()
    problem: Statement | None = None
    proposal: Proposal | None = None
    decision: Decision | None = None
    resume_phase: Phase | None = None
    paused_until: date | None = None
    closed_reason: str | None = None
    #: The talk phase the conversation was in (or paused from) when it closed.
    closed_in: Phase | None = None
    sitting: int = 1
    first_option_sitting: int | None = None
    #: Who had an accepted command in the current visit of the phase (advisory A3).
    active: tuple[str, ...] = ()
    #: Everyone who joined, in order (rebuilt on every join).
    participant_tuple: tuple[Participant, ...] = ()
    #: Every option proposed, in order (rebuilt on every proposal).
    option_tuple: tuple[Option, ...] = ()
    #: The values of ``options``, in order of proposal (rebuilt on every change to one:
    #: rules read them far more often than options change).
    option_states: tuple[OptionState, ...] = ()
    # Read-only proxies of ``preferences`` and ``delegations``, made when first read.
    _preferences_view: Mapping[str, str | None] | None = None
    _delegations_view: Mapping[str, str] | None = None
    #: What the acts of the practice guides recorded; made by the first such act (most
    #: conversations of the abstract model have none, and then this costs one slot).
    acts: Acts | None = None

    def frozen(self, field: str) -> tuple[Any, ...]:
        """The statements (or evaluations) of ``field`` as a tuple, frozen once if needed.

        Readers take the tuple directly when the field holds one (the common case) and
        call this only when it holds a list, things having been added since the last read.
        """
        return _frozen(self, field)

    @property
    def preferences_view(self) -> Mapping[str, str | None]:
        """``preferences``, read-only; it shows every later change."""
        view = self._preferences_view
        if view is None:
            view = self._preferences_view = MappingProxyType(self.preferences)
        return view

    @property
    def delegations_view(self) -> Mapping[str, str]:
        """``delegations``, read-only; it shows every later change."""
        view = self._delegations_view
        if view is None:
            view = self._delegations_view = MappingProxyType(self.delegations)
        return view

    def recorded_acts(self) -> Acts:
        """``acts``, made when the first act of the guides is applied."""
        acts = self.acts
        if acts is None:
            acts = self.acts = Acts()
        return acts

    def put_option(self, item: OptionState) -> None:
        """Record ``item`` as the latest state of its option (new or not)."""
        options = self.options
        options[item.option.id] = item
        self.option_states = tuple(options.values())

    def snapshot(self, conversation_id: str, protocol: str) -> Snapshot:
        """A frozen copy of the whole state."""
        return Snapshot(
            conversation_id=conversation_id,
            protocol=protocol,
            phase=self.phase,
            resume_phase=self.resume_phase,
            paused_until=self.paused_until,
            participants=self.participant_tuple,
            topics=self.frozen("topics"),
            problem=self.problem,
            goals=self.frozen("goals"),
            concerns=self.frozen("concerns"),
            options=self.option_states,
            preferences=tuple(sorted(self.preferences.items())),
            delegations=tuple(sorted(self.delegations.items())),
            proposal=self.proposal,
            decision=self.decision,
            evaluations=self.frozen("evaluations"),
            sitting=self.sitting,
            closed_reason=self.closed_reason,
            **({} if self.acts is None else self.acts.snapshot_fields()),
        )


_NOTHING: Final[Mapping[str, Any]] = MappingProxyType({})


@attrs.define
class Acts:
    """What the acts of the practice guides recorded (part of ``State``).

    The latest role preference, SURE check and teach-back check per person (dicts, read
    through read-only proxies made once), the analysis and the information in order
    (lists while growing, frozen to tuples when read, as ``State``'s statements), and the
    questions with their answers.
    """

    role_preferences: dict[str, DecisionRole] = attrs.field(factory=dict)
    sure_checks: dict[str, SureCheck] = attrs.field(factory=dict)
    understanding: dict[str, UnderstandingCheck] = attrs.field(factory=dict)
    questions: dict[str, QuestionState] = attrs.field(factory=dict)
    #: The values of ``questions``, in order of asking (rebuilt on every change to one).
    question_states: tuple[QuestionState, ...] = ()
    analysis: list[AnalysisEntry] | tuple[AnalysisEntry, ...] = ()
    information: list[SharedInformation] | tuple[SharedInformation, ...] = ()
    _views: dict[str, Mapping[str, Any]] = attrs.field(factory=dict)

    def view(self, field: str) -> Mapping[str, Any]:
        """The dict ``field`` (``role_preferences``, ...), read-only; it shows later changes."""
        found = self._views.get(field)
        if found is None:
            found = self._views[field] = MappingProxyType(getattr(self, field))
        return found

    def frozen(self, field: str) -> tuple[Any, ...]:
        """``analysis`` or ``information`` as a tuple, frozen once if needed."""
        return _frozen(self, field)

    def put_question(self, item: QuestionState) -> None:
        """Record ``item`` as the latest state of its question (new or not)."""
        self.questions[item.question.id] = item
        self.question_states = tuple(self.questions.values())

    def snapshot_fields(self) -> dict[str, Any]:
        """The fields of a :class:`Snapshot` that these acts fill."""
        return {
            "role_preferences": tuple(sorted(self.role_preferences.items())),
            "sure_checks": tuple(check for _, check in sorted(self.sure_checks.items())),
            "understanding": tuple(check for _, check in sorted(self.understanding.items())),
            "analysis": self.frozen("analysis"),
            "information": self.frozen("information"),
            "questions": self.question_states,
        }


def _frozen(holder: State | Acts, field: str) -> tuple[Any, ...]:
    """The list or tuple ``field`` of ``holder`` as a tuple, kept in its place once made
    (things added since the last read are a list: see ``_append``)."""
    items = getattr(holder, field)
    if type(items) is not tuple:
        items = tuple(items)
        setattr(holder, field, items)
    return items


def acts_view(state: State, field: str) -> Mapping[str, Any]:
    """The acts' dict ``field`` of ``state``, read-only (empty before any act)."""
    acts = state.acts
    return _NOTHING if acts is None else acts.view(field)


def acts_tuple(state: State, field: str) -> tuple[Any, ...]:
    """The acts' ``analysis``, ``information`` or ``question_states`` (empty before any act)."""
    acts = state.acts
    if acts is None:
        return ()
    if field == "question_states":
        return acts.question_states
    return acts.frozen(field)


Applier = Callable[[State, Event, Engine], None]
_APPLY: dict[str, Applier] = {}


def _applies(kind: str) -> Callable[[Applier], Applier]:
    def register(function: Applier) -> Applier:
        _APPLY[kind] = function
        return function

    return register


#: Events that record something without changing the state.
SILENT_KINDS: Final = frozenset({"opened", "refused", "advisory"})


def apply(state: State, event: Event, engine: Engine) -> None:
    """Change ``state`` as ``event`` says.

    A live command applies only events it built and checked; ``replay`` applies recorded
    ones and turns each of the errors below into a ``TamperedLog`` naming the event. An
    error can leave ``state`` partly changed, so ``replay`` then discards the conversation.

    Args:
        state: Changed in place.
        event: An event of this conversation, the next in its log.
        engine: The phase machine of the conversation's protocol (for moves, pauses,
            resumes and closes).

    Raises:
        KeyError: The event is of an unknown kind, lacks a field of its kind, or refers
            to a participant, option, trial or proposal that is not there (or gives a
            new participant or option an id out of order).
        ImpossibleStep: A move, pause, resume or close that the protocol's phase graph
            does not have from the current phase.
        ValueError: A date in its data is not an ISO date.
        TypeError: A field of its data has the wrong type (text where a mapping or a
            date is expected, say).
        AttributeError: Its data is not a mapping.
    """
    if event.kind in SILENT_KINDS:
        return
    _APPLY[event.kind](state, event, engine)
    actor = event.actor
    if actor is not None and event.kind != "moved" and actor not in state.active:
        state.active = (*state.active, actor)


@_applies("joined")
def _joined(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    pid = data["participant"]
    if pid != f"p{len(state.participants) + 1}":
        raise KeyError(pid)
    joiner = Participant(pid, data["name"], ROLE_BY_VALUE[data["role"]], event.conversation_id)
    state.participants[pid] = joiner
    state.participant_tuple = (*state.participant_tuple, joiner)


def _append(
    state: State | Acts,
    field: str,
    item: Statement | Evaluation | AnalysisEntry | SharedInformation,
) -> None:
    items = getattr(state, field)
    if type(items) is tuple:
        items = list(items)
        setattr(state, field, items)
    items.append(item)


def _statement(event: Event) -> Statement:
    return Statement(event.data["text"], _actor(event))


def _actor(event: Event) -> str:
    actor = event.actor
    if actor is None:
        msg = "actor"
        raise KeyError(msg)
    return actor


@_applies("topic-added")
def _topic(state: State, event: Event, _engine: Engine) -> None:
    _append(state, "topics", _statement(event))


@_applies("problem-stated")
def _problem(state: State, event: Event, _engine: Engine) -> None:
    state.problem = _statement(event)


@_applies("goal-added")
def _goal(state: State, event: Event, _engine: Engine) -> None:
    _append(state, "goals", _statement(event))


@_applies("concern-added")
def _concern(state: State, event: Event, _engine: Engine) -> None:
    _append(state, "concerns", _statement(event))


@_applies("option-proposed")
def _option(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    if oid != f"o{len(state.options) + 1}":
        raise KeyError(oid)
    data = event.data
    actor = _actor(event)
    source = data.get("source")
    if source is None:  # recorded before options had sources: the proposer's role says
        professional = state.participants[actor].role is Role.PROFESSIONAL
        found = Source.PROFESSIONAL if professional else Source.OWN_IDEA
    else:
        found = SOURCE_BY_VALUE[source]
    obligation = data.get("obligation")
    if (obligation is None) is (found is Source.OBLIGATION):
        msg = "obligation"
        raise KeyError(msg)
    option = Option(
        oid,
        data["text"],
        actor,
        event.conversation_id,
        source=found,
        expected_result=data.get("expected_result"),
        obligation=obligation,
    )
    state.put_option(OptionState(option))
    state.option_tuple = (*state.option_tuple, option)
    if state.first_option_sitting is None:
        state.first_option_sitting = state.sitting


# Options change often (every pro and con), so the appliers build the new OptionState
# directly: attrs.evolve looks the class's fields up again on every call.


@_applies("consideration-added")
def _consideration(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    oid = data["option"]
    item = state.options[oid]
    added = Consideration(STANCE_BY_VALUE[data["stance"]], data["text"], _actor(event))
    considerations = (*item.considerations, added)
    state.put_option(
        OptionState(
            item.option, considerations, item.withdrawn, item.trial, item.declines, item.waiver
        )
    )


@_applies("option-withdrawn")
def _withdrawn(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    item = state.options[oid]
    reason = event.data["reason"]
    state.put_option(
        OptionState(
            item.option, item.considerations, reason, item.trial, item.declines, item.waiver
        )
    )
    _forget_preferences(state, oid)


@_applies("trial-started")
def _trial_started(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    item = state.options[oid]
    trial = Trial(date.fromisoformat(event.data["evaluate_on"]), _actor(event))
    state.put_option(
        OptionState(
            item.option, item.considerations, item.withdrawn, trial, item.declines, item.waiver
        )
    )


@_applies("trial-ended")
def _trial_ended(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    item = state.options[oid]
    trial = item.trial
    if trial is None:
        msg = "trial"
        raise KeyError(msg)
    ended = Trial(trial.evaluate_on, trial.started_by, event.data["outcome"])
    state.put_option(
        OptionState(
            item.option, item.considerations, item.withdrawn, ended, item.declines, item.waiver
        )
    )


def _forget_preferences(state: State, oid: str) -> None:
    """Drop the preferences for option ``oid``, which can no longer be chosen."""
    for pid in [pid for pid, preferred in state.preferences.items() if preferred == oid]:
        del state.preferences[pid]


@_applies("option-declined")
def _declined(state: State, event: Event, _engine: Engine) -> None:
    item = state.options[event.data["option"]]
    actor = _actor(event)
    declines = (
        *(each for each in item.declines if each.by != actor),
        Decline(event.data["reason"], actor),
    )
    state.put_option(attrs.evolve(item, declines=declines))


@_applies("obligation-waived")
def _waived(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    item = state.options[oid]
    if not item.option.is_obligation or item.waiver is not None:
        msg = "obligation"
        raise KeyError(msg)
    waiver = Waiver(event.data["justification"], _actor(event))
    state.put_option(attrs.evolve(item, waiver=waiver))
    _forget_preferences(state, oid)


@_applies("role-preference-stated")
def _role_preference(state: State, event: Event, _engine: Engine) -> None:
    preference = DECISION_ROLE_BY_VALUE[event.data["preference"]]
    state.recorded_acts().role_preferences[_actor(event)] = preference


@_applies("conflict-checked")
def _conflict_checked(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    actor = _actor(event)
    state.recorded_acts().sure_checks[actor] = SureCheck(
        data["sure"], data["informed"], data["values_clear"], data["supported"], actor
    )


@_applies("understanding-checked")
def _understanding_checked(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    of = data["of"]
    if of not in state.participants:
        raise KeyError(of)
    state.recorded_acts().understanding[of] = UnderstandingCheck(
        of, data["understood"], data["note"], _actor(event)
    )


@_applies("analysis-added")
def _analysis(state: State, event: Event, _engine: Engine) -> None:
    entry = AnalysisEntry(ANALYSIS_BY_VALUE[event.data["kind"]], event.data["text"], _actor(event))
    _append(state.recorded_acts(), "analysis", entry)


@_applies("information-shared")
def _information(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    option = data["option"]
    if option is not None and option not in state.options:
        raise KeyError(option)
    kind = INFORMATION_BY_VALUE[data["kind"]]
    shared = SharedInformation(kind, data["text"], option, _actor(event))
    _append(state.recorded_acts(), "information", shared)


@_applies("question-asked")
def _asked(state: State, event: Event, _engine: Engine) -> None:
    acts = state.recorded_acts()
    qid = event.data["question"]
    if qid != f"q{len(acts.questions) + 1}":
        raise KeyError(qid)
    question = Question(qid, event.data["text"], _actor(event), event.conversation_id)
    acts.put_question(QuestionState(question))


@_applies("question-answered")
def _answered(state: State, event: Event, _engine: Engine) -> None:
    acts = state.recorded_acts()
    item = acts.questions[event.data["question"]]
    answer = Answer(event.data["text"], _actor(event))
    acts.put_question(QuestionState(item.question, (*item.answers, answer)))


@_applies("preference-stated")
def _preference(state: State, event: Event, _engine: Engine) -> None:
    oid = event.data["option"]
    if oid is not None and oid not in state.options:
        raise KeyError(oid)
    state.preferences[_actor(event)] = oid


@_applies("delegated")
def _delegated(state: State, event: Event, _engine: Engine) -> None:
    to = event.data["to"]
    if to not in state.participants:
        raise KeyError(to)
    state.delegations[_actor(event)] = to


@_applies("decision-proposed")
def _proposed(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    state.proposal = Proposal(
        option=state.options[data["option"]].option,
        who=data["who"],
        what=data["what"],
        when=date.fromisoformat(data["when"]),
        review_on=date.fromisoformat(data["review_on"]),
        proposed_by=_actor(event),
    )


def _pending(state: State) -> Proposal:
    if state.proposal is None:
        msg = "proposal"
        raise KeyError(msg)
    return state.proposal


@_applies("consented")
def _consented(state: State, event: Event, _engine: Engine) -> None:
    proposal = _pending(state)
    state.proposal = _revised(proposal, proposal.consents | {_actor(event)}, proposal.objections)


@_applies("objected")
def _objected(state: State, event: Event, _engine: Engine) -> None:
    proposal = _pending(state)
    actor = _actor(event)
    objections = (*proposal.objections, (actor, event.data["reason"]))
    state.proposal = _revised(proposal, proposal.consents - {actor}, objections)


def _revised(
    proposal: Proposal, consents: frozenset[str], objections: tuple[tuple[str, str], ...]
) -> Proposal:
    """The same proposal with other consents and objections (cheaper than attrs.evolve)."""
    return Proposal(
        proposal.option,
        proposal.who,
        proposal.what,
        proposal.when,
        proposal.review_on,
        proposal.proposed_by,
        consents,
        objections,
    )


@_applies("decided")
def _decided(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    state.decision = Decision(
        option=state.options[data["option"]].option,
        how=DECIDED_BY_VALUE[data["how"]],
        who=data["who"],
        what=data["what"],
        when=date.fromisoformat(data["when"]),
        review_on=date.fromisoformat(data["review_on"]),
        justification=data.get("justification"),
    )
    state.proposal = None


@_applies("evaluated")
def _evaluated(state: State, event: Event, _engine: Engine) -> None:
    data = event.data
    _append(state, "evaluations", Evaluation(data["outcome"], data["process"], _actor(event)))


@_applies("moved")
def _moved(state: State, event: Event, engine: Engine) -> None:
    left = state.phase
    engine.move(state, PHASE_BY_VALUE[event.data["to"]])
    if left is Phase.DECISION_TALK:
        state.proposal = None
    if event.data["reopened"]:
        state.decision = None
        state.delegations.clear()
    state.active = ()


@_applies("paused")
def _paused(state: State, event: Event, engine: Engine) -> None:
    engine.pause(state)
    state.paused_until = date.fromisoformat(event.data["until"])


@_applies("resumed")
def _resumed(state: State, _event: Event, engine: Engine) -> None:
    engine.resume(state)
    state.paused_until = None
    state.sitting += 1


@_applies("closed")
def _closed(state: State, event: Event, engine: Engine) -> None:
    state.closed_in = state.resume_phase if state.phase is Phase.PAUSED else state.phase
    engine.close(state)
    state.closed_reason = event.data["reason"]
    state.resume_phase = None
    state.paused_until = None
    state.proposal = None  # it can never become final now


#: Every kind of event a conversation records.
KINDS: Final = frozenset(_APPLY) | SILENT_KINDS


_TEXT: Final = (str,)
_MAYBE_TEXT: Final = (str, type(None))
_BOOL: Final = (bool,)

#: For each kind of event, the fields of its data that the live path always writes as
#: text (or, where marked, text or null, or a boolean): what ``replay`` checks again
#: before it applies a recorded event, so that a resealed forgery cannot put a number
#: where a name belongs. Fields the reducers check themselves (ids, roles, stances,
#: dates, phases) are left to them.
DATA_SHAPES: Final[dict[str, dict[str, tuple[type, ...]]]] = {
    "opened": {"protocol": _TEXT, "fingerprint": _TEXT},
    "joined": {"participant": _TEXT, "name": _TEXT, "role": _TEXT},
    "topic-added": {"text": _TEXT},
    "problem-stated": {"text": _TEXT},
    "goal-added": {"text": _TEXT},
    "concern-added": {"text": _TEXT},
    "option-proposed": {"option": _TEXT, "text": _TEXT},
    "option-declined": {"option": _TEXT, "reason": _TEXT},
    "obligation-waived": {"option": _TEXT, "justification": _TEXT},
    "role-preference-stated": {"preference": _TEXT},
    "conflict-checked": {
        "sure": _BOOL,
        "informed": _BOOL,
        "values_clear": _BOOL,
        "supported": _BOOL,
    },
    "understanding-checked": {"of": _TEXT, "understood": _BOOL, "note": _TEXT},
    "analysis-added": {"kind": _TEXT, "text": _TEXT},
    "information-shared": {"kind": _TEXT, "text": _TEXT, "option": _MAYBE_TEXT},
    "question-asked": {"question": _TEXT, "text": _TEXT},
    "question-answered": {"question": _TEXT, "text": _TEXT},
    "consideration-added": {"option": _TEXT, "stance": _TEXT, "text": _TEXT},
    "option-withdrawn": {"option": _TEXT, "reason": _TEXT},
    "trial-started": {"option": _TEXT, "evaluate_on": _TEXT},
    "trial-ended": {"option": _TEXT, "outcome": _TEXT},
    "preference-stated": {"option": _MAYBE_TEXT},
    "delegated": {"to": _TEXT},
    "decision-proposed": {"option": _TEXT, "who": _TEXT, "what": _TEXT},
    "objected": {"reason": _TEXT},
    "decided": {"option": _TEXT, "how": _TEXT, "who": _TEXT, "what": _TEXT},
    "evaluated": {"outcome": _TEXT, "process": _TEXT},
    "moved": {"to": _TEXT, "reopened": (bool,)},
    "paused": {"until": _TEXT, "reason": _TEXT},
    "resumed": {"to": _MAYBE_TEXT},
    "closed": {"reason": _MAYBE_TEXT},
    "advisory": {"code": _TEXT, "rule": _TEXT, "message": _TEXT, "participant": _MAYBE_TEXT},
    "refused": {"command": _TEXT},
}


#: Fields a kind's data has only sometimes, and their types when it has them.
OPTIONAL_SHAPES: Final[dict[str, dict[str, tuple[type, ...]]]] = {
    "option-proposed": {"source": _TEXT, "expected_result": _TEXT, "obligation": _TEXT},
}


def data_problem(event: Event) -> str | None:
    """Why the data of a recorded event cannot be what the live path wrote, if it cannot.

    Checks the fields of :data:`DATA_SHAPES` (present, and of their type); more fields
    than these are allowed (later versions may add some, a clock reading is one).
    """
    shape = DATA_SHAPES.get(event.kind)
    if shape is None:
        return None
    data = event.data
    for name, types in shape.items():
        if name not in data:
            return f"its data lacks {name!r}"
        if type(data[name]) not in types:
            return f"its {name!r} is {type(data[name]).__name__}, not what was recorded"
    for name, types in OPTIONAL_SHAPES.get(event.kind, {}).items():
        if name in data and type(data[name]) not in types:
            return f"its {name!r} is {type(data[name]).__name__}, not what was recorded"
    return None
