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
from threetalk._phases import Phase, Role, Stance
from threetalk._protocols import COMMANDS
from threetalk._values import Option, Participant
from threetalk.typing import PolicyLike

if TYPE_CHECKING:
    from threetalk._values import Decision, Proposal


#: The commands that concern one option (``state_preference`` may name none).
NEEDS_OPTION: Final = frozenset(
    {"add_consideration", "withdraw_option", "start_trial", "end_trial", "propose_decision"}
)

P = Phase


@attrs.frozen
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
    """

    command: str
    by: Participant | None = None
    option: Option | None = None
    phase: Phase | None = None
    role: Role | None = None
    stance: Stance | None = None
    to: Participant | None = None
    days: int = 0


@attrs.define(eq=False)
class View:
    """What a policy sees of one conversation, kept up to date by the simulator.

    Read the fields; do not change them, and never call commands on ``conversation``
    (its queries ``why_not``, ``can_move_to`` and ``allowed_moves`` are fine). ``memo``
    is the policy's own notebook for this conversation.

    Attributes:
        index: The conversation's index in the run.
        conversation: The conversation itself, for its read-only queries.
        step: How many actions were tried so far.
        today: The simulated date.
        clients: Participants who joined as clients, in order of joining.
        relatives: Participants who joined as relatives.
        professionals: Participants who joined as professionals.
        options: The options on the table (proposed and not withdrawn), in order.
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
    memo: dict[str, typing.Any] = attrs.field(factory=dict)

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

#: Names of the built-in presets (:meth:`Policy.preset`).
PRESETS: Final = ("ideal", "hasty", "conflicted", "exploratory", "random")


@attrs.frozen
class Policy:
    """The built-in behaviour policy: a shared-decision conversation with named chances.

    Every chance is a probability in [0, 1], checked when the policy is made. Chances
    "per step" are drawn at each step of the phases they concern.

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
        delegate: That the clients hand the decision to the professional (R10).
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

    # ------------------------------------------------------------------ presets

    @classmethod
    def ideal(cls) -> Policy:
        """The conversation the guides describe.

        Clients and relatives bring their own options first, every option gets pros and
        cons, everyone states a preference, the talk pauses to think before deciding, and
        the decision is agreed and evaluated. Refusals and advisories are rare.
        """
        return cls()

    @classmethod
    def hasty(cls) -> Policy:
        """The professional pushes an option and tries to decide early.

        The professional proposes first (A1) and says what they prefer while the options
        are still being explored (A2); the talk tries to move on before its entry rules
        are met and to decide before every preference is stated (refusals R2-R4, R7);
        fewer options and considerations; no pause to think (A4).
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
        )

    @classmethod
    def conflicted(cls) -> Policy:
        """The client and a relative disagree.

        A relative always takes part and usually prefers another option; clients object
        often, the talk pauses for second sittings, goes back for alternatives and is
        sometimes given up; a professional tries to impose (refused under
        :func:`~threetalk.three_talk`, allowed under :func:`~threetalk.work_and_income`).
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
            give_up=0.01,
            evaluate=0.7,
        )

    @classmethod
    def exploratory(cls) -> Policy:
        """A new option surfaces late and the talk goes back.

        Options are tried out before deciding (trials with a second sitting), a new option
        comes up during decision talk so the talk returns to option talk, and now and then
        the talk steps back a phase; decisions are reopened now and then.
        """
        return cls(
            options=2,
            trial=0.5,
            late_option=0.8,
            jump_back=0.05,
            reopen=0.2,
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

    def choose(self, view: View, rng: Random) -> Action:  # noqa: PLR0911
        """The next action of the conversation ``view`` shows (see :class:`PolicyLike`)."""
        phase = view.phase
        if phase is P.PAUSED:
            return Action("resume", by=_anyone(view))
        if self.chaos and rng.random() < self.chaos:
            return random_action(view, rng)
        if view.professionals and view.clients:
            if self.give_up and rng.random() < self.give_up:
                return Action("close", by=view.professionals[0])
            if self.premature and rng.random() < self.premature:
                ahead = _AHEAD.get(phase)
                if ahead is not None:
                    return Action("move_to", by=view.professionals[0], phase=ahead)
        if phase is P.PREPARATION:
            return self._preparation(view, rng)
        if phase is P.TEAM_TALK:
            return self._team_talk(view)
        if phase is P.OPTION_TALK:
            return self._option_talk(view, rng)
        if phase is P.DECISION_TALK:
            return self._decision_talk(view, rng)
        return self._evaluation(view)

    def _preparation(self, view: View, rng: Random) -> Action:
        memo = view.memo
        if not view.clients:
            memo["relative"] = rng.random() < self.relative
            return _JOIN[Role.CLIENT]
        if not view.professionals:
            return _JOIN[Role.PROFESSIONAL]
        if memo.get("relative") and not view.relatives:
            return _JOIN[Role.RELATIVE]
        client = view.clients[0]
        if ("topic-added", client.id) not in view.visit:
            return Action("add_topic", by=client)
        if ("goal-added", client.id) not in view.visit:
            return Action("add_goal", by=client)
        return Action("move_to", by=view.professionals[0], phase=P.TEAM_TALK)

    def _team_talk(self, view: View) -> Action:
        client, professional = view.clients[0], view.professionals[0]
        if not view.problem_stated:
            return Action("state_problem", by=client)
        if not view.client_goal:
            return Action("add_goal", by=client)
        for relative in view.relatives:
            if ("concern-added", relative.id) not in view.visit:
                return Action("add_concern", by=relative)
        if ("problem-stated", client.id) not in view.visit and ("goal-added", client.id) not in (
            view.visit
        ):
            return Action("add_goal", by=client)
        return Action("move_to", by=professional, phase=P.OPTION_TALK)

    def _option_talk(self, view: View, rng: Random) -> Action:  # noqa: PLR0911, PLR0912
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
        target = memo.get("target", self.options)
        if len(view.options) < target:
            if not view.options and rng.random() < self.professional_first:
                return Action("propose_option", by=professional)
            lay = [*view.clients, *view.relatives]
            by = lay[len(view.options) % len(lay)] if len(view.options) < len(lay) else None
            return Action("propose_option", by=by or rng.choice(view.participants))
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
        bare = [option for option in view.options if not view.considered.get(option.id)]
        if bare and (
            "option-without-considerations" in view.last_refusal
            or rng.random() < self.considerations
        ):
            return Action("add_consideration", by=client, option=bare[0], stance=Stance.PRO)
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

    def _decision_talk(self, view: View, rng: Random) -> Action:  # noqa: PLR0911, PLR0912
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
        if proposal is not None:
            return self._respond(view, rng, proposal)
        if "delegating" not in memo:
            memo["delegating"] = rng.random() < self.delegate
        if memo["delegating"]:
            for person in view.clients:
                if person.id not in view.delegations:
                    return Action("delegate", by=person, to=professional)
        choice = _client_choice(view, rng)
        if "skip" not in memo:
            memo["skip"] = rng.random() < self.skip_preference
        if not memo["skip"] or "missing-preference" in view.last_refusal:
            for person in [*view.clients, *view.relatives]:
                if person.id not in view.preferences:
                    preferred: Option | None = choice
                    if memo["delegating"]:
                        preferred = None
                    elif person.role is Role.RELATIVE and len(view.options) > 1:
                        if "relative" not in memo:
                            memo["relative"] = rng.random() < self.disagree
                        if memo["relative"]:
                            preferred = next(o for o in view.options if o != choice)
                    return Action("state_preference", by=person, option=preferred)
        if "withdrawn" not in memo and len(view.options) >= 3:
            memo["withdrawn"] = True
            if rng.random() < self.withdraw:
                wanted = {*view.preferences.values(), *view.trials}
                spare = [o for o in view.options if o.id not in wanted and o != choice]
                if spare:
                    return Action("withdraw_option", by=professional, option=spare[-1])
        return Action("propose_decision", by=professional, option=choice, days=7)

    def _respond(self, view: View, rng: Random, proposal: Proposal) -> Action:  # noqa: PLR0911
        professional = view.professionals[0]
        if view.last == "objected":
            options = [o for o in view.options if o != proposal.option]
            roll = rng.random()
            if roll < self.impose and "imposing-not-allowed" not in view.last_refusal:
                return Action("impose", by=professional)
            if roll < self.impose + self.pause_after_objection:
                return Action("pause", by=professional, days=_days(rng, self.pause_days))
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
    """The option the (first) client goes for: their stated preference, else a pick."""
    client = view.clients[0]
    preferred = view.preferences.get(client.id)
    if preferred is not None:
        found = _find(view, preferred)
        if found is not None:
            return found
    picked = view.memo.get("choice")
    if picked is None or picked not in view.options:
        picked = view.memo["choice"] = rng.choice(view.options)
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
        return Action("join", role=rng.choice(list(Role)))
    options: list[Option] = view.memo.setdefault("all_options", [])
    options.extend(option for option in view.options if option not in options)
    if command in NEEDS_OPTION and not options:
        command = "propose_option"
    option = rng.choice(options) if options else None
    if command == "state_preference" and rng.random() < 0.2:
        option = None
    return Action(
        command,
        by=rng.choice(everyone),
        option=option,
        phase=rng.choice(list(Phase)),
        stance=rng.choice(list(Stance)),
        to=rng.choice(everyone),
        days=rng.randrange(0, 30),
    )


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
