"""The vocabulary of a conversation: phases, roles, stances and how a decision was made."""

from __future__ import annotations

import enum


class _Vocabulary(enum.Enum):
    """An enum whose members print as valid Python (``Phase.TEAM_TALK``)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    # Members are singletons compared by identity, so identity hashing agrees with
    # equality; Enum's own __hash__ is Python code, run on every dict lookup by phase.
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        """The member in plain words, as it appears in messages ("team talk")."""
        return str(self.value).replace("_", " ")


class Phase(_Vocabulary):
    """Where a conversation is.

    The four talks can follow each other in any order their entry rules allow;
    ``PREPARATION`` is where every conversation starts, ``PAUSED`` and ``CLOSED``
    are reached through :meth:`Conversation.pause` and :meth:`Conversation.close`.
    """

    PREPARATION = "preparation"
    TEAM_TALK = "team_talk"
    OPTION_TALK = "option_talk"
    DECISION_TALK = "decision_talk"
    EVALUATION = "evaluation"
    PAUSED = "paused"
    CLOSED = "closed"


#: Every phase by its value (``"team_talk"``), as events and stores record it.
PHASE_BY_VALUE: dict[str, Phase] = {phase.value: phase for phase in Phase}

#: The phases a conversation does its work in (everything but ``PAUSED`` and ``CLOSED``).
TALK_PHASES = (
    Phase.PREPARATION,
    Phase.TEAM_TALK,
    Phase.OPTION_TALK,
    Phase.DECISION_TALK,
    Phase.EVALUATION,
)


class Role(_Vocabulary):
    """The part a participant takes in the conversation."""

    CLIENT = "client"
    RELATIVE = "relative"
    PROFESSIONAL = "professional"


class Stance(_Vocabulary):
    """Whether a consideration speaks for or against an option."""

    PRO = "pro"
    CON = "con"


class Decided(_Vocabulary):
    """How a final decision came about."""

    AGREED = "agreed"
    """Every client consented to the proposal."""
    DELEGATED = "delegated"
    """Every client asked the professional to decide, and the professional did."""
    IMPOSED = "imposed"
    """The professional decided without every client's consent, where the protocol allows it."""


# Members by their recorded value, for reading events back: a dict lookup is several times
# faster than calling the enum (``Role("client")``), and a miss is a ``KeyError`` too.
ROLE_BY_VALUE: dict[str, Role] = {role.value: role for role in Role}
STANCE_BY_VALUE: dict[str, Stance] = {stance.value: stance for stance in Stance}
DECIDED_BY_VALUE: dict[str, Decided] = {how.value: how for how in Decided}
