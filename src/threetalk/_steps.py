"""Steps: the stages of a practice guide, each inside one phase of the three-talk model.

A step says what a stretch of the conversation should produce (its ``outcome``) and when
that is there (its ``done`` rules). Steps guide; they never block: which step a
conversation is at is derived from its state whenever it is asked, so no event records
it and a replay gives the same.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

import attrs

from threetalk import _guards as guards
from threetalk._guards import Rule
from threetalk._phases import TALK_PHASES, Analysis, Phase, Role, Source, Stance
from threetalk._text import Text
from threetalk._values import Reason, fields_dict

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from threetalk.typing import ConversationView


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


@attrs.frozen
class Step:
    """One stage of a guide, inside one phase.

    Attributes:
        id: Stable, snake_case (``"pros_and_cons"``); apps may store it.
        phase: The phase of the three-talk model the step belongs to.
        title: What the step is called, per language.
        outcome: What the step should produce, per language.
        done: The step is done when every one of these rules holds (none: done at once).
    """

    id: str
    phase: Phase
    title: Text
    outcome: Text
    done: tuple[Rule, ...] = attrs.field(default=(), converter=_rules)

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON-ready data.

        ``{"id", "phase", "title", "outcome", "done"}``: ``phase`` is the phase's value,
        ``title`` and ``outcome`` map a language code to the text, ``done`` lists the
        codes of the done rules (a rule's check is code, not data).

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self, done=[rule.code for rule in self.done])


class StepStatus(enum.Enum):
    """Where a step stands: done, the current one, or still open."""

    DONE = "done"
    CURRENT = "current"
    OPEN = "open"

    def __repr__(self) -> str:
        return f"StepStatus.{self.name}"


@attrs.frozen
class StepProgress:
    """One step of a protocol and how far the conversation has come with it.

    Attributes:
        step: The step.
        status: ``CURRENT`` for the conversation's current step (even when its rules hold
            already); otherwise ``DONE`` when its done rules hold now, else ``OPEN``.
        missing: The reasons of its done rules that do not hold now, in the rules' order.
    """

    step: Step
    status: StepStatus
    missing: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        """The step's progress as JSON-ready data.

        ``{"step": Step.to_dict(), "status": "done" | "current" | "open",
        "missing": [Reason.to_dict(), ...]}``.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


# ---------------------------------------------------------------------- done rules


def _no_topic_or_goal(view: ConversationView) -> str | None:
    if view.topics or view.goals:
        return None
    return "Nobody has put a topic or a goal on the agenda yet."


def _no_decision(view: ConversationView) -> str | None:
    if view.decision is not None:
        return None
    return "No decision is final yet."


def _not_evaluated(view: ConversationView) -> str | None:
    if view.evaluations:
        return None
    return "Neither the outcome nor the way of deciding has been looked back on yet."


def _no_goal(view: ConversationView) -> str | None:
    if view.goals:
        return None
    return "Nobody has named a goal yet."


def _relative_silent(view: ConversationView) -> str | None:
    silent = [
        participant.name
        for participant in view.participants
        if participant.role is Role.RELATIVE and not has_spoken(view, participant.id)
    ]
    if not silent:
        return None
    return f"{guards.join_names(silent)} took part as relative but said nothing yet."


def _silent_relatives(view: ConversationView) -> dict[str, object]:
    return {
        "names": [
            participant.name
            for participant in view.participants
            if participant.role is Role.RELATIVE and not has_spoken(view, participant.id)
        ]
    }


def has_spoken(view: ConversationView, pid: str) -> bool:
    """Whether participant ``pid`` has said anything the state keeps."""
    if pid in view.preferences or pid in view.role_preferences or pid in view.sure_checks:
        return True
    said = (*view.topics, *view.goals, *view.concerns)
    if any(statement.by == pid for statement in said) or (
        view.problem is not None and view.problem.by == pid
    ):
        return True
    if any(entry.by == pid for entry in view.analysis) or any(
        entry.by == pid for entry in view.information
    ):
        return True
    for item in view.option_states:
        if item.option.proposed_by == pid or any(c.by == pid for c in item.considerations):
            return True
        if any(decline.by == pid for decline in item.declines):
            return True
    return any(
        question.question.asked_by == pid or any(a.by == pid for a in question.answers)
        for question in view.questions
    )


def _no_option_from_client_side(view: ConversationView) -> str | None:
    participant = view.participant
    for item in view.option_states:
        if item.open and participant(item.option.proposed_by).role is not Role.PROFESSIONAL:
            return None
    return "No option on the table comes from a client or a relative yet."


def _option_one_sided(view: ConversationView) -> str | None:
    lacking = [
        item.option.text
        for item in view.option_states
        if item.open and {c.stance for c in item.considerations} != set(Stance)
    ]
    if not lacking:
        return None
    return f"Every option needs both a pro and a con; {guards.join_names(lacking)} lacks one."


def _one_sided_options(view: ConversationView) -> dict[str, object]:
    return {
        "options": [
            item.option.text
            for item in view.option_states
            if item.open and {c.stance for c in item.considerations} != set(Stance)
        ]
    }


def _clients_without(view: ConversationView, kinds: Iterable[str]) -> list[str]:
    said = {statement.by for kind in kinds for statement in getattr(view, kind)}
    return [
        participant.name
        for participant in view.participants
        if participant.role is Role.CLIENT and participant.id not in said
    ]


def _client_without_topic(view: ConversationView) -> str | None:
    quiet = _clients_without(view, ("topics", "concerns"))
    if not quiet:
        return None
    return f"{guards.join_names(quiet)} has not yet put a question or worry into words."


def _clients_without_question(view: ConversationView) -> dict[str, object]:
    return {"names": _clients_without(view, ("topics", "concerns"))}


def _client_without_goal(view: ConversationView) -> str | None:
    quiet = _clients_without(view, ("goals",))
    if not quiet:
        return None
    return f"{guards.join_names(quiet)} has not yet named a goal."


def _clients_without_goal(view: ConversationView) -> dict[str, object]:
    return {"names": _clients_without(view, ("goals",))}


def _client_without_own_topic(view: ConversationView) -> str | None:
    participant = view.participant
    for topic in view.topics:
        if participant(topic.by).role is Role.CLIENT:
            return None
    return "No client has put a topic of their own on the agenda yet."


def _no_strength(view: ConversationView) -> str | None:
    for entry in view.analysis:
        if entry.kind is Analysis.STRENGTH:
            return None
    return "No strength of the family or the client has been named in the analysis yet."


def _clients_without_role_preference(view: ConversationView) -> list[str]:
    stated = view.role_preferences
    return [
        participant.name
        for participant in view.participants
        if participant.role is Role.CLIENT and participant.id not in stated
    ]


def _role_preference_missing(view: ConversationView) -> str | None:
    quiet = _clients_without_role_preference(view)
    if not quiet:
        return None
    return f"{guards.join_names(quiet)} has not yet said how they want to take part in deciding."


def _without_role_preference(view: ConversationView) -> dict[str, object]:
    return {"names": _clients_without_role_preference(view)}


def _no_client_question(view: ConversationView) -> str | None:
    participant = view.participant
    for item in view.questions:
        if participant(item.question.asked_by).role is Role.CLIENT:
            return None
    return "No client has written down a question of their own yet."


def _open_client_questions(view: ConversationView) -> list[str]:
    participant = view.participant
    return [
        item.question.text
        for item in view.questions
        if not item.answers and participant(item.question.asked_by).role is Role.CLIENT
    ]


def _client_question_open(view: ConversationView) -> str | None:
    waiting = _open_client_questions(view)
    if not waiting:
        return None
    quoted = guards.join_names(f"“{text}”" for text in waiting)
    if len(waiting) == 1:
        return f"A question of the client is still unanswered: {quoted}."
    return f"Questions of the client are still unanswered: {quoted}."


def _unanswered_client_questions(view: ConversationView) -> dict[str, object]:
    waiting = _open_client_questions(view)
    return {"case": "one" if len(waiting) == 1 else "many", "questions": waiting}


def _no_own_or_network_option(view: ConversationView) -> str | None:
    for item in view.option_states:
        if item.open and item.option.source in (Source.OWN_IDEA, Source.NETWORK):
            return None
    return "No option on the table is the family's own idea or comes from their network yet."


def _results_unsaid(view: ConversationView) -> list[str]:
    return [
        item.option.text
        for item in view.option_states
        if item.open
        and item.option.source is Source.PROFESSIONAL
        and item.option.expected_result is None
    ]


def _result_not_expected(view: ConversationView) -> str | None:
    lacking = _results_unsaid(view)
    if not lacking:
        return None
    return f"Professional help needs what it should bring; {guards.join_names(lacking)} lacks it."


def _options_without_result(view: ConversationView) -> dict[str, object]:
    return {"options": _results_unsaid(view)}


def _undiscussed(view: ConversationView) -> list[str]:
    """The open obligations on which no client has spoken: no client's pro or con, no
    decline (rule R4 already wants someone's pro or con; this wants the client's voice)."""
    participant = view.participant
    return [
        item.option.text
        for item in view.option_states
        if item.option.obligation is not None
        and item.waiver is None
        and not item.declines
        and not any(participant(c.by).role is Role.CLIENT for c in item.considerations)
    ]


def _obligation_undiscussed(view: ConversationView) -> str | None:
    lacking = _undiscussed(view)
    if not lacking:
        return None
    names = guards.join_names(lacking)
    return f"Every obligation is discussed with the client; {names} has no word of a client yet."


def _undiscussed_obligations(view: ConversationView) -> dict[str, object]:
    return {"options": _undiscussed(view)}


TOPIC_OR_GOAL: Final = Rule("needs-topic-or-goal", "", _no_topic_or_goal)
DECIDED: Final = Rule("needs-final-decision", "", _no_decision)
EVALUATED: Final = Rule("needs-evaluation", "", _not_evaluated)
A_GOAL: Final = Rule("needs-goal", "", _no_goal)
RELATIVE_HEARD: Final = Rule("relative-not-heard", "", _relative_silent, params=_silent_relatives)
OPTION_FROM_CLIENT_SIDE: Final = Rule(
    "needs-option-from-client-or-relative", "", _no_option_from_client_side
)
OPTIONS_WEIGHED: Final = Rule(
    "option-without-pro-and-con", "", _option_one_sided, params=_one_sided_options
)
EVERY_CLIENT_ASKED: Final = Rule(
    "client-without-question", "", _client_without_topic, params=_clients_without_question
)
EVERY_CLIENT_GOAL: Final = Rule(
    "client-without-goal", "", _client_without_goal, params=_clients_without_goal
)
CLIENT_TOPIC: Final = Rule("needs-client-topic", "", _client_without_own_topic)
A_STRENGTH: Final = Rule("needs-strength", "", _no_strength)
ROLE_PREFERENCES: Final = Rule(
    "client-without-role-preference", "", _role_preference_missing, params=_without_role_preference
)
CLIENT_QUESTION: Final = Rule("needs-client-question", "", _no_client_question)
CLIENT_QUESTIONS_ANSWERED: Final = Rule(
    "client-question-open", "", _client_question_open, params=_unanswered_client_questions
)
OWN_OR_NETWORK_OPTION: Final = Rule("needs-own-or-network-option", "", _no_own_or_network_option)
RESULTS_EXPECTED: Final = Rule(
    "option-without-expected-result", "", _result_not_expected, params=_options_without_result
)
OBLIGATIONS_DISCUSSED: Final = Rule(
    "obligation-not-discussed", "", _obligation_undiscussed, params=_undiscussed_obligations
)


# ---------------------------------------------------------------------- default steps

#: The done rules of the step a protocol gets for a phase when it is given no steps.
DEFAULT_DONE: Final[Mapping[Phase, tuple[Rule, ...]]] = {
    Phase.PREPARATION: (guards.CLIENT_AND_PROFESSIONAL, TOPIC_OR_GOAL),
    Phase.TEAM_TALK: (guards.PROBLEM_STATEMENT, guards.CLIENT_GOAL),
    Phase.OPTION_TALK: (guards.TWO_OPTIONS, guards.CONSIDERED_OPTIONS),
    Phase.DECISION_TALK: (DECIDED,),
    Phase.EVALUATION: (EVALUATED,),
}

_TITLES: Final[Mapping[Phase, tuple[Text, Text]]] = {
    Phase.PREPARATION: (
        Text(en="Preparation", nl="Voorbereiding"),
        Text(
            en="Everyone who takes part has joined and the agenda holds a first topic or goal.",
            nl="Iedereen die meedoet is erbij en er staat een eerste onderwerp of doel op "
            "de agenda.",
        ),
    ),
    Phase.TEAM_TALK: (
        Text(en="Team talk", nl="Teamgesprek"),
        Text(
            en="The problem is put into words together and the client has said what they "
            "want to reach.",
            nl="Het probleem is samen onder woorden gebracht en de cliënt heeft gezegd wat "
            "hij of zij wil bereiken.",
        ),
    ),
    Phase.OPTION_TALK: (
        Text(en="Option talk", nl="Optiegesprek"),
        Text(
            en="At least two options lie on the table, each with something said for or against it.",
            nl="Er liggen minstens twee mogelijkheden op tafel, elk met iets ervoor of ertegen.",
        ),
    ),
    Phase.DECISION_TALK: (
        Text(en="Decision talk", nl="Beslisgesprek"),
        Text(
            en="A decision is made that the client can stand behind.",
            nl="Er is een besluit genomen waar de cliënt achter kan staan.",
        ),
    ),
    Phase.EVALUATION: (
        Text(en="Evaluation", nl="Evaluatie"),
        Text(
            en="The result and the way of deciding have been looked back on.",
            nl="Er is teruggekeken op het resultaat en op de manier van beslissen.",
        ),
    ),
}


def default_step(phase: Phase) -> Step:
    """The step a protocol without steps has for ``phase``: its id is the phase's value."""
    title, outcome = _TITLES[phase]
    return Step(phase.value, phase, title, outcome, DEFAULT_DONE[phase])


_DEFAULTS: Final = {phase: default_step(phase) for phase in TALK_PHASES}


def default_steps(phases: Iterable[Phase]) -> tuple[Step, ...]:
    """One default step for each of ``phases``, in the order of the phases."""
    wanted = set(phases)
    return tuple(_DEFAULTS[phase] for phase in TALK_PHASES if phase in wanted)


def are_defaults(steps: Iterable[Step]) -> bool:
    """Whether ``steps`` are all default steps (so they follow the protocol's phases)."""
    return all(_DEFAULTS.get(step.phase) == step for step in steps)


def step_problems(steps: Iterable[object], phases: frozenset[Phase]) -> list[str]:
    """What is wrong with a protocol's ``steps``, given the ``phases`` it uses."""
    problems: list[str] = []
    seen: set[str] = set()
    covered: set[Phase] = set()
    for step in steps:
        if not isinstance(step, Step):
            problems.append(f"steps: {step!r:.60} is not a Step")
            continue
        if not isinstance(step.id, str) or not step.id.isidentifier() or not step.id.islower():
            problems.append(f"step id {step.id!r} is not snake_case")
        elif step.id in seen:
            problems.append(f"step id {step.id!r} appears twice")
        seen.add(str(step.id))
        if not isinstance(step.phase, Phase) or step.phase not in phases:
            problems.append(f"step {step.id!r} is in {step.phase!r}, which is not a phase here")
        else:
            covered.add(step.phase)
        for field in ("title", "outcome"):
            if not isinstance(getattr(step, field), Text):
                problems.append(f"the {field} of step {step.id!r} is not a Text")
    problems.extend(
        f"{phase.name} has no step" for phase in TALK_PHASES if phase in phases - covered
    )
    return problems


# ---------------------------------------------------------------------- where a conversation is


def unmet(step: Step, view: ConversationView) -> tuple[Reason, ...]:
    """The reasons of ``step``'s done rules that do not hold in ``view``."""
    found = [reason for rule in step.done if (reason := rule.reason(view)) is not None]
    return tuple(found)


def current_step(steps: Iterable[Step], phase: Phase, view: ConversationView) -> Step:
    """The first step of ``phase`` that is not done, or the phase's last step."""
    last: Step | None = None
    for step in steps:
        if step.phase is phase:
            last = step
            if any(rule.check(view) is not None for rule in step.done):
                return step
    if last is None:  # pragma: no cover - a protocol has a step for every phase it uses
        msg = f"no step in {phase.name}"
        raise LookupError(msg)
    return last


def progress(
    steps: Iterable[Step], current: Step, view: ConversationView
) -> tuple[StepProgress, ...]:
    """Every step with its status and what it still misses."""
    found = []
    for step in steps:
        missing = unmet(step, view)
        if step is current:
            status = StepStatus.CURRENT
        else:
            status = StepStatus.OPEN if missing else StepStatus.DONE
        found.append(StepProgress(step, status, missing))
    return tuple(found)
