"""Prompts: the questions a step suggests, to whom, in which languages, and when.

Prompts are data. Each built-in protocol's prompts ship as one TOML catalogue in
``threetalk/prompts/<protocol>.toml`` holding every language side by side; a user's own
catalogue (another language, local wording) is read with :func:`load_prompts` and put on a
protocol with ``attrs.evolve(protocol, prompts=...)``. A prompt's ``when`` names
conditions from one fixed set (:data:`CONDITIONS`); nothing in a catalogue is evaluated.
The format is described in ``docs/protocols.md``.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

import attrs

from threetalk._exceptions import InvalidInput, InvalidProtocol
from threetalk._phases import ROLE_BY_VALUE, DecisionRole, Role
from threetalk._steps import has_spoken
from threetalk._text import Text
from threetalk._values import fields_dict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from threetalk.typing import ConversationView


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Prompt:
    """A question or suggestion that a step offers.

    Attributes:
        id: Unique within its catalogue (kebab-case).
        step: The id of the step it belongs to.
        to: The role it is addressed to; ``None`` for the professional's own prompt (a
            reminder to themselves rather than a question to ask).
        text: Its words, per language.
        when: Names of conditions (see :data:`CONDITIONS`); the prompt is offered only
            when every one holds. Empty: always.
    """

    id: str
    step: str
    to: Role | None
    text: Text
    when: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def to_dict(self) -> dict[str, Any]:
        """The prompt as JSON-ready data.

        ``{"id", "step", "to", "text", "when"}``: ``to`` is the role's value or ``None``,
        ``text`` maps a language code to the words, ``when`` lists condition names.

        Returns:
            A new dict that ``json.dumps`` takes as it is.
        """
        return fields_dict(self)


# ---------------------------------------------------------------------- conditions


def _relative_present(view: ConversationView) -> bool:
    return any(participant.role is Role.RELATIVE for participant in view.participants)


def _relative_silent(view: ConversationView) -> bool:
    return any(
        participant.role is Role.RELATIVE and not has_spoken(view, participant.id)
        for participant in view.participants
    )


def _no_client_option(view: ConversationView) -> bool:
    participant = view.participant
    return not any(
        item.open and participant(item.option.proposed_by).role is not Role.PROFESSIONAL
        for item in view.option_states
    )


def _objection_pending(view: ConversationView) -> bool:
    proposal = view.proposal
    return proposal is not None and bool(proposal.objections)


def _preferences_differ(view: ConversationView) -> bool:
    participant = view.participant
    chosen = {
        option
        for pid, option in view.preferences.items()
        if option is not None and participant(pid).role is not Role.PROFESSIONAL
    }
    return len(chosen) > 1


def _leaves_to_professional(view: ConversationView) -> bool:
    if view.delegations:
        return True
    participant = view.participant
    return any(
        preference is DecisionRole.LEAVE_TO_PROFESSIONAL and participant(pid).role is Role.CLIENT
        for pid, preference in view.role_preferences.items()
    )


def _decisional_conflict(view: ConversationView) -> bool:
    participant = view.participant
    return any(
        check.conflict and participant(pid).role is Role.CLIENT
        for pid, check in view.sure_checks.items()
    )


def _question_open(view: ConversationView) -> bool:
    participant = view.participant
    return any(
        not item.answers and participant(item.question.asked_by).role is not Role.PROFESSIONAL
        for item in view.questions
    )


def _obligation_open(view: ConversationView) -> bool:
    decision = view.decision
    decided = None if decision is None else decision.option.id
    return any(
        item.option.obligation is not None and item.waiver is None and item.option.id != decided
        for item in view.option_states
    )


#: Every condition a prompt's ``when`` may name: what it checks, and the check.
CONDITIONS: Final[Mapping[str, tuple[str, Callable[[ConversationView], bool]]]] = {
    "relative-present": ("a relative takes part", _relative_present),
    "relative-silent": ("a relative taking part has said nothing yet", _relative_silent),
    "no-client-option": (
        "no open option comes from a client or a relative",
        _no_client_option,
    ),
    "objection-pending": ("a client objected to the pending proposal", _objection_pending),
    "preferences-differ": (
        "clients and relatives prefer different options",
        _preferences_differ,
    ),
    "leaves-to-professional": (
        (
            "a client would leave the decision to the professional (their latest role "
            "preference), or handed it over (a delegation)"
        ),
        _leaves_to_professional,
    ),
    "decisional-conflict": (
        "a client's latest SURE check scores below 4 (as for advisory A5)",
        _decisional_conflict,
    ),
    "question-open": (
        "a question of a client or relative is unanswered",
        _question_open,
    ),
    "obligation-open": (
        "a legal obligation is neither the decided option nor waived",
        _obligation_open,
    ),
}


# ---------------------------------------------------------------------- catalogues

_ID: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_FIELDS: Final = frozenset({"id", "step", "to", "when", "text"})


def load_prompts(path: str | os.PathLike[str]) -> tuple[Prompt, ...]:
    """Read a prompt catalogue (TOML, the format of ``docs/protocols.md``).

    The steps its prompts name are checked when the prompts are put on a protocol
    (``attrs.evolve(protocol, prompts=...)``).

    Args:
        path: The catalogue file.

    Returns:
        Its prompts, in the order of the file.

    Raises:
        InvalidInput: ``path`` cannot be read.
        InvalidProtocol: The file is not TOML, or an entry is malformed: a missing or
            repeated id, an unknown role or condition, a text that is not a string per
            language; each problem names the entry.
    """
    if not isinstance(path, str | os.PathLike):
        msg = f"path: expected a path to a TOML file, got {type(path).__name__}"
        raise InvalidInput(msg, "path")
    try:
        with open(path, "rb") as file:  # noqa: PTH123 - a str or PathLike, as given
            raw = file.read()
    except OSError as error:
        msg = f"path: cannot read {os.fspath(path)!r:.200}: {error.strerror}"
        raise InvalidInput(msg, "path") from None
    return parse_prompts(raw.decode("utf-8", errors="replace"), os.fspath(path))


def parse_prompts(text: str, where: str) -> tuple[Prompt, ...]:
    """The prompts of a catalogue's ``text`` (read from ``where``, named in problems).

    Raises:
        InvalidProtocol: As for :func:`load_prompts`.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidProtocol([f"{where} is not TOML: {error}"]) from None
    entries = data.get("prompt", [])
    problems: list[str] = []
    unknown = sorted(set(data) - {"prompt"})
    if unknown:
        problems.append(f"{where}: unknown tables {unknown} (only [[prompt]] entries)")
    if not isinstance(entries, list):
        raise InvalidProtocol([*problems, f"{where}: 'prompt' must be an array of tables"])
    found: list[Prompt] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        prompt, wrong = _entry(entry, f"{where}: prompt {number}")
        problems.extend(wrong)
        if prompt is not None:
            if prompt.id in seen:
                problems.append(f"{where}: prompt {prompt.id!r} appears twice")
            seen.add(prompt.id)
            found.append(prompt)
    if problems:
        raise InvalidProtocol(problems)
    return tuple(found)


def _entry(entry: Any, where: str) -> tuple[Prompt | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"{where} is not a table"]
    ident = entry.get("id")
    if isinstance(ident, str) and _ID.fullmatch(ident):
        where = f"{where} ({ident!r})"
    problems = [f"{where}: unknown key {key!r}" for key in sorted(set(entry) - _FIELDS)]
    if ident is None:
        problems.append(f"{where}: id is missing (id = 'my-prompt', kebab-case)")
    elif not isinstance(ident, str) or not _ID.fullmatch(ident):
        problems.append(f"{where}: id {ident!r} is not kebab-case")
    step = entry.get("step")
    if not isinstance(step, str) or not step:
        problems.append(f"{where}: step {step!r} is not a step id")
    to = entry.get("to")
    role = None if to is None else ROLE_BY_VALUE.get(to) if isinstance(to, str) else None
    if to is not None and role is None:
        problems.append(f"{where}: to {to!r} is not a role (client, relative, professional)")
    when = entry.get("when", [])
    if not isinstance(when, list) or not all(isinstance(name, str) for name in when):
        problems.append(f"{where}: when must be a list of condition names")
        when = []
    problems.extend(
        f"{where}: unknown condition {name!r} (the conditions are {', '.join(CONDITIONS)})"
        for name in when
        if name not in CONDITIONS
    )
    words = entry.get("text")
    text: Text | None = None
    if not isinstance(words, dict) or not words:
        problems.append(f"{where}: text must be a table of languages (text.en = '...')")
    else:
        try:
            text = Text(words)
        except InvalidInput as error:
            problems.append(f"{where}: {error}")
    if problems or text is None:
        return None, problems
    return Prompt(str(ident), str(step), role, text, when), []


def prompt_problems(prompts: Iterable[object], step_ids: Iterable[str]) -> list[str]:
    """What is wrong with a protocol's ``prompts``, given the ids of its steps."""
    steps = set(step_ids)
    problems: list[str] = []
    seen: set[str] = set()
    for prompt in prompts:
        if not isinstance(prompt, Prompt):
            problems.append(f"prompts: {prompt!r:.60} is not a Prompt")
            continue
        if prompt.id in seen:
            problems.append(f"prompt {prompt.id!r} appears twice")
        seen.add(prompt.id)
        if prompt.step not in steps:
            problems.append(
                f"prompt {prompt.id!r} names step {prompt.step!r}, which is not a step of "
                f"this protocol (its steps are {', '.join(sorted(steps))})"
            )
        if prompt.to is not None and not isinstance(prompt.to, Role):
            problems.append(f"prompt {prompt.id!r} is addressed to {prompt.to!r}, not a role")
        problems.extend(
            f"prompt {prompt.id!r}: unknown condition {name!r} (the conditions are "
            f"{', '.join(CONDITIONS)})"
            for name in prompt.when
            if name not in CONDITIONS
        )
        if not isinstance(prompt.text, Text):
            problems.append(f"the text of prompt {prompt.id!r} is not a Text")
    return problems


@functools.cache
def builtin_prompts(protocol: str) -> tuple[Prompt, ...]:
    """The prompts shipped for the built-in protocol named ``protocol``."""
    path = f"prompts/{protocol}.toml"
    text = resources.files("threetalk").joinpath(path).read_text("utf-8")
    return parse_prompts(text, f"threetalk/{path}")


# ---------------------------------------------------------------------- choosing


def choose(
    prompts: Iterable[Prompt],
    step: str,
    view: ConversationView,
    language: str,
    to: Role | None,
) -> tuple[Prompt, ...]:
    """The prompts of ``step`` in ``language`` for ``to`` whose conditions hold now."""
    found = []
    holds: dict[str, bool] = {}
    for prompt in prompts:
        if prompt.step != step or language not in prompt.text:
            continue
        if (
            to is not None
            and prompt.to is not to
            and not (to is Role.PROFESSIONAL and prompt.to is None)
        ):
            continue
        ok = True
        for name in prompt.when:
            if name not in holds:
                holds[name] = CONDITIONS[name][1](view)
            if not holds[name]:
                ok = False
                break
        if ok:
            found.append(prompt)
    return tuple(found)
