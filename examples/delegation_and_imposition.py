"""Work and income: a client delegates one decision; another decision is imposed.

Under the Participation Act the client manager may impose an option, and must then say
why. A client may also ask the professional to decide. Both are recorded as such.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import threetalk as tt


def ready_to_decide(
    conversation_id: str,
) -> tuple[tt.Conversation, tt.Participant, tt.Participant, tt.Option]:
    """A work-and-income conversation in decision talk with two considered options."""
    ticks = (datetime(2026, 11, 25, 9, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(
        tt.work_and_income(), conversation_id=conversation_id, clock=lambda: next(ticks)
    )
    client = conv.join("Karin", tt.Role.CLIENT)
    manager = conv.join("Tom", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=manager)
    conv.state_problem("No paid work for two years", by=manager)
    conv.add_goal("A job with regular hours", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=manager)
    course = conv.propose_option("A six-week course in logistics", by=client)
    placement = conv.propose_option("A work placement at a warehouse", by=manager)
    conv.add_consideration(course, tt.Stance.PRO, "A certificate at the end", by=client)
    conv.add_consideration(placement, tt.Stance.PRO, "Paid from the first week", by=manager)
    conv.move_to(tt.Phase.DECISION_TALK, by=manager)
    conv.state_preference(course, by=client)
    return conv, client, manager, placement


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines = []
    conv, client, manager, placement = ready_to_decide("wi-delegated")
    conv.delegate(manager, by=client)
    conv.propose_decision(
        placement,
        who="Karin",
        what="Start the placement",
        when=date(2026, 12, 1),
        review_on=date(2027, 2, 1),
        by=manager,
    )
    lines.append(f"delegated: {conv.decision.how.value if conv.decision else None}")

    conv, client, manager, placement = ready_to_decide("wi-imposed")
    conv.propose_decision(
        placement,
        who="Karin",
        what="Start the placement",
        when=date(2026, 12, 1),
        review_on=date(2027, 2, 1),
        by=manager,
    )
    conv.object("I would rather take the course first", by=client)
    conv.impose("The benefit conditions require work within three months", by=manager)
    decision = conv.decision
    if decision is not None:
        lines.append(f"imposed: {decision.how.value}, because: {decision.justification}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
