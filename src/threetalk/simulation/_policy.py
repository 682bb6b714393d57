"""Behaviour policies: what the simulated participants do next.

A policy is asked, step after step, for the next :class:`Action` of one conversation. It
sees the conversation through a :class:`View` and draws its chances from the random
generator it is given (never from anywhere else, so that every run is reproducible). The
simulator carries the action out on the real :class:`~threetalk.Conversation`; a refusal is
recorded and the policy is asked again.

Anything with a ``choose(view, rng) -> Action`` method is a policy (see
:class:`~threetalk.typing.PolicyLike`, re-exported here); :class:`Policy` is the built-in
one, tuned by named probabilities.
"""

from __future__ import annotations

import math
import typing
from datetime import date
from random import Random
from typing import TYPE_CHECKING, Final

import attrs

from threetalk._conversation import Conversation
from threetalk._exceptions import InvalidInput
from threetalk._phases import Analysis, DecisionRole, Information, Phase, Role, Source, Stance
from threetalk._protocols import COMMANDS
from threetalk._values import Option, Participant, Question
from threetalk.typing import PolicyLike

if TYPE_CHECKING:
    from threetalk._protocols import Protocol
    from threetalk._values import Decision, Proposal


#: The commands that concern one option (``state_preference`` and ``share_information``
#: may name none).
NEEDS_OPTION: Final = frozenset(
    {
        "add_consideration",
        "withdraw_option",
        "start_trial",
        "end_trial",
        "propose_decision",
        "decline",
        "waive",
    }
)

#: Four yes answers: a SURE check without decisional conflict.
ALL_YES: Final = (True, True, True, True)

P = Phase


# A frozen attrs value (eq, hash, repr and evolve as usual) whose __init__ is written out:
# attrs' own sets each of the sixteen fields through object.__setattr__, which made an
# action cost about 60% more instructions than with the eight fields it had before the acts
# of the guides; writing them into the instance dict costs a fraction of that. A test keeps
# this __init__'s parameters and defaults equal to the fields.
@attrs.frozen(slots=False, init=False)
class Action:
    """One command for the simulator to carry out.

    Texts (topics, reasons, option names, ...) are written by the simulator; an action
    only says who does what to which option or phase.

    Attributes:
        command: One of :data:`COMMANDS` (the :class:`~threetalk.Conversation` method).
        by: Who gives the command; ``None`` only for ``join``.
        option: The option concerned (``add_consideration``, ``withdraw_option``,
            ``start_trial``, ``end_trial``, ``propose_decision``; for
            ``state_preference`` ``None`` means "no preference").
        phase: The target of ``move_to``.
        role: The role of a participant who joins.
        stance: Pro or con, for ``add_consideration``.
        to: The professional a decision is delegated to.
        days: Days from the simulated today: how long a pause lasts, when a trial is
            evaluated, when a decision starts (its review follows 90 days later).
        question: The question ``answer`` answers (one of ``View.open_questions``, or any
            question the conversation's ``ask`` returned).
        of: The client or relative whose understanding ``check_understanding`` checks.
        kind: What ``add_analysis`` adds (an :class:`~threetalk.Analysis`) or what
            ``share_information`` hands over (an :class:`~threetalk.Information`).
        source: Where the option of ``propose_option`` comes from (``None``: from the
            proposer's role); :attr:`~threetalk.Source.OBLIGATION` proposes an
            obligation, whose legal basis the simulator writes.
        expected_result: Whether ``propose_option`` says what the option should bring
            (the simulator writes it).
        decision_role: The role in deciding that ``state_role_preference`` states.
        understood: What a ``check_understanding`` found (``True``: understood).
        answers: The four yes/no answers of ``check_conflict``, in the order of SURE:
            sure of the best choice, informed, clear about what matters, supported.
    """

    command: str
    by: Participant | None = None
    option: Option | None = None
    phase: Phase | None = None
    role: Role | None = None
    stance: Stance | None = None
    to: Participant | None = None
    days: int = 0
    question: Question | None = None
    of: Participant | None = None
    kind: Analysis | Information | None = None
    source: Source | None = None
    expected_result: bool = False
    decision_role: DecisionRole | None = None
    understood: bool = True
    answers: tuple[bool, bool, bool, bool] = ALL_YES

    def __init__(
        self,
        command: str,
        by: Participant | None = None,
        option: Option | None = None,
        phase: Phase | None = None,
        role: Role | None = None,
        stance: Stance | None = None,
        to: Participant | None = None,
        days: int = 0,
        question: Question | None = None,
        of: Participant | None = None,
        kind: Analysis | Information | None = None,
        source: Source | None = None,
        expected_result: bool = False,  # noqa: FBT001, FBT002 - a field, as attrs has it
        decision_role: DecisionRole | None = None,
        understood: bool = True,  # noqa: FBT001, FBT002 - a field, as attrs has it
        answers: tuple[bool, bool, bool, bool] = ALL_YES,
    ) -> None:
        fields = self.__dict__
        fields["command"] = command
        fields["by"] = by
        fields["option"] = option
        fields["phase"] = phase
        fields["role"] = role
        fields["stance"] = stance
        fields["to"] = to
        fields["days"] = days
        fields["question"] = question
        fields["of"] = of
        fields["kind"] = kind
        fields["source"] = source
        fields["expected_result"] = expected_result
        fields["decision_role"] = decision_role
        fields["understood"] = understood
        fields["answers"] = answers


@attrs.define(eq=False)
class View:
    """What a policy sees of one conversation, kept up to date by the simulator.

    Read the fields; do not change them, and never call commands on ``conversation``
    (its queries ``why_not``, ``can_move_to`` and ``allowed_moves`` are fine). ``memo``
    is the policy's own notebook for this conversation.

    Attributes:
        index: The conversation's index in the run.
        conversation: The conversation itself, for its read-only queries (and its
            :attr:`~threetalk.Conversation.protocol`, also :attr:`protocol` here).
        step: How many actions were tried so far.
        today: The simulated date.
        clients: Participants who joined as clients, in order of joining.
        relatives: Participants who joined as relatives.
        professionals: Participants who joined as professionals.
        options: The options on the table (proposed, neither withdrawn nor waived), in
            order; an obligation is one whose ``obligation`` is not ``None``.
        considered: For each option id, how many pros and cons it has.
        trials: For each option id under a running trial, its evaluation date.
        preferences: For each participant id, the option id they prefer (``None``: none).
        delegations: For each client id, the professional they delegated to.
        problem_stated: Whether the problem statement is recorded.
        client_goal: Whether a client named a goal.
        sitting: The sitting (1 + the number of resumptions).
        visit: ``(kind, actor)`` of every accepted event in the current visit of the phase.
        last: The kind of the last accepted command event (``""`` at first).
        last_refusal: The reason codes of the previous step's refusal, if it was refused.
        refusals: How many actions were refused so far.
        paused_until: The resume date while paused.
        role_preferences: For each client or relative id, the role in deciding they
            stated last.
        sure: For each client or relative id, the score (0-4) of their latest SURE check.
        understood: For each client or relative id, whether their latest teach-back
            check found that they understood.
        open_questions: The questions not answered yet, in the order they were asked.
        analysis: How many entries of each kind the problem-and-strengths analysis has.
        information: For each option id, how many pieces of information were shared
            about it (``None``: information about no option in particular).
        declines: For each option id, the clients who declined it.
        waived: The ids of the obligations that were waived.
        memo: Free for the policy to remember things within this conversation.
    """

    index: int
    conversation: Conversation
    step: int = 0
    today: date | None = None
    clients: list[Participant] = attrs.field(factory=list)
    relatives: list[Participant] = attrs.field(factory=list)
    professionals: list[Participant] = attrs.field(factory=list)
    options: list[Option] = attrs.field(factory=list)
    considered: dict[str, int] = attrs.field(factory=dict)
    trials: dict[str, date] = attrs.field(factory=dict)
    preferences: dict[str, str | None] = attrs.field(factory=dict)
    delegations: dict[str, str] = attrs.field(factory=dict)
    problem_stated: bool = False
    client_goal: bool = False
    sitting: int = 1
    visit: list[tuple[str, str | None]] = attrs.field(factory=list)
    last: str = ""
    last_refusal: tuple[str, ...] = ()
    refusals: int = 0
    paused_until: date | None = None
    role_preferences: dict[str, DecisionRole] = attrs.field(factory=dict)
    sure: dict[str, int] = attrs.field(factory=dict)
    understood: dict[str, bool] = attrs.field(factory=dict)
    open_questions: list[Question] = attrs.field(factory=list)
    analysis: dict[Analysis, int] = attrs.field(factory=dict)
    information: dict[str | None, int] = attrs.field(factory=dict)
    declines: dict[str, set[str]] = attrs.field(factory=dict)
    waived: set[str] = attrs.field(factory=set)
    memo: dict[str, typing.Any] = attrs.field(factory=dict)

    @property
    def protocol(self) -> Protocol:
        """The protocol the conversation follows."""
        return self.conversation.protocol

    @property
    def phase(self) -> Phase:
        """Where the conversation is now."""
        return self.conversation.phase

    @property
    def proposal(self) -> Proposal | None:
        """The pending proposal, if any."""
        return self.conversation.proposal

    @property
    def decision(self) -> Decision | None:
        """The final decision, if any."""
        return self.conversation.decision

    @property
    def participants(self) -> list[Participant]:
        """Everyone who joined, clients first, then relatives, then professionals."""
        return [*self.clients, *self.relatives, *self.professionals]


#: A policy as the simulator runs it: its ``choose`` is given a :class:`View`.
SimPolicy = PolicyLike[View]


def _probability(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or not 0 <= value <= 1
    ):
        msg = f"{attribute.name}: a probability between 0 and 1 is needed, got {value!r:.40}"
        raise InvalidInput(msg, attribute.name)


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name}: a whole number of at least 1 is needed, got {value!r:.40}"
        raise InvalidInput(msg, attribute.name)


_chance = attrs.field(default=0.0, validator=_probability)


def _likely(default: float) -> typing.Any:
    """A probability field with ``default``."""
    return attrs.field(default=default, validator=_probability)


#: Names of the built-in presets (:meth:`Policy.preset`).
PRESETS: Final = ("ideal", "hasty", "conflicted", "exploratory", "random")


@attrs.frozen
class _Guide:
    """What a protocol asks of a conversation, as the built-in policy reads its rule codes.

    Each flag says that a rule (entry, decision or a step's done rule) of the protocol
    asks for that act; ``offered`` holds the commands the protocol places somewhere.
    """

    role_preferences: bool = False
    client_question: bool = False
    strength: bool = False
    understanding: bool = False
    network: bool = False
    expected_results: bool = False
    answers: bool = False
    obligations: bool = False
    offered: frozenset[str] = frozenset()


_GUIDES: dict[tuple[str, bool], _Guide] = {}


def guide_of(protocol: Protocol, *, follow: bool) -> _Guide:
    """What ``protocol`` asks for (``follow=False``: only what it allows, no wishes)."""
    key = (protocol.fingerprint, follow)
    found = _GUIDES.get(key)
    if found is None:
        codes = {rule.code for rules in protocol.entry_rules.values() for rule in rules}
        codes.update(rule.code for rule in protocol.decision_rules)
        codes.update(rule.code for step in protocol.steps for rule in step.done)
        offered = frozenset(protocol.placement)
        if not follow:
            codes = set()
        found = _GUIDES[key] = _Guide(
            role_preferences="client-without-role-preference" in codes,
            client_question="needs-client-question" in codes,
            strength="needs-strength" in codes,
            understanding="needs-understanding" in codes,
            network="needs-own-or-network-option" in codes,
            expected_results="option-without-expected-result" in codes,
            answers="client-question-open" in codes,
            obligations=protocol.allows_obligations and "waive" in offered,
            offered=offered,
        )
    return found


@attrs.frozen
class Policy:
    """The built-in behaviour policy: a shared-decision conversation with named chances.

    Every chance is a probability in [0, 1], checked when the policy is made. Chances
    "per step" are drawn at each step of the phases they concern. The acts of the
    practice guides (role preferences, questions, teach-back, analysis, information, SURE
    checks, declines, obligations and waivers) are tried only where the protocol places
    them; where the protocol's rules or steps ask for one (rule R15's teach-back in
    :func:`~threetalk.youth_care`, the role preferences of
    :func:`~threetalk.rehabilitation`'s first step, ...), a conversation that follows
    the guide (``follow_guide``) does it whatever its own chance says.

    Attributes:
        relative: That a relative takes part (besides one client and one professional).
        options: How many options the talk lists before moving on to decision talk.
        professional_first: That the professional proposes the first option (advisory A1).
        considerations: That a participant adds a pro or con to an option, for each
            option and participant; an option left bare is covered before moving on
            with the same chance, or after the move was refused (R4).
        professional_early_preference: That the professional states a preference during
            option talk (advisory A2).
        premature: Per step, that someone tries to move on to the next talk whatever its
            entry rules say (refusals R2, R3, R4, R13).
        skip_preference: That the professional proposes a decision before every client
            and relative stated a preference (refusal R7).
        think_pause: That the talk pauses to think it over between option and decision
            talk (avoids advisory A4).
        trial: That an option is tried out before deciding (R6; a pause until its
            evaluation date).
        disagree: That the relative prefers another option than the client.
        object: That a client objects to a proposal (each time a client responds).
        pause_after_objection: That the talk pauses after an objection (R11).
        impose: That the professional imposes after an objection (refused where the
            protocol does not allow it, R9).
        delegate: That the clients hand the decision to the professional (R10); they
            then say so as their role preference too.
        withdraw: That an option nobody prefers is withdrawn in decision talk.
        late_option: That a new option surfaces in decision talk and the talk goes back
            to option talk for it.
        jump_back: Per step, that the talk goes back one talk (option to team, decision
            to option).
        pause: Per step in option and decision talk, that the talk pauses.
        reopen: That a client reopens a decision once it is made (R12).
        evaluate: That a decision is evaluated before the conversation closes (R13).
        give_up: Per step, that the conversation is closed there and then.
        chaos: Per step, that a uniformly random command is tried instead, valid or not.
        seconds_per_utterance: Mean simulated seconds between two commands.
        pause_days: Mean simulated days of a pause.
        follow_guide: That the conversation does what the protocol's rules and steps ask
            for (each client's teach-back before option talk where rule R15 holds, every
            client's role preference, a client's question in preparation, a strength in
            the analysis, an option from the family's network, expected results of
            professional help, answers to the client's questions), whatever the chances
            below say. Drawn once per conversation; one that does not follow the guide
            catches up on teach-back only after rule R15 refused the move.
        second_client: That a second client takes part (a parent and a child in youth
            care, a couple); every client then adds a topic and a goal, states a
            preference and consents.
        role_preference: That a client or relative says in preparation how they want to
            take part in deciding (decide themselves, share, leave it to the
            professional).
        ask: That a client or relative asks a question, once per talk.
        answer: That a question gets an answer (unanswered ones raise advisory A6 when
            the decision becomes final).
        teach_back: That the professional checks a client's or relative's understanding
            in team talk (teach-back).
        understood: That a teach-back check finds the explanation understood; when it
            does not, the professional explains again and checks again (up to three
            times).
        analysis: That team talk adds a problem-and-strengths analysis (what keeps the
            problem going, a strength, what is expected).
        information: That the professional hands over information (a leaflet, a website,
            peers' experience, a decision aid) about an option, once per option.
        sure_check: That a client or relative takes a SURE check before the decision is
            proposed.
        doubt: That a SURE answer is "no" (each of the four); a client in doubt gets a
            decision aid and checks again, once. A client whose latest score is below
            4 when the decision becomes final raises advisory A5.
        decline: That a client declines an option someone else proposed (an obligation
            the law imposes, a relative's idea), once per option and client.
        obligation: That the professional proposes an obligation where the protocol
            allows them (:func:`~threetalk.work_and_income`).
        waive: That the professional waives an obligation with a justification rather
            than deciding on it (rule R16 wants one of the two before any decision).
    """

    relative: float = attrs.field(default=0.5, validator=_probability)
    options: int = attrs.field(default=3, validator=_positive)
    professional_first: float = _chance
    considerations: float = attrs.field(default=0.9, validator=_probability)
    professional_early_preference: float = _chance
    premature: float = _chance
    skip_preference: float = _chance
    think_pause: float = attrs.field(default=0.9, validator=_probability)
    trial: float = _chance
    disagree: float = attrs.field(default=0.1, validator=_probability)
    object: float = attrs.field(default=0.05, validator=_probability)
    pause_after_objection: float = attrs.field(default=0.5, validator=_probability)
    impose: float = _chance
    delegate: float = attrs.field(default=0.05, validator=_probability)
    withdraw: float = attrs.field(default=0.1, validator=_probability)
    late_option: float = _chance
    jump_back: float = _chance
    pause: float = _chance
    reopen: float = _chance
    evaluate: float = attrs.field(default=0.9, validator=_probability)
    give_up: float = _chance
    chaos: float = _chance
    seconds_per_utterance: int = attrs.field(default=60, validator=_positive)
    pause_days: int = attrs.field(default=7, validator=_positive)
    follow_guide: float = _likely(1.0)
    second_client: float = _chance
    role_preference: float = _likely(0.9)
    ask: float = _likely(0.3)
    answer: float = _likely(1.0)
    teach_back: float = _likely(0.8)
    understood: float = _likely(0.9)
    analysis: float = _likely(0.2)
    information: float = _likely(0.7)
    sure_check: float = _likely(0.8)
    doubt: float = _likely(0.05)
    decline: float = _chance
    obligation: float = _likely(0.9)
    waive: float = _likely(0.5)

    # ------------------------------------------------------------------ presets

    @classmethod
    def ideal(cls) -> Policy:
        """The conversation the guides describe.

        Clients and relatives say how they want to take part and bring their own options
        first, every option gets pros and cons and information, understanding is
        checked, questions are answered, everyone states a preference and takes a SURE
        check, the talk pauses to think before deciding, and the decision is agreed and
        evaluated. What the protocol's steps ask for is done. Refusals and advisories
        are rare.
        """
        return cls()

    @classmethod
    def hasty(cls) -> Policy:
        """The professional pushes an option and tries to decide early.

        The professional proposes first (A1) and says what they prefer while the options
        are still being explored (A2); the talk tries to move on before its entry rules
        are met and to decide before every preference is stated (refusals R2-R4, R7,
        and R15 where teach-back is due); fewer options, considerations, teach-back
        checks, information and SURE checks; questions often stay unanswered (A6); no
        pause to think (A4).
        """
        return cls(
            relative=0.3,
            options=2,
            professional_first=0.95,
            considerations=0.3,
            professional_early_preference=0.8,
            premature=0.3,
            skip_preference=0.7,
            think_pause=0.0,
            disagree=0.1,
            object=0.1,
            delegate=0.0,
            withdraw=0.0,
            evaluate=0.4,
            follow_guide=0.2,
            role_preference=0.1,
            answer=0.4,
            teach_back=0.2,
            understood=0.7,
            analysis=0.0,
            information=0.1,
            sure_check=0.3,
            doubt=0.2,
            waive=0.2,
        )

    @classmethod
    def conflicted(cls) -> Policy:
        """The client and a relative disagree (a family, sometimes with two clients).

        A relative always takes part and usually prefers another option, and now and
        then a second client does too; clients decline options others proposed (an
        obligation among them), their SURE checks show doubt (A5), they object often,
        the talk pauses for second sittings, goes back for alternatives and is sometimes
        given up; a professional tries to impose (refused under
        :func:`~threetalk.three_talk`, allowed under :func:`~threetalk.work_and_income`,
        where obligations are seldom waived).
        """
        return cls(
            relative=1.0,
            think_pause=0.5,
            disagree=0.9,
            object=0.5,
            pause_after_objection=0.5,
            impose=0.2,
            delegate=0.0,
            pause=0.03,
            give_up=0.007,
            evaluate=0.7,
            second_client=0.3,
            answer=0.8,
            doubt=0.35,
            decline=0.5,
            waive=0.2,
        )

    @classmethod
    def exploratory(cls) -> Policy:
        """A new option surfaces late and the talk goes back.

        Options are tried out before deciding (trials with a second sitting), a new option
        comes up during decision talk so the talk returns to option talk, and now and then
        the talk steps back a phase; decisions are reopened now and then. Questions and
        information are plenty.
        """
        return cls(
            options=2,
            trial=0.5,
            late_option=0.8,
            jump_back=0.05,
            reopen=0.2,
            ask=0.5,
            information=0.9,
        )

    @classmethod
    def random(cls) -> Policy:
        """A stress test: every step is a uniformly random command, valid or not.

        Actors, options, phases and roles are drawn at random too; most commands are
        refused. This exercises the engine's guards, not a realistic conversation.
        """
        return cls(chaos=1.0)

    @classmethod
    def preset(cls, name: str) -> Policy:
        """The preset called ``name`` (one of :data:`PRESETS`).

        Raises:
            InvalidInput: There is no preset of that name.
        """
        if not isinstance(name, str) or name not in PRESETS:
            msg = f"policy: unknown preset {name!r:.40}; the presets are {', '.join(PRESETS)}"
            raise InvalidInput(msg, "policy")
        made: Policy = getattr(cls, name)()
        return made

    # ------------------------------------------------------------------ behaviour

    def choose(  # noqa: PLR0911, PLR0912 - one return per kind of next act
        self, view: View, rng: Random
    ) -> Action:
        """The next action of the conversation ``view`` shows (see :class:`PolicyLike`)."""
        phase = view.conversation.phase
        if phase is P.PAUSED:
            return Action("resume", by=_anyone(view))
        if self.chaos and rng.random() < self.chaos:
            return random_action(view, rng)
        memo = view.memo
        guide = memo.get("guide")
        if guide is None:
            guide = self._setup(view, rng)
        if view.professionals and view.clients:
            if self.give_up and rng.random() < self.give_up:
                return Action("close", by=view.professionals[0])
            if self.premature and rng.random() < self.premature:
                ahead = _AHEAD.get(phase)
                if ahead is not None:
                    return Action("move_to", by=view.professionals[0], phase=ahead)
        if phase is P.PREPARATION:
            return self._preparation(view, rng, guide)
        if view.open_questions or memo.get("idle") is not phase:
            # Questions first: one to answer, or one of those drawn to be asked here.
            talk = self._talk(view, rng, guide, phase)
            if talk is not None:
                return talk
        if phase is P.TEAM_TALK:
            return self._team_talk(view, rng, guide)
        if phase is P.OPTION_TALK:
            return self._option_talk(view, rng, guide)
        if phase is P.DECISION_TALK:
            return self._decision_talk(view, rng, guide)
        return self._evaluation(view)

    def _setup(self, view: View, rng: Random) -> _Guide:
        """Draw what holds for the whole conversation: who takes part, delegation, guide."""
        memo = view.memo
        memo["relative"] = rng.random() < self.relative
        memo["second"] = bool(self.second_client) and rng.random() < self.second_client
        memo["delegating"] = rng.random() < self.delegate
        guide: _Guide = guide_of(view.protocol, follow=rng.random() < self.follow_guide)
        memo["guide"] = guide
        return guide

    def _talk(self, view: View, rng: Random, guide: _Guide, phase: Phase) -> Action | None:
        """A question to answer or to ask in ``phase``, if one is due."""
        memo = view.memo
        if view.open_questions:
            answering: dict[str, bool] = memo.setdefault("answering", {})
            for question in view.open_questions:
                will = answering.get(question.id)
                if will is None:
                    will = answering[question.id] = (
                        guide.answers and question.asked_by in _ids(view.clients)
                    ) or rng.random() < self.answer
                if will and "answer" in guide.offered:
                    professional = view.professionals[0]
                    by = professional if question.asked_by != professional.id else view.clients[0]
                    return Action("answer", by=by, question=question)
        key = _ASKING[phase]
        waiting: list[Participant] | None = memo.get(key)
        if waiting is None:
            waiting = memo[key] = (
                [person for person in _lay(view) if rng.random() < self.ask]
                if "ask" in guide.offered
                else []
            )
            first = view.clients[0]
            if phase is P.PREPARATION and guide.client_question and first not in waiting:
                waiting.insert(0, first)
        if waiting:
            return Action("ask", by=waiting.pop(0))
        if not view.open_questions:
            memo["idle"] = phase  # nothing to ask or answer here until someone asks
        return None

    def _preparation(  # noqa: PLR0911 - one return per next act, in the guide's order
        self, view: View, rng: Random, guide: _Guide
    ) -> Action:
        memo = view.memo
        visit = view.visit
        if memo.get("ready") is not visit:  # what every visit needs first, checked once done
            if not view.clients:
                return _JOIN[Role.CLIENT]
            if not view.professionals:
                return _JOIN[Role.PROFESSIONAL]
            if memo.get("relative") and not view.relatives:
                return _JOIN[Role.RELATIVE]
            if memo.get("second") and len(view.clients) < 2:
                return _JOIN[Role.CLIENT]
            for client in view.clients:
                if ("topic-added", client.id) not in visit:
                    return Action("add_topic", by=client)
            client = view.clients[0]
            if ("goal-added", client.id) not in visit:
                return Action("add_goal", by=client)
            memo["ready"] = visit
        if view.open_questions or memo.get("idle") is not P.PREPARATION:
            talk = self._talk(view, rng, guide, P.PREPARATION)
            if talk is not None:
                return talk
        roles = self._role_preference(view, rng, guide)
        if roles is not None:
            return roles
        return Action("move_to", by=view.professionals[0], phase=P.TEAM_TALK)

    def _role_preference(self, view: View, rng: Random, guide: _Guide) -> Action | None:
        memo = view.memo
        waiting: list[Participant] | None = memo.get("roles")
        if waiting is None:
            waiting = memo["roles"] = (
                [
                    person
                    for person in _lay(view)
                    if (guide.role_preferences and person.role is Role.CLIENT)
                    or rng.random() < self.role_preference
                ]
                if "state_role_preference" in guide.offered
                else []
            )
        if not waiting:
            return None
        person = waiting.pop(0)
        if person.role is Role.RELATIVE:
            role = DecisionRole.SHARE
        elif memo.get("delegating"):
            role = DecisionRole.LEAVE_TO_PROFESSIONAL
        else:
            role = DecisionRole.DECIDE_MYSELF if rng.random() < 0.2 else DecisionRole.SHARE
        return Action("state_role_preference", by=person, decision_role=role)

    def _team_talk(self, view: View, rng: Random, guide: _Guide) -> Action:  # noqa: PLR0911
        client, professional = view.clients[0], view.professionals[0]
        memo = view.memo
        visit = view.visit
        if memo.get("ready") is not visit:  # what every visit needs first, checked once done
            if not view.problem_stated:
                return Action("state_problem", by=client)
            if not view.client_goal:
                return Action("add_goal", by=client)
            for relative in view.relatives:
                if ("concern-added", relative.id) not in visit:
                    return Action("add_concern", by=relative)
            for other in view.clients[1:]:
                if ("goal-added", other.id) not in visit:
                    return Action("add_goal", by=other)
            if ("problem-stated", client.id) not in visit and ("goal-added", client.id) not in (
                visit
            ):
                return Action("add_goal", by=client)
            memo["ready"] = visit
        analysis = self._analysis(view, rng, guide)
        if analysis is not None:
            return analysis
        teach = self._teach_back(view, rng, guide)
        if teach is not None:
            return teach
        return Action("move_to", by=professional, phase=P.OPTION_TALK)

    def _analysis(self, view: View, rng: Random, guide: _Guide) -> Action | None:
        memo = view.memo
        entries: list[tuple[Participant, Analysis]] | None = memo.get("analysis")
        if entries is None:
            entries = memo["analysis"] = []
            if "add_analysis" in guide.offered and (guide.strength or rng.random() < self.analysis):
                entries.append((view.professionals[0], Analysis.MAINTAINING_FACTOR))
                entries.append((view.clients[0], Analysis.STRENGTH))
                if view.relatives:
                    entries.append((view.relatives[0], Analysis.EXPECTATION))
        if entries:
            by, kind = entries.pop(0)
            return Action("add_analysis", by=by, kind=kind)
        return None

    def _teach_back(self, view: View, rng: Random, guide: _Guide) -> Action | None:
        memo = view.memo
        waiting: list[Participant] | None = memo.get("teach")
        offered = "check_understanding" in guide.offered
        if waiting is None:
            waiting = memo["teach"] = (
                [
                    person
                    for person in _lay(view)
                    if (guide.understanding and person.role is Role.CLIENT)
                    or rng.random() < self.teach_back
                ]
                if offered
                else []
            )
        if "needs-understanding" in view.last_refusal and offered:
            understood = view.understood
            waiting.extend(
                client
                for client in view.clients
                if not understood.get(client.id) and client not in waiting
            )
        if not waiting:
            return None
        person = waiting[0]
        tries: dict[str, int] = memo.setdefault("tries", {})
        tried = tries[person.id] = tries.get(person.id, 0) + 1
        understood_now = rng.random() < self.understood
        if understood_now or tried >= 3:
            waiting.pop(0)
            tries[person.id] = 0
        return Action(
            "check_understanding",
            by=view.professionals[0],
            of=person,
            understood=understood_now,
        )

    def _option_talk(  # noqa: PLR0911, PLR0912 - one return per next act, in the guide's order
        self, view: View, rng: Random, guide: _Guide
    ) -> Action:
        memo = view.memo
        professional = view.professionals[0]
        client = view.clients[0]
        if self.jump_back and rng.random() < self.jump_back:
            return Action("move_to", by=professional, phase=P.TEAM_TALK)
        if self.pause and rng.random() < self.pause:
            return Action("pause", by=professional, days=_days(rng, self.pause_days))
        for oid, due in view.trials.items():
            option = _find(view, oid)
            if option is None:
                continue
            if view.today is not None and view.today < due:
                return Action("pause", by=professional, days=(due - view.today).days)
            return Action("end_trial", by=client, option=option)
        if len(view.options) < memo.get("target", self.options) or (
            guide.obligations and "obligation" not in memo
        ):
            proposal = self._proposal(view, rng, guide)
            if proposal is not None:
                return proposal
        # Options proposed so far and people: a pair not yet weighed needs one of them new.
        mark = (len(view.considered), len(view.clients), len(view.relatives))
        if memo.get("considered-at") != mark:
            done: set[tuple[str, str]] = memo.setdefault("considered", set())
            everyone = view.participants
            for option in view.options:
                oid = option.id
                for person in everyone:
                    pair = (oid, person.id)
                    if pair in done:
                        continue
                    done.add(pair)
                    if rng.random() < self.considerations:
                        stance = Stance.PRO if rng.random() < 0.5 else Stance.CON
                        return Action("add_consideration", by=person, option=option, stance=stance)
            memo["considered-at"] = mark
        bare = [option for option in view.options if not view.considered.get(option.id)]
        if bare and (
            "option-without-considerations" in view.last_refusal
            or rng.random() < self.considerations
        ):
            return Action("add_consideration", by=client, option=bare[0], stance=Stance.PRO)
        extra = self._inform_or_decline(view, rng, guide)
        if extra is not None:
            return extra
        if guide.obligations:
            for option in view.options:
                if option.obligation is not None and self._waives(view, rng, option):
                    return Action("waive", by=professional, option=option)
        if "trial" not in memo:
            memo["trial"] = True
            if rng.random() < self.trial and view.today is not None:
                return Action("start_trial", by=client, option=rng.choice(view.options), days=14)
        if "early" not in memo:
            memo["early"] = True
            if rng.random() < self.professional_early_preference:
                return Action("state_preference", by=professional, option=view.options[0])
        if "think" not in memo and len(view.options) >= 2:
            memo["think"] = True
            if rng.random() < self.think_pause:
                return Action("pause", by=client, days=_days(rng, self.pause_days))
        return Action("move_to", by=professional, phase=P.DECISION_TALK)

    def _proposal(self, view: View, rng: Random, guide: _Guide) -> Action | None:
        """The next option to propose (an obligation after the first), if one is due."""
        memo = view.memo
        professional = view.professionals[0]
        if view.options and guide.obligations and "obligation" not in memo:
            memo["obligation"] = True
            if rng.random() < self.obligation:
                return Action("propose_option", by=professional, source=Source.OBLIGATION)
        target = memo.get("target", self.options)
        if len(view.options) >= target:
            return None
        if not view.options and rng.random() < self.professional_first:
            return _propose(professional, guide)
        lay = [*view.clients, *view.relatives]
        by = lay[len(view.options) % len(lay)] if len(view.options) < len(lay) else None
        return _propose(by or rng.choice(view.participants), guide)

    def _inform_or_decline(self, view: View, rng: Random, guide: _Guide) -> Action | None:
        """Information about an option, or a client's decline of one, if one is due."""
        memo = view.memo
        proposed = len(view.considered)  # options proposed so far: grows with each new one
        if "share_information" in guide.offered and memo.get("informed-at") != proposed:
            informed: set[str] = memo.setdefault("informed", set())
            for option in view.options:
                if option.id not in informed:
                    informed.add(option.id)
                    if rng.random() < self.information:
                        kind = _INFORMATION[rng.randrange(len(_INFORMATION))]
                        return Action(
                            "share_information",
                            by=view.professionals[0],
                            option=option,
                            kind=kind,
                        )
            memo["informed-at"] = proposed
        mark = (proposed, len(view.clients))
        if self.decline and "decline" in guide.offered and memo.get("declined-at") != mark:
            declined: set[tuple[str, str]] = memo.setdefault("declined", set())
            for person in view.clients:
                for option in view.options:
                    pair = (option.id, person.id)
                    if pair in declined or option.proposed_by == person.id:
                        continue
                    declined.add(pair)
                    if rng.random() < self.decline:
                        return Action("decline", by=person, option=option)
            memo["declined-at"] = mark
        return None

    def _decision_talk(  # noqa: PLR0911, PLR0912 - one return per next act, in the guide's order
        self, view: View, rng: Random, guide: _Guide
    ) -> Action:
        memo = view.memo
        professional = view.professionals[0]
        client = view.clients[0]
        if view.decision is not None:
            if "reopen" not in memo:
                memo["reopen"] = True
                if rng.random() < self.reopen:
                    memo.pop("think", None)
                    return Action("move_to", by=client, phase=P.OPTION_TALK)
            if "evaluate" not in memo:
                memo["evaluate"] = rng.random() < self.evaluate
            if memo["evaluate"]:
                return Action("move_to", by=professional, phase=P.EVALUATION)
            return Action("close", by=professional)
        if self.jump_back and rng.random() < self.jump_back:
            return Action("move_to", by=professional, phase=P.OPTION_TALK)
        if "late" not in memo:
            memo["late"] = True
            if rng.random() < self.late_option:
                memo["target"] = len(view.options) + 1
                return Action("move_to", by=client, phase=P.OPTION_TALK)
        if self.pause and rng.random() < self.pause:
            return Action("pause", by=professional, days=_days(rng, self.pause_days))
        proposal = view.proposal
        if "obligation-open" in view.last_refusal:
            settle = self._settle(view, proposal)
            if settle is not None:
                return settle
        if proposal is not None:
            return self._respond(view, rng, proposal)
        if len(view.options) < 2:
            # A waiver (or a withdrawal) left no choice: back to option talk for another.
            return Action("move_to", by=professional, phase=P.OPTION_TALK)
        if memo["delegating"]:
            for person in view.clients:
                if person.id not in view.delegations:
                    return Action("delegate", by=person, to=professional)
        choice = self._choice(view, rng, guide)
        if guide.obligations:
            for option in view.options:
                if (
                    option.obligation is not None
                    and option != choice
                    and self._waives(view, rng, option)
                ):
                    return Action("waive", by=professional, option=option)
        step = (
            self._preference(view, rng, choice)
            or self._sure(view, rng, guide, choice)
            or self._withdrawal(view, rng, choice)
        )
        if step is not None:
            return step
        return Action("propose_decision", by=professional, option=choice, days=7)

    def _preference(self, view: View, rng: Random, choice: Option) -> Action | None:
        """The next preference to state before the proposal, if one is due."""
        memo = view.memo
        if "skip" not in memo:
            memo["skip"] = rng.random() < self.skip_preference
        if memo["skip"] and "missing-preference" not in view.last_refusal:
            return None
        for person in [*view.clients, *view.relatives]:
            if person.id not in view.preferences:
                preferred: Option | None = choice
                if memo["delegating"]:
                    preferred = None
                elif person.role is Role.CLIENT:
                    if person.id in view.declines.get(choice.id, ()):
                        preferred = _client_choice(view, rng)
                elif len(view.options) > 1:
                    if "relative" not in memo:
                        memo["relative"] = rng.random() < self.disagree
                    if memo["relative"]:
                        preferred = next(o for o in view.options if o != choice)
                return Action("state_preference", by=person, option=preferred)
        return None

    def _withdrawal(self, view: View, rng: Random, choice: Option) -> Action | None:
        """An option nobody wants withdrawn, once, if the chance says so."""
        memo = view.memo
        if "withdrawn" in memo or len(view.options) < 3:
            return None
        memo["withdrawn"] = True
        if rng.random() >= self.withdraw:
            return None
        wanted = {*view.preferences.values(), *view.trials}
        spare = [
            o for o in view.options if o.id not in wanted and o != choice and o.obligation is None
        ]
        if spare:
            return Action("withdraw_option", by=view.professionals[0], option=spare[-1])
        return None

    def _waives(self, view: View, rng: Random, option: Option) -> bool:
        """Whether the professional waives the obligation ``option`` (drawn once)."""
        waives: dict[str, bool] = view.memo.setdefault("waives", {})
        waive = waives.get(option.id)
        if waive is None:
            waive = waives[option.id] = rng.random() < self.waive
        return waive

    def _choice(self, view: View, rng: Random, guide: _Guide) -> Option:
        """The option to decide on: an obligation the professional keeps, else the client's."""
        if guide.obligations:
            for option in view.options:
                if option.obligation is not None and not self._waives(view, rng, option):
                    return option
        return _client_choice(view, rng)

    def _settle(self, view: View, proposal: Proposal | None) -> Action | None:
        """After rule R16 refused: waive an open obligation that can be waived."""
        waives: dict[str, bool] = view.memo.setdefault("waives", {})
        for option in view.options:
            if option.obligation is not None and (
                proposal is None or proposal.option.id != option.id
            ):
                waives[option.id] = True
                return Action("waive", by=view.professionals[0], option=option)
        return None

    def _sure(self, view: View, rng: Random, guide: _Guide, choice: Option) -> Action | None:
        """The next SURE check before the proposal (or the decision aid before a second)."""
        memo = view.memo
        waiting: list[Participant | None] | None = memo.get("sure")
        if waiting is None:
            waiting = memo["sure"] = (
                [person for person in _lay(view) if rng.random() < self.sure_check]
                if "check_conflict" in guide.offered
                else []
            )
        if not waiting:
            return None
        person = waiting.pop(0)
        if person is None:  # a decision aid before a second check
            return Action(
                "share_information",
                by=view.professionals[0],
                option=choice,
                kind=Information.DECISION_AID,
            )
        doubt = self.doubt
        answers = (
            rng.random() >= doubt,
            rng.random() >= doubt,
            rng.random() >= doubt,
            rng.random() >= doubt,
        )
        doubted: set[str] = memo.setdefault("doubted", set())
        if not all(answers) and person.id not in doubted:
            doubted.add(person.id)
            if "share_information" in guide.offered:
                waiting[0:0] = [None, person]
            else:
                waiting.insert(0, person)
        return Action("check_conflict", by=person, answers=answers)

    def _respond(self, view: View, rng: Random, proposal: Proposal) -> Action:  # noqa: PLR0911
        professional = view.professionals[0]
        if view.last == "objected":
            options = [o for o in view.options if o != proposal.option]
            roll = rng.random()
            if roll < self.impose and "imposing-not-allowed" not in view.last_refusal:
                return Action("impose", by=professional)
            if roll < self.impose + self.pause_after_objection:
                return Action("pause", by=professional, days=_days(rng, self.pause_days))
            if proposal.option.obligation is not None:
                # The client objects to what the law imposes: the professional weighs a
                # waiver again; waived, the talk goes back for other options (the waiver
                # is given there), else the obligation is put again.
                waives: dict[str, bool] = view.memo.setdefault("waives", {})
                waives[proposal.option.id] = rng.random() < self.waive
                if waives[proposal.option.id]:
                    return Action("move_to", by=professional, phase=P.OPTION_TALK)
                return Action("propose_decision", by=professional, option=proposal.option, days=7)
            if not options or rng.random() < 0.5:
                view.memo["target"] = len(view.options) + 1
                return Action("move_to", by=professional, phase=P.OPTION_TALK)
            return Action("propose_decision", by=professional, option=rng.choice(options), days=7)
        for person in view.clients:
            if person.id not in proposal.consents:
                if rng.random() < self.object:
                    return Action("object", by=person)
                return Action("consent", by=person)
        return Action("consent", by=view.clients[0])  # pragma: no cover - decided before

    def _evaluation(self, view: View) -> Action:
        professional = view.professionals[0]
        client = view.clients[0]
        for oid in view.trials:
            option = _find(view, oid)
            if option is not None:
                return Action("end_trial", by=client, option=option)
        if not any(kind == "evaluated" for kind, _ in view.visit):
            return Action("evaluate", by=client)
        return Action("close", by=professional)


#: The actions of joining, one per role (an action is a value: one serves every conversation).
_JOIN: Final = {role: Action("join", role=role) for role in Role}

_AHEAD: Final = {
    P.PREPARATION: P.OPTION_TALK,
    P.TEAM_TALK: P.OPTION_TALK,
    P.OPTION_TALK: P.DECISION_TALK,
    P.DECISION_TALK: P.EVALUATION,
}

#: The memo's key for the questions still to be asked in each phase.
_ASKING: Final = {phase: f"ask-{phase.value}" for phase in Phase}

#: What the professional hands over about an option.
_INFORMATION: Final = (
    Information.LEAFLET,
    Information.WEBSITE,
    Information.PEER_EXPERIENCE,
    Information.DECISION_AID,
)


def _propose(by: Participant, guide: _Guide) -> Action:
    """``by`` proposes an option, with the source or expected result the guide asks for."""
    if by.role is Role.PROFESSIONAL:
        if guide.expected_results:
            return Action("propose_option", by=by, expected_result=True)
    elif by.role is Role.RELATIVE and guide.network:
        return Action("propose_option", by=by, source=Source.NETWORK)
    return Action("propose_option", by=by)


def _lay(view: View) -> list[Participant]:
    """The clients and relatives, in that order."""
    return [*view.clients, *view.relatives]


def _ids(people: typing.Iterable[Participant]) -> set[str]:
    return {person.id for person in people}


def _anyone(view: View) -> Participant | None:
    if view.professionals:
        return view.professionals[0]
    return view.participants[0] if view.participants else None


def _days(rng: Random, mean: int) -> int:
    return max(1, round(rng.expovariate(1 / mean)))


def _find(view: View, oid: str) -> Option | None:
    for option in view.options:
        if option.id == oid:
            return option
    return None


def _client_choice(view: View, rng: Random) -> Option:
    """The option the (first) client goes for: their stated preference, else a pick.

    The pick avoids options the client declined, while others remain.
    """
    client = view.clients[0]
    preferred = view.preferences.get(client.id)
    if preferred is not None:
        found = _find(view, preferred)
        if found is not None:
            return found
    picked = view.memo.get("choice")
    if picked is None or picked not in view.options:
        declines = view.declines
        acceptable = [
            option for option in view.options if client.id not in declines.get(option.id, ())
        ] or view.options
        picked = view.memo["choice"] = rng.choice(acceptable)
    chosen: Option = picked
    return chosen


def random_action(view: View, rng: Random) -> Action:
    """A uniformly random command with random arguments, valid or not (the stress test).

    Args:
        view: The view of the conversation (as a policy's ``choose`` gets it).
        rng: The conversation's random generator (as ``choose`` gets it).

    Returns:
        The action, drawn from ``rng``.

    Raises:
        InvalidInput: ``view`` is not a :class:`View`, or ``rng`` not a ``random.Random``.
    """
    if not isinstance(view, View):
        msg = f"view: expected the View a policy is given, got {type(view).__name__}"
        raise InvalidInput(msg, "view")
    if not isinstance(rng, Random):
        msg = f"rng: expected a random.Random, got {type(rng).__name__}"
        raise InvalidInput(msg, "rng")
    everyone = view.participants
    command = rng.choice(COMMANDS)
    if command == "join" or not everyone:
        return Action("join", role=rng.choice(_ROLES))
    memo = view.memo
    options: list[Option] = memo.setdefault("all_options", [])
    options.extend(option for option in view.options if option not in options)
    if command in NEEDS_OPTION and not options:
        command = "propose_option"
    option = rng.choice(options) if options else None
    if command in ("state_preference", "share_information") and rng.random() < 0.2:
        option = None
    by = rng.choice(everyone)
    # Arguments the conversation would take as malformed (InvalidInput, which stops a
    # run) are avoided: a question is answered by someone who did not ask it, and
    # teach-back is of a client or relative other than the one who checks.
    questions: list[Question] = memo.setdefault("all_questions", [])
    questions.extend(question for question in view.open_questions if question not in questions)
    question = None
    if command == "answer":
        answerable = [q for q in questions if q.asked_by != by.id]
        if answerable:
            question = rng.choice(answerable)
        else:
            command = "ask"
    subject = None
    if command == "check_understanding":
        subjects = [person for person in _lay(view) if person.id != by.id]
        if subjects:
            subject = rng.choice(subjects)
        else:
            command = "ask"
    kind: Analysis | Information = (
        rng.choice(_ANALYSES) if command == "add_analysis" else rng.choice(_KINDS)
    )
    return Action(
        command,
        by=by,
        option=option,
        phase=rng.choice(_PHASES),
        stance=rng.choice(_STANCES),
        to=rng.choice(everyone),
        days=rng.randrange(0, 30),
        question=question,
        of=subject,
        kind=kind,
        source=rng.choice(_SOURCES),
        expected_result=rng.random() < 0.5,
        decision_role=rng.choice(_DECISION_ROLES),
        understood=rng.random() < 0.5,
        answers=(
            rng.random() < 0.5,
            rng.random() < 0.5,
            rng.random() < 0.5,
            rng.random() < 0.5,
        ),
    )


_ROLES: Final = tuple(Role)
_PHASES: Final = tuple(Phase)
_STANCES: Final = tuple(Stance)
_ANALYSES: Final = tuple(Analysis)
_KINDS: Final = tuple(Information)
_SOURCES: Final = (None, *Source)
_DECISION_ROLES: Final = tuple(DecisionRole)


def check_policy(policy: object) -> None:
    """Check that ``policy`` is a policy object: an instance with a ``choose`` method.

    Raises:
        InvalidInput: ``policy`` is a preset's name, a class rather than an instance, an
            object without a ``choose(view, rng)`` method, or one whose
            ``seconds_per_utterance`` is not a positive number.
    """
    presets = ", ".join(f"Policy.{name}()" for name in PRESETS)
    if isinstance(policy, str):
        if policy in PRESETS:
            msg = (
                f"policy: expected a policy object, got the preset name {policy!r}; "
                f"pass Policy.{policy}() (the presets are {presets})"
            )
        else:
            msg = (
                f"policy: expected a policy object, got the text {policy!r:.40}; "
                f"the presets are {presets}"
            )
        raise InvalidInput(msg, "policy")
    if isinstance(policy, type):
        example = presets if policy is Policy else f"{policy.__name__}()"
        msg = (
            f"policy: expected a policy object, got the class {policy.__name__} itself; "
            f"pass an instance, e.g. {example}"
        )
        raise InvalidInput(msg, "policy")
    if not callable(getattr(policy, "choose", None)):
        msg = (
            "policy: expected a Policy or an object with a choose(view, rng) method, "
            f"got {type(policy).__name__}"
        )
        raise InvalidInput(msg, "policy")
    pace = getattr(policy, "seconds_per_utterance", 60)
    if isinstance(pace, bool) or not isinstance(pace, int | float) or not 0 < pace < math.inf:
        msg = f"policy: seconds_per_utterance must be a number of seconds above 0, got {pace!r:.40}"
        raise InvalidInput(msg, "policy")
