"""Adapt the rules: a youth-care protocol in which children have a say too.

In youth care, parents and children are both clients. This protocol adds one entry rule
to option talk: every client has named at least one goal, so that the child's goals are
on the table before options are weighed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import attrs

import threetalk as tt

if TYPE_CHECKING:
    from threetalk.typing import ConversationView


def every_client_has_a_goal(view: ConversationView) -> str | None:
    """The check of the extra rule: ``None`` when met, else why not.

    It reads the conversation's view (its properties copy nothing), never a snapshot, and
    returns as soon as the rule holds: ``allowed_moves()`` asks again and again, and the
    message is needed only when it does not hold.
    """
    with_goal = {goal.by for goal in view.goals}
    for participant in view.participants:
        if participant.role is tt.Role.CLIENT and participant.id not in with_goal:
            break
    else:
        return None
    missing = [
        participant.name
        for participant in view.participants
        if participant.role is tt.Role.CLIENT and participant.id not in with_goal
    ]
    return f"Every client names a goal before options are weighed; {', '.join(missing)} has not."


def youth_care() -> tt.Protocol:
    """``three_talk()`` plus the rule that every client (parent or child) named a goal."""
    base = tt.three_talk()
    entry = dict(base.entry_rules)
    rule = tt.Rule("every-client-goal", "", every_client_has_a_goal)
    entry[tt.Phase.OPTION_TALK] = (*entry[tt.Phase.OPTION_TALK], rule)
    return attrs.evolve(base, name="youth_care", entry_rules=entry)


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines = []
    ticks = (datetime(2026, 11, 24, 10, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(youth_care(), conversation_id="youth", clock=lambda: next(ticks))
    mother = conv.join("Ilse", tt.Role.CLIENT)
    son = conv.join("Daan", tt.Role.CLIENT)
    worker = conv.join("Fatima", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=worker)
    conv.state_problem("Arguments at home every evening", by=worker)
    conv.add_goal("Quiet evenings", by=mother)
    lines.extend(reason.message for reason in conv.why_not(tt.Phase.OPTION_TALK))
    conv.add_goal("Football twice a week", by=son)
    conv.move_to(tt.Phase.OPTION_TALK, by=worker)
    lines.append(f"{conv.protocol.name}: now in {conv.phase.label}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
