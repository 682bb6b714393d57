"""The practice guides as built-in protocols.

Each guide keeps the five phases of the three-talk model (so conversations compare across
guides) and adds its own steps, each inside one phase, with the outcome the guide wants
from it and the rules that say it is there. The step ids are a contract: apps store them.
Titles, outcomes and prompts are in our own words, in Dutch and English.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import attrs

from threetalk import _guards as guards
from threetalk import _steps as done
from threetalk._phases import Phase
from threetalk._prompts import builtin_prompts
from threetalk._protocols import BEFORE_ACTS, Protocol, three_talk, work_and_income
from threetalk._steps import Step
from threetalk._text import Text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from threetalk._guards import Rule

P = Phase


def _step(
    id: str,  # noqa: A002 - the field's name
    phase: Phase,
    title: tuple[str, str],
    outcome: tuple[str, str],
    *rules: guards.Rule,
) -> Step:
    """A step from its English and Dutch title and outcome (in that order)."""
    return Step(
        id,
        phase,
        Text(en=title[0], nl=title[1]),
        Text(en=outcome[0], nl=outcome[1]),
        rules,
    )


_PREPARATION: Final = _step(
    "preparation",
    P.PREPARATION,
    ("Preparation", "Voorbereiding"),
    (
        "Everyone who takes part has joined and the agenda holds a first topic or goal.",
        "Iedereen die meedoet is erbij en er staat een eerste onderwerp of doel op de agenda.",
    ),
    guards.CLIENT_AND_PROFESSIONAL,
    done.TOPIC_OR_GOAL,
)

_SIX_STEP_STEPS: Final = (
    _PREPARATION,
    _step(
        "issue",
        P.TEAM_TALK,
        ("The issue", "De kwestie"),
        (
            "One shared view of the problem to work on, with the relative's view heard.",
            "Eén gedeeld beeld van het aan te pakken probleem, ook met de blik van de naaste.",
        ),
        guards.PROBLEM_STATEMENT,
        guards.CLIENT_GOAL,
        done.RELATIVE_HEARD,
    ),
    _step(
        "options",
        P.OPTION_TALK,
        ("The options", "De mogelijkheden"),
        (
            "Clear choices on the table, among them ideas of the client or relative.",
            "Duidelijke keuzes op tafel, waaronder ideeën van de cliënt of naaste.",
        ),
        guards.TWO_OPTIONS,
        done.OPTION_FROM_CLIENT_SIDE,
    ),
    _step(
        "pros_and_cons",
        P.OPTION_TALK,
        ("Pros and cons", "Voor- en nadelen"),
        (
            "For each option, what speaks for it and against it as the people involved see it.",
            "Per mogelijkheid wat ervoor en ertegen pleit, zoals de betrokkenen het zien.",
        ),
        guards.CONSIDERED_OPTIONS,
    ),
    _step(
        "preferences",
        P.DECISION_TALK,
        ("Preferences", "Voorkeuren"),
        (
            "Everyone involved has said which option they lean towards, or that they have none.",
            (
                "Iedere betrokkene heeft gezegd naar welke mogelijkheid de voorkeur "
                "uitgaat, of dat er geen is."
            ),
        ),
        guards.PREFERENCES_STATED,
    ),
    _step(
        "decision",
        P.DECISION_TALK,
        ("The decision", "Het besluit"),
        (
            "Agreement on who does what and when, with everyone's interests weighed.",
            "Overeenstemming over wie wat wanneer doet, met ieders belang meegewogen.",
        ),
        done.DECIDED,
    ),
    _step(
        "looking_back",
        P.EVALUATION,
        ("Looking back", "Terugblikken"),
        (
            "The result and the way it was reached have been discussed together.",
            "Het resultaat en de weg ernaartoe zijn samen besproken.",
        ),
        done.EVALUATED,
    ),
)

_CLIENT_GUIDE_STEPS: Final = (
    _step(
        "prepare",
        P.PREPARATION,
        ("Prepare", "Voorbereiden"),
        (
            "The client has written down what they want to raise and what they want to know.",
            "De cliënt heeft opgeschreven wat hij of zij wil bespreken en wil weten.",
        ),
        done.CLIENT_TOPIC,
        done.CLIENT_QUESTION,
    ),
    _step(
        "agenda",
        P.TEAM_TALK,
        ("Agenda together", "Samen de agenda"),
        (
            "The problem is agreed on and the client has named what they want to reach.",
            (
                "Over het probleem is overeenstemming en de cliënt heeft genoemd wat "
                "hij of zij wil bereiken."
            ),
        ),
        guards.PROBLEM_STATEMENT,
        guards.CLIENT_GOAL,
    ),
    _step(
        "options",
        P.OPTION_TALK,
        ("Options", "Mogelijkheden"),
        (
            "The client knows the options and what each would mean for them.",
            "De cliënt kent de mogelijkheden en weet wat elk voor hem of haar betekent.",
        ),
        guards.TWO_OPTIONS,
        guards.CONSIDERED_OPTIONS,
    ),
    _step(
        "plan",
        P.DECISION_TALK,
        ("Goals and plan", "Doelen en plan"),
        (
            "A plan the client stands behind: who does what, from when, until when it is reviewed.",
            (
                "Een plan waar de cliënt achter staat: wie doet wat, vanaf wanneer, en "
                "wanneer het wordt bekeken."
            ),
        ),
        done.DECIDED,
    ),
    _step(
        "next_steps",
        P.EVALUATION,
        ("Next steps", "Vervolg"),
        (
            "The client has said how the plan and the conversation went for them.",
            "De cliënt heeft gezegd hoe het plan en het gesprek voor hem of haar zijn verlopen.",
        ),
        done.EVALUATED,
        done.CLIENT_QUESTIONS_ANSWERED,
    ),
)

_REHABILITATION_STEPS: Final = (
    _step(
        "preparation",
        P.PREPARATION,
        ("Step 0: preparation", "Stap 0: voorbereiding"),
        (
            "Wishes, limits and health goals are known, and so is who takes part in deciding.",
            "Wensen, beperkingen en gezondheidsdoelen zijn bekend, en ook wie meebeslist.",
        ),
        done.A_GOAL,
        done.ROLE_PREFERENCES,
    ),
    _step(
        "choice",
        P.TEAM_TALK,
        ("Step 1: there is a choice", "Stap 1: er valt te kiezen"),
        (
            "The client sees that there is a choice between options that can each be right.",
            "De cliënt ziet dat er te kiezen valt tussen mogelijkheden die elk goed kunnen zijn.",
        ),
        guards.PROBLEM_STATEMENT,
        guards.CLIENT_GOAL,
    ),
    _step(
        "weighing",
        P.OPTION_TALK,
        ("Weighing the options", "Mogelijkheden afwegen"),
        (
            "Each option has been weighed with its good and its bad sides, informed.",
            "Elke mogelijkheid is geïnformeerd gewogen, met haar goede en minder goede kanten.",
        ),
        guards.TWO_OPTIONS,
        done.OPTIONS_WEIGHED,
    ),
    _step(
        "decision",
        P.DECISION_TALK,
        ("Deciding", "Beslissen"),
        (
            "A choice that fits what the client finds important.",
            "Een keuze die past bij wat de cliënt belangrijk vindt.",
        ),
        done.DECIDED,
    ),
    _step(
        "evaluation",
        P.EVALUATION,
        ("Evaluation", "Evaluatie"),
        (
            "It has been checked whether the choice works out in daily life.",
            "Er is nagegaan of de keuze in het dagelijks leven uitpakt zoals bedoeld.",
        ),
        done.EVALUATED,
    ),
)

_YOUTH_CARE_STEPS: Final = (
    _PREPARATION,
    _step(
        "question",
        P.TEAM_TALK,
        ("What is the question", "Wat is de vraag"),
        (
            "Parents and children have each told what troubles them or what they ask for.",
            "Ouders en kinderen hebben elk verteld waar ze mee zitten of wat ze vragen.",
        ),
        done.EVERY_CLIENT_ASKED,
    ),
    _step(
        "analysis",
        P.TEAM_TALK,
        ("Problems and strengths", "Problemen en krachten"),
        (
            "The problem, what keeps it going, and what the family is good at, understood by all.",
            (
                "Het probleem, wat het in stand houdt en waar het gezin sterk in is, "
                "door iedereen begrepen."
            ),
        ),
        guards.PROBLEM_STATEMENT,
        done.A_STRENGTH,
        guards.UNDERSTOOD,
    ),
    _step(
        "goals",
        P.TEAM_TALK,
        ("Goals", "Doelen"),
        (
            "Every parent and child has said what they want to change.",
            "Elke ouder en elk kind heeft gezegd wat hij of zij wil veranderen.",
        ),
        done.EVERY_CLIENT_GOAL,
    ),
    _step(
        "help",
        P.OPTION_TALK,
        ("Which help", "Welke hulp"),
        (
            (
                "The family's own ideas and their network come first; professional help "
                "is added with what it should bring."
            ),
            (
                "Eigen ideeën van het gezin en hun netwerk komen eerst; professionele "
                "hulp komt erbij met wat die moet opleveren."
            ),
        ),
        done.OWN_OR_NETWORK_OPTION,
        done.RESULTS_EXPECTED,
        guards.CONSIDERED_OPTIONS,
    ),
    _step(
        "deciding",
        P.DECISION_TALK,
        ("Deciding together", "Samen beslissen"),
        (
            "Parents and children have said what they prefer, and the help is agreed on.",
            "Ouders en kinderen hebben hun voorkeur gezegd en over de hulp is een besluit.",
        ),
        guards.PREFERENCES_STATED,
        done.DECIDED,
    ),
    _step(
        "evaluation",
        P.EVALUATION,
        ("Evaluation", "Evaluatie"),
        (
            "The family and the worker have looked at whether the help does what was hoped.",
            "Gezin en hulpverlener hebben bekeken of de hulp doet wat werd gehoopt.",
        ),
        done.EVALUATED,
    ),
)


def _guide(
    name: str, steps: tuple[Step, ...], entry_rules: Mapping[Phase, tuple[Rule, ...]] | None = None
) -> Protocol:
    base = three_talk()
    return attrs.evolve(
        base,
        name=name,
        steps=steps,
        prompts=builtin_prompts(name),
        entry_rules=base.entry_rules if entry_rules is None else entry_rules,
    ).continuing(BEFORE_ACTS[name])


_SIX_STEP: Final = _guide("six_step", _SIX_STEP_STEPS)
_CLIENT_GUIDE: Final = _guide("client_guide", _CLIENT_GUIDE_STEPS)
_REHABILITATION: Final = _guide("rehabilitation", _REHABILITATION_STEPS)
_YOUTH_CARE: Final = _guide(
    "youth_care",
    _YOUTH_CARE_STEPS,
    entry_rules={
        **three_talk().entry_rules,
        P.OPTION_TALK: (*three_talk().entry_rules[P.OPTION_TALK], guards.UNDERSTOOD),
    },
)


def six_step() -> Protocol:
    """The six-step guide of mental health care, for clients together with relatives.

    Option talk has two steps (the options, then their pros and cons) and so has
    decision talk (everyone's preference, then the decision); the issue is done only when
    a relative taking part has been heard. Its prompts address the client and the relative
    alike, with a path of their own for when preferences differ.

    >>> [step.id for step in six_step().steps]
    ['preparation', 'issue', 'options', 'pros_and_cons', 'preferences', 'decision', 'looking_back']
    """
    return _SIX_STEP


def client_guide() -> Protocol:
    """The client's own guide, for client portals: prepare, set the agenda, plan, follow up.

    >>> [step.id for step in client_guide().steps]
    ['prepare', 'agenda', 'options', 'plan', 'next_steps']
    """
    return _CLIENT_GUIDE


def rehabilitation() -> Protocol:
    """The rehabilitation pocket card: step 0 prepares, step 1 points out the choice.

    Weighing is done only when every option has both a good and a bad side named.

    >>> [step.id for step in rehabilitation().steps]
    ['preparation', 'choice', 'weighing', 'decision', 'evaluation']
    """
    return _REHABILITATION


def youth_care() -> Protocol:
    """The youth-care steps, with parents and children both taking part as clients.

    Team talk has three steps (the question of every client, the problem-and-strengths
    analysis, the goals of every client). Option talk starts only when every client's
    latest teach-back check says they understood (rule R15); its step wants the family's
    own ideas or their network's first, and professional help with what it should bring.

    >>> [step.id for step in youth_care().steps]
    ['preparation', 'question', 'analysis', 'goals', 'help', 'deciding', 'evaluation']
    """
    return _YOUTH_CARE


def builtin_protocols() -> Mapping[str, Protocol]:
    """Every built-in protocol, by name.

    >>> sorted(builtin_protocols())
    ['client_guide', 'rehabilitation', 'six_step', 'three_talk', 'work_and_income', 'youth_care']
    """
    return _BUILT_IN


_BUILT_IN: Final = MappingProxyType(
    {
        protocol.name: protocol
        for protocol in (
            three_talk(),
            six_step(),
            rehabilitation(),
            youth_care(),
            client_guide(),
            work_and_income(),
        )
    }
)
