"""The protocols you implement or receive when you build on threetalk, in one place.

- :class:`ConversationView`: what a rule's check reads. A :class:`~threetalk.Conversation`
  is one; at run time a check receives the conversation itself.
- :data:`Check`: the type of a rule's check (see :class:`~threetalk.Rule`).
- :class:`EventSink`: where a conversation writes its events before it changes.
- :class:`EventStore`: the whole interface of an event store (reopening, verifying,
  JSONL), with :class:`StoreReport` and :class:`StoreFinding`, what its ``verify`` returns.

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
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from threetalk._events import Event, Head
    from threetalk._phases import Phase
    from threetalk._values import (
        Decision,
        Evaluation,
        Option,
        OptionState,
        Participant,
        Proposal,
        Snapshot,
        Statement,
    )

__all__ = [
    "Check",
    "ConversationView",
    "EventSink",
    "EventStore",
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

    def participant(self, participant_id: str) -> Participant:
        """The participant with this id.

        Raises:
            UnknownParticipant: Nobody with that id joined.
        """
        ...  # pragma: no cover - protocol

    def snapshot(self) -> Snapshot:
        """A frozen copy of the whole state: built on every call, so not for a rule's check."""
        ...  # pragma: no cover - protocol


#: A rule's check: ``None`` when the rule is met, else why not in plain words (shown to
#: the participants as the refusal's message). It must not change anything.
Check: TypeAlias = Callable[[ConversationView], str | None]


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


# --- simulation policies: see threetalk.simulation
