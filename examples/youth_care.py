"""Youth care: a mother and her son, both clients, look for help with a youth worker.

The youth_care protocol's team talk has three steps: the question of every client, the
problem-and-strengths analysis, and the goals. Option talk waits until every client has
shown, in their own words, that they understood what was explained (rule R15). Then the
family's own ideas and their network come first, and a SURE check shows whether the son
feels sure. Prompts and reasons are read in Dutch and in English.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import threetalk as tt


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines: list[str] = []
    ticks = (datetime(2026, 9, 14, 15, 30, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(
        tt.youth_care(), conversation_id="youth-care-example", clock=lambda: next(ticks)
    )
    mother = conv.join("Ilse", tt.Role.CLIENT)
    son = conv.join("Daan", tt.Role.CLIENT)
    worker = conv.join("Fatima", tt.Role.PROFESSIONAL)

    conv.move_to(tt.Phase.TEAM_TALK, by=worker)
    lines.append(f"step: {conv.step.id} ({conv.step.title['nl']})")
    lines.extend(f"  vraag: {p.text['nl']}" for p in conv.prompts(language="nl", to=tt.Role.CLIENT))

    conv.add_concern("Elke avond ruzie over de telefoon", by=mother)
    conv.add_topic("Ik mis voetbal", by=son)
    conv.state_problem("Sinds de scheiding lopen de avonden uit de hand", by=worker)
    conv.add_analysis(tt.Analysis.STRENGTH, "Opa woont vlakbij en helpt graag", by=son)
    conv.add_goal("Samen eten zonder ruzie", by=mother)
    conv.add_goal("Weer naar voetbaltraining", by=son)
    lines.append(f"step: {conv.step.id}")

    conv.check_understanding(mother, understood=True, note="Vertelt het zelf na", by=worker)
    conv.check_understanding(son, understood=False, note="Denkt dat het zijn schuld is", by=worker)
    [reason] = conv.why_not(tt.Phase.OPTION_TALK)
    lines.append(f"option talk? {reason.code} ({reason.rule})")
    conv.check_understanding(son, understood=True, note="Legt het in eigen woorden uit", by=worker)
    conv.move_to(tt.Phase.OPTION_TALK, by=worker)
    lines.append("progress: " + ", ".join(f"{p.step.id} {p.status.value}" for p in conv.progress()))

    conv.propose_option("Opa brengt Daan naar voetbal", by=son, source=tt.Source.NETWORK)
    conv.check_conflict(sure=False, informed=True, values_clear=True, supported=True, by=son)
    lines.append(f"SURE of Daan: {conv.sure_checks[son.id].score} of 4")

    reason = conv.why_not(tt.Phase.DECISION_TALK)[0]
    lines.append(f"decision talk? nl: {reason.text('nl')}")
    lines.append(f"decision talk? en: {reason.text('en')}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
