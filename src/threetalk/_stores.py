"""What every event store shares: its errors, its interface, its findings, reopening.

Its exceptions live in :mod:`threetalk._exceptions` with all the others.

A store is anything that fits :class:`EventStore`; :class:`~threetalk.store.SQLiteStore` is
the embedded one. Conversation code only ever sees ``key`` and ``append_events``.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Literal

import attrs

from threetalk._events import Event, Head, verify
from threetalk._exceptions import (
    InvalidInput,
    TamperedLog,
    UnknownConversation,
)
from threetalk._protocols import Protocol, three_talk, work_and_income
from threetalk._replay import mismatch, replay

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from threetalk._conversation import Clock, Conversation


@attrs.frozen
class Finding:
    """One problem ``verify`` found in a store.

    Attributes:
        message: The problem in plain words.
        conversation_id: The conversation concerned; ``None`` for the store as a whole.
        seq: Where its chain first breaks, for a broken chain.
        severity: ``"error"`` (the trail cannot be trusted as it is) or ``"warning"``.
    """

    message: str
    conversation_id: str | None = None
    seq: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        if self.conversation_id is None:
            return self.message
        where = f"conversation {self.conversation_id!r}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        return f"{where}: {self.message}"


@attrs.frozen
class VerifyReport:
    """What ``verify`` found: the head of every intact chain and every problem.

    Attributes:
        heads: The head of every conversation whose chain verifies, by conversation id.
        findings: Every problem, store-wide ones first.
    """

    heads: dict[str, Head]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether no finding is an error (warnings alone leave the trail trustworthy)."""
        return all(finding.severity != "error" for finding in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that are errors."""
        return tuple(finding for finding in self.findings if finding.severity == "error")


class EventStore(typing.Protocol):
    """The interface of an event store: what conversations, reopening and JSONL use.

    A store holds each conversation's events as one append-only chain. Writes are
    all-or-nothing; a write that does not continue the stored chain raises
    :class:`ConflictError`.
    """

    @property
    def key(self) -> bytes | None:
        """The key of the store's keyed chains, or ``None`` for bare SHA-256 chains."""
        ...  # pragma: no cover - protocol

    def append_events(self, events: Sequence[Event]) -> None:
        """Store the events of one command of one conversation, all or none."""
        ...  # pragma: no cover - protocol

    def append_many(self, events: Iterable[Event]) -> int:
        """Store events of any number of conversations in one transaction; returns how many."""
        ...  # pragma: no cover - protocol

    def load(self, conversation_id: str) -> tuple[Event, ...]:
        """One conversation's events, oldest first (empty when it is not stored)."""
        ...  # pragma: no cover - protocol

    def conversation_ids(self) -> tuple[str, ...]:
        """The id of every stored conversation, sorted."""
        ...  # pragma: no cover - protocol

    def head(self, conversation_id: str) -> Head:
        """The ``seq`` and ``hash`` of a conversation's last stored event."""
        ...  # pragma: no cover - protocol

    def verify(self) -> VerifyReport:
        """Check every chain (and whatever else the store can check about itself)."""
        ...  # pragma: no cover - protocol


def known_protocols(extra: Iterable[Protocol] = ()) -> dict[str, Protocol]:
    """The protocols a stored conversation can be replayed under, by fingerprint."""
    found = {protocol.fingerprint: protocol for protocol in (three_talk(), work_and_income())}
    for protocol in extra:
        if not isinstance(protocol, Protocol):
            msg = f"protocols: expected Protocol objects, got {type(protocol).__name__}"
            raise InvalidInput(msg, "protocols")
        found[protocol.fingerprint] = protocol
    return found


def check_protocol(events: Sequence[Event], protocol: Protocol, key: bytes | None) -> None:
    """Raise :class:`ProtocolMismatch` unless ``events`` were recorded under ``protocol``.

    A mismatch is reported only for an intact chain: a broken one raises ``TamperedLog``.
    """
    opened = events[0]
    stored = opened.data.get("fingerprint")
    if stored != protocol.fingerprint:
        verify(events, key=key)
        raise mismatch(opened, protocol)


def verify_chains(
    store: EventStore, protocols: Iterable[Protocol] = ()
) -> tuple[dict[str, Head], list[Finding]]:
    """Verify every conversation of ``store``; replay those whose protocol is known.

    Returns:
        The heads of the intact chains and a finding for each broken one.
    """
    by_fingerprint = known_protocols(protocols)
    heads: dict[str, Head] = {}
    findings: list[Finding] = []
    key = store.key
    for conversation_id in store.conversation_ids():
        try:
            events = store.load(conversation_id)
            protocol = by_fingerprint.get(str(events[0].data.get("fingerprint")))
            if protocol is None:
                head = verify(events, key=key)
            else:
                replay(events, protocol, key=key)
                head = Head(events[-1].seq, events[-1].hash)
        except TamperedLog as error:
            findings.append(Finding(str(error), conversation_id, error.seq))
        else:
            heads[conversation_id] = head
    return heads, findings


def open_conversation(
    store: EventStore,
    conversation_id: str,
    protocol: Protocol | None = None,
    *,
    clock: Clock | None = None,
) -> Conversation:
    """Load a stored conversation, verify its chain, replay it and attach it to ``store``.

    The conversation returned writes its further events to ``store``, like one created
    with ``Conversation(store=store)``.

    Args:
        store: Where the conversation is stored.
        conversation_id: Its id.
        protocol: The protocol it was recorded under; :func:`three_talk` when not given.
        clock: The clock of the reopened conversation, as for :class:`Conversation`.

    Returns:
        The conversation, in the state its last stored event left it in.

    Raises:
        UnknownConversation: Nothing is stored under ``conversation_id``.
        ProtocolMismatch: It was recorded under another protocol (naming both
            fingerprints); a :class:`StoreError`.
        TamperedLog: Its chain does not verify (``.seq`` says where it breaks).
    """
    if not isinstance(conversation_id, str):
        msg = f"conversation_id: expected a string, got {type(conversation_id).__name__}"
        raise InvalidInput(msg, "conversation_id")
    if protocol is None:
        protocol = three_talk()
    elif not isinstance(protocol, Protocol):
        msg = f"protocol: expected a Protocol, got {type(protocol).__name__}"
        raise InvalidInput(msg, "protocol")
    events = store.load(conversation_id)
    if not events:
        raise UnknownConversation(conversation_id)
    check_protocol(events, protocol, store.key)
    conversation = replay(events, protocol, clock=clock, key=store.key)
    conversation._attach(store)  # noqa: SLF001 - the documented way to reattach a store
    return conversation
