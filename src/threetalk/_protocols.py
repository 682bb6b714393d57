"""Protocols: which phases a conversation has, how it may move between them, and what guards
each move and each decision.

A protocol is frozen data, checked completely when it is built: a definition that cannot
work raises :class:`InvalidProtocol` naming every problem, long before a conversation
runs into it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from threetalk import _guards as guards
from threetalk import _inputs as check
from threetalk import _steps as done
from threetalk._exceptions import InvalidInput, InvalidProtocol
from threetalk._guards import Rule
from threetalk._phases import TALK_PHASES, Phase
from threetalk._prompts import Prompt, builtin_prompts, prompt_problems
from threetalk._steps import Step, are_defaults, default_step, default_steps, step_problems

P = Phase

#: Every command of a conversation, in the order of the talks.
COMMANDS: Final = (
    "join",
    "state_role_preference",
    "ask",
    "answer",
    "add_topic",
    "state_problem",
    "add_goal",
    "add_concern",
    "add_analysis",
    "check_understanding",
    "propose_option",
    "add_consideration",
    "share_information",
    "withdraw_option",
    "decline",
    "waive",
    "start_trial",
    "end_trial",
    "check_conflict",
    "state_preference",
    "delegate",
    "propose_decision",
    "consent",
    "object",
    "impose",
    "pause",
    "resume",
    "evaluate",
    "move_to",
    "close",
)

#: The commands whose phases a protocol chooses (``placement``). ``join``, ``move_to``,
#: ``pause``, ``resume`` and ``close`` work the same in every protocol.
PLACED_COMMANDS: Final = tuple(
    command
    for command in COMMANDS
    if command not in {"join", "pause", "resume", "move_to", "close"}
)

#: The acts the practice guides name, which a protocol may leave out of its ``placement``:
#: it then does not offer them (a protocol written before they existed stays valid), and
#: giving one is refused with the code ``not-offered``.
OPTIONAL_COMMANDS: Final = frozenset(
    {
        "state_role_preference",
        "ask",
        "answer",
        "add_analysis",
        "check_understanding",
        "share_information",
        "decline",
        "waive",
        "check_conflict",
    }
)

_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PROTOCOL_VERSION: Final = 1
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def _frozen_moves(value: Iterable[tuple[Phase, Phase]]) -> frozenset[tuple[Phase, Phase]]:
    return frozenset(value)


def _rule_tuple(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


def _frozen_rules(value: Mapping[Phase, Iterable[Rule]]) -> Mapping[Phase, tuple[Rule, ...]]:
    return {phase: tuple(rules) for phase, rules in dict(value).items()}


def _step_tuple(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


def _prompt_tuple(value: Iterable[Prompt]) -> tuple[Prompt, ...]:
    return tuple(value)


def _frozen_placement(value: Mapping[str, Iterable[Phase]]) -> Mapping[str, frozenset[Phase]]:
    return {command: frozenset(phases) for command, phases in dict(value).items()}


@attrs.frozen(eq=False)
class Protocol:
    """How conversations of one kind run.

    Build your own with :func:`attrs.evolve` on :func:`three_talk` or from scratch; every
    field is checked at once.

    Attributes:
        name: A short name, recorded in every conversation's opening event.
        moves: Every ``(from, to)`` pair that ``move_to`` may take, guards permitting.
        entry_rules: The guards of entering each phase.
        decision_rules: The guards of making a decision final (checked again when it does).
        placement: For each command of :data:`PLACED_COMMANDS`, the phases it belongs to.
            The acts of :data:`OPTIONAL_COMMANDS` may be left out (the protocol then does
            not offer them), and their phases are trimmed to those the protocol has: a
            protocol derived from a built-in with fewer phases need not re-place them (it
            still places the other commands, and gives its steps, in its own phases). A
            command placed in no phase is not offered (``not-offered``).
        allows_imposition: Whether a professional may impose a decision (rule R9).
        allows_obligations: Whether a professional may propose an option the law
            imposes (``propose_option(obligation=...)``; rule R16 is then up to the
            protocol's decision rules, as in :func:`work_and_income`).
        initial: Where conversations start.
        steps: The stages of the guide the protocol follows, in order, each inside one
            phase; every phase the protocol uses has at least one. A protocol given none
            gets one step per phase, with the phase's value as id (``"option_talk"``).
            Steps guide and never block; see :attr:`threetalk.Conversation.step`.
        prompts: The questions its steps suggest (see
            :meth:`threetalk.Conversation.prompts`); presentation, so not part of the
            fingerprint. Replace them with ``attrs.evolve(protocol, prompts=...)``.
        fingerprint: SHA-256 of the protocol's canonical description (phases, moves,
            rules, placement, steps and their done rules; not titles or other words); two
            protocols with the same fingerprint behave the same, as far as their rule
            codes say.
        supersedes: Fingerprints of earlier versions of this protocol whose recorded
            conversations it can continue (see :meth:`continuing`). Not passed on by
            :func:`attrs.evolve`: a protocol derived from another continues nothing.
    """

    name: str
    moves: frozenset[tuple[Phase, Phase]] = attrs.field(converter=_frozen_moves)
    entry_rules: Mapping[Phase, tuple[Rule, ...]] = attrs.field(converter=_frozen_rules)
    decision_rules: tuple[Rule, ...] = attrs.field(converter=_rule_tuple)
    placement: Mapping[str, frozenset[Phase]] = attrs.field(converter=_frozen_placement)
    allows_imposition: bool = False
    initial: Phase = Phase.PREPARATION
    allows_obligations: bool = attrs.field(default=False, kw_only=True)
    steps: tuple[Step, ...] = attrs.field(default=(), converter=_step_tuple)
    prompts: tuple[Prompt, ...] = attrs.field(default=(), converter=_prompt_tuple)
    fingerprint: str = attrs.field(init=False)
    supersedes: frozenset[str] = attrs.field(init=False, factory=frozenset)
    phases: frozenset[Phase] = attrs.field(init=False, repr=False)
    targets: Mapping[Phase, tuple[Phase, ...]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidProtocol(problems)
        phases = frozenset({self.initial, *(phase for move in self.moves for phase in move)})
        placement = self.placement
        if any(not where <= phases for where in placement.values()):
            # The acts of the guides are placed in every talk phase by the built-ins; a
            # protocol derived from one without some phase keeps them where it can.
            trimmed = {command: where & phases for command, where in placement.items()}
            object.__setattr__(self, "placement", trimmed)
        if are_defaults(self.steps):
            # Default steps follow the phases, and so do the prompts of their steps: a
            # protocol derived from a built-in without some phase keeps working.
            object.__setattr__(self, "steps", default_steps(phases))
            unused = {phase.value for phase in TALK_PHASES if phase not in phases}
            if any(prompt.step in unused for prompt in self.prompts):
                kept = tuple(prompt for prompt in self.prompts if prompt.step not in unused)
                object.__setattr__(self, "prompts", kept)
        problems = step_problems(self.steps, phases)
        for step in self.steps:
            if isinstance(step, Step):
                problems.extend(_rule_problems(step.done, f"done rules of step {step.id!r}"))
        problems.extend(
            prompt_problems(self.prompts, (str(getattr(step, "id", "")) for step in self.steps))
        )
        if problems:
            raise InvalidProtocol(problems)
        targets = {
            phase: tuple(sorted((to for src, to in self.moves if src is phase), key=_order))
            for phase in phases
        }
        object.__setattr__(self, "phases", phases)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "fingerprint", _fingerprint(self))

    def continuing(self, *fingerprints: str) -> Protocol:
        """This protocol, also able to continue conversations recorded under ``fingerprints``.

        Use it when you change a protocol of your own and conversations recorded under the
        earlier version must still open (:func:`~threetalk.open_conversation`,
        :func:`~threetalk.replay`): list the earlier fingerprints.

        Args:
            *fingerprints: Fingerprints of earlier versions (64 hex digits each).

        Returns:
            A copy whose :attr:`supersedes` holds ``fingerprints`` besides its own.

        Raises:
            InvalidProtocol: A fingerprint is not 64 lower-case hex digits.
        """
        bad = [
            f"supersedes {each!r:.80} is not a fingerprint"
            for each in fingerprints
            if not (isinstance(each, str) and _FINGERPRINT.fullmatch(each))
        ]
        if bad:
            raise InvalidProtocol(bad)
        copy = attrs.evolve(self)
        object.__setattr__(copy, "supersedes", self.supersedes | frozenset(fingerprints))
        return copy

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Protocol):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def _order(phase: Phase) -> int:
    return list(Phase).index(phase)


def _problems(protocol: Protocol) -> list[str]:  # noqa: PLR0912 - one flat list of checks
    problems: list[str] = []
    if not isinstance(protocol.name, str) or not protocol.name.strip():
        problems.append("name must be a non-blank string")
    else:
        try:
            check.text(protocol.name, "name", limit=check.MAX_NAME)
        except InvalidInput as error:
            problems.append(str(error))
    if not isinstance(protocol.initial, Phase) or protocol.initial not in TALK_PHASES:
        problems.append(f"initial phase must be a talk phase, not {protocol.initial!r}")
    for move in protocol.moves:
        if (
            not isinstance(move, tuple)
            or len(move) != 2
            or not all(isinstance(phase, Phase) for phase in move)
        ):
            problems.append(f"move {move!r} is not a pair of phases")
            continue
        src, to = move
        for phase in move:
            if phase not in TALK_PHASES:
                problems.append(
                    f"move {src.name} -> {to.name} uses {phase.name}, which is reached only "
                    "through pause() or close()"
                )
        if src is to:
            problems.append(f"move {src.name} -> {to.name} goes nowhere")
    if problems:
        return problems
    phases = {protocol.initial, *(phase for move in protocol.moves for phase in move)}
    reachable = {protocol.initial}
    frontier = [protocol.initial]
    while frontier:
        here = frontier.pop()
        for src, to in protocol.moves:
            if src is here and to not in reachable:
                reachable.add(to)
                frontier.append(to)
    problems.extend(
        f"{phase.name} cannot be reached from {protocol.initial.name}"
        for phase in sorted(phases - reachable, key=_order)
    )
    if len(phases) > 1:
        problems.extend(
            f"{phase.name} is a trap: no move leads out of it"
            for phase in sorted(phases, key=_order)
            if not any(src is phase for src, _ in protocol.moves)
        )
    for phase, rules in protocol.entry_rules.items():
        if not isinstance(phase, Phase) or phase not in phases:
            problems.append(f"entry rules are given for {phase!r}, which no move reaches")
        problems.extend(_rule_problems(rules, f"entry rules of {getattr(phase, 'name', phase)}"))
    problems.extend(_rule_problems(protocol.decision_rules, "decision rules"))
    for command, where in protocol.placement.items():
        if command not in PLACED_COMMANDS:
            problems.append(f"placement names an unknown command {command!r}")
        for phase in where:
            if command in OPTIONAL_COMMANDS and phase in TALK_PHASES:
                continue  # trimmed to the protocol's phases (see Protocol.placement)
            if not isinstance(phase, Phase) or phase not in phases:
                problems.append(f"placement puts {command} in {phase!r}, which is not a phase here")
    problems.extend(
        f"placement does not say where {command} belongs"
        for command in PLACED_COMMANDS
        if command not in protocol.placement and command not in OPTIONAL_COMMANDS
    )
    if not isinstance(protocol.allows_imposition, bool):
        problems.append("allows_imposition must be True or False")
    if not isinstance(protocol.allows_obligations, bool):
        problems.append("allows_obligations must be True or False")
    return problems


def _rule_problems(rules: Iterable[object], where: str) -> list[str]:
    problems = []
    seen: set[str] = set()
    for rule in rules:
        if not isinstance(rule, Rule):
            problems.append(f"{where}: {rule!r} is not a Rule")
            continue
        if not callable(rule.check):
            problems.append(f"{where}: the check of {rule.code!r} is not callable")
        if not isinstance(rule.code, str) or not _CODE.fullmatch(rule.code):
            problems.append(f"{where}: code {rule.code!r} is not kebab-case")
        elif rule.code in seen:
            problems.append(f"{where}: code {rule.code!r} appears twice")
        else:
            seen.add(rule.code)
        if not isinstance(rule.rule, str) or not rule.rule.isprintable():
            problems.append(f"{where}: the rule label of {rule.code!r} is not plain text")
        elif not rule.rule.isascii():
            try:
                rule.rule.encode()
            except UnicodeEncodeError:
                problems.append(f"{where}: the rule label of {rule.code!r} is not valid text")
    return problems


def _fingerprint(protocol: Protocol) -> str:
    description = {
        "version": _PROTOCOL_VERSION,
        "name": protocol.name,
        "initial": protocol.initial.value,
        "moves": sorted([src.value, to.value] for src, to in protocol.moves),
        "entry_rules": {
            phase.value: [rule.code for rule in rules]
            for phase, rules in protocol.entry_rules.items()
        },
        "decision_rules": [rule.code for rule in protocol.decision_rules],
        "placement": {
            command: sorted(phase.value for phase in phases)
            for command, phases in protocol.placement.items()
        },
        "allows_imposition": protocol.allows_imposition,
        "allows_obligations": protocol.allows_obligations,
        "steps": [
            [step.id, step.phase.value, [rule.code for rule in step.done]]
            for step in protocol.steps
        ],
    }
    encoded = json.dumps(description, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


#: The fingerprints the built-ins had before they had steps (conversations recorded under
#: them still open).
THREE_TALK_BEFORE_STEPS: Final = "9aeeab63343f450fcca34ceb3df45e6e67ae0684e0a40f215caf467e32343fbb"
WORK_AND_INCOME_BEFORE_STEPS: Final = (
    "93094c574d3db9e9f11f74f1671f947dbe29c5ba44e7af297f5756a90f3b77a8"
)

#: The fingerprints every built-in had before the acts of the guides were placed (role
#: preference, SURE, teach-back, analysis, information, questions, declines, waivers):
#: conversations recorded under them still open and continue.
BEFORE_ACTS: Final[Mapping[str, str]] = {
    "three_talk": "11887be440a07a4969b7d24cec4ab731ff5c65fcdf10fbb7bc5bb4571bd4706e",
    "six_step": "2818b4c4004e46035aafa406a862cb91553b9116e61da2c481131e44267a54e0",
    "rehabilitation": "b06375f0d298e1193c2ce82d006464c6dba447e69b98a0ec1cf2eed8a0ded989",
    "youth_care": "f2d88c2f2a26558289a2d7aaa36f2ba86b9c84c97f9edbed7847dc11d7432f08",
    "client_guide": "1bfde820c77341ac5f927de352e3d4732c9604ba35962db40abb6e22fcf948d0",
    "work_and_income": "c602cd5ad485f525e4bce90881977571a843b648b29d5659f7daffdcb72c715e",
}

_TALKS: Final = (P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK, P.EVALUATION)
_SPEAKING: Final = {P.PREPARATION, *_TALKS}

_THREE_TALK_PLACEMENT: Final = {
    "state_role_preference": {P.PREPARATION, P.TEAM_TALK},
    "ask": _SPEAKING,
    "answer": _SPEAKING,
    "add_topic": {P.PREPARATION, P.TEAM_TALK},
    "state_problem": {P.TEAM_TALK},
    "add_goal": {P.PREPARATION, P.TEAM_TALK},
    "add_concern": {P.TEAM_TALK},
    "add_analysis": {P.TEAM_TALK},
    "check_understanding": {P.TEAM_TALK, P.OPTION_TALK, P.DECISION_TALK},
    "propose_option": {P.OPTION_TALK},
    "add_consideration": {P.OPTION_TALK},
    "share_information": {P.OPTION_TALK, P.DECISION_TALK},
    "withdraw_option": {P.DECISION_TALK},
    "decline": {P.OPTION_TALK, P.DECISION_TALK},
    "waive": {P.OPTION_TALK, P.DECISION_TALK},
    "start_trial": {P.OPTION_TALK},
    "end_trial": {P.OPTION_TALK, P.EVALUATION},
    "check_conflict": {P.OPTION_TALK, P.DECISION_TALK},
    "state_preference": {P.OPTION_TALK, P.DECISION_TALK},
    "delegate": {P.DECISION_TALK},
    "propose_decision": {P.DECISION_TALK},
    "consent": {P.DECISION_TALK},
    "object": {P.DECISION_TALK},
    "impose": {P.DECISION_TALK},
    "evaluate": {P.EVALUATION},
}


def three_talk() -> Protocol:
    """The three-talk model with preparation and evaluation, rules R1-R14.

    Preparation leads to team talk; from there the four talks (team, option, decision,
    evaluation) can follow each other in any order their entry rules allow. A professional
    may not impose a decision.

    >>> protocol = three_talk()
    >>> protocol.name, protocol.allows_imposition
    ('three_talk', False)
    >>> [phase.name for phase in protocol.targets[Phase.OPTION_TALK]]
    ['TEAM_TALK', 'DECISION_TALK', 'EVALUATION']
    """
    return _THREE_TALK


def work_and_income() -> Protocol:
    """Three-talk for re-integration under the Participation Act.

    The phases and rules of :func:`three_talk`, and what the law adds: the client manager
    may impose a decision when a client does not consent, and must then record why (rule
    R9); the law imposes obligations (``propose_option(obligation=...)``), which a client
    may decline and the client manager may waive with a justification; a decision becomes
    final only when every obligation is the option decided on or waived (rule R16). Its
    steps are those of :func:`three_talk`; option talk is done when every obligation has
    been discussed, decision talk when every one is settled.

    >>> [step.id for step in work_and_income().steps]
    ['preparation', 'team_talk', 'option_talk', 'decision_talk', 'evaluation']
    """
    return _WORK_AND_INCOME


_THREE_TALK: Final = Protocol(
    name="three_talk",
    moves={(P.PREPARATION, P.TEAM_TALK)} | {(a, b) for a in _TALKS for b in _TALKS if a is not b},
    entry_rules={
        P.TEAM_TALK: (guards.CLIENT_AND_PROFESSIONAL,),
        P.OPTION_TALK: (guards.PROBLEM_STATEMENT, guards.CLIENT_GOAL),
        P.DECISION_TALK: (guards.TWO_OPTIONS, guards.CONSIDERED_OPTIONS),
        P.EVALUATION: (guards.SOMETHING_TO_EVALUATE,),
    },
    decision_rules=(guards.TWO_OPTIONS, guards.CONSIDERED_OPTIONS, guards.PREFERENCES_STATED),
    placement=_THREE_TALK_PLACEMENT,
    prompts=builtin_prompts("three_talk"),
).continuing(THREE_TALK_BEFORE_STEPS, BEFORE_ACTS["three_talk"])


def _with_rules(phase: Phase, *rules: Rule) -> Step:
    """The default step of ``phase`` with ``rules`` added to its done rules."""
    step = default_step(phase)
    return attrs.evolve(step, done=(*step.done, *rules))


_WORK_AND_INCOME: Final = attrs.evolve(
    _THREE_TALK,
    name="work_and_income",
    allows_imposition=True,
    allows_obligations=True,
    decision_rules=(*_THREE_TALK.decision_rules, guards.OBLIGATIONS_DECIDED_OR_WAIVED),
    steps=(
        default_step(P.PREPARATION),
        default_step(P.TEAM_TALK),
        _with_rules(P.OPTION_TALK, done.OBLIGATIONS_DISCUSSED),
        _with_rules(P.DECISION_TALK, guards.OBLIGATIONS_DECIDED_OR_WAIVED),
        default_step(P.EVALUATION),
    ),
    prompts=builtin_prompts("work_and_income"),
).continuing(WORK_AND_INCOME_BEFORE_STEPS, BEFORE_ACTS["work_and_income"])
