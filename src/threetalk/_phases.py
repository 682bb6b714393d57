"""The vocabulary of a conversation: phases, roles, stances, how a decision was made, and the
kinds of the acts the practice guides name (role preference, analysis, information, source)."""

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


class DecisionRole(_Vocabulary):
    """How a client or relative wants to take part in deciding.

    The three broad roles of the Control Preferences Scale (Degner, 1997), whose five
    statements run from "I decide" to "the professional decides".
    """

    DECIDE_MYSELF = "decide_myself"
    """I make the decision myself (having heard the professional)."""
    SHARE = "share"
    """The professional and I decide together."""
    LEAVE_TO_PROFESSIONAL = "leave_to_professional"
    """The professional decides (having heard me)."""


class Analysis(_Vocabulary):
    """What an entry of the problem-and-strengths analysis of youth care is about."""

    CAUSE = "cause"
    """What brought the problem about."""
    MAINTAINING_FACTOR = "maintaining_factor"
    """What keeps the problem going."""
    CONSEQUENCE = "consequence"
    """What the problem leads to."""
    EXPECTATION = "expectation"
    """What is expected for the future, with or without help."""
    STRENGTH = "strength"
    """What the family (or the client) is good at, or who stands by them."""


class Information(_Vocabulary):
    """The kind of information handed over in a conversation."""

    LEAFLET = "leaflet"
    """A leaflet or other information on paper."""
    WEBSITE = "website"
    """A website (of a patient organisation, say)."""
    PEER_EXPERIENCE = "peer_experience"
    """The experience of peers who made the same choice before."""
    DECISION_AID = "decision_aid"
    """A decision aid."""
    OTHER = "other"
    """Anything else."""


class Source(_Vocabulary):
    """Where an option comes from."""

    OWN_IDEA = "own_idea"
    """A client's or relative's own idea (the default for their options)."""
    NETWORK = "network"
    """The client's network: family, friends, neighbours."""
    PROFESSIONAL = "professional"
    """A professional (the default for a professional's options)."""
    OBLIGATION = "obligation"
    """The law: an obligation, proposed by a professional with its legal basis."""


DECISION_ROLE_BY_VALUE: dict[str, DecisionRole] = {each.value: each for each in DecisionRole}
ANALYSIS_BY_VALUE: dict[str, Analysis] = {each.value: each for each in Analysis}
INFORMATION_BY_VALUE: dict[str, Information] = {each.value: each for each in Information}
SOURCE_BY_VALUE: dict[str, Source] = {each.value: each for each in Source}
