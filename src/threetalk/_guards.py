"""The guards of the three-talk model: each rule that a state can meet or not.

The rules (R1-R16) are described in ``docs/guide.md``. A :class:`Rule` pairs a stable
``code`` with a check that looks at a :class:`~threetalk.typing.ConversationView` and
returns ``None`` when the rule is met, or a message in plain words when it is not. The
engine collects every unmet rule, so a refusal explains everything that stands in the way,
not just the first thing. The built-in checks read only the view, as your own do.

Rules that concern one command only (who may consent, where a topic belongs, a trial still
running, ...) are checked by the conversation itself (``_refusals``); the ones here are
those a protocol attaches to entering a phase or to making a decision final, and that you
may replace in your own protocols.

Naming: a check, like every refusal helper in ``_refusals``, is named for the condition
that stands in the way (``_too_few_options``); a :class:`Rule` constant is named for the
rule, what must hold (``TWO_OPTIONS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import attrs

from threetalk import _inputs as check
from threetalk._exceptions import InvalidInput, InvalidProtocol
from threetalk._phases import Role
from threetalk._values import Reason
from threetalk.typing import Check, ConversationView

if TYPE_CHECKING:
    from collections.abc import Iterable


@attrs.frozen
class Rule:
    """A named guard.

    Attributes:
        code: Stable kebab-case identifier, reported in :class:`Reason` ``.code``.
        rule: The rule it implements (``"R3"``, as numbered in ``docs/guide.md``), or ``""``
            for your own.
        check: Looks at a conversation through its
            :class:`~threetalk.typing.ConversationView` (at run time, the conversation
            itself); returns ``None`` when the rule is met, else a plain-words message
            or a :class:`Reason` whose ``params`` let it be read in other languages (its
            code is replaced by the rule's).
        params: Optional: what an unmet check's message is built from (names, options,
            ...), for reading it in other languages (see ``docs/protocols.md``). Called
            only when a reason is made, so a check stays a cheap string.
    """

    code: str
    rule: str
    check: Check
    params: Callable[[ConversationView], Mapping[str, object]] | None = attrs.field(
        default=None, kw_only=True
    )

    def reason(self, conversation: ConversationView) -> Reason | None:
        """The reason this rule is unmet in ``conversation``, or ``None`` when it is met.

        Raises:
            InvalidProtocol: The check returned something that cannot be recorded (see
                :meth:`explain`).
        """
        return self.explain(self.check(conversation), conversation)

    def explain(self, unmet: object, conversation: ConversationView) -> Reason | None:
        """What the check said about ``conversation``, as a :class:`Reason` of this rule.

        A :class:`Reason` keeps its message and ``params``; a plain string gets its params
        from :attr:`params` (none without it: then it reads the same in every language).
        What a protocol supplies is checked like user input before anything is recorded:
        the message must be non-blank text that can be stored, the params a mapping of
        names to text, whole numbers, booleans, nothing, or lists of those.

        Raises:
            InvalidProtocol: The check returned something else (a number, a lone
                surrogate, ...), naming the rule's code.
        """
        if unmet is None:
            return None
        params: Mapping[str, object] | None
        if isinstance(unmet, Reason):
            message, params = self._storable(unmet.message), unmet.params
        else:
            message = self._storable(unmet)
            make = self.params
            params = None if make is None else make(conversation)
        if params is None:
            return Reason(self.code, message, self.rule)
        return Reason(self.code, message, self.rule, self._storable_params(params))

    def _storable(self, found: object) -> str:
        try:
            return check.text(found, "message")
        except InvalidInput as error:
            why = str(error).removeprefix("message: ")
            msg = (
                f"the check of rule {self.code!r} returned {found!r:.60}, not a message "
                f"that can be recorded ({why})"
            )
            raise InvalidProtocol([msg]) from None

    def _storable_params(self, params: object) -> Mapping[str, object]:
        if isinstance(params, Mapping) and all(
            type(name) is str
            and (
                _storable_value(value)
                or (type(value) in (list, tuple) and all(_storable_value(v) for v in value))
            )
            for name, value in params.items()
        ):
            return params
        msg = (
            f"the params of rule {self.code!r} ({params!r:.60}) are not names with text, "
            "whole numbers, booleans, nothing, or lists of those, so they cannot be recorded"
        )
        raise InvalidProtocol([msg])


def _storable_value(value: object) -> bool:
    """Whether ``value`` is a scalar that the canonical encoding can store."""
    if value is None or type(value) in (int, bool):
        return True
    if type(value) is not str:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def join_names(names: Iterable[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or another conjunction: ``a, b or c``)."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# Each check returns early when its rule holds (the common case, and the one that
# allowed_moves() asks about again and again) and builds its message only when it does not.


def _client_or_professional_missing(view: ConversationView) -> str | None:
    client = professional = False
    for participant in view.participants:
        role = participant.role
        if role is Role.CLIENT:
            client = True
        elif role is Role.PROFESSIONAL:
            professional = True
        if client and professional:
            return None
    missing = [
        label
        for label, present in (("client", client), ("professional", professional))
        if not present
    ]
    which = "neither has" if len(missing) == 2 else f"no {missing[0]} has"
    return f"Team talk needs at least one client and one professional taking part; {which} joined."


def _missing_roles(view: ConversationView) -> dict[str, object]:
    roles = {participant.role for participant in view.participants}
    missing = [role.value for role in (Role.CLIENT, Role.PROFESSIONAL) if role not in roles]
    return {"case": "both" if len(missing) == 2 else "".join(missing)}


def _problem_unstated(view: ConversationView) -> str | None:
    if view.problem is not None:
        return None
    return "Option talk needs a shared statement of the problem; none has been recorded yet."


def _client_goal_missing(view: ConversationView) -> str | None:
    goals = view.goals
    if goals:
        participant = view.participant
        for goal in goals:
            if participant(goal.by).role is Role.CLIENT:
                return None
    return "Option talk needs at least one goal of the client; no client has named one yet."


def _too_few_options(view: ConversationView) -> str | None:
    found = 0
    items = view.option_states
    for item in items:
        if item.withdrawn is None and item.waiver is None:
            found += 1
            if found == 2:
                return None
    open_options = [item.option.text for item in items if item.open]
    there = "there is none" if not open_options else f"there is one ({open_options[0]})"
    return (
        f"Deciding needs at least two options to choose between; {there}. "
        "Waiting or doing nothing counts as an option too."
    )


def _the_open_option(view: ConversationView) -> dict[str, object]:
    open_options = [item.option.text for item in view.option_states if item.open]
    if not open_options:
        return {"case": "none"}
    return {"case": "one", "open": open_options[0]}


def _option_without_considerations(view: ConversationView) -> str | None:
    items = view.option_states
    for item in items:
        if item.withdrawn is None and item.waiver is None and not item.considerations:
            break
    else:
        return None
    bare = [item.option.text for item in items if item.open and not item.considerations]
    verb = "has" if len(bare) == 1 else "have"
    return (
        "Every option needs at least one pro or con before deciding; "
        f"{join_names(bare)} {verb} none yet."
    )


def _bare_options(view: ConversationView) -> dict[str, object]:
    items = view.option_states
    return {
        "options": [item.option.text for item in items if item.open and not item.considerations]
    }


def _preference_missing(view: ConversationView) -> str | None:
    preferences = view.preferences
    silent = [
        participant.name
        for participant in view.participants
        if participant.role is not Role.PROFESSIONAL and participant.id not in preferences
    ]
    if not silent:
        return None
    verb = "has" if len(silent) == 1 else "have"
    return (
        "Before a decision every client and relative states a preference, or says they "
        f"have none; {join_names(silent)} {verb} not yet."
    )


def _without_preference(view: ConversationView) -> dict[str, object]:
    preferences = view.preferences
    return {
        "names": [
            participant.name
            for participant in view.participants
            if participant.role is not Role.PROFESSIONAL and participant.id not in preferences
        ]
    }


def _nothing_to_evaluate(view: ConversationView) -> str | None:
    if view.decision is not None:
        return None
    for item in view.option_states:
        trial = item.trial
        if trial is not None and trial.outcome is not None:
            return None
    return "Evaluation needs a decision or a finished trial to look back on; there is neither yet."


CLIENT_AND_PROFESSIONAL = Rule(
    "needs-client-and-professional", "R1", _client_or_professional_missing, params=_missing_roles
)
PROBLEM_STATEMENT = Rule("needs-problem-statement", "R2", _problem_unstated)
CLIENT_GOAL = Rule("needs-client-goal", "R2", _client_goal_missing)
TWO_OPTIONS = Rule("needs-two-options", "R3", _too_few_options, params=_the_open_option)
CONSIDERED_OPTIONS = Rule(
    "option-without-considerations", "R4", _option_without_considerations, params=_bare_options
)
PREFERENCES_STATED = Rule(
    "missing-preference", "R7", _preference_missing, params=_without_preference
)
SOMETHING_TO_EVALUATE = Rule("nothing-to-evaluate", "R13", _nothing_to_evaluate)


def _client_not_understood(view: ConversationView) -> str | None:
    lacking = _not_understood(view)
    if not lacking:
        return None
    verb = "has" if len(lacking) == 1 else "have"
    return (
        "Option talk needs every client to have shown, in their own words, that they "
        f"understood (teach-back); {join_names(lacking)} {verb} not yet."
    )


def _not_understood(view: ConversationView) -> list[str]:
    """The clients whose latest teach-back check is missing or says not understood."""
    understanding = view.understanding
    lacking = []
    for participant in view.participants:
        if participant.role is Role.CLIENT:
            latest = understanding.get(participant.id)
            if latest is None or not latest.understood:
                lacking.append(participant.name)
    return lacking


def _names_not_understood(view: ConversationView) -> dict[str, object]:
    return {"names": _not_understood(view)}


def _obligations_open(view: ConversationView) -> list[str]:
    """The open obligations besides the one a decision is about (at most one may stay)."""
    chosen = view.decision_option
    open_ones = [
        item.option
        for item in view.option_states
        if item.option.obligation is not None and item.waiver is None and item.withdrawn is None
    ]
    if chosen is None:
        # No option named yet: one obligation may still become the decision.
        return [option.text for option in open_ones] if len(open_ones) > 1 else []
    return [option.text for option in open_ones if option.id != chosen.id]


def _obligation_open(view: ConversationView) -> str | None:
    for item in view.option_states:
        if item.option.obligation is not None and item.waiver is None:
            break
    else:
        return None  # the common case: no obligation open
    lacking = _obligations_open(view)
    if not lacking:
        return None
    verb = "is" if len(lacking) == 1 else "are"
    return (
        "Every obligation must be the option decided on or be waived with a justification; "
        f"{join_names(lacking)} {verb} neither."
    )


def _open_obligations(view: ConversationView) -> dict[str, object]:
    return {"options": _obligations_open(view)}


UNDERSTOOD = Rule(
    "needs-understanding", "R15", _client_not_understood, params=_names_not_understood
)
OBLIGATIONS_DECIDED_OR_WAIVED = Rule(
    "obligation-open", "R16", _obligation_open, params=_open_obligations
)
