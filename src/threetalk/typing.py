"""The protocols that users of threetalk implement or receive, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date
    from random import Random

    from threetalk._phases import Phase, Role, Stance
    from threetalk._values import Decision, Option, Participant, Proposal, Reason


# ---------------------------------------------------------------------- simulation policies


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
    attributes does.
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


#: The view a policy accepts: :class:`PolicyView` or anything more specific.
ViewT_contra = TypeVar("ViewT_contra", bound=PolicyView, contravariant=True)


class PolicyLike(Protocol[ViewT_contra]):
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

    def choose(self, view: ViewT_contra, rng: Random) -> PolicyAction:
        """The next action for the conversation ``view`` shows."""
        ...  # pragma: no cover
