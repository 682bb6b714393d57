"""The reference model behind :class:`threetalk.testing.ConversationStateMachine`.

A small plain-Python model of the rules of shared decision making, written from the
domain's rules rather than from the engine: for each command it says whether the command
should be accepted, refused (with which reason codes) or rejected as malformed, and what
an accepted one changes. The stateful test compares the engine with it after every step.
It needs nothing but the standard library and attrs; :mod:`threetalk.testing` re-exports
it.

The order in which a command is judged is the domain's (see ``docs/guide.md``): its arguments
first (malformed: invalid, nothing recorded), then whether the protocol offers it at all
(an act it leaves out: ``not-offered``; an obligation where it has none), then whether the
actor's role may give it, then where it belongs (closed, paused, another phase), then the
state and the protocol's rules.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Final, TypeGuard

import attrs

from threetalk._conversation import Conversation
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
from threetalk._protocols import Protocol
from threetalk._values import Option, Participant, Question, Snapshot

if TYPE_CHECKING:
    from threetalk._guards import Rule


ACCEPTED: Final = "accepted"
REFUSED: Final = "refused"
INVALID: Final = "invalid"

#: Sorted advisory rules an accepted command raises, e.g. ``("A3", "A3")``.
Advice = tuple[str, ...]

#: Who may give a command, where not everyone may (R14 and the readings in docs/guide.md),
#: with the code a refusal of anyone else carries.
ONLY: Final[dict[str, tuple[frozenset[Role], str]]] = {
    "consent": (frozenset({Role.CLIENT}), "only-clients-consent"),
    "object": (frozenset({Role.CLIENT}), "only-clients-object"),
    "delegate": (frozenset({Role.CLIENT}), "only-clients-delegate"),
    "impose": (frozenset({Role.PROFESSIONAL}), "only-professionals-impose"),
    "state_role_preference": (
        frozenset({Role.CLIENT, Role.RELATIVE}),
        "only-clients-and-relatives-state-role-preferences",
    ),
    "check_conflict": (
        frozenset({Role.CLIENT, Role.RELATIVE}),
        "only-clients-and-relatives-check-conflict",
    ),
    "check_understanding": (
        frozenset({Role.PROFESSIONAL}),
        "only-professionals-check-understanding",
    ),
    "decline": (frozenset({Role.CLIENT}), "only-clients-decline"),
    "waive": (frozenset({Role.PROFESSIONAL}), "only-professionals-waive"),
}


class Disagreement(AssertionError):
    """The conversation and the reference model (or a rule of the domain) disagree."""


@attrs.frozen
class Expectation:
    """What the reference model expects of one command.

    Attributes:
        outcomes: The outcomes the rules allow: ``"accepted"``, ``"refused"`` or
            ``"invalid"``; more than one where the domain leaves the choice open.
        effect: Changes the model as the accepted command changes the conversation.
        advice: Every acceptable list of advisories (sorted rules) of an accepted command.
        codes: Reason codes a refusal must at least carry.
        exact: Whether a refusal must carry exactly ``codes``, no others.
    """

    outcomes: frozenset[str]
    effect: Callable[[], None] | None = None
    advice: frozenset[Advice] = frozenset({()})
    codes: frozenset[str] = frozenset()
    exact: bool = False


def _invalid() -> Expectation:
    return Expectation(frozenset({INVALID}))


def _refused(codes: frozenset[str] = frozenset(), *, exact: bool = True) -> Expectation:
    """A refusal with exactly ``codes`` (or, not ``exact``, at least them)."""
    return Expectation(frozenset({REFUSED}), codes=codes, exact=exact and bool(codes))


def _accepted(effect: Callable[[], None], *advice: Advice) -> Expectation:
    return Expectation(frozenset({ACCEPTED}), effect, frozenset(advice or [()]))


def valid_text(value: object, limit: int = 10_000) -> TypeGuard[str]:
    """Whether every command takes ``value`` as text."""
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    if not stripped or len(stripped) > limit or "\x00" in stripped:
        return False
    try:
        stripped.encode()
    except UnicodeEncodeError:
        return False
    return True


def valid_day(value: object, not_before: date) -> TypeGuard[date]:
    """Whether ``value`` is a plain date on or after ``not_before``."""
    return isinstance(value, date) and not isinstance(value, datetime) and value >= not_before


def valid_flag(value: object) -> TypeGuard[bool]:
    """Whether ``value`` is a yes/no answer: ``True`` or ``False`` itself, not 0, 1 or "yes"."""
    return value is True or value is False


@attrs.define
class ModelOption:
    """An option as the model sees it.

    Attributes:
        by: Who proposed it.
        text: Its text as duplicates are judged (see :func:`_same`).
        considerations: How many pros and cons it has.
        withdrawn: Whether it was struck.
        trial: ``None``, ``"running"`` or ``"ended"``.
        option: The option the conversation must hand out for it (id, text, proposer,
            source, expected result, legal basis).
        declines: The clients who declined it, in the order of their latest decline.
        waiver: The professional who waived it (an obligation), or ``None``.
    """

    by: str
    text: str
    considerations: int = 0
    withdrawn: bool = False
    trial: str | None = None
    option: Option | None = None
    declines: list[str] = attrs.field(factory=list)
    waiver: str | None = None

    @property
    def obligation(self) -> bool:
        """Whether the law imposes it (it was proposed with a legal basis)."""
        return self.option is not None and self.option.obligation is not None

    @property
    def open(self) -> bool:
        """Whether it can still be chosen: neither struck nor waived."""
        return not self.withdrawn and self.waiver is None


@attrs.define
class ModelProposal:
    """A pending decision as the model sees it."""

    option: str
    by: str
    consents: set[str] = attrs.field(factory=set)
    objections: int = 0


@attrs.define
class ModelQuestion:
    """A question as the model sees it: the question handed out, and who answered it."""

    question: Question
    answers: list[str] = attrs.field(factory=list)


def _same(text: str) -> str:
    """Texts that count as the same name or option: equal once stripped, composed (NFC)
    and case-folded."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text.strip()).casefold())


@attrs.define
class ReferenceModel:
    """The rules of ``docs/guide.md`` in plain Python, written apart from the engine.

    Each ``expect_<command>`` method looks at the arguments the way the conversation
    receives them and returns an :class:`Expectation`; the machine applies its ``effect``
    when the conversation accepted the command.

    Attributes:
        protocol: The protocol the conversation follows (its moves, placement and whether
            it allows imposition and obligations are data the model reads; its rules the
            model knows by code).
        conversation_id: The conversation's id.
        today: The day the conversation's clock says it is.
        live: The real conversation, asked only for rules the model does not know.
    """

    protocol: Protocol
    conversation_id: str
    today: date
    live: Conversation = attrs.field(repr=False)
    phase: Phase = Phase.PREPARATION
    resume_phase: Phase | None = None
    roles: dict[str, Role] = attrs.field(factory=dict)
    names: set[str] = attrs.field(factory=set)
    options: dict[str, ModelOption] = attrs.field(factory=dict)
    problem: bool = False
    topics: int = 0
    goals: list[str] = attrs.field(factory=list)
    concerns: int = 0
    preferences: dict[str, str | None] = attrs.field(factory=dict)
    delegations: dict[str, str] = attrs.field(factory=dict)
    proposal: ModelProposal | None = None
    decision: tuple[str, Decided] | None = None
    evaluations: int = 0
    sitting: int = 1
    first_option_sitting: int | None = None
    active: set[str] = attrs.field(factory=set)
    #: The latest role in deciding each client or relative asked for.
    role_preferences: dict[str, DecisionRole] = attrs.field(factory=dict)
    #: The latest SURE answers (sure, informed, values clear, supported) per person.
    sure_checks: dict[str, tuple[bool, bool, bool, bool]] = attrs.field(factory=dict)
    #: The latest teach-back check per client or relative: (understood, checked by).
    understanding: dict[str, tuple[bool, str]] = attrs.field(factory=dict)
    #: The analysis entries, in order: (kind, text, by).
    analysis: list[tuple[Analysis, str, str]] = attrs.field(factory=list)
    #: The information handed over, in order: (kind, text, option id or None, by).
    information: list[tuple[Information, str, str | None, str]] = attrs.field(factory=list)
    questions: dict[str, ModelQuestion] = attrs.field(factory=dict)
    #: The option a decision rule is judged for (while a decision is judged), else ``None``.
    deciding: str | None = attrs.field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ the rules

    def _of_role(self, role: Role) -> list[str]:
        return [pid for pid, has in self.roles.items() if has is role]

    def _open(self) -> dict[str, ModelOption]:
        """The options that can still be chosen: neither withdrawn nor waived (R3, R4)."""
        return {oid: item for oid, item in self.options.items() if item.open}

    def _decision_option(self) -> str | None:
        """The option a decision is about: the one judged, else the proposal's or the
        final decision's."""
        if self.deciding is not None:
            return self.deciding
        if self.proposal is not None:
            return self.proposal.option
        return None if self.decision is None else self.decision[0]

    def _obligations_unsettled(self) -> bool:
        """R16: an obligation is neither the option decided on nor waived.

        With no option named yet, one open obligation may still become the decision.
        """
        open_ones = [oid for oid, item in self._open().items() if item.obligation]
        chosen = self._decision_option()
        if chosen is None:
            return len(open_ones) > 1
        return any(oid != chosen for oid in open_ones)

    def unmet(self, rule: Rule) -> bool:  # noqa: PLR0911 - one branch per known rule
        """Whether ``rule`` is unmet now; rules of the model's own, else the rule's word."""
        code = rule.code
        if code == "needs-client-and-professional":
            return not (self._of_role(Role.CLIENT) and self._of_role(Role.PROFESSIONAL))
        if code == "needs-problem-statement":
            return not self.problem
        if code == "needs-client-goal":
            return not any(self.roles[by] is Role.CLIENT for by in self.goals)
        if code == "needs-two-options":
            return len(self._open()) < 2
        if code == "option-without-considerations":
            return any(item.considerations == 0 for item in self._open().values())
        if code == "missing-preference":
            return any(
                role is not Role.PROFESSIONAL and pid not in self.preferences
                for pid, role in self.roles.items()
            )
        if code == "nothing-to-evaluate":
            return self.decision is None and not any(
                item.trial == "ended" for item in self.options.values()
            )
        if code == "needs-understanding":  # R15: every client's latest teach-back check
            return any(
                not self.understanding.get(pid, (False, ""))[0]
                for pid in self._of_role(Role.CLIENT)
            )
        if code == "obligation-open":
            return self._obligations_unsettled()
        return rule.reason(self.live) is not None

    def unmet_entry(self, phase: Phase) -> frozenset[str]:
        """The codes of the entry rules of ``phase`` that are unmet now."""
        rules = self.protocol.entry_rules.get(phase, ())
        return frozenset(rule.code for rule in rules if self.unmet(rule))

    def unmet_decision(self, option: str | None = None) -> frozenset[str]:
        """The codes of the decision rules that are unmet now, for a decision on ``option``
        (the pending proposal's when not given)."""
        self.deciding = option
        try:
            return frozenset(rule.code for rule in self.protocol.decision_rules if self.unmet(rule))
        finally:
            self.deciding = None

    def allowed_moves(self) -> frozenset[Phase]:
        """The phases ``move_to`` may reach now."""
        if self.phase in (Phase.PAUSED, Phase.CLOSED):
            return frozenset()
        return frozenset(
            to for src, to in self.protocol.moves if src is self.phase and not self.unmet_entry(to)
        )

    # ------------------------------------------------------------------ argument checks

    def is_member(self, value: object) -> TypeGuard[Participant]:
        """Whether ``value`` is a participant who joined this conversation."""
        return (
            isinstance(value, Participant)
            and value.conversation_id == self.conversation_id
            and self.roles.get(value.id) is value.role
        )

    def is_option(self, value: object) -> TypeGuard[Option]:
        """Whether ``value`` is an option of this conversation, as it was handed out."""
        if not isinstance(value, Option) or value.conversation_id != self.conversation_id:
            return False
        item = self.options.get(value.id) if isinstance(value.id, str) else None
        return item is not None and (item.option is None or item.option == value)

    def is_question(self, value: object) -> TypeGuard[Question]:
        """Whether ``value`` is a question of this conversation, as it was handed out."""
        if not isinstance(value, Question) or value.conversation_id != self.conversation_id:
            return False
        item = self.questions.get(value.id) if isinstance(value.id, str) else None
        return item is not None and item.question == value

    def _where(self, command: str) -> frozenset[str]:
        """Why ``command`` does not belong now (closed, paused, elsewhere); ``_gate`` has
        refused a command the protocol does not offer before this is asked."""
        if self.phase is Phase.CLOSED:
            return frozenset({"conversation-closed"})
        if self.phase is Phase.PAUSED:
            return frozenset({"conversation-paused"})
        where = self.protocol.placement[command]
        if self.phase in where:
            return frozenset()
        if command == "withdraw_option" and self.phase is Phase.OPTION_TALK:
            return frozenset({"no-withdrawal-in-option-talk"})  # R5
        return frozenset({"wrong-phase"})

    def _gate(self, command: str, by: Participant | None = None) -> Expectation | None:
        """The refusal that holds before any rule: the actor's role (given ``by``), then
        where the command belongs; ``None`` when neither stands in the way."""
        if not self.protocol.placement.get(command):  # left out, or placed nowhere
            return _refused(frozenset({"not-offered"}))
        only = ONLY.get(command)
        if only is not None and by is not None and by.role not in only[0]:
            return _refused(frozenset({only[1]}))
        where = self._where(command)
        return _refused(where) if where else None

    def _did(self, by: Participant, change: Callable[[], None]) -> Callable[[], None]:
        def effect() -> None:
            change()
            self.active.add(by.id)

        return effect

    def _decided_codes(self) -> frozenset[str]:
        """R12: a decision is final; reopen it first."""
        return frozenset({"already-decided"}) if self.decision is not None else frozenset()

    # ------------------------------------------------------------------ the commands

    def expect_join(self, name: object, role: object) -> Expectation:
        """``join(name, role)``."""
        if not valid_text(name, 200) or not isinstance(role, Role):
            return _invalid()
        if self.phase is Phase.CLOSED:
            return _refused(frozenset({"conversation-closed"}))

        def effect() -> None:
            pid = f"p{len(self.roles) + 1}"
            self.roles[pid] = role
            self.names.add(_same(name))
            self.active.add(pid)

        if _same(name) in self.names:
            return _refused(frozenset({"name-taken"}))  # names are unique within a conversation
        return _accepted(effect)

    def expect_move_to(self, phase: object, by: object) -> Expectation:
        """``move_to(phase, by=...)``."""
        if not self.is_member(by) or not isinstance(phase, Phase):
            return _invalid()
        here = self.phase
        if here in (Phase.PAUSED, Phase.CLOSED):
            return _refused(self._where("move_to"))
        if phase is here:
            return _refused(frozenset({"already-there"}))
        if (here, phase) not in self.protocol.moves:
            # PAUSED and CLOSED are reached through pause() and close(), never a move.
            return _refused(frozenset({"no-such-move"}))
        unmet = self.unmet_entry(phase)
        if unmet:
            return _refused(unmet)
        # The move itself is an accepted command of the mover in the phase it leaves.
        silent = [pid for pid in self.roles if pid not in self.active and pid != by.id]

        def effect() -> None:
            if here is Phase.DECISION_TALK:
                self.proposal = None
            reopens = here in (Phase.DECISION_TALK, Phase.EVALUATION) and phase in (
                Phase.TEAM_TALK,
                Phase.OPTION_TALK,
                Phase.DECISION_TALK,
            )
            if self.decision is not None and reopens:
                self.decision = None
                self.delegations.clear()
            self.phase = phase
            self.active = set()

        return _accepted(effect, ("A3",) * len(silent))

    def expect_pause(self, until: object, reason: object, by: object) -> Expectation:
        """``pause(until, reason, by=...)``."""
        if not self.is_member(by) or not valid_day(until, self.today) or not valid_text(reason):
            return _invalid()
        if self.phase in (Phase.PAUSED, Phase.CLOSED):
            return _refused(self._where("pause"))

        def change() -> None:
            self.resume_phase, self.phase = self.phase, Phase.PAUSED

        return _accepted(self._did(by, change))

    def expect_resume(self, by: object) -> Expectation:
        """``resume(by=...)``."""
        if not self.is_member(by):
            return _invalid()
        if self.phase is not Phase.PAUSED:
            closed = self.phase is Phase.CLOSED
            return _refused(frozenset({"conversation-closed" if closed else "not-paused"}))

        def change() -> None:
            self.phase, self.resume_phase = self.resume_phase or self.phase, None
            self.sitting += 1

        return _accepted(self._did(by, change))

    def expect_close(self, reason: object, by: object) -> Expectation:
        """``close(reason, by=...)``."""
        if not self.is_member(by) or not (reason is None or valid_text(reason)):
            return _invalid()
        if self.phase is Phase.CLOSED:
            return _refused(frozenset({"conversation-closed"}))

        def change() -> None:
            # Closing leaves decision talk, and leaving decision talk drops a pending
            # proposal (docs/guide.md): nothing can make it final any more.
            self.phase, self.resume_phase, self.proposal = Phase.CLOSED, None, None

        return _accepted(self._did(by, change))

    def expect_say(self, command: str, text: object, by: object) -> Expectation:
        """``add_topic``, ``state_problem``, ``add_goal`` or ``add_concern``."""
        if not self.is_member(by) or not valid_text(text):
            return _invalid()
        refusal = self._gate(command, by)
        if refusal is not None:
            return refusal

        def change() -> None:
            if command == "add_topic":
                self.topics += 1
            elif command == "state_problem":
                self.problem = True
            elif command == "add_goal":
                self.goals.append(by.id)
            else:
                self.concerns += 1

        return _accepted(self._did(by, change))

    def expect_propose_option(  # noqa: PLR0911 - one return per way it can end
        self,
        text: object,
        by: object,
        source: object = None,
        expected_result: object = None,
        obligation: object = None,
    ) -> Expectation:
        """``propose_option(text, by=..., source=..., expected_result=..., obligation=...)``."""
        if (
            not self.is_member(by)
            or not valid_text(text)
            or not (source is None or isinstance(source, Source))
            or not (expected_result is None or valid_text(expected_result))
            or not (obligation is None or valid_text(obligation))
        ):
            return _invalid()
        # An obligation comes from the law, and what comes from the law has a legal basis.
        if obligation is not None and source not in (None, Source.OBLIGATION):
            return _invalid()
        if obligation is None and source is Source.OBLIGATION:
            return _invalid()
        if obligation is not None:
            # The protocol's own word first, then the actor's role (R14), as for any act.
            if not self.protocol.allows_obligations:
                return _refused(frozenset({"obligations-not-allowed"}))
            if by.role is not Role.PROFESSIONAL:
                return _refused(frozenset({"only-professionals-propose-obligations"}))
        refusal = self._gate("propose_option", by)
        if refusal is not None:
            return refusal
        wanted = _same(text)
        if any(item.open and item.text == wanted for item in self.options.values()):
            return _refused(frozenset({"option-exists"}))  # on the table already
        first_by_professional = by.role is Role.PROFESSIONAL and all(
            self.roles[item.by] is Role.PROFESSIONAL for item in self.options.values()
        )
        if obligation is not None:
            origin = Source.OBLIGATION
        elif isinstance(source, Source):
            origin = source
        else:
            origin = Source.PROFESSIONAL if by.role is Role.PROFESSIONAL else Source.OWN_IDEA
        oid = f"o{len(self.options) + 1}"
        option = Option(
            oid,
            text.strip(),
            by.id,
            self.conversation_id,
            source=origin,
            expected_result=None if expected_result is None else str(expected_result).strip(),
            obligation=None if obligation is None else str(obligation).strip(),
        )

        def change() -> None:
            self.options[oid] = ModelOption(by.id, wanted, option=option)
            if self.first_option_sitting is None:
                self.first_option_sitting = self.sitting

        # A1 holds for every option a professional proposes before any client or relative.
        return _accepted(self._did(by, change), ("A1",) if first_by_professional else ())

    @staticmethod
    def _closed_to_choice(item: ModelOption) -> frozenset[str]:
        """Why ``item`` cannot be chosen (or considered, tried, declined): struck or waived."""
        if item.withdrawn:
            return frozenset({"option-withdrawn"})
        if item.waiver is not None:
            return frozenset({"option-waived"})
        return frozenset()

    def expect_add_consideration(
        self, option: object, stance: object, text: object, by: object
    ) -> Expectation:
        """``add_consideration(option, stance, text, by=...)``."""
        if (
            not self.is_member(by)
            or not self.is_option(option)
            or not isinstance(stance, Stance)
            or not valid_text(text)
        ):
            return _invalid()
        refusal = self._gate("add_consideration", by)
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        closed = self._closed_to_choice(item)
        if closed:
            return _refused(closed)

        def change() -> None:
            item.considerations += 1

        return _accepted(self._did(by, change))

    def _under_proposal(self, oid: str) -> frozenset[str]:
        if self.proposal is not None and self.proposal.option == oid:
            return frozenset({"option-under-proposal"})
        return frozenset()

    def _forget_preferences(self, oid: str) -> None:
        for pid in [pid for pid, preferred in self.preferences.items() if preferred == oid]:
            del self.preferences[pid]

    def expect_withdraw_option(self, option: object, reason: object, by: object) -> Expectation:
        """``withdraw_option(option, reason, by=...)``."""
        if not self.is_member(by) or not self.is_option(option) or not valid_text(reason):
            return _invalid()
        refusal = self._gate("withdraw_option", by)  # in option talk: R5
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if item.obligation:  # the law still stands: waive it instead (R16)
            return _refused(frozenset({"obligation-not-withdrawn"}))
        # Struck options would change what a final decision was made between (R12).
        codes = self._closed_to_choice(item) | self._decided_codes()
        codes |= self._under_proposal(option.id)
        if codes:
            return _refused(codes)

        def change() -> None:
            item.withdrawn = True
            self._forget_preferences(option.id)

        return _accepted(self._did(by, change))

    def expect_start_trial(self, option: object, evaluate_on: object, by: object) -> Expectation:
        """``start_trial(option, evaluate_on, by=...)``."""
        if (
            not self.is_member(by)
            or not self.is_option(option)
            or not valid_day(evaluate_on, self.today)
        ):
            return _invalid()
        refusal = self._gate("start_trial", by)
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        codes = self._closed_to_choice(item)
        if item.trial == "running":
            codes |= {"trial-running"}
        if codes:
            return _refused(codes)

        def change() -> None:
            item.trial = "running"

        return _accepted(self._did(by, change))

    def expect_end_trial(self, option: object, outcome: object, by: object) -> Expectation:
        """``end_trial(option, outcome, by=...)``."""
        if not self.is_member(by) or not self.is_option(option) or not valid_text(outcome):
            return _invalid()
        refusal = self._gate("end_trial", by)
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if item.trial != "running":
            return _refused(frozenset({"no-running-trial"}))

        def change() -> None:
            item.trial = "ended"

        return _accepted(self._did(by, change))

    def expect_state_preference(self, option: object, by: object) -> Expectation:
        """``state_preference(option, by=...)``."""
        if not self.is_member(by) or not (option is None or self.is_option(option)):
            return _invalid()
        refusal = self._gate("state_preference", by)
        if refusal is not None:
            return refusal
        oid = None if option is None else option.id
        if oid is not None:
            closed = self._closed_to_choice(self.options[oid])
            if closed:
                return _refused(closed)

        def change() -> None:
            self.preferences[by.id] = oid

        a2 = by.role is Role.PROFESSIONAL and self.phase is Phase.OPTION_TALK
        return _accepted(self._did(by, change), ("A2",) if a2 else ())

    def expect_delegate(self, to: object, by: object) -> Expectation:
        """``delegate(to, by=...)``."""
        if not self.is_member(by) or not self.is_member(to):
            return _invalid()
        refusal = self._gate("delegate", by)
        if refusal is not None:
            return refusal
        codes = self._decided_codes()  # reopen the decision first
        if to.role is not Role.PROFESSIONAL:
            codes |= {"delegate-to-professional"}
        if codes:
            return _refused(codes)

        def change() -> None:
            self.delegations[by.id] = to.id

        return _accepted(self._did(by, change))

    def _deciding(self, option: str) -> frozenset[str] | None:
        """Why a decision on ``option`` cannot be final now (codes), or ``None``."""
        item = self.options[option]
        codes = self._closed_to_choice(item)
        if item.trial == "running":
            codes |= {"trial-still-running"}  # R6
        codes |= self.unmet_decision(option)
        return codes or None

    def _final(self, option: str, how: Decided) -> tuple[Callable[[], None], Advice]:
        """The change of a decision becoming final, and the advisories it raises.

        A4: in the sitting of the first option. A5: one per client whose latest SURE
        score is below 4. A6: one if a question of a client or relative is unanswered.
        """
        advice: list[str] = []
        if self.first_option_sitting == self.sitting:
            advice.append("A4")
        advice += [
            "A5"
            for pid, answers in self.sure_checks.items()
            if self.roles[pid] is Role.CLIENT and not all(answers)
        ]
        if any(
            not item.answers and self.roles[item.question.asked_by] is not Role.PROFESSIONAL
            for item in self.questions.values()
        ):
            advice.append("A6")

        def change() -> None:
            self.decision = (option, how)
            self.proposal = None

        return change, tuple(sorted(advice))

    def expect_propose_decision(
        self,
        option: object,
        who: object,
        what: object,
        when: object,
        review_on: object,
        by: object,
    ) -> Expectation:
        """``propose_decision(option, who=..., what=..., when=..., review_on=..., by=...)``."""
        if (
            not self.is_member(by)
            or not self.is_option(option)
            or not valid_text(who)
            or not valid_text(what)
            or not valid_day(when, self.today)
            or not valid_day(review_on, when)
        ):
            return _invalid()
        refusal = self._gate("propose_decision", by)
        if refusal is not None:
            return refusal
        codes = self._decided_codes() | (self._deciding(option.id) or frozenset())
        if codes:
            return _refused(codes)
        clients = self._of_role(Role.CLIENT)
        if clients and all(self.delegations.get(pid) == by.id for pid in clients):
            change, advice = self._final(option.id, Decided.DELEGATED)
            return _accepted(self._did(by, change), advice)

        def propose() -> None:
            self.proposal = ModelProposal(option.id, by.id)

        return _accepted(self._did(by, propose))

    def _nothing_pending(self) -> frozenset[str]:
        """No proposal waits for consent: a decision is final, or nothing was proposed."""
        if self.decision is not None:
            return frozenset({"already-decided"})
        if self.proposal is None:
            return frozenset({"no-pending-proposal"})
        return frozenset()

    def expect_consent(self, by: object) -> Expectation:
        """``consent(by=...)``."""
        if not self.is_member(by):
            return _invalid()
        refusal = self._gate("consent", by)
        if refusal is not None:
            return refusal
        proposal = self.proposal
        pending = self._nothing_pending()
        if pending or proposal is None:
            return _refused(pending)
        if by.id in proposal.consents:  # consenting twice to the same proposal adds nothing
            return _refused(frozenset({"already-consented"}))
        if not set(self._of_role(Role.CLIENT)) <= proposal.consents | {by.id}:

            def consent() -> None:
                proposal.consents.add(by.id)

            return _accepted(self._did(by, consent))
        return self._finally(proposal.option, Decided.AGREED, by)

    def _finally(self, option: str, how: Decided, by: Participant) -> Expectation:
        """A command that makes the decision on ``option`` final, if the rules allow."""
        blocked = self._deciding(option)
        if blocked is not None:
            return _refused(blocked)
        change, advice = self._final(option, how)
        return _accepted(self._did(by, change), advice)

    def expect_object(self, reason: object, by: object) -> Expectation:
        """``object(reason, by=...)``."""
        if not self.is_member(by) or not valid_text(reason):
            return _invalid()
        refusal = self._gate("object", by)
        if refusal is not None:
            return refusal
        proposal = self.proposal
        pending = self._nothing_pending()
        if pending or proposal is None:
            return _refused(pending)

        def change() -> None:
            proposal.consents.discard(by.id)
            proposal.objections += 1

        return _accepted(self._did(by, change))

    def expect_impose(self, justification: object, by: object) -> Expectation:
        """``impose(justification, by=...)``."""
        if not self.is_member(by) or not valid_text(justification):
            return _invalid()
        refusal = self._gate("impose", by)
        if refusal is not None:
            return refusal
        if not self.protocol.allows_imposition:
            return _refused(frozenset({"imposing-not-allowed"}))
        proposal = self.proposal
        pending = self._nothing_pending()
        if pending or proposal is None:
            return _refused(pending)
        return self._finally(proposal.option, Decided.IMPOSED, by)

    def expect_evaluate(self, outcome: object, process: object, by: object) -> Expectation:
        """``evaluate(outcome, process, by=...)``."""
        if not self.is_member(by) or not valid_text(outcome) or not valid_text(process):
            return _invalid()
        refusal = self._gate("evaluate", by)
        if refusal is not None:
            return refusal

        def change() -> None:
            self.evaluations += 1

        return _accepted(self._did(by, change))

    # ------------------------------------------------------------------ the acts of the guides

    def expect_state_role_preference(self, preference: object, by: object) -> Expectation:
        """``state_role_preference(preference, by=...)``: a client or relative, for themselves."""
        if not self.is_member(by) or not isinstance(preference, DecisionRole):
            return _invalid()
        refusal = self._gate("state_role_preference", by)
        if refusal is not None:
            return refusal

        def change() -> None:
            self.role_preferences[by.id] = preference

        return _accepted(self._did(by, change))

    def expect_check_conflict(
        self, sure: object, informed: object, values_clear: object, supported: object, by: object
    ) -> Expectation:
        """``check_conflict(sure=..., informed=..., values_clear=..., supported=..., by=...)``.

        Four yes/no answers of a client or relative about themselves (SURE).
        """
        answers = (sure, informed, values_clear, supported)
        if not self.is_member(by) or not all(valid_flag(answer) for answer in answers):
            return _invalid()
        refusal = self._gate("check_conflict", by)
        if refusal is not None:
            return refusal

        def change() -> None:
            self.sure_checks[by.id] = (
                sure is True,
                informed is True,
                values_clear is True,
                supported is True,
            )

        return _accepted(self._did(by, change))

    def expect_check_understanding(
        self, of: object, understood: object, note: object, by: object
    ) -> Expectation:
        """``check_understanding(of, understood=..., note=..., by=...)``: teach-back.

        Of a client or relative other than the actor (of oneself or of a professional it
        is malformed), by a professional.
        """
        if (
            not self.is_member(by)
            or not self.is_member(of)
            or of.id == by.id
            or of.role is Role.PROFESSIONAL
            or not valid_flag(understood)
            or not valid_text(note)
        ):
            return _invalid()
        refusal = self._gate("check_understanding", by)
        if refusal is not None:
            return refusal

        def change() -> None:
            self.understanding[of.id] = (understood is True, by.id)

        return _accepted(self._did(by, change))

    def expect_add_analysis(self, kind: object, text: object, by: object) -> Expectation:
        """``add_analysis(kind, text, by=...)``."""
        if not self.is_member(by) or not isinstance(kind, Analysis) or not valid_text(text):
            return _invalid()
        refusal = self._gate("add_analysis", by)
        if refusal is not None:
            return refusal

        def change() -> None:
            self.analysis.append((kind, text.strip(), by.id))

        return _accepted(self._did(by, change))

    def expect_share_information(
        self, text: object, kind: object, option: object, by: object
    ) -> Expectation:
        """``share_information(text, kind=..., option=..., by=...)``.

        Information may concern any option of the conversation, a withdrawn one too (why
        it was ruled out, say).
        """
        if (
            not self.is_member(by)
            or not valid_text(text)
            or not isinstance(kind, Information)
            or not (option is None or self.is_option(option))
        ):
            return _invalid()
        refusal = self._gate("share_information", by)
        if refusal is not None:
            return refusal
        oid = None if option is None else option.id

        def change() -> None:
            self.information.append((kind, text.strip(), oid, by.id))

        return _accepted(self._did(by, change))

    def expect_ask(self, text: object, by: object) -> Expectation:
        """``ask(text, by=...)``: anyone may ask."""
        if not self.is_member(by) or not valid_text(text):
            return _invalid()
        refusal = self._gate("ask", by)
        if refusal is not None:
            return refusal
        qid = f"q{len(self.questions) + 1}"
        question = Question(qid, text.strip(), by.id, self.conversation_id)

        def change() -> None:
            self.questions[qid] = ModelQuestion(question)

        return _accepted(self._did(by, change))

    def expect_answer(self, question: object, text: object, by: object) -> Expectation:
        """``answer(question, text, by=...)``: nobody answers their own question."""
        if (
            not self.is_member(by)
            or not self.is_question(question)
            or question.asked_by == by.id
            or not valid_text(text)
        ):
            return _invalid()
        refusal = self._gate("answer", by)
        if refusal is not None:
            return refusal
        item = self.questions[question.id]

        def change() -> None:
            item.answers.append(by.id)

        return _accepted(self._did(by, change))

    def expect_decline(self, option: object, reason: object, by: object) -> Expectation:
        """``decline(option, reason, by=...)``: a client's stance; the option stays open."""
        if not self.is_member(by) or not self.is_option(option) or not valid_text(reason):
            return _invalid()
        refusal = self._gate("decline", by)
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        closed = self._closed_to_choice(item)
        if closed:
            return _refused(closed)

        def change() -> None:
            if by.id in item.declines:
                item.declines.remove(by.id)
            item.declines.append(by.id)  # the client's latest decline counts

        return _accepted(self._did(by, change))

    def expect_waive(self, option: object, justification: object, by: object) -> Expectation:
        """``waive(option, justification, by=...)``: a professional, once, an obligation (R16).

        A waiver is not a withdrawal: R5 does not forbid it in option talk.
        """
        if not self.is_member(by) or not self.is_option(option) or not valid_text(justification):
            return _invalid()
        refusal = self._gate("waive", by)
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if not item.obligation:
            return _refused(frozenset({"not-an-obligation"}))
        if item.waiver is not None:
            return _refused(frozenset({"already-waived"}))
        codes = self._under_proposal(option.id) | self._decided_codes()
        if codes:
            return _refused(codes)

        def change() -> None:
            item.waiver = by.id
            self._forget_preferences(option.id)  # it can no longer be chosen

        return _accepted(self._did(by, change))

    # ------------------------------------------------------------------ comparison

    def view(self) -> dict[str, object]:
        """What the model knows, in the shape :func:`view_of` gives a snapshot."""
        proposal = self.proposal
        closed = self.phase is Phase.CLOSED
        return {
            "phase": self.phase,
            "resume_phase": None if closed else self.resume_phase,
            "participants": dict(self.roles),
            "options": {
                oid: (
                    item.option,
                    item.by,
                    item.considerations,
                    item.withdrawn,
                    item.trial,
                    tuple(item.declines),
                    item.waiver,
                )
                for oid, item in self.options.items()
            },
            "problem": self.problem,
            "topics": self.topics,
            "goals": list(self.goals),
            "concerns": self.concerns,
            "preferences": dict(self.preferences),
            "delegations": dict(self.delegations),
            "proposal": None
            if proposal is None
            else (proposal.option, proposal.by, frozenset(proposal.consents), proposal.objections),
            "decision": self.decision,
            "evaluations": self.evaluations,
            "sitting": self.sitting,
            "role_preferences": dict(self.role_preferences),
            "sure_checks": dict(self.sure_checks),
            "understanding": dict(self.understanding),
            "analysis": list(self.analysis),
            "information": list(self.information),
            "questions": {
                qid: (item.question, tuple(item.answers)) for qid, item in self.questions.items()
            },
        }


def view_of(snapshot: Snapshot) -> dict[str, object]:
    """The parts of a snapshot the reference model keeps, in the model's shape."""
    proposal = snapshot.proposal
    decision = snapshot.decision
    closed = snapshot.phase is Phase.CLOSED
    return {
        "phase": snapshot.phase,
        "resume_phase": None if closed else snapshot.resume_phase,
        "participants": {person.id: person.role for person in snapshot.participants},
        "options": {
            item.option.id: (
                item.option,
                item.option.proposed_by,
                len(item.considerations),
                item.withdrawn is not None,
                None if item.trial is None else "running" if item.trial.running else "ended",
                tuple(decline.by for decline in item.declines),
                None if item.waiver is None else item.waiver.by,
            )
            for item in snapshot.options
        },
        "problem": snapshot.problem is not None,
        "topics": len(snapshot.topics),
        "goals": [goal.by for goal in snapshot.goals],
        "concerns": len(snapshot.concerns),
        "preferences": dict(snapshot.preferences),
        "delegations": dict(snapshot.delegations),
        "proposal": None
        if proposal is None
        else (
            proposal.option.id,
            proposal.proposed_by,
            frozenset(proposal.consents),
            len(proposal.objections),
        ),
        "decision": None if decision is None else (decision.option.id, decision.how),
        "evaluations": len(snapshot.evaluations),
        "sitting": snapshot.sitting,
        "role_preferences": dict(snapshot.role_preferences),
        "sure_checks": {
            check.by: (check.sure, check.informed, check.values_clear, check.supported)
            for check in snapshot.sure_checks
        },
        "understanding": {
            check.of: (check.understood, check.by) for check in snapshot.understanding
        },
        "analysis": [(entry.kind, entry.text, entry.by) for entry in snapshot.analysis],
        "information": [
            (shared.kind, shared.text, shared.option, shared.by) for shared in snapshot.information
        ],
        "questions": {
            item.question.id: (item.question, tuple(answer.by for answer in item.answers))
            for item in snapshot.questions
        },
    }
