"""``threetalk demo``: one whole conversation, printed as a timeline.

Sam has had a stroke and is in outpatient rehabilitation; progress has stalled. With
their partner Noor and the physiotherapist Eva they look for what comes next. The
conversation goes back and forth, stops once to think, and ends with a decision all
agree on, looked back on weeks later.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import threetalk as tt

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable


class _SittingClock:
    """Simulated time: a minute per utterance; ``skip`` jumps ahead between sittings."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def skip(self, delta: timedelta) -> None:
        self.now += delta


_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def run_conversation() -> tt.Conversation:
    """Play the demo conversation and return it."""
    clock = _SittingClock(_START)
    conv = tt.Conversation(conversation_id="demo-sam-rehabilitation", clock=clock)
    sam = conv.join("Sam", tt.Role.CLIENT)
    noor = conv.join("Noor", tt.Role.RELATIVE)
    eva = conv.join("Eva", tt.Role.PROFESSIONAL)

    conv.add_topic("Can I keep training without leaving home?", by=sam)
    conv.add_goal("Walk to the corner shop on my own", by=sam)
    conv.add_topic("Who looks after the children if Sam is admitted?", by=noor)

    conv.move_to(tt.Phase.TEAM_TALK, by=eva)
    conv.state_problem("Two outpatient days a week no longer bring progress", by=eva)
    conv.add_concern("Being away from home for weeks", by=sam)
    conv.add_concern("Sam gets tired quickly", by=noor)
    _attempt(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=eva))

    conv.move_to(tt.Phase.OPTION_TALK, by=eva)
    clinic = conv.propose_option("Clinical admission for six weeks", by=eva)
    days = conv.propose_option("Four day-treatment days a week", by=sam)
    wait = conv.propose_option("Keep two days and wait a month", by=noor)
    conv.add_consideration(clinic, tt.Stance.PRO, "The most training hours", by=eva)
    conv.add_consideration(clinic, tt.Stance.CON, "Away from Noor and the children", by=sam)
    conv.add_consideration(days, tt.Stance.PRO, "Sleeps at home every night", by=noor)
    conv.add_consideration(days, tt.Stance.CON, "Four days of travel is tiring", by=eva)
    _attempt(lambda: conv.move_to(tt.Phase.DECISION_TALK, by=eva))
    conv.add_consideration(wait, tt.Stance.CON, "Progress may stall further", by=eva)
    conv.start_trial(days, evaluate_on=date(2026, 11, 30), by=eva)
    conv.state_preference(days, by=sam)

    conv.pause(date(2026, 11, 30), "Try the extra days for a week, then decide", by=eva)
    clock.skip(timedelta(days=7))
    conv.resume(by=sam)
    conv.end_trial(days, "Tired but managing; Sam wants to go on", by=sam)
    conv.move_to(tt.Phase.DECISION_TALK, by=eva)
    conv.state_preference(None, by=noor)
    conv.propose_decision(
        days,
        who="Sam, with Eva's team",
        what="Four day-treatment days a week",
        when=date(2026, 12, 7),
        review_on=date(2027, 1, 18),
        by=eva,
    )
    conv.object("Four days at once is too much in the first weeks", by=sam)
    conv.propose_decision(
        days,
        who="Sam, with Eva's team",
        what="Three days in December, four from January",
        when=date(2026, 12, 7),
        review_on=date(2027, 1, 18),
        by=eva,
    )
    conv.consent(by=sam)

    clock.skip(timedelta(days=56))
    conv.move_to(tt.Phase.EVALUATION, by=eva)
    conv.evaluate("Walking to the shop with a stick", "I was asked what mattered to me", by=sam)
    conv.evaluate("Calmer at home than we feared", "I could say what worried me", by=noor)
    conv.close("Decision reviewed; next review in three months", by=eva)
    return conv


def _attempt(command: Callable[[], None]) -> None:
    """Run a command that the rules may refuse; the refusal is in the log either way."""
    with contextlib.suppress(tt.Refused):
        command()


def _line(event: tt.Event, options: dict[str, str]) -> str:  # noqa: PLR0911, PLR0912 - one case per kind of event
    data = event.data
    kind = event.kind
    if kind == "opened":
        return f"conversation opened under the {data['protocol']} protocol"
    if kind == "joined":
        return f"joins as {data['role']}"
    if kind in {"topic-added", "goal-added", "concern-added", "problem-stated"}:
        label = {"topic-added": "topic", "goal-added": "goal", "concern-added": "concern"}
        return f"{label.get(kind, 'problem')}: {data['text']}"
    if kind == "option-proposed":
        return f"proposes option {data['option']}: {data['text']}"
    if kind == "consideration-added":
        return f"{data['stance']} for {options[data['option']]}: {data['text']}"
    if kind == "trial-started":
        return f"starts trying {options[data['option']]}, to evaluate on {data['evaluate_on']}"
    if kind == "trial-ended":
        return f"ends the trial of {options[data['option']]}: {data['outcome']}"
    if kind == "preference-stated":
        preferred = data["option"]
        return "has no preference" if preferred is None else f"prefers {options[preferred]}"
    if kind == "moved":
        reopened = " (reopening the decision)" if data["reopened"] else ""
        return f">>> moves to {tt.Phase(data['to']).label}{reopened}"
    if kind == "paused":
        return f"||| pauses until {data['until']}: {data['reason']}"
    if kind == "resumed":
        return f">>> resumes in {tt.Phase(data['to']).label}, a new sitting"
    if kind == "decision-proposed":
        return f"proposes: {data['what']} ({data['who']}, from {data['when']})"
    if kind == "consented":
        return "consents"
    if kind == "objected":
        return f"objects: {data['reason']}"
    if kind == "decided":
        return (
            f"*** DECISION ({data['how']}): {options[data['option']]}: {data['what']}; "
            f"{data['who']}; from {data['when']}, review on {data['review_on']}"
        )
    if kind == "evaluated":
        return f"looks back: {data['outcome']} / {data['process']}"
    if kind == "closed":
        return f"closes the conversation: {data['reason'] or 'no reason given'}"
    if kind == "refused":
        reasons = " ".join(reason["message"] for reason in data["reasons"])
        return f"!!! REFUSED {data['command']}: {reasons}"
    if kind == "advisory":
        return f"(advisory {data['rule']}) {data['message']}"
    return f"{kind} {dict(data)}"


def timeline(conv: tt.Conversation) -> list[str]:
    """The conversation's events as readable lines."""
    names = {participant.id: participant.name for participant in conv.participants}
    options = {option.id: option.text for option in conv.options}
    lines = []
    for event in conv.events:
        who = names.get(event.actor, "") if event.actor else ""
        when = event.at.strftime("%a %d %b %H:%M")
        lines.append(
            f"{event.seq:>3} {when}  {event.phase.label:<13} {who:<5} {_line(event, options)}"
        )
    return lines


def configure(parser: argparse.ArgumentParser) -> None:
    """The demo takes no arguments."""
    parser.set_defaults()


def run(_args: argparse.Namespace) -> int:
    """Play the conversation, print its timeline, the decision and the verified head."""
    conv = run_conversation()
    print(
        "A shared decision in rehabilitation: Sam (client), Noor (Sam's partner) and Eva\n"
        "(physiotherapist) look for what comes next now that progress has stalled.\n"
    )
    print("\n".join(timeline(conv)))
    decision = conv.decision
    print()
    if decision is not None:
        print(
            f"Decision: {decision.option.text} ({decision.how.value}): {decision.what}; "
            f"who: {decision.who}; from {decision.when}, review on {decision.review_on}."
        )
    refusals = sum(1 for event in conv.events if event.kind == "refused")
    print(f"Refusals: {refusals}. Advisories: {len(conv.advisories)}.")
    head = tt.verify(conv.events)
    again = tt.replay(conv.events)
    same = "yes" if again.snapshot() == conv.snapshot() else "NO"
    print(f"Chain verified: {head.seq} events, head {head.hash}.")
    print(f"Rebuilt from its events alone, same state: {same}.")
    return 0 if same == "yes" else 1
