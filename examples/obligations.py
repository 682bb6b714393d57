"""Work and income: an obligation of the law, declined by the client and waived with reasons.

Under the Participation Act a client manager proposes what the law requires, with its
legal basis. The client may decline it; that records the client's view but does not settle
it. A decision becomes final only when every obligation is the option decided on or waived
with a justification (rule R16), and an obligation cannot be withdrawn, only waived.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import threetalk as tt


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines: list[str] = []
    ticks = (datetime(2026, 11, 2, 13, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(
        tt.work_and_income(), conversation_id="obligation-example", clock=lambda: next(ticks)
    )
    client = conv.join("Mehmet", tt.Role.CLIENT)
    manager = conv.join("Sandra", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=manager)
    conv.state_problem("Two years without work since a back injury", by=manager)
    conv.add_goal("A paid office job in a warehouse", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=manager)
    course = conv.propose_option("A course in warehouse administration", by=client)
    coach = conv.propose_option("Apply for jobs now, with a job coach", by=manager)
    unpaid = conv.propose_option(
        "Unpaid socially useful work, three mornings a week",
        obligation="Participation Act, article 9(1)(c)",
        by=manager,
    )
    lines.append(f"{unpaid.text}: source {unpaid.source.value}, basis {unpaid.obligation}")
    conv.add_consideration(course, tt.Stance.PRO, "A recognised certificate", by=manager)
    conv.add_consideration(coach, tt.Stance.PRO, "Income sooner", by=client)
    conv.add_consideration(unpaid, tt.Stance.CON, "It takes the course's mornings", by=client)
    conv.decline(unpaid, "The mornings are needed for the course", by=client)
    lines.append(f"step {conv.step.id}, done: {not conv.progress()[2].missing}")

    conv.move_to(tt.Phase.DECISION_TALK, by=manager)
    conv.state_preference(course, by=client)
    reasons = conv.why_not_command("propose_decision", by=manager, option=course)
    lines.append(f"propose the course? {reasons[0].code} ({reasons[0].rule})")
    try:
        conv.withdraw_option(unpaid, "Not useful here", by=manager)
    except tt.Refused as refused:
        lines.append(f"withdraw the obligation? {refused.reasons[0].code}")
    conv.waive(
        unpaid, "The course leads to regular work sooner; the employer has a vacancy", by=manager
    )
    conv.propose_decision(
        course,
        who="Mehmet",
        what="Start the course in January",
        when=date(2027, 1, 11),
        review_on=date(2027, 4, 12),
        by=manager,
    )
    conv.consent(by=client)
    decision = conv.decision
    lines.append(f"decided: {decision.option.text if decision else None}")
    for item in conv.option_states:
        if item.waiver is not None:
            lines.append(f"waived: {item.option.text}, because {item.waiver.justification}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
