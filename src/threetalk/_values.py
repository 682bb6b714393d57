"""The frozen values a conversation hands out: who takes part, what was said, what was decided.

Every value here is immutable and comparable; the conversation replaces a value when
something about it changes, so a value you hold never changes under your hands.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import attrs

from threetalk import _messages
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
from threetalk._trail import FrozenData, freeze


def json_ready(value: Any) -> Any:
    """``value`` as data that ``json.dumps`` takes without a ``default``.

    Enums become their value, dates and times ISO-8601 text, mappings (a :class:`Text`
    too) dicts with text keys, tuples and lists lists, sets sorted lists, and a value with
    a ``to_dict`` method that method's dict.

    Raises:
        TypeError: ``value`` is none of these (a float is kept: none is recorded).
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, enum.Enum | date):
        return value.value if isinstance(value, enum.Enum) else value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        items = [json_ready(item) for item in value]
        return items if isinstance(value, tuple | list) else sorted(items)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    msg = f"{type(value).__name__} has no JSON form"
    raise TypeError(msg)


def fields_dict(value: Any, **replaced: Any) -> dict[str, Any]:
    """The attrs fields of ``value`` by name, each :func:`json_ready`, in field order.

    Args:
        value: An attrs instance.
        **replaced: Fields given another JSON form (already JSON-ready), by name.

    Returns:
        A new dict, one key per field.
    """
    return {
        field.name: replaced[field.name]
        if field.name in replaced
        else json_ready(getattr(value, field.name))
        for field in attrs.fields(type(value))
    }


@attrs.frozen
class Participant:
    """Someone who joined a conversation; pass it as ``by=`` to act.

    Attributes:
        id: Stable within the conversation: ``p1``, ``p2``, ... in order of joining.
        name: The name given when joining.
        role: The part they take.
        conversation_id: The conversation they belong to.
    """

    id: str
    name: str
    role: Role
    conversation_id: str

    def to_dict(self) -> dict[str, Any]:
        """The participant as JSON-ready data.

        ``{"id", "name", "role", "conversation_id"}``; ``role`` is the role's value
        (``"client"``).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Option:
    """An option on the table; pass it back to the commands that concern it.

    Attributes:
        id: Stable within the conversation: ``o1``, ``o2``, ... in order of proposal.
        text: What the option is.
        proposed_by: The id of the participant who proposed it.
        conversation_id: The conversation it belongs to.
        source: Where it comes from: a client's or relative's own idea, their network, a
            professional, or the law (an obligation).
        expected_result: What it is expected to bring, where the proposer said so (the
            youth-care guide asks it of professional help).
        obligation: The legal basis of an option the law imposes (rule R16), else ``None``.
    """

    id: str
    text: str
    proposed_by: str
    conversation_id: str
    source: Source = attrs.field(default=Source.OWN_IDEA, kw_only=True)
    expected_result: str | None = attrs.field(default=None, kw_only=True)
    obligation: str | None = attrs.field(default=None, kw_only=True)

    @property
    def is_obligation(self) -> bool:
        """Whether the law imposes this option (it has a legal basis, rule R16)."""
        return self.obligation is not None

    def to_dict(self) -> dict[str, Any]:
        """The option as JSON-ready data: ``{"id", "text", "proposed_by",
        "conversation_id", "source", "expected_result", "obligation"}`` (``proposed_by`` a
        participant id, ``source`` the value of :class:`Source`, the last two ``None`` when
        not given).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Statement:
    """Something a participant put on record: a topic, the problem, a goal or a concern."""

    text: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The statement as JSON-ready data: ``{"text", "by"}`` (``by`` a
        participant id).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Consideration:
    """A pro or con of an option, as one participant sees it."""

    stance: Stance
    text: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The consideration as JSON-ready data: ``{"stance", "text",
        "by"}`` (``stance`` ``"pro"`` or ``"con"``, ``by`` a participant id).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Trial:
    """Trying an option out before deciding on it (rule R6).

    Attributes:
        evaluate_on: The agreed date to look at how the trial went.
        started_by: Who started it.
        outcome: How it went; ``None`` while the trial is still running.
    """

    evaluate_on: date
    started_by: str
    outcome: str | None = None

    @property
    def running(self) -> bool:
        """Whether the trial has not been ended yet."""
        return self.outcome is None

    def to_dict(self) -> dict[str, Any]:
        """The trial as JSON-ready data: ``{"evaluate_on", "started_by",
        "outcome"}`` (``evaluate_on`` ISO date text, ``outcome`` ``None`` while running).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Decline:
    """A client's word that they decline an option (the option stays open)."""

    reason: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The decline as JSON-ready data: ``{"reason", "by"}`` (``by`` a participant id).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Waiver:
    """Why a professional did not apply an obligation in this case (rule R16).

    Attributes:
        justification: What serves the goal better, and on what that expectation rests.
        by: The id of the professional who waived it.
    """

    justification: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The waiver as JSON-ready data: ``{"justification", "by"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class OptionState:
    """An option with everything recorded about it.

    Attributes:
        option: The option itself.
        considerations: Its pros and cons, in the order they were given.
        withdrawn: Why it was struck, or ``None`` while it is still open.
        trial: The latest trial of it, if any.
        declines: The clients who declined it, each with their reason (the latest per
            client); declining records a stance and leaves the option open.
        waiver: Why the professional did not apply this obligation in this case (rule
            R16); ``None`` for an option that is not waived.
    """

    option: Option
    considerations: tuple[Consideration, ...] = ()
    withdrawn: str | None = None
    trial: Trial | None = None
    declines: tuple[Decline, ...] = ()
    waiver: Waiver | None = None

    @property
    def open(self) -> bool:
        """Whether the option can still be chosen: neither withdrawn nor (an obligation) waived."""
        return self.withdrawn is None and self.waiver is None

    def to_dict(self) -> dict[str, Any]:
        """The option with its record as JSON-ready data.

        ``{"option": Option.to_dict(), "considerations": [Consideration.to_dict(), ...],
        "withdrawn": str | None, "trial": Trial.to_dict() | None, "declines":
        [Decline.to_dict(), ...], "waiver": Waiver.to_dict() | None}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class SureCheck:
    """A client's or relative's own SURE test of decisional conflict.

    SURE (Légaré et al., 2010) asks four yes/no questions: feeling Sure of the best choice
    (``sure``), Understanding the benefits and risks (``informed``), being clear about the
    Risk-benefit ratio, what matters most (``values_clear``), and having Enough support
    (``supported``).

    Attributes:
        sure: Sure of the best choice.
        informed: Knows the benefits and risks of each option.
        values_clear: Clear about which benefits and risks matter most to them.
        supported: Has enough support and advice to choose.
        by: The id of the participant who answered (for themselves).
    """

    sure: bool
    informed: bool
    values_clear: bool
    supported: bool
    by: str

    @property
    def score(self) -> int:
        """The number of yes answers, 0 to 4."""
        return self.sure + self.informed + self.values_clear + self.supported

    @property
    def conflict(self) -> bool:
        """Whether the score signals decisional conflict (below 4; advisory A5)."""
        return self.score < 4

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data: ``{"sure", "informed", "values_clear",
        "supported", "by", "score"}`` (``score`` 0-4).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return {**fields_dict(self), "score": self.score}


@attrs.frozen
class UnderstandingCheck:
    """A teach-back check: whether a client or relative could say in their own words what
    was explained (rule R15 in youth care).

    Attributes:
        of: The id of the client or relative whose understanding was checked.
        understood: Whether they had understood.
        note: What showed it (or what was not clear yet).
        by: The id of the professional who checked.
    """

    of: str
    understood: bool
    note: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data: ``{"of", "understood", "note", "by"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class AnalysisEntry:
    """One entry of the problem-and-strengths analysis (youth care)."""

    kind: Analysis
    text: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data: ``{"kind", "text", "by"}`` (``kind`` the value of
        :class:`Analysis`).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class SharedInformation:
    """Information handed over in the conversation (a leaflet, a decision aid, ...).

    Attributes:
        kind: What kind of information it is.
        text: What was handed over (a title, an address, a summary).
        option: The id of the option it is about, or ``None``.
        by: The id of the participant who shared it.
    """

    kind: Information
    text: str
    option: str | None
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The information as JSON-ready data: ``{"kind", "text", "option", "by"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Question:
    """A question asked in the conversation; pass it back to :meth:`Conversation.answer`.

    Attributes:
        id: Stable within the conversation: ``q1``, ``q2``, ... in order of asking.
        text: The question.
        asked_by: The id of the participant who asked it.
        conversation_id: The conversation it belongs to.
    """

    id: str
    text: str
    asked_by: str
    conversation_id: str

    def to_dict(self) -> dict[str, Any]:
        """The question as JSON-ready data: ``{"id", "text", "asked_by", "conversation_id"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Answer:
    """An answer to a question."""

    text: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The answer as JSON-ready data: ``{"text", "by"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class QuestionState:
    """A question with its answers, in the order they were given."""

    question: Question
    answers: tuple[Answer, ...] = ()

    @property
    def answered(self) -> bool:
        """Whether anyone answered it."""
        return bool(self.answers)

    def to_dict(self) -> dict[str, Any]:
        """The question with its answers as JSON-ready data: ``{"question":
        Question.to_dict(), "answers": [Answer.to_dict(), ...]}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Proposal:
    """A decision put forward in decision talk, waiting for the clients' consent.

    Attributes:
        option: The option to decide on.
        who: Who does what is decided.
        what: What will be done.
        when: When it starts.
        review_on: When the decision will be looked at again.
        proposed_by: The id of the participant who proposed it.
        consents: Ids of the clients who consented to this proposal.
        objections: ``(client id, reason)`` for every objection to this proposal.
    """

    option: Option
    who: str
    what: str
    when: date
    review_on: date
    proposed_by: str
    consents: frozenset[str] = frozenset()
    objections: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The proposal as JSON-ready data.

        ``{"option", "who", "what", "when", "review_on", "proposed_by", "consents",
        "objections"}``: ``option`` is the option's id, dates ISO text, ``consents`` the
        sorted ids of the clients who consented, ``objections`` a list of ``{"by",
        "reason"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        objections = [{"by": by, "reason": reason} for by, reason in self.objections]
        return fields_dict(self, option=self.option.id, objections=objections)


@attrs.frozen
class Decision:
    """A final decision (rules R8-R10).

    Attributes:
        option: The option decided on.
        how: Agreed by every client, delegated to the professional, or imposed.
        who: Who does what is decided.
        what: What will be done.
        when: When it starts.
        review_on: When the decision will be looked at again.
        justification: Why it was imposed; ``None`` unless ``how`` is ``IMPOSED``.
    """

    option: Option
    how: Decided
    who: str
    what: str
    when: date
    review_on: date
    justification: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data.

        ``{"option", "how", "who", "what", "when", "review_on", "justification"}``:
        ``option`` is the option's id, ``how`` the value of :class:`Decided`
        (``"agreed"``), dates ISO text.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self, option=self.option.id)


@attrs.frozen
class Evaluation:
    """A look back (rule R13): how the decision turned out and how the talk went."""

    outcome: str
    process: str
    by: str

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-ready data: ``{"outcome", "process", "by"}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


_NO_PARAMS: Final[Mapping[str, Any]] = FrozenData()


def frozen_params(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``value`` as read-only data (lists become tuples), as event data is held."""
    if type(value) is FrozenData:
        return value  # read back from an event: frozen already
    if not value:
        return _NO_PARAMS
    frozen: Mapping[str, Any] = freeze(dict(value))
    return frozen


@attrs.frozen
class Reason:
    """Why something is not possible now.

    Attributes:
        code: Stable, kebab-case; safe to branch on in your own code.
        message: Plain words, written for the professional and the client (English:
            what a refusal records).
        rule: The rule it comes from (``"R3"``, as numbered in ``docs/guide.md``), or ``""``
            where none applies.
        params: What the message is built from (names, options, phases, ...), so that
            :meth:`text` can say it in another language; empty for a message of your own.
            Not part of equality.
    """

    code: str
    message: str
    rule: str = ""
    params: Mapping[str, Any] = attrs.field(
        factory=dict, converter=frozen_params, eq=False, repr=False
    )

    def text(self, language: str) -> str:
        """The message in ``language`` (``"en"`` is :attr:`message` itself).

        A message of your own, or one recorded without params where its words need them,
        is given as recorded.

        >>> Reason("needs-problem-statement", "No problem yet.", "R2").text("nl")[:22]
        'Voor het optiegesprek '

        Raises:
            InvalidInput: There is no catalogue for ``language``; the message names the
                languages there are.
        """
        return _messages.render(self.code, self.params, self.message, language)

    def to_dict(self) -> dict[str, Any]:
        """The reason as JSON-ready data: ``{"code", "message", "rule", "params"}``.

        ``params`` is a dict of what the message is built from (lists as lists), so an app
        can render the message in another language itself.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Advisory:
    """An observation that never blocks (advisories A1-A4), recorded as an event.

    Attributes:
        code: Stable, kebab-case.
        message: Plain words.
        rule: ``"A1"`` to ``"A4"``.
        participant: The id of the participant it concerns.
        seq: The ``seq`` of the advisory event.
        params: What the message is built from (see :meth:`text`); not part of equality.
    """

    code: str
    message: str
    rule: str
    participant: str | None
    seq: int
    params: Mapping[str, Any] = attrs.field(
        factory=dict, converter=frozen_params, eq=False, repr=False
    )

    def text(self, language: str) -> str:
        """The message in ``language`` (``"en"`` is :attr:`message` itself).

        An advisory recorded without params, where its words need them, is given in the
        English it was recorded in.

        Raises:
            InvalidInput: There is no catalogue for ``language``; the message names the
                languages there are.
        """
        return _messages.render(self.code, self.params, self.message, language)

    def to_dict(self) -> dict[str, Any]:
        """The advisory as JSON-ready data: ``{"code", "message", "rule",
        "participant", "seq", "params"}`` (``participant`` an id or ``None``).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


@attrs.frozen
class Snapshot:
    """The whole state of a conversation at one moment, without its log.

    Two snapshots compare equal exactly when the conversations are in the same state; a
    refused or invalid command leaves the snapshot equal.
    """

    conversation_id: str
    protocol: str
    phase: Phase
    resume_phase: Phase | None
    paused_until: date | None
    participants: tuple[Participant, ...]
    topics: tuple[Statement, ...]
    problem: Statement | None
    goals: tuple[Statement, ...]
    concerns: tuple[Statement, ...]
    options: tuple[OptionState, ...]
    preferences: tuple[tuple[str, str | None], ...]
    delegations: tuple[tuple[str, str], ...]
    proposal: Proposal | None
    decision: Decision | None
    evaluations: tuple[Evaluation, ...]
    sitting: int
    closed_reason: str | None
    role_preferences: tuple[tuple[str, DecisionRole], ...] = ()
    sure_checks: tuple[SureCheck, ...] = ()
    understanding: tuple[UnderstandingCheck, ...] = ()
    analysis: tuple[AnalysisEntry, ...] = ()
    information: tuple[SharedInformation, ...] = ()
    questions: tuple[QuestionState, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The whole state as JSON-ready data; the shape of ``snapshot.schema.json``.

        Every field by name: phases are their values (``"option_talk"``), dates ISO text,
        ``participants``, ``topics``, ``goals``, ``concerns``, ``options`` and
        ``evaluations`` lists of their values' :meth:`to_dict`; ``preferences`` maps a
        participant id to an option id (or ``None``: no preference), ``delegations`` a
        client's id to the id of whom they delegated to, ``role_preferences`` a
        participant id to the value of :class:`DecisionRole`; ``sure_checks`` and
        ``understanding`` hold the latest check per person, ``analysis``, ``information``
        and ``questions`` everything recorded, in order.

        >>> import json
        >>> import threetalk as tt
        >>> data = tt.Conversation(conversation_id="c1").snapshot().to_dict()
        >>> data["phase"], data["participants"], json.loads(json.dumps(data)) == data
        ('preparation', [], True)

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(
            self,
            preferences=dict(self.preferences),
            delegations=dict(self.delegations),
            role_preferences={pid: role.value for pid, role in self.role_preferences},
        )
