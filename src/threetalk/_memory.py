"""The in-memory event store: every store's behaviour, without a file.

For tests, for simulations that need no file, and as the reference every other store is
measured against in the conformance suite (``tests/test_store_conformance.py``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from threetalk._exceptions import ConflictError, StoreError, UnknownConversation
from threetalk._stores import (
    DUE_KINDS,
    ConversationInfo,
    DueItem,
    Finding,
    StoredChains,
    VerifyReport,
    check_conversation_id,
    check_day,
    check_page,
    conversation_info,
    due_items,
    matches,
)
from threetalk._trail import Event, Head, as_event_list, check_key, store_rows

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date
    from types import TracebackType

    from threetalk._phases import Phase
    from threetalk._trail import Row


class MemoryStore:
    """Conversations' events in memory: append-only, tamper-evident, safe across threads.

    It behaves as :class:`~threetalk.store.SQLiteStore` does, but keeps nothing when the
    process ends: optimistic concurrency (:class:`ConflictError`, nothing written), one
    write all or nothing, keyed chains, ``head``, ``verify``, ``append_many``,
    ``conversation_ids``. One store may be shared by every thread of the process.

    Args:
        key: The secret of keyed chains (HMAC-SHA256), at least 32 bytes, or ``None``.

    Raises:
        InvalidInput: The key is malformed or shorter than 32 bytes.

    >>> import threetalk as tt
    >>> from threetalk.store import MemoryStore, open_conversation
    >>> store = MemoryStore()
    >>> conv = tt.Conversation(conversation_id="c1", store=store)
    >>> client = conv.join("Client", tt.Role.CLIENT)
    >>> open_conversation(store, "c1").snapshot() == conv.snapshot(), store.head("c1").seq
    (True, 2)
    """

    def __init__(self, *, key: bytes | None = None) -> None:
        self._key = check_key(key)
        self._lock = threading.Lock()
        self._events: dict[str, list[Event]] = {}
        self._rows: dict[str, list[Row]] = {}
        self._closed = False

    @property
    def key(self) -> bytes | None:
        """The key of the store's keyed chains, or ``None``."""
        return self._key

    def __repr__(self) -> str:
        keyed = "keyed" if self._key is not None else "unkeyed"
        state = "closed" if self._closed else f"{len(self._events)} conversations"
        return f"<MemoryStore ({keyed}, {state})>"

    def close(self) -> None:
        """Refuse further use (the events stay readable by nobody); harmless twice."""
        self._closed = True

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> None:
        if self._closed:
            msg = "the store is closed"
            raise StoreError(msg)

    # ------------------------------------------------------------------ writing

    def append_events(self, events: Sequence[Event]) -> None:
        """Store the events of one command, all of them or none.

        Raises:
            ConflictError: Another writer appended to the conversation first.
            InvalidInput: The events do not continue each other, or are not sealed with
                this store's key.
            StoreError: The store is closed, or the events do not continue the stored
                chain.
        """
        self._write(events)

    def append_many(self, events: Iterable[Event]) -> int:
        """Store events of any number of conversations at once, all or none.

        Returns:
            How many events were stored.

        Raises:
            ConflictError: A conversation does not continue where the store has it.
            InvalidInput: The events do not form chains or are not sealed with this key.
            StoreError: The store is closed; nothing was stored.
        """
        return self._write(events)

    def _write(self, events: Iterable[Event]) -> int:
        items = as_event_list(events)
        rows, firsts = store_rows(items, self._key)
        if not rows:
            return 0
        with self._lock:
            self._open()
            for conversation_id, (seq, prev) in firsts.items():
                stored = self._events.get(conversation_id, ())
                if len(stored) != seq - 1:
                    raise ConflictError(conversation_id, seq - 1, len(stored))
                if stored and stored[-1].hash != prev:
                    msg = (
                        f"Conversation {conversation_id!r}: the events do not continue the "
                        f"stored chain (the stored event seq {len(stored)} has another hash); "
                        "nothing was written."
                    )
                    raise StoreError(msg)
            for event, row in zip(items, rows, strict=True):
                self._events.setdefault(event.conversation_id, []).append(event)
                self._rows.setdefault(event.conversation_id, []).append(row)
        return len(rows)

    # ------------------------------------------------------------------ reading

    def load(self, conversation_id: str) -> tuple[Event, ...]:
        """One conversation's events, oldest first; empty when it is not stored.

        Raises:
            InvalidInput: ``conversation_id`` is not a string.
            StoreError: The store is closed.
        """
        check_conversation_id(conversation_id)
        with self._lock:
            self._open()
            return tuple(self._events.get(conversation_id, ()))

    def conversation_ids(self) -> tuple[str, ...]:
        """The id of every stored conversation, sorted.

        Raises:
            StoreError: The store is closed.
        """
        with self._lock:
            self._open()
            return tuple(sorted(self._events))

    def head(self, conversation_id: str) -> Head:
        """The ``seq`` and ``hash`` of a conversation's last stored event.

        Raises:
            UnknownConversation: Nothing is stored under ``conversation_id``.
            InvalidInput: ``conversation_id`` is not a string.
            StoreError: The store is closed.
        """
        check_conversation_id(conversation_id)
        with self._lock:
            self._open()
            stored = self._events.get(conversation_id)
            if not stored:
                raise UnknownConversation(conversation_id)
            return Head(stored[-1].seq, stored[-1].hash)

    def verify(self) -> VerifyReport:
        """Check every chain against the canonical text recorded when it was appended.

        Returns:
            The heads of the intact chains and a finding for each broken one.

        Raises:
            StoreError: The store is closed.
        """
        with self._lock:
            self._open()
            rows = [row for cid in sorted(self._rows) for row in self._rows[cid]]
        chains = StoredChains(self._key)
        for row in rows:
            chains.row(row)
        heads, broken = chains.result()
        findings: tuple[Finding, ...] = tuple(broken)
        return VerifyReport(heads, findings)

    def conversations(
        self,
        *,
        protocol: str | None = None,
        phase: Phase | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> tuple[ConversationInfo, ...]:
        """One page of the stored conversations at a glance, ordered by id.

        Args:
            protocol: Only conversations under the protocol of this name.
            phase: Only conversations in this phase now.
            limit: The most conversations to return, 1 to 1000.
            after: The last id of the previous page; ``None`` for the first page.

        Returns:
            Up to ``limit`` conversations whose ids sort after ``after``; fewer (or none)
            at the end.

        Raises:
            InvalidInput: An argument is malformed, or ``limit`` is out of range.
            StoreError: The store is closed.
        """
        check_page(protocol, phase, limit, after)
        with self._lock:
            self._open()
            logs = [
                (cid, self._events[cid][0], self._events[cid][-1], len(self._events[cid]))
                for cid in sorted(self._events)
                if after is None or cid > after
            ]
        page: list[ConversationInfo] = []
        for cid, first, last, count in logs:
            info = conversation_info(
                cid, count, (first.at, first.data), (last.at, last.kind, last.phase, last.data)
            )
            if matches(info, protocol, phase):
                page.append(info)
                if len(page) == limit:
                    break
        return tuple(page)

    def due(self, on: date) -> tuple[DueItem, ...]:
        """What falls due by ``on`` in the stored conversations.

        See :func:`threetalk._stores.due_items` for what is due and what settles it.

        Args:
            on: The day to look at; items due on it or earlier are listed.

        Returns:
            The items due, by date, then conversation, kind and option.

        Raises:
            InvalidInput: ``on`` is not a date.
            StoreError: The store is closed.
        """
        check_day(on)
        with self._lock:
            self._open()
            events = [
                (event.conversation_id, event.seq, event.kind, event.data)
                for cid in sorted(self._events)
                for event in self._events[cid]
                if event.kind in DUE_KINDS
            ]
        return due_items(events, on)

    def events(self) -> Iterable[Event]:
        """Every stored event, conversation by conversation (sorted by id), oldest first."""
        for conversation_id in self.conversation_ids():
            yield from self.load(conversation_id)
