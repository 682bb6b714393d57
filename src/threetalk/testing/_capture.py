"""Capturing a conversation's events in a test: :func:`capture` and :class:`EventCapture`.

Standard library, attrs and the core only: no Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from threetalk._trail import Event

if TYPE_CHECKING:
    from threetalk._conversation import Conversation

__all__ = ["EventCapture", "capture"]


@attrs.define
class EventCapture:
    """Every event a conversation recorded since :func:`capture` started listening.

    Use it as a context manager to stop listening at the end of the block, or call
    :meth:`stop`.

    Attributes:
        events: The events, oldest first.
    """

    events: list[Event] = attrs.field(factory=list)
    _unsubscribe: Callable[[], None] | None = attrs.field(default=None, repr=False)

    def __call__(self, event: Event) -> None:
        """Keep ``event`` (the conversation calls this)."""
        self.events.append(event)

    @property
    def kinds(self) -> list[str]:
        """The kind of every event, in order."""
        return [event.kind for event in self.events]

    @property
    def refusals(self) -> list[Event]:
        """The refusal events."""
        return [event for event in self.events if event.kind == "refused"]

    @property
    def advisories(self) -> list[Event]:
        """The advisory events."""
        return [event for event in self.events if event.kind == "advisory"]

    @property
    def refusal_codes(self) -> list[str]:
        """The code of every reason of every refusal, in order."""
        return [reason["code"] for event in self.refusals for reason in event.data["reasons"]]

    @property
    def advisory_rules(self) -> list[str]:
        """The rule (``"A1"`` to ``"A4"``) of every advisory, in order."""
        return [str(event.data.get("rule")) for event in self.advisories]

    def clear(self) -> None:
        """Forget the events captured so far."""
        self.events.clear()

    def stop(self) -> None:
        """Stop listening; calling it twice is harmless."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def __enter__(self) -> EventCapture:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def capture(conversation: Conversation) -> EventCapture:
    """Start keeping every event ``conversation`` records from now on.

    Args:
        conversation: The conversation to listen to.

    Returns:
        The capture; its ``events`` grow as the conversation records more.

    >>> import threetalk as tt
    >>> conv = tt.Conversation()
    >>> with capture(conv) as captured:
    ...     client = conv.join("Client", tt.Role.CLIENT)
    ...     try:
    ...         conv.move_to(tt.Phase.TEAM_TALK, by=client)
    ...     except tt.Refused:
    ...         pass
    >>> captured.kinds
    ['joined', 'refused']
    >>> captured.refusal_codes
    ['needs-client-and-professional']
    """
    captured = EventCapture()
    captured._unsubscribe = conversation.subscribe(captured)  # noqa: SLF001 - our own field
    return captured
