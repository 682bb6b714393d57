"""The conversation: commands of the participants, the checks they pass, the events they leave.

Every command runs the same way: its arguments are checked (``InvalidInput``, nothing is
recorded); then whether the actor's role may give it; then the conversation's state and the
protocol's rules. A command that fails those is ``Refused`` and leaves one refusal event. A
command that passes leaves its event(s), followed by any advisory it gave rise to, and only
these events change the state (see ``_state.apply``).
"""

from __future__ import annotations

import threading
import typing
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, NoReturn, SupportsIndex

import attrs

from threetalk import _advisories, _steps
from threetalk import _inputs as check
from threetalk import _refusals as refusals
from threetalk._engine import Engine, ImpossibleStep, engine_for
from threetalk._exceptions import (
    ClockSkew,
    InvalidInput,
    Refused,
    SubscriberError,
    TamperedLog,
    ThreetalkError,
    UnknownParticipant,
)
from threetalk._phases import (
    Analysis,
    Decided,
    DecisionRole,
    Information,
    Phase,
    Role,
    Source,
    Stance,
)
from threetalk._prompts import choose
from threetalk._protocols import COMMANDS, Protocol, three_talk
from threetalk._state import KINDS, State, acts_tuple, acts_view, apply, data_problem
from threetalk._sync import new_lock
from threetalk._text import check_language, unknown_language
from threetalk._trail import CannedData, Event, Sealer, Spec, format_time, freeze
from threetalk._values import (
    Advisory,
    Decision,
    Option,
    OptionState,
    Participant,
    Proposal,
    Question,
    QuestionState,
    Reason,
    Snapshot,
)
from threetalk.typing import EventSink

if typing.TYPE_CHECKING:
    import enum

    from threetalk._advisories import Observation
    from threetalk._prompts import Prompt
    from threetalk._steps import Step, StepProgress
    from threetalk._values import (
        AnalysisEntry,
        Evaluation,
        SharedInformation,
        Statement,
        SureCheck,
        UnderstandingCheck,
    )
    from threetalk.typing import ConversationView

Clock = Callable[[], datetime]

#: How far a clock may read before a conversation's last event and still be recorded (at
#: the last event's time): clocks of two machines writing one conversation drift apart.
CLOCK_TOLERANCE: Final = timedelta(seconds=5)
Subscriber = Callable[[Event], object]


_Spec = Spec

P = Phase

#: The data of every move there can be, by (target, whether it reopens a decision).
_MOVED: dict[tuple[Phase, bool], CannedData] = {
    (phase, reopens): CannedData(to=phase.value, reopened=reopens)
    for phase in Phase
    for reopens in (False, True)
}


#: Each command's parameters (``by`` where the command checks it), in the order it checks them.
_PARAMETERS: Final[dict[str, tuple[str, ...]]] = {
    "join": ("name", "role"),
    "state_role_preference": ("by", "preference"),
    "ask": ("by", "text"),
    "answer": ("by", "question", "text"),
    "add_topic": ("by", "text"),
    "state_problem": ("by", "text"),
    "add_goal": ("by", "text"),
    "add_concern": ("by", "text"),
    "add_analysis": ("by", "kind", "text"),
    "check_understanding": ("by", "of", "understood", "note"),
    "propose_option": ("by", "text", "source", "expected_result", "obligation"),
    "add_consideration": ("by", "option", "stance", "text"),
    "share_information": ("by", "text", "kind", "option"),
    "withdraw_option": ("by", "option", "reason"),
    "decline": ("by", "option", "reason"),
    "waive": ("by", "option", "justification"),
    "start_trial": ("by", "option", "evaluate_on"),
    "end_trial": ("by", "option", "outcome"),
    "check_conflict": ("by", "sure", "informed", "values_clear", "supported"),
    "state_preference": ("by", "option"),
    "delegate": ("by", "to"),
    "propose_decision": ("by", "option", "who", "what", "when", "review_on"),
    "consent": ("by",),
    "object": ("by", "reason"),
    "impose": ("by", "justification"),
    "pause": ("by", "until", "reason"),
    "resume": ("by",),
    "evaluate": ("by", "outcome", "process"),
    "move_to": ("phase", "by"),
    "close": ("by", "reason"),
}

#: How an argument is checked, by name (the rest are text); ``_OPTIONAL`` has the exceptions.
_CHECKS: Final = {
    "name": "name",
    "role": "role",
    "stance": "stance",
    "phase": "phase",
    "preference": "preference",
    "option": "option",
    "question": "question",
    "to": "participant",
    "of": "participant",
    "evaluate_on": "day",
    "when": "day",
    "review_on": "day",
    "until": "day",
    "understood": "flag",
    "sure": "flag",
    "informed": "flag",
    "values_clear": "flag",
    "supported": "flag",
}
_OPTIONAL: Final = {
    ("close", "reason"): "optional text",
    ("state_preference", "option"): "optional option",
    ("share_information", "option"): "optional option",
    ("add_analysis", "kind"): "analysis",
    ("share_information", "kind"): "information",
    ("propose_option", "source"): "optional source",
    ("propose_option", "expected_result"): "optional text",
    ("propose_option", "obligation"): "optional text",
}
_MEMBERS: Final[dict[str, type[enum.Enum]]] = {
    "role": Role,
    "stance": Stance,
    "phase": Phase,
    "preference": DecisionRole,
    "analysis": Analysis,
    "information": Information,
    "source": Source,
}

#: The argument allowed_commands() tries every value of, for the commands that have one.
_CHOSEN: Final = {
    "add_consideration": "option",
    "withdraw_option": "option",
    "decline": "option",
    "waive": "option",
    "start_trial": "option",
    "end_trial": "option",
    "propose_decision": "option",
    "delegate": "to",
    "check_understanding": "of",
    "answer": "question",
    "move_to": "phase",
}


def _local_now() -> datetime:
    """The machine's time in its own zone, aware: days are judged as the users see them."""
    return datetime.now(UTC).astimezone()


def _clients(state: State) -> set[str]:
    """The ids of every client taking part."""
    return {pid for pid, p in state.participants.items() if p.role is Role.CLIENT}


def _terms(state: State) -> dict[str, Any]:
    """The terms of the pending proposal, as a decision event records them."""
    proposal = state.proposal
    if proposal is None:  # pragma: no cover - callers checked refusals.no_pending_proposal first
        msg = "no pending proposal"
        raise AssertionError(msg)
    return {
        "option": proposal.option.id,
        "who": proposal.who,
        "what": proposal.what,
        "when": proposal.when.isoformat(),
        "review_on": proposal.review_on.isoformat(),
    }


def _origin(source: Any, expected_result: Any, obligation: Any) -> dict[str, Any]:
    """The checked ``source``, ``expected_result`` and ``obligation`` of a proposed option,
    as its event records them (only those given; ``source`` always when one is).

    Raises:
        InvalidInput: One is malformed, or ``source`` and ``obligation`` do not go together.
    """
    found: dict[str, Any] = {}
    chosen = check.optional_member(source, Source, "source")
    result = check.optional_text(expected_result, "expected_result")
    basis = check.optional_text(obligation, "obligation")
    if basis is not None:
        if chosen not in (None, Source.OBLIGATION):
            msg = (
                f"source: an option with an obligation comes from the law "
                f"(Source.OBLIGATION), not {chosen!r}"
            )
            raise InvalidInput(msg, "source")
        chosen = Source.OBLIGATION
    elif chosen is Source.OBLIGATION:
        msg = "obligation: Source.OBLIGATION needs the obligation's legal basis (obligation=...)"
        raise InvalidInput(msg, "obligation")
    if chosen is not None:
        found["source"] = chosen.value
    if result is not None:
        found["expected_result"] = result
    if basis is not None:
        found["obligation"] = basis
    return found


@attrs.define(init=False, eq=False, repr=False)
class Conversation:
    """One shared-decision-making conversation, from preparation to close.

    Args:
        protocol: The rules it follows; :func:`three_talk` when not given.
        conversation_id: Its id; a random UUID when not given.
        clock: Returns the current time as an aware datetime; when not given, the
            machine's time in its own zone. Events are written in UTC whatever the zone;
            checks against a calendar day ("not before today") use the day in the
            clock's own zone, as the people in the conversation see it. Give your own
            for tests and simulations.
        store: Where every event is written before the conversation changes (see
            :mod:`threetalk.store`); events are kept in memory only when not given.
        clock_tolerance: How far the clock may read before the last event (clocks of two
            machines drift): such a command is recorded at the last event's time, with
            the reading in its data (``clock``). Further back is :class:`ClockSkew`.
            5 seconds when not given.

    Every command raises ``InvalidInput`` for a malformed argument and ``Refused`` when
    the conversation's rules or the actor's role do not allow it (its ``Raises:`` section
    says when); with a store, ``ConflictError`` and ``StoreError`` when the events cannot
    be written; ``ClockSkew`` when the clock reads further before the last event than the
    tolerance (nothing recorded); ``SubscriberError`` when a subscriber (see
    :meth:`subscribe`) raised, after every subscriber was told and the events stay
    recorded.

    Raises:
        InvalidInput: An argument is malformed, or the clock returned no aware time.
        ClockSkew: The clock reads further before the last event than the
            tolerance; nothing is recorded.
            nothing is recorded.
        StoreError: With a store: it could not write the opening event.

    >>> import threetalk as tt
    >>> conv = tt.Conversation(conversation_id="demo")
    >>> client = conv.join("Client", tt.Role.CLIENT)
    >>> conv.phase, client.id, len(conv.events)
    (Phase.PREPARATION, 'p1', 2)
    """

    _protocol: Protocol
    _engine: Engine
    _id: str
    _clock: Clock
    _state: State
    _events: list[Event]
    _advisories: list[Advisory]
    _subscribers: list[Subscriber] | None
    _pending: deque[Event] | None
    _delivering: bool
    _tolerance: timedelta
    _reading: datetime | None
    _local: datetime
    _lock: threading.RLock
    _sealer: Sealer
    _store: EventSink | None
    # While propose_decision is judged: (the option proposed or None,); else None.
    _judged: tuple[Option | None] | None

    def __init__(
        self,
        protocol: Protocol | None = None,
        *,
        conversation_id: str | None = None,
        clock: Clock | None = None,
        store: EventSink | None = None,
        clock_tolerance: timedelta = CLOCK_TOLERANCE,
    ) -> None:
        self._setup(protocol, conversation_id, clock, store, None if store is None else store.key)
        if not isinstance(clock_tolerance, timedelta) or clock_tolerance < timedelta(0):
            msg = (
                "clock_tolerance: expected a timedelta of zero or more, "
                f"got {clock_tolerance!r:.60}"
            )
            raise InvalidInput(msg, "clock_tolerance")
        self._tolerance = clock_tolerance
        at = self._now()
        opened = {"protocol": self._protocol.name, "fingerprint": self._protocol.fingerprint}
        self._commit(at, [("opened", None, self._state.phase, opened)])

    def _setup(
        self,
        protocol: Protocol | None,
        conversation_id: str | None,
        clock: Clock | None,
        store: EventSink | None,
        key: bytes | None,
    ) -> None:
        if protocol is None:
            protocol = three_talk()
        elif not isinstance(protocol, Protocol):
            msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
            raise InvalidInput(msg, "protocol")
        if conversation_id is None:
            conversation_id = uuid.uuid4().hex
        else:
            conversation_id = check.text(conversation_id, "conversation_id", limit=check.MAX_NAME)
        if clock is None:
            clock = _local_now
        elif not callable(clock):
            msg = f"clock: expected a callable returning an aware datetime, got {clock!r:.80}"
            raise InvalidInput(msg, "clock")
        self._protocol = protocol
        self._engine = engine_for(protocol)
        self._id = conversation_id
        self._clock = clock
        self._state = State(protocol.initial)
        self._events = []
        self._advisories = []
        self._subscribers = None
        self._lock = new_lock()
        self._pending = None  # made on the first delivery: most conversations have none
        self._delivering = False
        self._tolerance = CLOCK_TOLERANCE
        self._reading = None
        self._judged = None
        if store is not None and not callable(getattr(store, "append_events", None)):
            msg = f"store: expected an event store, got {type(store).__name__}"
            raise InvalidInput(msg, "store")
        self._store = store
        self._sealer = Sealer(conversation_id, key)

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        """A conversation is not pickled: its events are what to keep.

        Raises:
            ThreetalkError: Always, saying what to do instead.
        """
        msg = (
            f"A Conversation cannot be pickled (it holds a clock, a store and subscribers). "
            f"Persist its events instead (conv.events, or a store) and rebuild it with "
            f"threetalk.replay(events) or open_conversation(store, {self._id!r})."
        )
        raise ThreetalkError(msg)

    def __repr__(self) -> str:
        return (
            f"<Conversation {self._id!r} in {self._state.phase.label}: "
            f"{len(self._state.participants)} participants, {len(self._events)} events>"
        )

    # ------------------------------------------------------------------ reading
    #
    # What rules read (threetalk.typing.ConversationView): every property hands out a value
    # the state keeps as events apply (a tuple, a read-only mapping), never a copy per call.

    @property
    def id(self) -> str:
        """The conversation's id."""
        return self._id

    @property
    def protocol(self) -> Protocol:
        """The protocol it follows."""
        return self._protocol

    @property
    def phase(self) -> Phase:
        """Where the conversation is now."""
        return self._state.phase

    @property
    def participants(self) -> tuple[Participant, ...]:
        """Everyone who joined, in order of joining."""
        return self._state.participant_tuple

    @property
    def options(self) -> tuple[Option, ...]:
        """Every option proposed, in order, including withdrawn ones (see :meth:`option_state`)."""
        return self._state.option_tuple

    @property
    def option_states(self) -> tuple[OptionState, ...]:
        """Every option with its pros and cons, trial and withdrawal, in order of proposal."""
        return self._state.option_states

    @property
    def topics(self) -> tuple[Statement, ...]:
        """The topics put on the agenda, oldest first."""
        topics = self._state.topics
        return topics if type(topics) is tuple else self._state.frozen("topics")

    @property
    def problem(self) -> Statement | None:
        """The latest statement of the problem; ``None`` until there is one."""
        return self._state.problem

    @property
    def goals(self) -> tuple[Statement, ...]:
        """The goals named, oldest first (``.by`` is the participant's id)."""
        goals = self._state.goals
        return goals if type(goals) is tuple else self._state.frozen("goals")

    @property
    def concerns(self) -> tuple[Statement, ...]:
        """The worries raised, oldest first."""
        concerns = self._state.concerns
        return concerns if type(concerns) is tuple else self._state.frozen("concerns")

    @property
    def preferences(self) -> Mapping[str, str | None]:
        """Participant id to the id of the option they prefer, ``None`` for "no preference".

        A read-only mapping that shows later statements too (copy it with ``dict()`` to
        keep it as it is now); only each participant's latest statement counts.
        """
        return self._state.preferences_view

    @property
    def delegations(self) -> Mapping[str, str]:
        """Client id to the id of the professional they handed the decision to (rule R10).

        A read-only mapping that shows later changes too; a reopened decision clears it.
        """
        return self._state.delegations_view

    @property
    def proposal(self) -> Proposal | None:
        """The decision proposed in decision talk and not yet final, if any."""
        return self._state.proposal

    @property
    def decision(self) -> Decision | None:
        """The final decision; ``None`` until there is one, and again after it is reopened."""
        return self._state.decision

    @property
    def evaluations(self) -> tuple[Evaluation, ...]:
        """The looks back recorded (rule R13), oldest first."""
        evaluations = self._state.evaluations
        return evaluations if type(evaluations) is tuple else self._state.frozen("evaluations")

    @property
    def sitting(self) -> int:
        """Which sitting this is: 1 at first, one more at every :meth:`resume`."""
        return self._state.sitting

    @property
    def role_preferences(self) -> Mapping[str, DecisionRole]:
        """Participant id to how they want to take part in deciding (the latest counts).

        A read-only mapping that shows later statements too; someone who stated none is
        not a key (see :meth:`state_role_preference`).
        """
        return acts_view(self._state, "role_preferences")

    @property
    def sure_checks(self) -> Mapping[str, SureCheck]:
        """Participant id to their latest SURE check (see :meth:`check_conflict`).

        A read-only mapping that shows later checks too.
        """
        return acts_view(self._state, "sure_checks")

    @property
    def understanding(self) -> Mapping[str, UnderstandingCheck]:
        """Client or relative id to the latest teach-back check of their understanding.

        A read-only mapping that shows later checks too (see :meth:`check_understanding`).
        """
        return acts_view(self._state, "understanding")

    @property
    def analysis(self) -> tuple[AnalysisEntry, ...]:
        """The problem-and-strengths analysis, oldest entry first (see :meth:`add_analysis`)."""
        return acts_tuple(self._state, "analysis")

    @property
    def information(self) -> tuple[SharedInformation, ...]:
        """The information handed over, oldest first (see :meth:`share_information`)."""
        return acts_tuple(self._state, "information")

    @property
    def questions(self) -> tuple[QuestionState, ...]:
        """Every question asked, with its answers, in order of asking (see :meth:`ask`)."""
        return acts_tuple(self._state, "question_states")

    @property
    def decision_option(self) -> Option | None:
        """The option a decision is about, as decision rules see it (rule R16 reads it).

        While ``propose_decision`` is judged, the option proposed (``None`` when
        :meth:`why_not_command` is asked without one); else the pending proposal's
        option; else the final decision's; else ``None``.
        """
        judged = self._judged
        if judged is not None:
            return judged[0]
        state = self._state
        if state.proposal is not None:
            return state.proposal.option
        return None if state.decision is None else state.decision.option

    def question(self, question_id: str) -> Question:
        """The question with this id (``"q1"``, ...).

        Raises:
            InvalidInput: No question with that id was asked.
        """
        acts = self._state.acts
        found = None
        if acts is not None and isinstance(question_id, str):
            found = acts.questions.get(question_id)
        if found is None:
            msg = f"question_id: no question with id {question_id!r:.80} was asked here"
            raise InvalidInput(msg, "question_id")
        return found.question

    @property
    def events(self) -> tuple[Event, ...]:
        """The whole audit trail, oldest first."""
        return tuple(self._events)

    @property
    def advisories(self) -> tuple[Advisory, ...]:
        """Every advisory raised so far, oldest first."""
        return tuple(self._advisories)

    def participant(self, participant_id: str) -> Participant:
        """The participant with this id (``"p1"``, ...).

        Raises:
            UnknownParticipant: Nobody with that id joined.
        """
        try:
            return self._state.participants[participant_id]
        except (KeyError, TypeError):  # an id nobody has, or not even text
            msg = f"participant_id: nobody with id {participant_id!r:.80} joined this conversation"
            raise UnknownParticipant(msg, "participant_id") from None

    def option(self, option_id: str) -> Option:
        """The option with this id (``"o1"``, ...), withdrawn or not.

        Raises:
            InvalidInput: No option with that id was proposed.
        """
        found = self._state.options.get(option_id) if isinstance(option_id, str) else None
        if found is None:
            msg = f"option_id: no option with id {option_id!r:.80} was proposed here"
            raise InvalidInput(msg, "option_id")
        return found.option

    def option_state(self, option: Option) -> OptionState:
        """The option with its pros and cons, whether it was withdrawn, and its trial.

        Raises:
            InvalidInput: ``option`` is not an option of this conversation.
        """
        return self._option(option)

    def snapshot(self) -> Snapshot:
        """A frozen, comparable value of the whole state (not the log)."""
        with self._lock:
            return self._state.snapshot(self._id, self._protocol.name)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event recorded from now on.

        Callbacks run after the events of a command are recorded: every callback is given
        every event once, in ``seq`` order, callbacks in the order they subscribed. A
        command given from inside a callback is recorded at once, and its events are
        delivered after the ones being delivered. A callback that raises does not stop
        the others; once delivery is complete, the command raises
        :class:`SubscriberError` carrying what they raised (the events stay recorded).

        Returns:
            A function that unsubscribes ``callback``; calling it twice is harmless.

        Raises:
            InvalidInput: ``callback`` is not callable.
        """
        with self._lock:
            if not callable(callback):
                msg = f"callback: expected a callable, got {type(callback).__name__}"
                raise InvalidInput(msg, "callback")
            if self._subscribers is None:
                self._subscribers = []
            self._subscribers.append(callback)
            subscribers = self._subscribers

            def unsubscribe() -> None:
                if callback in subscribers:
                    subscribers.remove(callback)

            return unsubscribe

    # ------------------------------------------------------------------ steps
    #
    # Steps are derived from the state whenever they are asked (no events, no cost to
    # commands); a paused or closed conversation reports the step it paused or closed in.

    @property
    def step(self) -> Step:
        """The step of the protocol the conversation is at.

        The first step of the current phase whose done rules do not all hold yet, or the
        phase's last step when they all do. A paused conversation is at the step it paused
        in; a closed one at the step it closed in. Steps guide; they never block.

        >>> import threetalk as tt
        >>> conv = tt.Conversation(tt.three_talk())
        >>> conv.step.id
        'preparation'
        """
        return _steps.current_step(self._protocol.steps, self._step_phase(), self)

    def progress(self) -> tuple[StepProgress, ...]:
        """Every step of the protocol, in order, with its status and what it misses.

        The current step (:attr:`step`) is ``CURRENT`` even when its done rules hold;
        every other step is ``DONE`` when its done rules hold now and ``OPEN`` when they
        do not (a step passed over earlier can be open again, and a later one done
        already).

        Returns:
            One :class:`StepProgress` per step, in the protocol's order.
        """
        current = self.step
        return _steps.progress(self._protocol.steps, current, self)

    def prompts(self, language: str = "en", to: Role | None = None) -> tuple[Prompt, ...]:
        """The questions the current step suggests, whose conditions hold now.

        Args:
            language: Only prompts with a text in this language are given (prompts lacking
                it are left out).
            to: Only the prompts addressed to this role; ``Role.PROFESSIONAL`` includes
                the professional's own prompts (``to`` is ``None``). ``None``: all.

        Returns:
            The prompts, in the order of the protocol's catalogue; none when the protocol
            has no prompts at all.

        Raises:
            InvalidInput: ``language`` is not a language any prompt of the protocol has
                (the message names those there are), or ``to`` is not a role.

        >>> import threetalk as tt
        >>> conv = tt.Conversation(tt.three_talk())
        >>> len(conv.prompts(language="nl", to=tt.Role.CLIENT)) > 0
        True
        """
        check_language(language)
        if to is not None and not isinstance(to, Role):
            msg = f"to: expected a Role or None, got {to!r:.40}"
            raise InvalidInput(msg, "to")
        catalogue = self._protocol.prompts
        if not catalogue:
            return ()
        if not any(language in prompt.text for prompt in catalogue):
            there = {each for prompt in catalogue for each in prompt.text}
            raise unknown_language(language, dict.fromkeys(there))
        return choose(catalogue, self.step.id, self, language, to)

    def _step_phase(self) -> Phase:
        state = self._state
        phase = state.phase
        if phase is Phase.PAUSED:
            return state.resume_phase or self._protocol.initial
        if phase is Phase.CLOSED:
            return state.closed_in or self._protocol.initial
        return phase

    # ------------------------------------------------------------------ moving

    def why_not(self, phase: Phase) -> tuple[Reason, ...]:
        """Every reason ``move_to(phase)`` would be refused now; empty when it would not.

        Raises:
            InvalidInput: ``phase`` is not a :class:`Phase`.

        >>> import threetalk as tt
        >>> conv = tt.Conversation()
        >>> [reason.code for reason in conv.why_not(tt.Phase.TEAM_TALK)]
        ['needs-client-and-professional']
        """
        with self._lock:
            return refusals.move_blocked(
                self, self._protocol, self._state, check.member(phase, Phase, "phase")
            )

    def can_move_to(self, phase: Phase) -> bool:
        """Whether ``move_to(phase)`` would be accepted now.

        Raises:
            InvalidInput: ``phase`` is not a :class:`Phase`.
        """
        with self._lock:
            return not self.why_not(phase)

    def allowed_moves(self) -> frozenset[Phase]:
        """The phases ``move_to`` can reach now (pausing and closing aside)."""
        with self._lock:
            protocol = self._protocol
            targets = protocol.targets.get(self._state.phase)
            if not targets:
                return frozenset()
            entry = protocol.entry_rules
            allowed = []
            for target in targets:
                for rule in entry.get(target, ()):
                    if rule.check(self) is not None:
                        break
                else:
                    allowed.append(target)
            return frozenset(allowed)

    def move_to(self, phase: Phase, *, by: Participant) -> None:
        """Move the conversation to another talk, if the protocol's entry rules allow it.

        Moving from decision talk or evaluation back to team, option or decision talk after
        a final decision reopens it (rule R12): the decision is cleared and the move records
        that it reopened one. Leaving decision talk drops a pending proposal. Leaving a
        phase raises advisory A3 for every participant who did nothing in it.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``.reasons`` lists every unmet entry rule of ``phase``, or why there is
                no such move now (paused, closed, there already, not in the protocol); the
                refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            target = phase if type(phase) is Phase else check.member(phase, Phase, "phase")
            actor = self._actor(by)
            at = self._now()
            state = self._state
            reasons = refusals.move_blocked(self, self._protocol, state, target)
            if reasons:
                summary = refusals.move_summary(target, reasons, self._protocol)
                self._refuse(at, "move_to", actor, {"phase": target.value}, reasons, summary)
            here = state.phase
            reopens = (
                state.decision is not None
                and here in (P.DECISION_TALK, P.EVALUATION)
                and target in (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK)
            )
            self._commit(
                at,
                [("moved", actor.id, here, _MOVED[target, reopens])],
                _advisories.silent_participants(state, actor),
                target,
            )

    # ------------------------------------------------------------------ joining and pausing

    def join(self, name: str, role: Role) -> Participant:
        """Add a participant; the joiner is the actor of this command.

        Args:
            name: How the participant is called in the conversation; unique within it.
            role: The part they take.

        Returns:
            The participant, to pass as ``by=`` in their commands.

        Raises:
            InvalidInput: An argument is malformed, or the clock returned no aware time;
                nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The conversation is closed, or someone of that name takes part already;
                the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            name = check.text(name, "name", limit=check.MAX_NAME)
            role = check.member(role, Role, "role")
            at = self._now()
            state = self._state
            args = {"name": name, "role": role.value}
            reasons = self._judge_join(name)
            if reasons:
                self._refuse(at, "join", None, args, reasons)
            pid = f"p{len(state.participants) + 1}"
            self._commit(at, [("joined", pid, state.phase, {"participant": pid, **args})])
            return state.participants[pid]

    def pause(self, until: date, reason: str, *, by: Participant) -> None:
        """Pause to take time to think or to plan another sitting (rule R11).

        Args:
            until: When the conversation is to be resumed; not before today (in the clock's zone).
            reason: Why it pauses.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The conversation is paused or closed already; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            at = self._now()
            until = check.day(until, "until", not_before=self._local.date())
            reason = check.text(reason, "reason")
            args = {"until": until.isoformat(), "reason": reason}
            state = self._state
            reasons = self._judge_pause()
            if reasons:
                self._refuse(at, "pause", actor, args, reasons)
            self._commit(at, [("paused", actor.id, state.phase, args)])

    def resume(self, *, by: Participant) -> None:
        """Resume a paused conversation in the phase it left; this starts a new sitting.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The conversation is not paused; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            at = self._now()
            state = self._state
            reasons = self._judge_resume()
            if reasons:
                self._refuse(at, "resume", actor, {}, reasons)
            back = state.resume_phase
            self._commit(
                at, [("resumed", actor.id, state.phase, {"to": back.value if back else None})]
            )

    def close(self, reason: str | None = None, *, by: Participant) -> None:
        """End the conversation; every later command is refused (and still logged).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The conversation is closed already; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            reason = check.optional_text(reason, "reason")
            at = self._now()
            here = self._state.phase
            reasons = self._judge_close()
            if reasons:
                self._refuse(at, "close", actor, {"reason": reason}, reasons)
            self._commit(at, [("closed", actor.id, here, {"reason": reason})])

    # ------------------------------------------------------------------ team talk

    def add_topic(self, text: str, *, by: Participant) -> None:
        """Put a topic on the agenda (preparation, team talk).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            self._say("add_topic", "topic-added", text, by)

    def state_problem(self, text: str, *, by: Participant) -> None:
        """Record the problem as the participants share it (team talk); the latest counts.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            self._say("state_problem", "problem-stated", text, by)

    def add_goal(self, text: str, *, by: Participant) -> None:
        """Record a goal (preparation, team talk); option talk needs one of a client (R2).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            self._say("add_goal", "goal-added", text, by)

    def add_concern(self, text: str, *, by: Participant) -> None:
        """Record a worry (team talk).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            self._say("add_concern", "concern-added", text, by)

    def _say(self, command: str, kind: str, text: str, by: Participant) -> None:
        actor = self._actor(by)
        self._record(command, kind, actor, {"text": check.text(text, "text")})

    # ------------------------------------------------------------------ option talk

    def propose_option(
        self,
        text: str,
        *,
        by: Participant,
        source: Source | None = None,
        expected_result: str | None = None,
        obligation: str | None = None,
    ) -> Option:
        """Put an option on the table (option talk).

        A professional proposing one before any client or relative has raises advisory A1.

        Args:
            text: What the option is.
            source: Where it comes from; by default from the proposer's role (a client's or
                relative's :attr:`Source.OWN_IDEA`, a professional's
                :attr:`Source.PROFESSIONAL`). :attr:`Source.OBLIGATION` goes with
                ``obligation`` only.
            expected_result: What it is expected to bring (the youth-care guide asks it of
                professional help).
            obligation: The legal basis of an option the law imposes (its source is then
                :attr:`Source.OBLIGATION`); only a professional gives it, and only in a
                protocol that ``allows_obligations`` (:func:`~threetalk.work_and_income`).
                An obligation cannot be withdrawn, only waived (:meth:`waive`), and a
                decision needs every one decided on or waived (rule R16).

        Returns:
            The option, to pass to the commands that concern it.

        Raises:
            InvalidInput: An argument is malformed (blank text, a ``source`` that is not a
                :class:`Source`, :attr:`Source.OBLIGATION` without ``obligation`` or
                another source with it), ``by`` has not joined (``UnknownParticipant``),
                or the clock returned no aware time; nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), an open option with the same text is on the table
                already, or an obligation is given where the protocol has none or by
                someone who is not a professional; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            text = check.text(text, "text")
            args: dict[str, Any] = {"text": text}
            if source is not None or expected_result is not None or obligation is not None:
                args.update(_origin(source, expected_result, obligation))
            at = self._now()
            state = self._state
            self._gate(
                at,
                "propose_option",
                actor,
                args,
                self._judge_propose_option(actor, text, args.get("obligation")),
            )
            oid = f"o{len(state.options) + 1}"
            if "source" not in args:
                args["source"] = (
                    Source.PROFESSIONAL if actor.role is Role.PROFESSIONAL else Source.OWN_IDEA
                ).value
            self._commit(
                at,
                [("option-proposed", actor.id, state.phase, {"option": oid, **args})],
                _advisories.professional_first(state, actor),
            )
            return state.options[oid].option

    def add_consideration(
        self, option: Option, stance: Stance, text: str, *, by: Participant
    ) -> None:
        """Record a pro or con of an option as the actor sees it (option talk).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), or the option was withdrawn; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            stance = check.member(stance, Stance, "stance")
            text = check.text(text, "text")
            at = self._now()
            args = {"option": item.option.id, "stance": stance.value, "text": text}
            self._gate(
                at, "add_consideration", actor, args, self._judge_add_consideration(actor, item)
            )
            self._commit(at, [("consideration-added", actor.id, self._state.phase, args)])

    def withdraw_option(self, option: Option, reason: str, *, by: Participant) -> None:
        """Strike an option (decision talk; never during option talk, rule R5).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed) (in option talk: R5), the option was withdrawn already
                or is the pending proposal, or a decision is final; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            reason = check.text(reason, "reason")
            at = self._now()
            args = {"option": item.option.id, "reason": reason}
            state = self._state
            self._gate(at, "withdraw_option", actor, args, self._judge_withdraw_option(actor, item))
            self._commit(at, [("option-withdrawn", actor.id, state.phase, args)])

    def start_trial(self, option: Option, evaluate_on: date, *, by: Participant) -> None:
        """Try an option out before deciding (option talk, rule R6).

        Args:
            option: The option to try.
            evaluate_on: The agreed date to evaluate the trial; required, not before
                today (in the clock's zone).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), or the option was withdrawn or is being tried out
                already (R6); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            at = self._now()
            evaluate_on = check.day(evaluate_on, "evaluate_on", not_before=self._local.date())
            args = {"option": item.option.id, "evaluate_on": evaluate_on.isoformat()}
            self._gate(at, "start_trial", actor, args, self._judge_start_trial(actor, item))
            self._commit(at, [("trial-started", actor.id, self._state.phase, args)])

    def end_trial(self, option: Option, outcome: str, *, by: Participant) -> None:
        """Record how a trial went (option talk, evaluation); early is fine.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), or the option is not being tried out (R6); the refusal
                is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            outcome = check.text(outcome, "outcome")
            at = self._now()
            args = {"option": item.option.id, "outcome": outcome}
            self._gate(at, "end_trial", actor, args, self._judge_end_trial(actor, item))
            self._commit(at, [("trial-ended", actor.id, self._state.phase, args)])

    def state_preference(self, option: Option | None, *, by: Participant) -> None:
        """State which option the actor prefers, or ``None`` for an explicit "no preference".

        Allowed in option and decision talk; the latest statement counts. A professional
        doing so during option talk raises advisory A2.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), or the option was withdrawn; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = None if option is None else self._option(option)
            at = self._now()
            args = {"option": None if item is None else item.option.id}
            self._gate(
                at, "state_preference", actor, args, self._judge_state_preference(actor, item)
            )
            state = self._state
            self._commit(
                at,
                [("preference-stated", actor.id, state.phase, args)],
                _advisories.early_preference(state, actor),
            )

    # ------------------------------------------------------------------ decision talk

    def delegate(self, to: Participant, *, by: Participant) -> None:
        """A client asks a professional to make the decision (rule R10).

        Once every client has delegated to the same professional, that professional's
        :meth:`propose_decision` is final without consent.

        Raises:
            InvalidInput: An argument is malformed, ``by`` or ``to`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The actor is not a client (R14), the command does not belong in the
                current phase (or the conversation is paused or closed), ``to`` is not a
                professional (R10), or a decision is final; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            delegate = self._actor(to, "to")
            at = self._now()
            args = {"to": delegate.id}
            state = self._state
            self._gate(at, "delegate", actor, args, self._judge_delegate(actor, delegate))
            self._commit(at, [("delegated", actor.id, state.phase, args)])

    def propose_decision(
        self,
        option: Option,
        *,
        who: str,
        what: str,
        when: date,
        review_on: date,
        by: Participant,
    ) -> None:
        """Propose the decision: who does what, when, and when it is reviewed (rule R8).

        The proposal waits for every client's consent, unless every client delegated the
        decision to the proposing professional: then it is final at once (rule R10).

        Args:
            option: The option decided on; open, and not under a running trial (R6).
            who: Who carries it out.
            what: What will be done.
            when: When it starts; not before today (in the clock's zone).
            review_on: When the decision is looked at again; not before ``when``.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time or one before the last event's; nothing is
                recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed), a decision is final, the option was withdrawn or is
                being tried out (R6), or a decision rule is unmet (R3, R4, R7 and the
                protocol's); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            who = check.text(who, "who")
            what = check.text(what, "what")
            at = self._now()
            when = check.day(when, "when", not_before=self._local.date())
            review_on = check.day(review_on, "review_on", not_before=when)
            terms = {
                "option": item.option.id,
                "who": who,
                "what": what,
                "when": when.isoformat(),
                "review_on": review_on.isoformat(),
            }
            state = self._state
            self._gate(
                at, "propose_decision", actor, terms, self._judge_propose_decision(actor, item)
            )
            clients = _clients(state)
            if clients and all(state.delegations.get(pid) == actor.id for pid in clients):
                self._decide(at, [], actor, terms, Decided.DELEGATED)
            else:
                self._commit(at, [("decision-proposed", actor.id, state.phase, terms)])

    def consent(self, *, by: Participant) -> None:
        """A client agrees with the pending proposal; when every client has, it is final.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The actor is not a client (R14), the command does not belong in the
                current phase (or the conversation is paused or closed), nothing is
                proposed, the client consented already, or a decision rule is unmet when
                this consent would make the decision final; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            at = self._now()
            state = self._state
            reasons, final = self._judge_consent(actor)
            self._gate(at, "consent", actor, {}, reasons)
            consented: list[_Spec] = [("consented", actor.id, state.phase, {})]
            if final:
                self._decide(at, consented, actor, _terms(state), Decided.AGREED)
            else:
                self._commit(at, consented)

    def object(self, reason: str, *, by: Participant) -> None:
        """A client objects to the pending proposal.

        The proposal stays pending (it can be revised, paused on or, where the protocol
        allows it, imposed) and the client's consent to it, if any, is withdrawn.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The actor is not a client (R14), the command does not belong in the
                current phase (or the conversation is paused or closed), or nothing is
                proposed; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            reason = check.text(reason, "reason")
            at = self._now()
            args = {"reason": reason}
            state = self._state
            self._gate(at, "object", actor, args, self._judge_object(actor))
            self._commit(at, [("objected", actor.id, state.phase, args)])

    def impose(self, justification: str, *, by: Participant) -> None:
        """A professional makes the pending proposal final without every client's consent.

        Only where the protocol allows it (rule R9; :func:`three_talk` does not), and always
        with a justification, which the decision keeps.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The actor is not a professional (R14), the protocol does not allow
                imposing (R9), the command does not belong in the current phase (or the
                conversation is paused or closed), nothing is proposed, or a decision rule
                is unmet; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            justification = check.text(justification, "justification")
            at = self._now()
            state = self._state
            self._gate(
                at, "impose", actor, {"justification": justification}, self._judge_impose(actor)
            )
            terms = {**_terms(state), "justification": justification}
            self._decide(at, [], actor, terms, Decided.IMPOSED)

    def _decide(
        self,
        at: datetime,
        before: list[_Spec],
        actor: Participant,
        terms: dict[str, Any],
        how: Decided,
    ) -> None:
        """Record the decision as final (after ``before``), with advisories A4-A6 if due."""
        state = self._state
        decided: _Spec = ("decided", actor.id, state.phase, {**terms, "how": how.value})
        observed = _advisories.hasty_decision(state)
        if state.acts is not None:
            observed += _advisories.decisional_conflict(state)
            observed += _advisories.open_questions(state)
        self._commit(at, [*before, decided], observed)

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, outcome: str, process: str, *, by: Participant) -> None:
        """Look back on the decision and on how it was reached (evaluation, rule R13).

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The command does not belong in the current phase (or the conversation
                is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            outcome = check.text(outcome, "outcome")
            process = check.text(process, "process")
            args = {"outcome": outcome, "process": process}
            self._record("evaluate", "evaluated", actor, args)

    # ------------------------------------------------------------------ the acts of the guides
    #
    # What the practice guides name besides the three talks: role preference (Control
    # Preferences Scale), SURE, teach-back, the problem-and-strengths analysis, information
    # handed over, questions and answers, and a client's decline and a professional's
    # waiver of a legal obligation. Where each belongs is the protocol's placement; a
    # protocol that leaves one out does not offer it (``not-offered``).

    def state_role_preference(self, preference: DecisionRole, *, by: Participant) -> None:
        """Say how one wants to take part in deciding: alone, together, or leave it.

        For a client or relative, about themselves (the broad roles of the Control
        Preferences Scale, Degner 1997); the latest statement counts. Built-in protocols
        place it in preparation and team talk.

        Raises:
            InvalidInput: ``preference`` is not a :class:`DecisionRole`, ``by`` has not
                joined (``UnknownParticipant``), or the clock returned no aware time;
                nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``by`` is a professional (R14), the protocol does not offer it, or it
                does not belong in the current phase (or the conversation is paused or
                closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            preference = check.member(preference, DecisionRole, "preference")
            self._record(
                "state_role_preference",
                "role-preference-stated",
                actor,
                {"preference": preference.value},
            )

    def check_conflict(
        self, *, sure: bool, informed: bool, values_clear: bool, supported: bool, by: Participant
    ) -> None:
        """Record one's own SURE check of decisional conflict (Légaré et al., 2010).

        Four yes/no answers: sure of the best choice, knowing the benefits and risks,
        clear about what matters most, enough support. The score is the number of yes
        (0-4); below 4 signals decisional conflict, and a decision made final while a
        client's latest score is below 4 raises advisory A5. For a client or relative, about
        themselves; built-in protocols place it in option and decision talk.

        Raises:
            InvalidInput: An answer is not ``True`` or ``False``, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``by`` is a professional (R14), the protocol does not offer it, or it
                does not belong in the current phase (or the conversation is paused or
                closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            answers = {
                "sure": check.flag(sure, "sure"),
                "informed": check.flag(informed, "informed"),
                "values_clear": check.flag(values_clear, "values_clear"),
                "supported": check.flag(supported, "supported"),
            }
            self._record("check_conflict", "conflict-checked", actor, answers)

    def check_understanding(
        self, of: Participant, *, understood: bool, note: str, by: Participant
    ) -> None:
        """A professional records a teach-back check of a client's or relative's understanding.

        The professional asked them to say in their own words what was explained. In
        :func:`~threetalk.youth_care` option talk starts only when every client's latest
        check says understood (rule R15). Built-in protocols place it in team, option and
        decision talk.

        Args:
            of: The client or relative whose understanding was checked.
            understood: Whether they had understood.
            note: What showed it, or what was not clear yet.

        Raises:
            InvalidInput: An argument is malformed (``understood`` not ``True`` or
                ``False``, a blank note), ``of`` is ``by`` themselves or a professional,
                ``by`` or ``of`` has not joined (``UnknownParticipant``), or the clock
                returned no aware time; nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``by`` is not a professional (R14), the protocol does not offer it, or
                it does not belong in the current phase (or the conversation is paused or
                closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            subject = self._subject(of, actor)
            args = {
                "of": subject.id,
                "understood": check.flag(understood, "understood"),
                "note": check.text(note, "note"),
            }
            self._record("check_understanding", "understanding-checked", actor, args)

    def add_analysis(self, kind: Analysis, text: str, *, by: Participant) -> None:
        """Add to the problem-and-strengths analysis (youth care; built-ins: team talk).

        Args:
            kind: What the entry is about: a cause, what keeps the problem going, a
                consequence, an expectation, or a strength of the family.
            text: The entry.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The protocol does not offer it, or it does not belong in the current
                phase (or the conversation is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            args = {
                "kind": check.member(kind, Analysis, "kind").value,
                "text": check.text(text, "text"),
            }
            self._record("add_analysis", "analysis-added", actor, args)

    def share_information(
        self,
        text: str,
        *,
        kind: Information,
        option: Option | None = None,
        by: Participant,
    ) -> None:
        """Record information handed over: a leaflet, a website, peers' experience, a decision aid.

        Built-in protocols place it in option and decision talk.

        Args:
            text: What was handed over (a title, an address, a summary).
            kind: What kind of information it is.
            option: The option it is about, if one.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time; nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The protocol does not offer it, or it does not belong in the current
                phase (or the conversation is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            text = check.text(text, "text")
            kind = check.member(kind, Information, "kind")
            item = None if option is None else self._option(option)
            args = {
                "kind": kind.value,
                "text": text,
                "option": None if item is None else item.option.id,
            }
            self._record("share_information", "information-shared", actor, args)

    def ask(self, text: str, *, by: Participant) -> Question:
        """Ask a question (about the diagnosis, the options, the treatment, ...).

        Anyone may ask; built-in protocols place it in every phase but paused and closed.
        A decision made final while a client's or relative's question is unanswered raises
        advisory A6.

        Returns:
            The question, to pass to :meth:`answer`.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The protocol does not offer it, or it does not belong in the current
                phase (or the conversation is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            text = check.text(text, "text")
            acts = self._state.acts
            qid = f"q{1 if acts is None else len(acts.questions) + 1}"
            self._record("ask", "question-asked", actor, {"question": qid, "text": text})
            return self.question(qid)

    def answer(self, question: Question, text: str, *, by: Participant) -> None:
        """Answer a question; nobody answers their own, and a question may get several answers.

        Raises:
            InvalidInput: An argument is malformed, ``question`` is not one of this
                conversation's or was asked by ``by``, ``by`` has not joined
                (``UnknownParticipant``), or the clock returned no aware time; nothing is
                recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: The protocol does not offer it, or it does not belong in the current
                phase (or the conversation is paused or closed); the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._question(question, actor)
            args = {"question": item.question.id, "text": check.text(text, "text")}
            self._record("answer", "question-answered", actor, args)

    def decline(self, option: Option, reason: str, *, by: Participant) -> None:
        """A client records that they decline an option, and why.

        The option stays on the table (an obligation stays open: the law still stands);
        the client's latest decline of it counts. Built-in protocols place it in option
        and decision talk.

        Raises:
            InvalidInput: An argument is malformed, ``by`` has not joined
                (``UnknownParticipant``), the option is not one of this conversation's, or
                the clock returned no aware time; nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``by`` is not a client (R14), the protocol does not offer it, it does
                not belong in the current phase (or the conversation is paused or closed),
                or the option was withdrawn or waived; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            args = {"option": item.option.id, "reason": check.text(reason, "reason")}
            self._record(
                "decline", "option-declined", actor, args, self._judge_decline(actor, item)
            )

    def waive(self, option: Option, justification: str, *, by: Participant) -> None:
        """A professional records why a legal obligation is not applied in this case (R16).

        The justification says what serves the goal better, and on what that expectation
        rests. A waived obligation no longer counts as an open option (for R3 and R4), can
        no longer be decided on, and settles it for rule R16. Built-in protocols place it in
        option and decision talk (a waiver is not a withdrawal: R5 does not forbid it).

        Raises:
            InvalidInput: An argument is malformed (a blank justification), ``by`` has not
                joined (``UnknownParticipant``), the option is not one of this
                conversation's, or the clock returned no aware time; nothing is recorded.
            ClockSkew: The clock reads further before the last event than the
                tolerance; nothing is recorded.
            Refused: ``by`` is not a professional (R14), the protocol does not offer it, it
                does not belong in the current phase (or the conversation is paused or
                closed), the option is not an obligation, was waived already, is the
                pending proposal, or a decision is final; the refusal is recorded.
            ConflictError: With a store: another writer appended to this conversation first;
                nothing is recorded, here or in the store.
            StoreError: With a store: it could not write the events; nothing is recorded.
        """
        with self._lock:
            actor = self._actor(by)
            item = self._option(option)
            args = {
                "option": item.option.id,
                "justification": check.text(justification, "justification"),
            }
            self._record("waive", "obligation-waived", actor, args, self._judge_waive(actor, item))

    def _record(
        self,
        command: str,
        kind: str,
        actor: Participant,
        args: dict[str, Any],
        reasons: Sequence[Reason] | None = None,
    ) -> None:
        """Judge a command of one event whose arguments are checked (whether the protocol
        offers it, the role and the placement, unless ``reasons`` are given), then record
        its event or the refusal."""
        at = self._now()
        verdict = self._verdict(command, actor) if reasons is None else reasons
        self._gate(at, command, actor, args, verdict)
        self._commit(at, [(kind, actor.id, self._state.phase, args)])

    # ------------------------------------------------------------------ asking before acting
    #
    # Every command decides with one of the ``_judge_*`` methods below (or ``_verdict``
    # alone) and then records; why_not_command() and allowed_commands() ask the very same
    # methods, so a question and the command it asks about never disagree.

    def why_not_command(
        self, command: str, *, by: Participant | None, **arguments: Any
    ) -> tuple[Reason, ...]:
        """Every reason ``command`` would be refused now, with these arguments; empty when not.

        The same checks as the command itself, in the same order: its arguments (a
        malformed one raises the same :class:`InvalidInput` the command would), then the
        actor's role and where the command belongs (the conversation's phase, paused,
        closed), then the conversation's state and the protocol's rules. Nothing is
        recorded and nothing changes; the conversation's lock is held while it looks. The
        clock is read only to judge a date argument ("not before today").

        Args:
            command: The name of the command, as in :data:`threetalk.COMMANDS`
                (``"propose_decision"``, ``"move_to"``, ...).
            by: The participant who would give it; ``None`` for ``"join"`` (the joiner
                has not joined yet), a participant for every other command.
            **arguments: The command's own arguments, by its own parameter names (e.g.
                ``option=``, ``who=``, ``when=`` for ``propose_decision``; ``phase=`` for
                ``move_to``). Any of them may be left out: the command is then judged as
                far as it can be without them (role, placement, and the rules of the state
                that need no argument, such as R3, R4 and R7 for ``propose_decision``);
                no value is ever made up for them.

        Returns:
            The reasons, as ``Refused.reasons`` of the command would give them; empty when
            the command would be accepted (or, with arguments left out, when nothing
            known so far stands in its way).

        Raises:
            InvalidInput: ``command`` is not a command, an argument name is not one of the
                command's (the message lists the valid ones), an argument is malformed
                (as the command would say), or ``by`` is not a participant who joined
                (``UnknownParticipant``; for ``"join"``: ``by`` is not ``None``).

        >>> import threetalk as tt
        >>> conv = tt.Conversation()
        >>> client = conv.join("Client", tt.Role.CLIENT)
        >>> [r.code for r in conv.why_not_command("consent", by=client)]
        ['wrong-phase']
        """
        with self._lock:
            if not isinstance(command, str) or command not in _PARAMETERS:
                known = ", ".join(_PARAMETERS)
                msg = f"command: {command!r:.60} is not a command; the commands are {known}"
                raise InvalidInput(msg, "command")
            parameters = _PARAMETERS[command]
            unknown = [name for name in arguments if name not in parameters]
            if unknown:
                valid = ", ".join(name for name in parameters if name != "by") or "none"
                names = ", ".join(repr(name) for name in unknown)
                msg = f"{command} takes no argument {names}; its arguments are {valid} (and by)"
                raise InvalidInput(msg, unknown[0])
            given = self._inputs(command, by, arguments)
            if command == "join":
                return self._judge_join(given.get("name"))
            return tuple(self._judge(command, given["by"], given))

    def allowed_commands(self, *, by: Participant) -> frozenset[str]:
        """The commands ``by`` could give now, ignoring arguments.

        "Ignoring arguments" means: a command is listed when *some* well-formed arguments
        would make it accepted now; one that is not listed is refused whatever its
        arguments. Per command:

        - ``move_to``: some phase can be reached (:meth:`allowed_moves` is not empty).
        - ``add_consideration``, ``withdraw_option``, ``start_trial``, ``end_trial``,
          ``propose_decision``: for some option of the conversation (e.g. an open one, one
          under a running trial for ``end_trial``, one the decision rules allow).
        - ``delegate``: to some participant (a professional).
        - ``decline``, ``waive``: for some option (an open one; an obligation for
          ``waive``); ``answer``: for some question someone else asked;
          ``check_understanding``: of some client or relative other than ``by``.
        - ``state_preference``: always judged as "no preference", which any open option
          also allows.
        - ``propose_option``: with a text no open option has; ``pause``, ``close`` and
          every other command: texts and dates are assumed well-formed (``pause`` until a
          day not before today), as they can always be chosen so.
        - ``join`` is never listed: it is given by someone who has not joined yet (ask
          ``why_not_command("join", by=None, name=..., role=...)``).

        Returns:
            The names of the commands, as in :data:`threetalk.COMMANDS`.

        Raises:
            InvalidInput: ``by`` is not a participant who joined (``UnknownParticipant``).

        >>> import threetalk as tt
        >>> conv = tt.Conversation()
        >>> client = conv.join("Client", tt.Role.CLIENT)
        >>> sorted(conv.allowed_commands(by=client))
        ['add_goal', 'add_topic', 'ask', 'close', 'pause', 'state_role_preference']
        """
        with self._lock:
            actor = self._actor(by)
            state = self._state
            candidates: dict[str, Any] = {
                "option": tuple(state.options.values()),
                "to": tuple(state.participants.values()),
                "phase": tuple(Phase),
                "of": tuple(
                    p
                    for p in state.participants.values()
                    if p.role is not Role.PROFESSIONAL and p.id != actor.id
                ),
                "question": tuple(
                    item
                    for item in (state.acts.question_states if state.acts else ())
                    if item.question.asked_by != actor.id
                ),
            }
            allowed = []
            for command in COMMANDS:
                if command == "join":
                    continue
                choice = _CHOSEN.get(command)
                if choice is None:
                    accepted = not self._judge(command, actor, {})
                else:
                    accepted = any(
                        not self._judge(command, actor, {choice: value})
                        for value in candidates[choice]
                    )
                if accepted:
                    allowed.append(command)
            return frozenset(allowed)

    def _inputs(  # noqa: PLR0912 - one branch per kind of argument, as flat as the table
        self, command: str, by: Any, arguments: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The given arguments of ``command`` checked as the command checks them, in its order.

        Raises:
            InvalidInput: As the command would, for the first malformed argument.
        """
        given: dict[str, Any] = {}
        today: date | None = None
        if command == "join" and by is not None:
            msg = "by: join is given by the joiner, who has not joined yet; pass by=None"
            raise InvalidInput(msg, "by")
        for name in _PARAMETERS[command]:
            if name == "by":
                given["by"] = self._actor(by)
                continue
            if name not in arguments:
                continue
            value = arguments[name]
            kind = _OPTIONAL.get((command, name)) or _CHECKS.get(name, "text")
            if command == "check_understanding" and name == "of":
                given[name] = self._subject(value, given["by"])
            elif command == "answer" and name == "question":
                given[name] = self._question(value, given["by"])
            elif kind == "flag":
                given[name] = check.flag(value, name)
            elif kind.startswith("optional ") and kind[9:] in _MEMBERS:
                given[name] = check.optional_member(value, _MEMBERS[kind[9:]], name)
            elif kind == "option":
                given[name] = self._option(value)
            elif kind == "optional option":
                given[name] = None if value is None else self._option(value)
            elif kind == "participant":
                given[name] = self._actor(value, name)
            elif kind == "day":
                if today is None:
                    today = self._today()
                after = given.get("when", today) if name == "review_on" else today
                given[name] = check.day(value, name, not_before=after)
            elif kind == "name":
                given[name] = check.text(value, name, limit=check.MAX_NAME)
            elif kind == "optional text":
                given[name] = check.optional_text(value, name)
            elif kind == "text":
                given[name] = check.text(value, name)
            else:
                given[name] = check.member(value, _MEMBERS[kind], name)
        if command == "propose_option":
            origin = {name: given.get(name) for name in ("source", "expected_result", "obligation")}
            given.update(_origin(**origin))
        return given

    def _today(self) -> date:
        """The clock's day, as a command would judge dates ("not before today") now.

        Raises:
            InvalidInput: The clock returned something that is not an aware datetime.
        """
        at = self._clock()
        if type(at) is not datetime or at.tzinfo is not UTC:
            at = check.moment(at, "clock")
        return at.date()

    def _judge(  # noqa: PLR0911, PLR0912 - one case per command
        self, command: str, actor: Participant, given: Mapping[str, Any]
    ) -> Sequence[Reason]:
        """Why ``command`` by ``actor`` would be refused, with the checked arguments ``given``.

        An argument left out of ``given`` is not judged (``join`` aside: see :meth:`_judge_join`).
        """
        option = given.get("option")
        match command:
            case "move_to":
                return self._judge_move_to(given.get("phase"))
            case "pause":
                return self._judge_pause()
            case "resume":
                return self._judge_resume()
            case "close":
                return self._judge_close()
            case "propose_option":
                return self._judge_propose_option(actor, given.get("text"), given.get("obligation"))
            case "decline":
                return self._judge_decline(actor, option)
            case "waive":
                return self._judge_waive(actor, option)
            case "add_consideration":
                return self._judge_add_consideration(actor, option)
            case "withdraw_option":
                return self._judge_withdraw_option(actor, option)
            case "start_trial":
                return self._judge_start_trial(actor, option)
            case "end_trial":
                return self._judge_end_trial(actor, option)
            case "state_preference":
                return self._judge_state_preference(actor, option)
            case "delegate":
                return self._judge_delegate(actor, given.get("to"))
            case "propose_decision":
                return self._judge_propose_decision(actor, option)
            case "consent":
                return self._judge_consent(actor)[0]
            case "object":
                return self._judge_object(actor)
            case "impose":
                return self._judge_impose(actor)
            case _:  # the statements, the acts judged on role and placement alone, evaluate
                return self._verdict(command, actor)

    def _verdict(
        self,
        command: str,
        actor: Participant,
        rules: Callable[[], Sequence[Reason]] | None = None,
    ) -> Sequence[Reason]:
        """Whether the protocol offers the command at all, the actor's role, then the phase,
        then ``rules``: the first that objects decides."""
        protocol = self._protocol
        if not protocol.placement.get(command):  # an act left out, or placed in no phase
            return (refusals.not_offered(command, protocol),)
        reason = refusals.wrong_role(command, actor) or refusals.misplaced(
            command, self._state, protocol
        )
        if reason is not None:
            return (reason,)
        return () if rules is None else rules()

    def _judge_join(self, name: str | None) -> tuple[Reason, ...]:
        state = self._state
        if state.phase is P.CLOSED:
            return (refusals.CLOSED,)
        if name is not None:
            same = check.identity(name)
            for participant in state.participants.values():
                if check.identity(participant.name) == same:
                    return (refusals.name_taken(participant.name),)
        return ()

    def _judge_move_to(self, target: Phase | None) -> tuple[Reason, ...]:
        # move_to() calls refusals.move_blocked itself (its hot path); so does this.
        state = self._state
        if target is None:
            if state.phase not in (P.CLOSED, P.PAUSED):
                return ()
            target = state.phase  # move_blocked looks no further than closed or paused
        return refusals.move_blocked(self, self._protocol, state, target)

    def _judge_pause(self) -> tuple[Reason, ...]:
        state = self._state
        if state.phase is P.CLOSED:
            return (refusals.CLOSED,)
        if state.phase is P.PAUSED:
            return (refusals.paused(state),)
        return ()

    def _judge_resume(self) -> tuple[Reason, ...]:
        state = self._state
        if state.phase is P.PAUSED:
            return ()
        return (refusals.CLOSED if state.phase is P.CLOSED else refusals.not_paused(state),)

    def _judge_close(self) -> tuple[Reason, ...]:
        return (refusals.CLOSED,) if self._state.phase is P.CLOSED else ()

    def _judge_propose_option(
        self, actor: Participant, text: str | None, obligation: str | None = None
    ) -> Sequence[Reason]:
        state = self._state
        if obligation is not None:
            # Like an act the protocol leaves out, then like a role that may not (R14):
            # before where the command belongs.
            blocked = refusals.obligation_blocked(self._protocol, actor)
            if blocked:
                return blocked
        if text is None:
            return self._verdict("propose_option", actor)
        return self._verdict(
            "propose_option", actor, lambda: refusals.duplicate_option(state, text)
        )

    def _judge_decline(self, actor: Participant, item: OptionState | None) -> Sequence[Reason]:
        if item is None:
            return self._verdict("decline", actor)
        return self._verdict("decline", actor, lambda: refusals.withdrawn(item))

    def _judge_waive(self, actor: Participant, item: OptionState | None) -> Sequence[Reason]:
        state = self._state
        return self._verdict("waive", actor, lambda: refusals.waiver_blocked(state, item))

    def _judge_add_consideration(
        self, actor: Participant, item: OptionState | None
    ) -> Sequence[Reason]:
        if item is None:
            return self._verdict("add_consideration", actor)
        return self._verdict("add_consideration", actor, lambda: refusals.withdrawn(item))

    def _judge_withdraw_option(
        self, actor: Participant, item: OptionState | None
    ) -> Sequence[Reason]:
        state = self._state
        return self._verdict(
            "withdraw_option", actor, lambda: refusals.withdrawal_blocked(state, item)
        )

    def _judge_start_trial(self, actor: Participant, item: OptionState | None) -> Sequence[Reason]:
        if item is None:
            return self._verdict("start_trial", actor)
        return self._verdict("start_trial", actor, lambda: refusals.trial_start_blocked(item))

    def _judge_end_trial(self, actor: Participant, item: OptionState | None) -> Sequence[Reason]:
        if item is None:
            return self._verdict("end_trial", actor)
        return self._verdict("end_trial", actor, lambda: refusals.no_running_trial(item))

    def _judge_state_preference(
        self, actor: Participant, item: OptionState | None
    ) -> Sequence[Reason]:
        # None is "no preference", which no rule refuses (and what an absent option is judged as).
        if item is None:
            return self._verdict("state_preference", actor)
        return self._verdict("state_preference", actor, lambda: refusals.withdrawn(item))

    def _judge_delegate(self, actor: Participant, to: Participant | None) -> Sequence[Reason]:
        state = self._state
        return self._verdict("delegate", actor, lambda: refusals.delegation_blocked(state, to))

    def _judge_propose_decision(
        self, actor: Participant, item: OptionState | None
    ) -> Sequence[Reason]:
        state = self._state

        def rules() -> list[Reason]:
            # The decision rules see the option proposed as the decision's (R16 reads it).
            self._judged = (None if item is None else item.option,)
            try:
                return refusals.already_decided(state) + refusals.decision_blocked(self, item)
            finally:
                self._judged = None

        return self._verdict("propose_decision", actor, rules)

    def _judge_consent(self, actor: Participant) -> tuple[Sequence[Reason], bool]:
        """The verdict on a consent, and whether it would make the decision final."""
        state = self._state
        final = False

        def rules() -> list[Reason]:
            nonlocal final
            proposal = state.proposal
            if proposal is None or state.decision is not None:
                return refusals.no_pending_proposal(state)
            if actor.id in proposal.consents:
                return refusals.already_consented(actor)
            final = _clients(state) <= proposal.consents | {actor.id}
            return (
                refusals.decision_blocked(self, state.options[proposal.option.id]) if final else []
            )

        reasons = self._verdict("consent", actor, rules)
        return reasons, final and not reasons

    def _judge_object(self, actor: Participant) -> Sequence[Reason]:
        state = self._state
        return self._verdict("object", actor, lambda: refusals.no_pending_proposal(state))

    def _judge_impose(self, actor: Participant) -> Sequence[Reason]:
        state = self._state

        def rules() -> list[Reason]:
            found = refusals.imposing_not_allowed(self._protocol)
            found = found or refusals.no_pending_proposal(state)
            if found or state.proposal is None:
                return found
            return refusals.decision_blocked(self, state.options[state.proposal.option.id])

        return self._verdict("impose", actor, rules)

    # ------------------------------------------------------------------ checks

    def _actor(self, value: Any, argument: str = "by") -> Participant:
        pid = getattr(value, "id", None)
        if type(pid) is str and self._state.participants.get(pid) is value is not None:
            return value  # the very object join() returned: nothing more to check
        if not isinstance(value, Participant):
            msg = (
                f"{argument}: expected a Participant returned by join(), got {type(value).__name__}"
            )
            raise InvalidInput(msg, argument)
        if value.conversation_id != self._id:
            msg = (
                f"{argument}: {value.name} takes part in conversation "
                f"{value.conversation_id!r}, not in {self._id!r}"
            )
            raise UnknownParticipant(msg, argument)
        known = self._state.participants.get(value.id) if isinstance(value.id, str) else None
        if known != value:
            msg = f"{argument}: {value.name} ({value.id}) has not joined this conversation"
            raise UnknownParticipant(msg, argument)
        return value

    def _option(self, value: Any) -> OptionState:
        oid = getattr(value, "id", None)
        if type(oid) is str:
            item = self._state.options.get(oid)
            if item is not None and item.option is value:
                return item  # the very object propose_option() returned
        if not isinstance(value, Option):
            msg = (
                "option: expected an Option returned by propose_option(), "
                f"got {type(value).__name__}"
            )
            raise InvalidInput(msg, "option")
        if value.conversation_id != self._id:
            msg = (
                f"option: {value.text} belongs to conversation {value.conversation_id!r}, "
                f"not to {self._id!r}"
            )
            raise InvalidInput(msg, "option")
        item = self._state.options.get(value.id) if isinstance(value.id, str) else None
        if item is None or item.option != value:
            msg = f"option: {value.text} ({value.id}) was never proposed in this conversation"
            raise InvalidInput(msg, "option")
        return item

    def _question(self, value: Any, actor: Participant) -> QuestionState:
        """``value`` as a question of this conversation that ``actor`` did not ask."""
        acts = self._state.acts
        questions = {} if acts is None else acts.questions
        if not isinstance(value, Question):
            msg = f"question: expected a Question returned by ask(), got {type(value).__name__}"
            raise InvalidInput(msg, "question")
        if value.conversation_id != self._id:
            msg = (
                f"question: {value.text} was asked in conversation {value.conversation_id!r}, "
                f"not in {self._id!r}"
            )
            raise InvalidInput(msg, "question")
        item = questions.get(value.id) if isinstance(value.id, str) else None
        if item is None or item.question != value:
            msg = f"question: {value.text} ({value.id}) was never asked in this conversation"
            raise InvalidInput(msg, "question")
        if item.question.asked_by == actor.id:
            msg = f"question: {actor.name} asked it; nobody answers their own question"
            raise InvalidInput(msg, "question")
        return item

    def _subject(self, value: Any, actor: Participant) -> Participant:
        """``value`` as a client or relative of this conversation other than ``actor``."""
        subject = self._actor(value, "of")
        if subject.id == actor.id:
            msg = f"of: {actor.name} cannot check their own understanding"
            raise InvalidInput(msg, "of")
        if subject.role is Role.PROFESSIONAL:
            msg = (
                f"of: {subject.name} takes part as professional; teach-back checks the "
                "understanding of a client or relative"
            )
            raise InvalidInput(msg, "of")
        return subject

    def _now(self) -> datetime:
        """The time of a command: the clock's reading, never before the last event.

        A reading earlier than the last event by at most the tolerance is recorded at the
        last event's time; the reading itself goes into the command's event data
        (``clock``, see :meth:`_commit`).

        Raises:
            InvalidInput: The clock returned something that is not an aware datetime.
            ClockSkew: The reading is further back than the tolerance.
        """
        at = self._clock()
        if type(at) is not datetime or at.tzinfo is not UTC:
            at = check.moment(at, "clock")
            self._local = at  # its calendar day is the day where the clock is
            at = at.astimezone(UTC)
        else:
            self._local = at
        self._reading = None
        log = self._events
        if log and at < log[-1].at:
            last = log[-1].at
            if last - at > self._tolerance:
                raise ClockSkew(at, last, self._tolerance)
            self._reading = at
            return last
        return at

    def _gate(
        self,
        at: datetime,
        command: str,
        actor: Participant,
        args: dict[str, Any],
        reasons: Sequence[Reason],
    ) -> None:
        """Refuse the command (recording ``args``) when its verdict gave ``reasons``."""
        if reasons:
            self._refuse(at, command, actor, args, reasons)

    # ------------------------------------------------------------------ recording

    def _refuse(
        self,
        at: datetime,
        command: str,
        actor: Participant | None,
        args: dict[str, Any],
        reasons: Sequence[Reason],
        summary: str | None = None,
    ) -> NoReturn:
        data = {
            "command": command,
            "args": args,
            "reasons": [_recorded(reason) for reason in reasons],
        }
        actor_id = None if actor is None else actor.id
        (event,) = self._commit(at, [("refused", actor_id, self._state.phase, freeze(data))])
        raise Refused(summary or refusals.SUMMARY[command], reasons, event.seq)

    def _commit(
        self,
        at: datetime,
        specs: list[_Spec],
        observed: list[Observation] | None = None,
        after: Phase | None = None,
    ) -> list[Event]:
        """Seal the events of one command, then apply, keep and announce them.

        Args:
            at: The time of the command.
            specs: ``(kind, actor, phase, data)`` of each event of the command.
            observed: Advisories it gave rise to, recorded after its events.
            after: The phase the command leads to, where it changes phase.
        """
        if observed:
            phase = after or specs[-1][2]
            specs = specs + [
                (
                    "advisory",
                    None,
                    phase,
                    _advised(code, rule, who, message, params),
                )
                for code, rule, who, message, params in observed
            ]
        reading = self._reading
        if reading is not None:
            self._reading = None
            stamp = format_time(reading)
            specs = [
                (kind, actor, phase, {**data, "clock": stamp}) for kind, actor, phase, data in specs
            ]
        log = self._events
        events = self._sealer.seal(at, specs, log[-1] if log else None)
        if self._store is not None:
            self._store.append_events(events)
        self._take(events)
        if self._subscribers:
            self._deliver(events)
        return events

    def _deliver(self, events: Sequence[Event]) -> None:
        """Give every subscriber every event, once, in ``seq`` order (run to completion).

        Events of a command given by a subscriber are queued behind the ones being
        delivered. A subscriber that raises does not stop the others.

        Raises:
            SubscriberError: Once every event is delivered, if any subscriber raised.
        """
        if self._delivering:
            # A subscriber's own command: delivered when the current delivery ends.
            pending = self._pending
            if pending is None:
                pending = self._pending = deque()
            pending.extend(events)
            return
        self._delivering = True
        errors: list[Exception] = []
        batch: Sequence[Event] = events
        try:
            while True:
                callbacks = tuple(self._subscribers or ())
                for event in batch:
                    for callback in callbacks:
                        try:
                            callback(event)
                        except Exception as error:  # noqa: BLE001 - all reported below
                            errors.append(error)
                pending = self._pending
                if not pending:
                    break
                batch = tuple(pending)
                pending.clear()
        finally:
            self._delivering = False
            if self._pending:
                self._pending.clear()  # only an interrupt leaves events undelivered
        if errors:
            raise SubscriberError(errors, len(self._events))

    def _take(self, events: Sequence[Event]) -> None:
        """Apply recorded events to the state and keep them (and their advisories)."""
        state, engine, log = self._state, self._engine, self._events
        for event in events:
            apply(state, event, engine)
            log.append(event)
            if event.kind == "advisory":
                data = event.data
                self._advisories.append(
                    Advisory(
                        data["code"],
                        data["message"],
                        data["rule"],
                        data["participant"],
                        event.seq,
                        _params(data),
                    )
                )


def _recorded(reason: Reason) -> dict[str, Any]:
    """A reason as a refusal event holds it; ``params`` only where there are some."""
    data: dict[str, Any] = {"code": reason.code, "rule": reason.rule, "message": reason.message}
    if reason.params:
        data["params"] = _plain(reason.params)
    return data


def _advised(
    code: str, rule: str, who: str | None, message: str, params: Mapping[str, Any]
) -> Mapping[str, Any]:
    """An advisory as its event holds it; ``params`` only where there are some, frozen
    (a list in them, A6's questions, must not stay changeable in a recorded event)."""
    data: dict[str, Any] = {"code": code, "rule": rule, "participant": who, "message": message}
    if params:
        data["params"] = _plain(params)
        frozen: Mapping[str, Any] = freeze(data)
        return frozen
    return data


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    return {name: list(v) if isinstance(v, tuple) else v for name, v in params.items()}


def _params(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The params an event recorded (none before they were recorded)."""
    params = data.get("params")
    return params if isinstance(params, Mapping) else None


def rebuild(
    protocol: Protocol,
    events: Sequence[Event],
    *,
    clock: Clock | None,
    key: bytes | None,
    store: EventSink | None = None,
) -> Conversation:
    """A conversation rebuilt from its events: the one way in besides ``Conversation()``.

    The events must already be verified as one chain (``threetalk._trail.verify``) and
    recorded under ``protocol``; :func:`threetalk.replay` and ``open_conversation`` make
    sure of both. Each event is applied through the same reducer as when it was recorded,
    after checking that it *fits*: its kind is known and its phase is the conversation's
    phase at that point, and a move takes a step the protocol has.

    Args:
        protocol: The protocol the events were recorded under.
        events: The whole log, oldest first.
        clock: The clock of the rebuilt conversation.
        key: The key its chain is sealed with (further events are sealed with it too).
        store: Where its further events go, holding exactly these events already.

    Raises:
        TamperedLog: An event does not fit the conversation (``.seq`` says which).
        InvalidInput: ``clock`` is not callable.
    """
    conversation = Conversation.__new__(Conversation)
    conversation._setup(protocol, events[0].conversation_id, clock, store, key)  # noqa: SLF001
    state = conversation._state  # noqa: SLF001 - this module's own class
    take = conversation._take  # noqa: SLF001 - this module's own class
    for event in events:
        shape = data_problem(event)
        if shape is not None:
            msg = f"Event seq {event.seq} ({event.kind}) does not fit the conversation: {shape}."
            raise TamperedLog(msg, event.seq)
        if event.kind not in KINDS or event.phase is not state.phase:
            where = (
                "of an unknown kind"
                if event.kind not in KINDS
                else f"in {event.phase.label}, while the conversation was in {state.phase.label}"
            )
            msg = f"Event seq {event.seq} does not fit the conversation: it is {where}."
            raise TamperedLog(msg, event.seq)
        try:
            take((event,))
        except ImpossibleStep:
            msg = f"Event seq {event.seq} ({event.kind}) takes a step the protocol does not have."
            raise TamperedLog(msg, event.seq) from None
        except (LookupError, TypeError, ValueError, AttributeError) as error:
            msg = f"Event seq {event.seq} ({event.kind}) does not fit the conversation: {error!r}."
            raise TamperedLog(msg, event.seq) from None
    return conversation


if typing.TYPE_CHECKING:

    def _is_a_view(conversation: Conversation) -> ConversationView:
        """Rules receive the conversation itself: mypy checks here that it is a view."""
        return conversation
