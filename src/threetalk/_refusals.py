"""Why a command is refused, in words a professional understands.

Every reason a conversation can give lives here: who may give which command (R14), where
each command belongs, and the checks that concern one command (a trial still running, a
proposal pending, ...). The rules that protocols attach to phases and decisions are in
``_guards``. Each function returns the reasons that apply, or none.

Naming: each helper is named for the condition that stands in the way, as the guards'
checks are: one condition by its own name (``paused``, ``withdrawn``, ``already_decided``,
mostly the code it refuses with), several that block one command as ``<command>_blocked``
(``move_blocked``, ``decision_blocked``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from threetalk._guards import join_names
from threetalk._inputs import identity
from threetalk._phases import Phase, Role
from threetalk._values import Reason
from threetalk.typing import ConversationView

if TYPE_CHECKING:
    from collections.abc import Iterable

    from threetalk._protocols import Protocol as SDMProtocol
    from threetalk._state import State
    from threetalk._values import OptionState, Participant


class Governed(ConversationView, Protocol):
    """A conversation's view together with the protocol whose rules it follows."""

    @property
    def protocol(self) -> SDMProtocol:
        """The protocol the conversation follows."""
        ...  # pragma: no cover - protocol


# What each placed command is, for "<what> in <phases>; the conversation is in <phase>."
_WHAT: Final = {
    "add_topic": "Topics are added",
    "state_problem": "The problem is stated",
    "add_goal": "Goals are named",
    "add_concern": "Concerns are raised",
    "propose_option": "Options are proposed",
    "add_consideration": "Pros and cons are added",
    "withdraw_option": "Options are withdrawn",
    "start_trial": "Trials are started",
    "end_trial": "Trials are ended",
    "state_preference": "Preferences are stated",
    "delegate": "A decision is delegated",
    "propose_decision": "A decision is proposed",
    "consent": "Consent is given",
    "object": "Objections are raised",
    "impose": "A decision is imposed",
    "evaluate": "Evaluations are recorded",
    "state_role_preference": "Role preferences are stated",
    "ask": "Questions are asked",
    "answer": "Questions are answered",
    "add_analysis": "The problem and strengths are analysed",
    "check_understanding": "Understanding is checked",
    "share_information": "Information is shared",
    "decline": "Options are declined",
    "waive": "Obligations are waived",
    "check_conflict": "SURE checks are taken",
}

# Every placed command in words, "to <act>": what a protocol that places it nowhere (or
# leaves an act of ``OPTIONAL_COMMANDS`` out) does not offer.
_ACTS: Final = {
    "add_topic": "put a topic on the agenda",
    "state_problem": "state the problem",
    "add_goal": "name a goal",
    "add_concern": "raise a concern",
    "propose_option": "propose an option",
    "add_consideration": "add a pro or con",
    "withdraw_option": "withdraw an option",
    "start_trial": "start a trial",
    "end_trial": "end a trial",
    "state_preference": "state a preference",
    "delegate": "hand a decision to a professional",
    "propose_decision": "propose a decision",
    "consent": "consent to a decision",
    "object": "object to a proposed decision",
    "impose": "impose a decision",
    "evaluate": "record an evaluation",
    "state_role_preference": "state how one wants to take part in deciding",
    "ask": "ask a question",
    "answer": "answer a question",
    "add_analysis": "record a problem-and-strengths analysis",
    "check_understanding": "check understanding (teach-back)",
    "share_information": "record information handed over",
    "decline": "decline an option",
    "waive": "waive an obligation",
    "check_conflict": "take a SURE check of decisional conflict",
}

# Who may give a command, where not everyone may: roles, code, what the command does.
_ROLES: Final = {
    "consent": ({Role.CLIENT}, "only-clients-consent", "consent to a decision"),
    "object": ({Role.CLIENT}, "only-clients-object", "object to a proposed decision"),
    "delegate": ({Role.CLIENT}, "only-clients-delegate", "hand a decision to a professional"),
    "impose": ({Role.PROFESSIONAL}, "only-professionals-impose", "impose a decision"),
    "state_role_preference": (
        {Role.CLIENT, Role.RELATIVE},
        "only-clients-and-relatives-state-role-preferences",
        "say how they want to take part in deciding",
    ),
    "check_conflict": (
        {Role.CLIENT, Role.RELATIVE},
        "only-clients-and-relatives-check-conflict",
        "take a SURE check of their own decisional conflict",
    ),
    "check_understanding": (
        {Role.PROFESSIONAL},
        "only-professionals-check-understanding",
        "check someone's understanding (teach-back)",
    ),
    "decline": ({Role.CLIENT}, "only-clients-decline", "decline an option"),
    "waive": ({Role.PROFESSIONAL}, "only-professionals-waive", "waive an obligation"),
}

#: The first sentence of a refusal, per command.
SUMMARY: Final = {
    "join": "Could not join.",
    "add_topic": "The topic was not added.",
    "state_problem": "The problem statement was not recorded.",
    "add_goal": "The goal was not added.",
    "add_concern": "The concern was not added.",
    "propose_option": "The option was not added.",
    "add_consideration": "The consideration was not added.",
    "withdraw_option": "The option was not withdrawn.",
    "start_trial": "The trial was not started.",
    "end_trial": "The trial was not ended.",
    "state_preference": "The preference was not recorded.",
    "delegate": "The decision was not delegated.",
    "propose_decision": "The decision was not proposed.",
    "consent": "The consent was not recorded.",
    "object": "The objection was not recorded.",
    "impose": "The decision was not imposed.",
    "pause": "The conversation was not paused.",
    "resume": "The conversation was not resumed.",
    "evaluate": "The evaluation was not recorded.",
    "close": "The conversation was not closed.",
    "state_role_preference": "The role preference was not recorded.",
    "ask": "The question was not recorded.",
    "answer": "The answer was not recorded.",
    "add_analysis": "The analysis entry was not added.",
    "check_understanding": "The understanding check was not recorded.",
    "share_information": "The information was not recorded.",
    "decline": "The decline was not recorded.",
    "waive": "The obligation was not waived.",
    "check_conflict": "The SURE check was not recorded.",
}

CLOSED: Final = Reason(
    "conversation-closed", "The conversation is closed; nothing more can be recorded in it."
)
_DECIDED: Final = Reason(
    "already-decided",
    "A decision is final; move back to option or decision talk to reopen it first.",
    "R12",
)
_NO_WITHDRAWAL: Final = Reason(
    "no-withdrawal-in-option-talk",
    "During option talk no option is struck yet; withdraw it in decision talk.",
    "R5",
)
_NO_PROPOSAL: Final = Reason("no-pending-proposal", "No decision has been proposed yet.", "R9")


def phases_in_words(phases: Iterable[Phase]) -> str:
    """``team talk``, ``preparation or team talk``, ``a, b or c``, in the order of the phases."""
    wanted = set(phases)
    return join_names((phase.label for phase in Phase if phase in wanted), "or")


def move_summary(target: Phase, reasons: Iterable[Reason], protocol: SDMProtocol) -> str:
    """The first sentence of a refused move."""
    entry = {rule.code for rule in protocol.entry_rules.get(target, ())}
    if entry.issuperset(reason.code for reason in reasons):
        return f"{target.label.capitalize()} cannot start yet:"
    return f"Cannot move to {target.label}:"


# ---------------------------------------------------------------------- state and role


def paused(state: State) -> Reason:
    """The conversation is paused (R11)."""
    until = state.paused_until
    when = f" until {until.isoformat()}" if until else ""
    return Reason(
        "conversation-paused",
        f"The conversation is paused{when}; resume it first.",
        "R11",
        {"case": "until", "until": until.isoformat()} if until else {"case": "open"},
    )


def wrong_role(command: str, actor: Participant) -> Reason | None:
    """The actor's role may not give this command (R14)."""
    found = _ROLES.get(command)
    if found is None or actor.role in found[0]:
        return None
    allowed, code, what = found
    who = " or ".join(sorted(each.label for each in allowed))
    return Reason(
        code,
        f"Only a {who} can {what}; {actor.name} takes part as {actor.role.label}.",
        "R14",
        {"act": f"{command}_act", "name": actor.name, "role": actor.role.value},
    )


def misplaced(command: str, state: State, protocol: SDMProtocol) -> Reason | None:
    """The conversation is closed, paused, or in a phase where this command does not belong.

    The command is one the protocol places somewhere (see :func:`not_offered` for one it
    does not).
    """
    here = state.phase
    if here is Phase.CLOSED:
        return CLOSED
    if here is Phase.PAUSED:
        return paused(state)
    where = protocol.placement[command]
    if here in where:
        return None
    if command == "withdraw_option" and here is Phase.OPTION_TALK:
        return _NO_WITHDRAWAL
    return Reason(
        "wrong-phase",
        f"{_WHAT[command]} in {phases_in_words(where)}; the conversation is in {here.label}.",
        "",
        {
            "command": command,
            "phases": [phase.value for phase in Phase if phase in where],
            "phase": here.value,
        },
    )


def not_offered(command: str, protocol: SDMProtocol) -> Reason:
    """The protocol places this command nowhere (an act of the guides that a protocol of
    before them leaves out, or a command placed in no phase)."""
    act = _ACTS.get(command, command)
    return Reason(
        "not-offered",
        f"The {protocol.name} protocol does not offer to {act}.",
        "",
        {"protocol": protocol.name, "act": f"{command}_act"},
    )


def not_paused(state: State) -> Reason:
    """Resuming a conversation that is not paused."""
    return Reason(
        "not-paused",
        f"The conversation is not paused; it is in {state.phase.label}.",
        "",
        {"phase": state.phase.value},
    )


def name_taken(name: str) -> Reason:
    """Joining under a name that is taken (names identify people in the log)."""
    return Reason(
        "name-taken",
        f"Someone called {name} already takes part; use another name.",
        "",
        {"name": name},
    )


def move_blocked(
    conversation: ConversationView, protocol: SDMProtocol, state: State, target: Phase
) -> tuple[Reason, ...]:
    """Every reason ``move_to(target)`` is not possible now; empty when it is.

    ``conversation`` is what the entry rules' checks receive.
    """
    here = state.phase
    if here is Phase.CLOSED:
        return (CLOSED,)
    if here is Phase.PAUSED:
        return (paused(state),)
    if target is here:
        return (
            Reason(
                "already-there",
                f"The conversation is in {here.label} already.",
                "",
                {"phase": here.value},
            ),
        )
    if target not in protocol.targets.get(here, ()):
        params = {"case": "other", "from": here.value, "to": target.value}
        if target is Phase.PAUSED:
            message = "Use pause() to pause the conversation."
            params = {"case": "paused"}
        elif target is Phase.CLOSED:
            message = "Use close() to close the conversation."
            params = {"case": "closed"}
        else:
            message = f"This protocol has no way from {here.label} to {target.label}."
        return (Reason("no-such-move", message, "", params),)
    found: list[Reason] | None = None  # made only when a rule is unmet, as rarely it is
    for rule in protocol.entry_rules.get(target, ()):
        unmet = rule.check(conversation)
        if unmet is not None:
            if found is None:
                found = []
            found.append(rule.explain(unmet, conversation))  # type: ignore[arg-type] # not None
    return () if found is None else tuple(found)


# ---------------------------------------------------------------------- options and trials


def withdrawn(item: OptionState) -> list[Reason]:
    """The option was struck, or (an obligation) waived."""
    if item.withdrawn is None:
        if item.waiver is None:
            return []
        text = item.option.text
        message = f"{text} is an obligation that was waived; it is no longer on the table."
        return [Reason("option-waived", message, "R16", {"option": text})]
    text = item.option.text
    return [Reason("option-withdrawn", f"{text} was withdrawn.", "", {"option": text})]


def obligation_blocked(protocol: SDMProtocol, actor: Participant) -> list[Reason]:
    """An obligation cannot be proposed: the protocol has none, or the actor is no professional."""
    if not protocol.allows_obligations:
        return [
            Reason(
                "obligations-not-allowed",
                f"The {protocol.name} protocol has no legal obligations; propose the option "
                "without one.",
                "R16",
                {"protocol": protocol.name},
            )
        ]
    if actor.role is Role.PROFESSIONAL:
        return []
    return [
        Reason(
            "only-professionals-propose-obligations",
            f"Only a professional can propose an obligation; {actor.name} takes part as "
            f"{actor.role.label}.",
            "R14",
            {"name": actor.name, "role": actor.role.value},
        )
    ]


def waiver_blocked(state: State, item: OptionState | None) -> list[Reason]:
    """The option cannot be waived: not an obligation, waived already, proposed, or decided.

    With ``item`` ``None`` (no option given yet) only what needs no option: decided.
    """
    if item is None:
        return already_decided(state)
    text = item.option.text
    if not item.option.is_obligation:
        message = f"{text} is not an obligation; only what the law imposes is waived."
        return [Reason("not-an-obligation", message, "R16", {"option": text})]
    if item.waiver is not None:
        message = f"{text} was waived already."
        return [Reason("already-waived", message, "R16", {"option": text})]
    return _under_proposal(state, item) + already_decided(state)


def _under_proposal(state: State, item: OptionState) -> list[Reason]:
    proposal = state.proposal
    if proposal is None or proposal.option.id != item.option.id:
        return []
    return [
        Reason(
            "option-under-proposal",
            f"{item.option.text} is the proposed decision; propose another first.",
            "",
            {"option": item.option.text},
        )
    ]


def duplicate_option(state: State, text: str) -> list[Reason]:
    """An open option with the same text is on the table already."""
    same = identity(text)
    for item in state.options.values():
        if item.open and identity(item.option.text) == same:
            there = item.option.text
            message = f"{there} is on the table already."
            return [Reason("option-exists", message, "", {"option": there})]
    return []


def withdrawal_blocked(state: State, item: OptionState | None) -> list[Reason]:
    """The option cannot be struck: withdrawn already, decided, or the pending proposal.

    With ``item`` ``None`` (no option given yet) only what needs no option: decided.
    """
    if item is None:
        return already_decided(state)
    if item.option.is_obligation:
        text = item.option.text
        message = (
            f"{text} is an obligation: the law still stands, so it cannot be withdrawn; "
            "waive it with a justification instead."
        )
        return [Reason("obligation-not-withdrawn", message, "R16", {"option": text})]
    return withdrawn(item) + already_decided(state) + _under_proposal(state, item)


def trial_start_blocked(item: OptionState) -> list[Reason]:
    """The option cannot be tried out now (R6)."""
    found = withdrawn(item)
    if item.trial is not None and item.trial.running:
        found.append(
            Reason(
                "trial-running",
                f"{item.option.text} is being tried out already.",
                "R6",
                {"option": item.option.text},
            )
        )
    return found


def no_running_trial(item: OptionState) -> list[Reason]:
    """There is no running trial of the option to end (R6)."""
    if item.trial is not None and item.trial.running:
        return []
    text = item.option.text
    return [Reason("no-running-trial", f"{text} is not being tried out.", "R6", {"option": text})]


# ---------------------------------------------------------------------- decisions


def already_decided(state: State) -> list[Reason]:
    """A decision is final already (R12: reopen it first)."""
    return [] if state.decision is None else [_DECIDED]


def no_pending_proposal(state: State) -> list[Reason]:
    """There is no proposal waiting for consent (R9), or a decision is final already."""
    if state.decision is not None:
        return [_DECIDED]
    if state.proposal is None:
        return [_NO_PROPOSAL]
    return []


def delegation_blocked(state: State, delegate: Participant | None) -> list[Reason]:
    """The decision cannot be handed to ``delegate`` (R10); ``None``: to anyone (decided)."""
    found = already_decided(state)
    if delegate is not None and delegate.role is not Role.PROFESSIONAL:
        found.append(
            Reason(
                "delegate-to-professional",
                f"A decision is handed to a professional; {delegate.name} takes part "
                f"as {delegate.role.label}.",
                "R10",
                {"name": delegate.name, "role": delegate.role.value},
            )
        )
    return found


def already_consented(actor: Participant) -> list[Reason]:
    """The client consented to this proposal already."""
    return [
        Reason(
            "already-consented", f"{actor.name} has consented already.", "", {"name": actor.name}
        )
    ]


def imposing_not_allowed(protocol: SDMProtocol) -> list[Reason]:
    """The protocol does not let a professional impose (R9)."""
    if protocol.allows_imposition:
        return []
    return [
        Reason(
            "imposing-not-allowed",
            f"The {protocol.name} protocol does not let a professional impose a decision; "
            "pause, or look for an alternative in option talk.",
            "R9",
            {"protocol": protocol.name},
        )
    ]


def decision_blocked(conversation: Governed, item: OptionState | None) -> list[Reason]:
    """Why a decision on ``item`` cannot be final now (R3, R4, R6, R7 and the protocol's).

    ``conversation`` is what the protocol's decision rules' checks receive. With ``item``
    ``None`` (no option given yet) only the protocol's decision rules, which need none.
    """
    found = [] if item is None else withdrawn(item)
    if item is not None and item.trial is not None and item.trial.running:
        found.append(
            Reason(
                "trial-still-running",
                f"{item.option.text} is still being tried out; evaluate the trial "
                f"(due {item.trial.evaluate_on.isoformat()}) before deciding on it.",
                "R6",
                {"option": item.option.text, "due": item.trial.evaluate_on.isoformat()},
            )
        )
    for rule in conversation.protocol.decision_rules:
        reason = rule.reason(conversation)
        if reason is not None:
            found.append(reason)
    return found
