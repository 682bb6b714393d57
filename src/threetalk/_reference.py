"""The reference model behind :class:`threetalk.testing.ConversationStateMachine`.

A small plain-Python model of the rules of shared decision making, written from the
domain's rules rather than from the engine: for each command it says whether the command
should be accepted, refused or rejected as malformed, and what an accepted one changes.
The stateful test compares the engine with it after every step. It needs nothing but the
standard library and attrs; :mod:`threetalk.testing` re-exports it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Final, TypeGuard

import attrs

from threetalk._conversation import Conversation
from threetalk._phases import Decided, Phase, Role, Stance
from threetalk._protocols import Protocol
from threetalk._values import Option, Participant, Snapshot

if TYPE_CHECKING:
    from threetalk._guards import Rule


ACCEPTED: Final = "accepted"
REFUSED: Final = "refused"
INVALID: Final = "invalid"

#: Sorted advisory rules an accepted command raises, e.g. ``("A3", "A3")``.
Advice = tuple[str, ...]


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
    """

    outcomes: frozenset[str]
    effect: Callable[[], None] | None = None
    advice: frozenset[Advice] = frozenset({()})
    codes: frozenset[str] = frozenset()


def _invalid() -> Expectation:
    return Expectation(frozenset({INVALID}))


def _refused(codes: frozenset[str] = frozenset()) -> Expectation:
    return Expectation(frozenset({REFUSED}), codes=codes)


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


@attrs.define
class ModelOption:
    """An option as the model sees it."""

    by: str
    text: str
    considerations: int = 0
    withdrawn: bool = False
    trial: str | None = None  # None, "running" or "ended"


@attrs.define
class ModelProposal:
    """A pending decision as the model sees it."""

    option: str
    by: str
    consents: set[str] = attrs.field(factory=set)
    objections: int = 0


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
            it allows imposition are data the model reads; its rules the model knows by code).
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

    # ------------------------------------------------------------------ the rules

    def _of_role(self, role: Role) -> list[str]:
        return [pid for pid, has in self.roles.items() if has is role]

    def _open(self) -> dict[str, ModelOption]:
        return {oid: item for oid, item in self.options.items() if not item.withdrawn}

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
        return rule.reason(self.live) is not None

    def unmet_entry(self, phase: Phase) -> frozenset[str]:
        """The codes of the entry rules of ``phase`` that are unmet now."""
        rules = self.protocol.entry_rules.get(phase, ())
        return frozenset(rule.code for rule in rules if self.unmet(rule))

    def unmet_decision(self) -> frozenset[str]:
        """The codes of the decision rules that are unmet now."""
        return frozenset(rule.code for rule in self.protocol.decision_rules if self.unmet(rule))

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
        """Whether ``value`` is an option of this conversation."""
        return (
            isinstance(value, Option)
            and value.conversation_id == self.conversation_id
            and value.id in self.options
        )

    def _gate(self, command: str) -> Expectation | None:
        """Refusals that hold for every placed command, or ``None``."""
        if self.phase is Phase.CLOSED:
            return _refused()
        if self.phase not in self.protocol.placement[command]:
            return _refused()
        return None

    def _did(self, by: Participant, change: Callable[[], None]) -> Callable[[], None]:
        def effect() -> None:
            change()
            self.active.add(by.id)

        return effect

    # ------------------------------------------------------------------ the commands

    def expect_join(self, name: object, role: object) -> Expectation:
        """``join(name, role)``."""
        if not valid_text(name, 200) or not isinstance(role, Role):
            return _invalid()
        if self.phase is Phase.CLOSED:
            return _refused()

        def effect() -> None:
            pid = f"p{len(self.roles) + 1}"
            self.roles[pid] = role
            self.names.add(_same(name))
            self.active.add(pid)

        if _same(name) in self.names:
            return _refused()  # names are unique within a conversation
        return _accepted(effect)

    def expect_move_to(self, phase: object, by: object) -> Expectation:
        """``move_to(phase, by=...)``."""
        if not self.is_member(by) or not isinstance(phase, Phase):
            return _invalid()
        if phase in (Phase.PAUSED, Phase.CLOSED):
            return _refused()  # reached through pause() and close(), never through a move
        here = self.phase
        if here in (Phase.PAUSED, Phase.CLOSED) or (here, phase) not in self.protocol.moves:
            return _refused()
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
            return _refused()

        def change() -> None:
            self.resume_phase, self.phase = self.phase, Phase.PAUSED

        return _accepted(self._did(by, change))

    def expect_resume(self, by: object) -> Expectation:
        """``resume(by=...)``."""
        if not self.is_member(by):
            return _invalid()
        if self.phase is not Phase.PAUSED:
            return _refused()

        def change() -> None:
            self.phase, self.resume_phase = self.resume_phase or self.phase, None
            self.sitting += 1

        return _accepted(self._did(by, change))

    def expect_close(self, reason: object, by: object) -> Expectation:
        """``close(reason, by=...)``."""
        if not self.is_member(by) or not (reason is None or valid_text(reason)):
            return _invalid()
        if self.phase is Phase.CLOSED:
            return _refused()

        def change() -> None:
            # Closing leaves decision talk, and leaving decision talk drops a pending
            # proposal (docs/guide.md): nothing can make it final any more.
            self.phase, self.resume_phase, self.proposal = Phase.CLOSED, None, None

        return _accepted(self._did(by, change))

    def expect_say(self, command: str, text: object, by: object) -> Expectation:
        """``add_topic``, ``state_problem``, ``add_goal`` or ``add_concern``."""
        if not self.is_member(by) or not valid_text(text):
            return _invalid()
        refusal = self._gate(command)
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

    def expect_propose_option(self, text: object, by: object) -> Expectation:
        """``propose_option(text, by=...)``."""
        if not self.is_member(by) or not valid_text(text):
            return _invalid()
        refusal = self._gate("propose_option")
        if refusal is not None:
            return refusal
        wanted = _same(text)
        if any(not item.withdrawn and item.text == wanted for item in self.options.values()):
            return _refused()  # the same option is on the table already
        first_by_professional = by.role is Role.PROFESSIONAL and all(
            self.roles[item.by] is Role.PROFESSIONAL for item in self.options.values()
        )

        def change() -> None:
            self.options[f"o{len(self.options) + 1}"] = ModelOption(by.id, wanted)
            if self.first_option_sitting is None:
                self.first_option_sitting = self.sitting

        # A1 holds for every option a professional proposes before any client or relative.
        return _accepted(self._did(by, change), ("A1",) if first_by_professional else ())

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
        refusal = self._gate("add_consideration")
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if item.withdrawn:
            return _refused()

        def change() -> None:
            item.considerations += 1

        return _accepted(self._did(by, change))

    def expect_withdraw_option(self, option: object, reason: object, by: object) -> Expectation:
        """``withdraw_option(option, reason, by=...)``."""
        if not self.is_member(by) or not self.is_option(option) or not valid_text(reason):
            return _invalid()
        refusal = self._gate("withdraw_option")
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if self.phase is Phase.OPTION_TALK or item.withdrawn:  # R5
            return _refused()
        if self.decision is not None:  # struck options would change what was decided between
            return _refused()
        if self.proposal is not None and self.proposal.option == option.id:
            return _refused()

        def change() -> None:
            item.withdrawn = True
            for pid in [pid for pid, oid in self.preferences.items() if oid == option.id]:
                del self.preferences[pid]

        return _accepted(self._did(by, change))

    def expect_start_trial(self, option: object, evaluate_on: object, by: object) -> Expectation:
        """``start_trial(option, evaluate_on, by=...)``."""
        if (
            not self.is_member(by)
            or not self.is_option(option)
            or not valid_day(evaluate_on, self.today)
        ):
            return _invalid()
        refusal = self._gate("start_trial")
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if item.withdrawn or item.trial == "running":
            return _refused()

        def change() -> None:
            item.trial = "running"

        return _accepted(self._did(by, change))

    def expect_end_trial(self, option: object, outcome: object, by: object) -> Expectation:
        """``end_trial(option, outcome, by=...)``."""
        if not self.is_member(by) or not self.is_option(option) or not valid_text(outcome):
            return _invalid()
        refusal = self._gate("end_trial")
        if refusal is not None:
            return refusal
        item = self.options[option.id]
        if item.trial != "running":
            return _refused()

        def change() -> None:
            item.trial = "ended"

        return _accepted(self._did(by, change))

    def expect_state_preference(self, option: object, by: object) -> Expectation:
        """``state_preference(option, by=...)``."""
        if not self.is_member(by) or not (option is None or self.is_option(option)):
            return _invalid()
        refusal = self._gate("state_preference")
        if refusal is not None:
            return refusal
        oid = None if option is None else option.id
        if oid is not None and self.options[oid].withdrawn:
            return _refused()

        def change() -> None:
            self.preferences[by.id] = oid

        a2 = by.role is Role.PROFESSIONAL and self.phase is Phase.OPTION_TALK
        return _accepted(self._did(by, change), ("A2",) if a2 else ())

    def expect_delegate(self, to: object, by: object) -> Expectation:
        """``delegate(to, by=...)``."""
        if not self.is_member(by) or not self.is_member(to):
            return _invalid()
        refusal = self._gate("delegate")
        if refusal is not None:
            return refusal
        if by.role is not Role.CLIENT or to.role is not Role.PROFESSIONAL:
            return _refused()

        def change() -> None:
            self.delegations[by.id] = to.id

        if self.decision is not None:
            return _refused()  # reopen the decision first
        return _accepted(self._did(by, change))

    def _deciding(self, option: str) -> frozenset[str] | None:
        """Why a decision on ``option`` cannot be final now (codes), or ``None``."""
        item = self.options[option]
        if item.withdrawn or item.trial == "running":
            return frozenset()
        unmet = self.unmet_decision()
        return unmet or None

    def _final(self, option: str, how: Decided) -> tuple[Callable[[], None], Advice]:
        a4 = self.first_option_sitting == self.sitting

        def change() -> None:
            self.decision = (option, how)
            self.proposal = None

        return change, ("A4",) if a4 else ()

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
        refusal = self._gate("propose_decision")
        if refusal is not None:
            return refusal
        if self.decision is not None:
            return _refused()
        blocked = self._deciding(option.id)
        if blocked is not None:
            return _refused(blocked)
        clients = self._of_role(Role.CLIENT)
        if clients and all(self.delegations.get(pid) == by.id for pid in clients):
            change, advice = self._final(option.id, Decided.DELEGATED)
            return _accepted(self._did(by, change), advice)

        def propose() -> None:
            self.proposal = ModelProposal(option.id, by.id)

        return _accepted(self._did(by, propose))

    def expect_consent(self, by: object) -> Expectation:
        """``consent(by=...)``."""
        if not self.is_member(by):
            return _invalid()
        refusal = self._gate("consent")
        if refusal is not None:
            return refusal
        proposal = self.proposal
        if by.role is not Role.CLIENT or proposal is None or by.id in proposal.consents:
            return _refused()  # consenting twice to the same proposal adds nothing
        clients = set(self._of_role(Role.CLIENT))
        if not clients <= proposal.consents | {by.id}:

            def consent() -> None:
                proposal.consents.add(by.id)

            return _accepted(self._did(by, consent))
        blocked = self._deciding(proposal.option)
        if blocked is not None:
            return _refused(blocked)
        change, advice = self._final(proposal.option, Decided.AGREED)
        return _accepted(self._did(by, change), advice)

    def expect_object(self, reason: object, by: object) -> Expectation:
        """``object(reason, by=...)``."""
        if not self.is_member(by) or not valid_text(reason):
            return _invalid()
        refusal = self._gate("object")
        if refusal is not None:
            return refusal
        proposal = self.proposal
        if by.role is not Role.CLIENT or proposal is None:
            return _refused()

        def change() -> None:
            proposal.consents.discard(by.id)
            proposal.objections += 1

        return _accepted(self._did(by, change))

    def expect_impose(self, justification: object, by: object) -> Expectation:
        """``impose(justification, by=...)``."""
        if not self.is_member(by) or not valid_text(justification):
            return _invalid()
        refusal = self._gate("impose")
        if refusal is not None:
            return refusal
        proposal = self.proposal
        if by.role is not Role.PROFESSIONAL or not self.protocol.allows_imposition:
            return _refused()
        if proposal is None:
            return _refused()
        blocked = self._deciding(proposal.option)
        if blocked is not None:
            return _refused(blocked)
        change, advice = self._final(proposal.option, Decided.IMPOSED)
        return _accepted(self._did(by, change), advice)

    def expect_evaluate(self, outcome: object, process: object, by: object) -> Expectation:
        """``evaluate(outcome, process, by=...)``."""
        if not self.is_member(by) or not valid_text(outcome) or not valid_text(process):
            return _invalid()
        refusal = self._gate("evaluate")
        if refusal is not None:
            return refusal

        def change() -> None:
            self.evaluations += 1

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
                oid: (item.by, item.considerations, item.withdrawn, item.trial)
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
                item.option.proposed_by,
                len(item.considerations),
                not item.open,
                None if item.trial is None else "running" if item.trial.running else "ended",
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
    }
