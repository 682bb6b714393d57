"""Rebuilding a conversation from its events alone.

``replay`` verifies the chain, then applies every event through the same reducer a live
conversation uses (``_state.apply``), so the rebuilt conversation is in exactly the state
the original was in. It checks that each event *fits*: its phase is the conversation's
phase at that point, its actor joined, its steps exist in the protocol. It does not run the
protocol's rules again: an intact chain is trusted to record what was allowed when it
happened (see docs/store.md for keyed chains and anchored heads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threetalk._conversation import Clock, Conversation
from threetalk._engine import ImpossibleStep
from threetalk._events import as_event_list, verify
from threetalk._exceptions import InvalidInput, ProtocolMismatch, TamperedLog
from threetalk._protocols import Protocol, three_talk
from threetalk._state import KINDS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from threetalk._events import Event
    from threetalk._state import State


def replay(
    events: Iterable[Event],
    protocol: Protocol | None = None,
    *,
    clock: Clock | None = None,
    key: bytes | None = None,
) -> Conversation:
    """Rebuild a conversation from its events alone.

    The chain is verified first; then every event is applied exactly as when it was
    recorded, so ``replay(conv.events).snapshot() == conv.snapshot()``. The rebuilt
    conversation can take further commands.

    Args:
        events: A conversation's whole log, oldest first.
        protocol: The protocol it was recorded under; :func:`three_talk` when not given.
            Its fingerprint must match the one in the opening event.
        clock: The clock of the rebuilt conversation, as for :class:`Conversation`.
        key: The key of a keyed chain.

    Raises:
        TamperedLog: The chain is broken, or an event does not fit the conversation.
        ProtocolMismatch: The events were recorded under another protocol (an
            ``InvalidInput``, naming both fingerprints).
        InvalidInput: The events are not events.
    """
    if protocol is None:
        protocol = three_talk()
    elif not isinstance(protocol, Protocol):
        msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    log = as_event_list(events)
    verify(log, key=key)
    opened = log[0]
    if opened.data.get("fingerprint") != protocol.fingerprint:
        raise mismatch(opened, protocol)
    conversation = Conversation.__new__(Conversation)
    conversation._setup(protocol, opened.conversation_id, clock)  # noqa: SLF001
    conversation._key = key  # noqa: SLF001
    state = conversation._state  # noqa: SLF001
    for event in log:
        if event.kind not in KINDS or event.phase is not state.phase:
            where = (
                "of an unknown kind"
                if event.kind not in KINDS
                else (f"in {event.phase.label}, while the conversation was in {state.phase.label}")
            )
            msg = f"Event seq {event.seq} does not fit the conversation: it is {where}."
            raise TamperedLog(msg, event.seq)
        misfit = _actor_misfit(event, state)
        if misfit:
            msg = f"Event seq {event.seq} ({event.kind}) does not fit the conversation: {misfit}."
            raise TamperedLog(msg, event.seq)
        try:
            conversation._take((event,))  # noqa: SLF001
        except ImpossibleStep:
            msg = f"Event seq {event.seq} ({event.kind}) takes a step the protocol does not have."
            raise TamperedLog(msg, event.seq) from None
        except (LookupError, TypeError, ValueError, AttributeError) as error:
            msg = f"Event seq {event.seq} ({event.kind}) does not fit the conversation: {error!r}."
            raise TamperedLog(msg, event.seq) from None
    return conversation


def _actor_misfit(event: Event, state: State) -> str | None:
    """Why the actor of a recorded event cannot be right, if it cannot (R14)."""
    actor = event.actor
    kind = event.kind
    if kind in {"opened", "advisory"}:
        return None if actor is None else "the system's own events have no actor"
    if kind == "joined":
        joiner = event.data.get("participant")
        return None if actor == joiner else "the joiner is not its actor"
    if actor is None:
        return None if kind == "refused" else "it has no actor"
    if actor not in state.participants:
        return f"its actor {actor!r} never joined"
    return None


def mismatch(opened: Event, protocol: Protocol | None) -> ProtocolMismatch:
    """The error for a conversation opened by ``opened`` and replayed under ``protocol``."""
    recorded, name = opened.data.get("fingerprint"), opened.data.get("protocol")
    return ProtocolMismatch(
        opened.conversation_id,
        recorded=recorded if isinstance(recorded, str) else None,
        recorded_name=name if isinstance(name, str) else None,
        given=None if protocol is None else protocol.fingerprint,
        given_name=None if protocol is None else protocol.name,
    )
