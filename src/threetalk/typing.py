"""The protocols you implement or receive when you build on threetalk, in one place.

- :class:`ConversationView`: what a rule's check reads. A :class:`~threetalk.Conversation`
  is one; at run time a check receives the conversation itself.
- :data:`Check`: the type of a rule's check (see :class:`~threetalk.Rule`).
- :class:`EventSink`: where a conversation writes its events before it changes.
- :class:`EventStore`: the whole interface of an event store (reopening, verifying,
  JSONL), with :class:`StoreReport` and :class:`StoreFinding`, what its ``verify`` returns.
- :class:`PolicyLike`: a simulation policy, with what it sees (:class:`PolicyView`,
  :class:`PolicyConversation`) and what it returns (:class:`PolicyAction`).

Every name here is a :class:`typing.Protocol`: anything with the same members fits, no
subclassing needed. This module imports only threetalk's vocabulary, values and events,
so importing it is cheap and any module may use it.

>>> import threetalk as tt
>>> from threetalk.typing import ConversationView
>>> def open_options(view: ConversationView) -> list[str]:
...     return [item.option.text for item in view.option_states if item.open]
>>> open_options(tt.Conversation())
[]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date
    from random import Random

    from threetalk._phases import DecisionRole, Phase, Role, Stance
    from threetalk._trail import Event, Head
    from threetalk._values import (
        AnalysisEntry,
        Decision,
        Evaluation,
        Option,
        OptionState,
        Participant,
        Proposal,
        QuestionState,
        Reason,
        SharedInformation,
        Snapshot,
        Statement,
        SureCheck,
        UnderstandingCheck,
    )

__all__ = [
    "Check",
    "ConversationView",
    "EventSink",
    "EventStore",
    "PolicyAction",
    "PolicyConversation",
    "PolicyLike",
    "PolicyView",
    "StoreFinding",
    "StoreReport",
]


# ---------------------------------------------------------------- what rules read


class ConversationView(Protocol):
    """A conversation as a rule sees it: read-only, every property cheap.

    Each property hands out a value the conversation keeps up to date as its events apply:
    a tuple (replaced, never changed, when an event changes it) or a read-only mapping
    over the conversation's own (which shows later changes too, so copy it with
    ``dict(...)`` to keep it as it is now). Reading a property copies nothing, so a check
    may read as many as it likes, as often as ``allowed_moves()`` asks.

    Ids are the participants' (``"p1"``, ...) and the options' (``"o1"``, ...); look
    participants up with :meth:`participant`.
    """

    @property
    def id(self) -> str:
        """The conversation's id."""
        ...  # pragma: no cover - protocol

    @property
    def phase(self) -> Phase:
        """Where the conversation is now."""
        ...  # pragma: no cover - protocol

    @property
    def participants(self) -> tuple[Participant, ...]:
        """Everyone who joined, in order of joining."""
        ...  # pragma: no cover - protocol

    @property
    def options(self) -> tuple[Option, ...]:
        """Every option proposed, in order, withdrawn ones included."""
        ...  # pragma: no cover - protocol

    @property
    def option_states(self) -> tuple[OptionState, ...]:
        """Every option with its pros and cons, trial and withdrawal, in order of proposal."""
        ...  # pragma: no cover - protocol

    @property
    def topics(self) -> tuple[Statement, ...]:
        """The topics put on the agenda, oldest first."""
        ...  # pragma: no cover - protocol

    @property
    def problem(self) -> Statement | None:
        """The latest statement of the problem; ``None`` until there is one."""
        ...  # pragma: no cover - protocol

    @property
    def goals(self) -> tuple[Statement, ...]:
        """The goals named, oldest first (``.by`` is the participant's id)."""
        ...  # pragma: no cover - protocol

    @property
    def concerns(self) -> tuple[Statement, ...]:
        """The worries raised, oldest first."""
        ...  # pragma: no cover - protocol

    @property
    def preferences(self) -> Mapping[str, str | None]:
        """Participant id to the id of the option they prefer, ``None`` for "no preference".

        Only the latest statement of each participant counts; someone who stated none is
        not a key.
        """
        ...  # pragma: no cover - protocol

    @property
    def delegations(self) -> Mapping[str, str]:
        """Client id to the id of the professional they handed the decision to (rule R10)."""
        ...  # pragma: no cover - protocol

    @property
    def proposal(self) -> Proposal | None:
        """The decision proposed in decision talk and not yet final, if any."""
        ...  # pragma: no cover - protocol

    @property
    def decision(self) -> Decision | None:
        """The final decision; ``None`` until there is one, and again after it is reopened."""
        ...  # pragma: no cover - protocol

    @property
    def evaluations(self) -> tuple[Evaluation, ...]:
        """The looks back recorded, oldest first."""
        ...  # pragma: no cover - protocol

    @property
    def sitting(self) -> int:
        """Which sitting this is: 1 at first, one more at every ``resume``."""
        ...  # pragma: no cover - protocol

    @property
    def role_preferences(self) -> Mapping[str, DecisionRole]:
        """Participant id to how they want to take part in deciding (the latest counts)."""
        ...  # pragma: no cover - protocol

    @property
    def sure_checks(self) -> Mapping[str, SureCheck]:
        """Participant id to their latest SURE check of decisional conflict."""
        ...  # pragma: no cover - protocol

    @property
    def understanding(self) -> Mapping[str, UnderstandingCheck]:
        """Client or relative id to the latest teach-back check of their understanding."""
        ...  # pragma: no cover - protocol

    @property
    def analysis(self) -> tuple[AnalysisEntry, ...]:
        """The problem-and-strengths analysis, oldest entry first."""
        ...  # pragma: no cover - protocol

    @property
    def information(self) -> tuple[SharedInformation, ...]:
        """The information handed over, oldest first."""
        ...  # pragma: no cover - protocol

    @property
    def questions(self) -> tuple[QuestionState, ...]:
        """Every question asked, with its answers, in order of asking."""
        ...  # pragma: no cover - protocol

    @property
    def decision_option(self) -> Option | None:
        """The option a decision is about, for decision rules (rule R16 reads it).

        While a proposal is judged (``propose_decision``), the option proposed; else the
        pending proposal's option; else the final decision's; else ``None``.
        """
        ...  # pragma: no cover - protocol

    def participant(self, participant_id: str) -> Participant:
        """The participant with this id.

        Raises:
            UnknownParticipant: Nobody with that id joined.
        """
        ...  # pragma: no cover - protocol

    def snapshot(self) -> Snapshot:
        """A frozen copy of the whole state: built on every call, so not for a rule's check."""
        ...  # pragma: no cover - protocol


#: A rule's check: ``None`` when the rule is met, else why not: plain words (shown to the
#: participants as the refusal's message) or a ``Reason`` with ``params``, so that it can
#: be read in other languages (see ``Rule.params``). It must not change anything.
Check: TypeAlias = Callable[[ConversationView], "str | Reason | None"]


# ---------------------------------------------------------------- where events go


class EventSink(Protocol):
    """Where a conversation writes its events before it changes (a durable store).

    ``append_events`` receives the events of one command, oldest first, and must either
    make all of them durable or raise (a :class:`~threetalk.ThreetalkError`) having written
    none; the conversation changes only after it returned. ``key`` is the key of the
    store's keyed chains, or ``None``.
    """

    @property
    def key(self) -> bytes | None: ...  # pragma: no cover - protocol

    def append_events(self, events: Sequence[Event]) -> None: ...  # pragma: no cover


class StoreFinding(Protocol):
    """One problem an event store's ``verify`` found (:class:`threetalk.store.Finding`)."""

    @property
    def message(self) -> str:
        """The problem in plain words."""
        ...  # pragma: no cover - protocol

    @property
    def conversation_id(self) -> str | None:
        """The conversation concerned; ``None`` for the store as a whole."""
        ...  # pragma: no cover - protocol

    @property
    def seq(self) -> int | None:
        """Where its chain first breaks, for a broken chain."""
        ...  # pragma: no cover - protocol

    @property
    def severity(self) -> str:
        """``"error"`` (the trail cannot be trusted as it is) or ``"warning"``."""
        ...  # pragma: no cover - protocol


class StoreReport(Protocol):
    """What an event store's ``verify`` returns (:class:`threetalk.store.VerifyReport`)."""

    @property
    def heads(self) -> Mapping[str, Head]:
        """The head of every conversation whose chain verifies, by conversation id."""
        ...  # pragma: no cover - protocol

    @property
    def findings(self) -> Sequence[StoreFinding]:
        """Every problem, store-wide ones first."""
        ...  # pragma: no cover - protocol

    @property
    def ok(self) -> bool:
        """Whether no finding is an error (warnings alone leave the trail trustworthy)."""
        ...  # pragma: no cover - protocol

    @property
    def errors(self) -> Sequence[StoreFinding]:
        """The findings that are errors."""
        ...  # pragma: no cover - protocol


class EventStore(Protocol):
    """The interface of an event store: what conversations, reopening and JSONL use.

    A store holds each conversation's events as one append-only chain. Writes are
    all-or-nothing; a write that does not continue the stored chain raises
    :class:`~threetalk.ConflictError`.
    """

    @property
    def key(self) -> bytes | None:
        """The key of the store's keyed chains, or ``None`` for bare SHA-256 chains."""
        ...  # pragma: no cover - protocol

    def append_events(self, events: Sequence[Event]) -> None:
        """Store the events of one command of one conversation, all or none."""
        ...  # pragma: no cover - protocol

    def append_many(self, events: Iterable[Event]) -> int:
        """Store events of any number of conversations in one transaction; returns how many."""
        ...  # pragma: no cover - protocol

    def load(self, conversation_id: str) -> tuple[Event, ...]:
        """One conversation's events, oldest first (empty when it is not stored)."""
        ...  # pragma: no cover - protocol

    def conversation_ids(self) -> tuple[str, ...]:
        """The id of every stored conversation, sorted."""
        ...  # pragma: no cover - protocol

    def head(self, conversation_id: str) -> Head:
        """The ``seq`` and ``hash`` of a conversation's last stored event."""
        ...  # pragma: no cover - protocol

    def verify(self) -> StoreReport:
        """Check every chain (and whatever else the store can check about itself)."""
        ...  # pragma: no cover - protocol


# ---------------------------------------------------------------------- simulation policies

if TYPE_CHECKING:
    from threetalk._phases import Analysis, Information, Source
    from threetalk._values import Question


class PolicyConversation(Protocol):
    """The conversation behind a :class:`PolicyView`: its read-only queries only.

    A policy may ask why a move is refused or where the talk can go; it never gives
    commands itself (the simulator carries out the :class:`PolicyAction` it returns).
    """

    @property
    def id(self) -> str:
        """The conversation's id."""
        ...  # pragma: no cover

    @property
    def phase(self) -> Phase:
        """Where the conversation is now."""
        ...  # pragma: no cover

    def why_not(self, phase: Phase) -> tuple[Reason, ...]:
        """Every reason a move to ``phase`` would be refused now (empty: it is allowed)."""
        ...  # pragma: no cover

    def can_move_to(self, phase: Phase) -> bool:
        """Whether a move to ``phase`` would be allowed now."""
        ...  # pragma: no cover

    def allowed_moves(self) -> frozenset[Phase]:
        """The phases a move can reach now."""
        ...  # pragma: no cover


class PolicyView(Protocol):
    """What a policy sees of one simulated conversation (``threetalk.simulation.View``).

    The simulator keeps it up to date as events are recorded; a policy reads it and
    writes only to ``memo``, its own notebook for this conversation.
    """

    @property
    def index(self) -> int:
        """The conversation's index in the run."""
        ...  # pragma: no cover

    @property
    def conversation(self) -> PolicyConversation:
        """The conversation itself, for its read-only queries."""
        ...  # pragma: no cover

    @property
    def step(self) -> int:
        """How many actions were tried so far."""
        ...  # pragma: no cover

    @property
    def today(self) -> date | None:
        """The simulated date."""
        ...  # pragma: no cover

    @property
    def clients(self) -> Sequence[Participant]:
        """Participants who joined as clients, in order of joining."""
        ...  # pragma: no cover

    @property
    def relatives(self) -> Sequence[Participant]:
        """Participants who joined as relatives."""
        ...  # pragma: no cover

    @property
    def professionals(self) -> Sequence[Participant]:
        """Participants who joined as professionals."""
        ...  # pragma: no cover

    @property
    def participants(self) -> Sequence[Participant]:
        """Everyone who joined: clients, then relatives, then professionals."""
        ...  # pragma: no cover

    @property
    def options(self) -> Sequence[Option]:
        """The options on the table (proposed and not withdrawn), in order."""
        ...  # pragma: no cover

    @property
    def considered(self) -> Mapping[str, int]:
        """For each option id, how many pros and cons it has."""
        ...  # pragma: no cover

    @property
    def trials(self) -> Mapping[str, date]:
        """For each option id under a running trial, its evaluation date."""
        ...  # pragma: no cover

    @property
    def preferences(self) -> Mapping[str, str | None]:
        """For each participant id, the option id they prefer (``None``: none)."""
        ...  # pragma: no cover

    @property
    def delegations(self) -> Mapping[str, str]:
        """For each client id, the professional they delegated to."""
        ...  # pragma: no cover

    @property
    def problem_stated(self) -> bool:
        """Whether the problem statement is recorded."""
        ...  # pragma: no cover

    @property
    def client_goal(self) -> bool:
        """Whether a client named a goal."""
        ...  # pragma: no cover

    @property
    def sitting(self) -> int:
        """The sitting (1 + the number of resumptions)."""
        ...  # pragma: no cover

    @property
    def visit(self) -> Sequence[tuple[str, str | None]]:
        """``(kind, actor)`` of every accepted event in the current visit of the phase."""
        ...  # pragma: no cover

    @property
    def last(self) -> str:
        """The kind of the last accepted command event (``""`` at first)."""
        ...  # pragma: no cover

    @property
    def last_refusal(self) -> tuple[str, ...]:
        """The reason codes of the previous step's refusal, if it was refused."""
        ...  # pragma: no cover

    @property
    def refusals(self) -> int:
        """How many actions were refused so far."""
        ...  # pragma: no cover

    @property
    def paused_until(self) -> date | None:
        """The resume date while paused."""
        ...  # pragma: no cover

    @property
    def role_preferences(self) -> Mapping[str, DecisionRole]:
        """For each client or relative id, the role in deciding they stated last."""
        ...  # pragma: no cover

    @property
    def sure(self) -> Mapping[str, int]:
        """For each client or relative id, the score (0-4) of their latest SURE check."""
        ...  # pragma: no cover

    @property
    def understood(self) -> Mapping[str, bool]:
        """For each client or relative id, whether their latest teach-back check says so."""
        ...  # pragma: no cover

    @property
    def open_questions(self) -> Sequence[Question]:
        """The questions not answered yet, in the order they were asked."""
        ...  # pragma: no cover

    @property
    def analysis(self) -> Mapping[Analysis, int]:
        """How many entries of each kind the problem-and-strengths analysis has."""
        ...  # pragma: no cover

    @property
    def information(self) -> Mapping[str | None, int]:
        """For each option id, the pieces of information shared about it (``None``: general)."""
        ...  # pragma: no cover

    @property
    def declines(self) -> Mapping[str, set[str]]:
        """For each option id, the ids of the clients who declined it."""
        ...  # pragma: no cover

    @property
    def waived(self) -> set[str]:
        """The ids of the obligations that were waived."""
        ...  # pragma: no cover

    @property
    def memo(self) -> dict[str, Any]:
        """The policy's own notebook for this conversation (free to change)."""
        ...  # pragma: no cover

    @property
    def phase(self) -> Phase:
        """Where the conversation is now."""
        ...  # pragma: no cover

    @property
    def proposal(self) -> Proposal | None:
        """The pending proposal, if any."""
        ...  # pragma: no cover

    @property
    def decision(self) -> Decision | None:
        """The final decision, if any."""
        ...  # pragma: no cover


class PolicyAction(Protocol):
    """What a policy returns: one command for the simulator to carry out.

    ``threetalk.simulation.Action`` is the ready-made one; any object with these
    attributes does. The attributes after ``days`` came with the acts of the practice
    guides: at run time the simulator takes their defaults (``None``, ``False``,
    ``True``, four yes answers) from an object that lacks them, so actions written
    before them still run, but a type checker wants them all.
    """

    @property
    def command(self) -> str:
        """The :class:`~threetalk.Conversation` method to call (one of ``COMMANDS``)."""
        ...  # pragma: no cover

    @property
    def by(self) -> Participant | None:
        """Who gives the command; ``None`` only for ``join``."""
        ...  # pragma: no cover

    @property
    def option(self) -> Option | None:
        """The option concerned, where the command concerns one."""
        ...  # pragma: no cover

    @property
    def phase(self) -> Phase | None:
        """The target of ``move_to``."""
        ...  # pragma: no cover

    @property
    def role(self) -> Role | None:
        """The role of a participant who joins."""
        ...  # pragma: no cover

    @property
    def stance(self) -> Stance | None:
        """Pro or con, for ``add_consideration``."""
        ...  # pragma: no cover

    @property
    def to(self) -> Participant | None:
        """The professional a decision is delegated to."""
        ...  # pragma: no cover

    @property
    def days(self) -> int:
        """Days from the simulated today (pauses, trials, decisions)."""
        ...  # pragma: no cover

    @property
    def question(self) -> Question | None:
        """The question ``answer`` answers."""
        ...  # pragma: no cover

    @property
    def of(self) -> Participant | None:
        """The client or relative whose understanding ``check_understanding`` checks."""
        ...  # pragma: no cover

    @property
    def kind(self) -> Analysis | Information | None:
        """What ``add_analysis`` adds, or what kind of information ``share_information`` shares."""
        ...  # pragma: no cover

    @property
    def source(self) -> Source | None:
        """Where a proposed option comes from (``OBLIGATION``: the law; ``None``: the role)."""
        ...  # pragma: no cover

    @property
    def expected_result(self) -> bool:
        """Whether a proposed option comes with what it should bring."""
        ...  # pragma: no cover

    @property
    def decision_role(self) -> DecisionRole | None:
        """The role in deciding that ``state_role_preference`` states."""
        ...  # pragma: no cover

    @property
    def understood(self) -> bool:
        """What a ``check_understanding`` found."""
        ...  # pragma: no cover

    @property
    def answers(self) -> tuple[bool, bool, bool, bool]:
        """The four SURE answers of ``check_conflict``: sure, informed, values clear, supported."""
        ...  # pragma: no cover


#: The view a policy accepts: :class:`PolicyView` or anything more specific.
_ViewT_contra = TypeVar("_ViewT_contra", bound=PolicyView, contravariant=True)


class PolicyLike(Protocol[_ViewT_contra]):
    """What the simulator needs of a policy: ``choose(view, rng) -> action``.

    ``choose`` gets the view of a conversation and a :class:`random.Random` that belongs
    to this conversation alone, and returns the next :class:`PolicyAction`. Return a
    ``close`` action to end the conversation; the simulator closes it anyway after
    ``max_steps`` actions. A policy used with ``workers > 1`` or Dask must be picklable
    (a class defined at the top level of a module, or an attrs value of one). An
    optional attribute ``seconds_per_utterance`` sets the mean simulated time between
    commands (60 when absent).

    The simulator passes a ``threetalk.simulation.View``, so a policy may annotate its
    ``view`` as that class or as :class:`PolicyView`: ``PolicyLike[View]`` accepts both.
    """

    def choose(self, view: _ViewT_contra, rng: Random) -> PolicyAction:
        """The next action for the conversation ``view`` shows."""
        ...  # pragma: no cover
