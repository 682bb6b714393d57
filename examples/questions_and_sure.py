"""The client's own guide: questions written down beforehand, and a SURE check.

A client prepares by writing down a topic and her questions; the guide's first step is
done only with both. A SURE check (four yes/no questions) scores below 4 when she is
unsure; a decision made final then, or with one of her questions unanswered, is observed
as advisories A5 and A6. Looking back is done only once every question has an answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import threetalk as tt


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines: list[str] = []
    ticks = (datetime(2026, 6, 1, 10, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(
        tt.client_guide(), conversation_id="questions-example", clock=lambda: next(ticks)
    )
    client = conv.join("Sanne", tt.Role.CLIENT)
    psychologist = conv.join("Ruben", tt.Role.PROFESSIONAL)
    conv.add_topic("Sleeping badly since the new medicine", by=client)
    lines.append(f"prepare misses: {[r.code for r in conv.progress()[0].missing]}")
    choices = conv.ask("Which choices do I have?", by=client)
    work = conv.ask("What would each mean for my work?", by=client)
    lines.append(f"prepare misses: {[r.code for r in conv.progress()[0].missing]}")

    conv.move_to(tt.Phase.TEAM_TALK, by=psychologist)
    conv.state_problem("The medicine lifts the mood but disturbs sleep", by=psychologist)
    conv.add_goal("Sleep six hours and keep working", by=client)
    conv.move_to(tt.Phase.OPTION_TALK, by=psychologist)
    morning = conv.propose_option("Take the medicine in the morning", by=client)
    therapy = conv.propose_option("Sleep therapy alongside", by=psychologist)
    conv.add_consideration(morning, tt.Stance.PRO, "Nothing new to learn", by=client)
    conv.add_consideration(therapy, tt.Stance.CON, "Sessions in working hours", by=client)
    conv.answer(choices, "These two, and waiting is a choice too", by=psychologist)
    conv.check_conflict(sure=True, informed=True, values_clear=False, supported=True, by=client)
    check = conv.sure_checks[client.id]
    lines.append(f"SURE: {check.score} of 4, conflict: {check.conflict}")

    conv.move_to(tt.Phase.DECISION_TALK, by=psychologist)
    conv.state_preference(morning, by=client)
    conv.propose_decision(
        morning,
        who="Sanne",
        what="Morning dose for four weeks",
        when=date(2026, 6, 2),
        review_on=date(2026, 6, 29),
        by=psychologist,
    )
    conv.consent(by=client)
    for advisory in conv.advisories:
        lines.append(f"{advisory.rule} {advisory.code}: {advisory.text('en')}")

    conv.move_to(tt.Phase.EVALUATION, by=psychologist)
    conv.evaluate("Sleeping better", "I could ask everything", by=client)
    lines.append(f"next steps miss: {[r.code for r in conv.progress()[-1].missing]}")
    lines.extend(f"prompt: {p.text['en']}" for p in conv.prompts(to=tt.Role.PROFESSIONAL) if p.when)
    conv.answer(work, "Drowsy in the first week; start later that week", by=psychologist)
    lines.append(f"next steps miss: {[r.code for r in conv.progress()[-1].missing]}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
