"""Show refusals to a user, and keep the audit trail outside the conversation.

A conversation-support app lets the professional press buttons; when a button's command
is refused, the app shows the reasons as they are (they are written for people) and
greys out what is not possible yet. Every event is also streamed to the app's own log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import threetalk as tt


def main() -> list[str]:
    """Run the example; returns the lines it printed."""
    lines: list[str] = []
    ticks = (datetime(2026, 11, 23, 14, tzinfo=UTC) + timedelta(minutes=m) for m in range(99))
    conv = tt.Conversation(conversation_id="app-example", clock=lambda: next(ticks))
    # Copy what is there already (the opening event), then follow every new event.
    app_log = [json.dumps(event.to_dict(), sort_keys=True) for event in conv.events]
    conv.subscribe(lambda event: app_log.append(json.dumps(event.to_dict(), sort_keys=True)))

    parent = conv.join("Mira", tt.Role.CLIENT)
    worker = conv.join("Youssef", tt.Role.PROFESSIONAL)
    conv.move_to(tt.Phase.TEAM_TALK, by=worker)

    # The app asks before it offers a button ...
    buttons = {phase.label: conv.can_move_to(phase) for phase in conv.protocol.targets[conv.phase]}
    lines.append(f"buttons enabled: {buttons}")
    # ... and shows the reasons when someone tries anyway.
    try:
        conv.move_to(tt.Phase.OPTION_TALK, by=worker)
    except tt.Refused as refusal:
        lines.extend(f"shown to the user: {reason.message}" for reason in refusal.reasons)

    conv.state_problem("The eldest skips school twice a week", by=parent)
    conv.add_goal("He goes to school every day again", by=parent)
    conv.move_to(tt.Phase.OPTION_TALK, by=worker)
    lines.append(f"now in {conv.phase.label}; {len(app_log)} events in the app's log")
    head = tt.verify(tt.Event.from_dict(json.loads(line)) for line in app_log)
    lines.append(f"the app's copy of the trail verifies up to seq {head.seq}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()
