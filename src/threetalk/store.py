"""Durable, tamper-evident audit trails: event stores, reopening, JSONL import and export.

:class:`SQLiteStore` keeps conversations in one SQLite file. Give it to a conversation and
every command's events are committed before the command returns::

    store = SQLiteStore("conversations.db")
    conv = Conversation(store=store)
    ...
    same = open_conversation(store, conv.id)    # loads, verifies, replays

:class:`PostgresStore` keeps them in a PostgreSQL database (``pip install
'threetalk[postgres]'``; see ``docs/postgres.md``), :class:`MemoryStore` in memory. Any
object that fits :class:`EventStore` can take the place of either; conversations only call
``append_events`` and read ``key``. See ``docs/store.md`` for what a hash chain protects
against and how to anchor :meth:`SQLiteStore.head` elsewhere.

The three stores also list their conversations a page at a time
(``store.conversations(protocol=None, phase=None, limit=100, after=None)``, giving
:class:`ConversationInfo` values) and what falls due by a date (``store.due(on)``, giving
:class:`DueItem` values), both from the stored events, so they survive restarts.

When two copies of a conversation write at once, one gets :class:`ConflictError` and
wrote nothing; :func:`retrying` reopens the conversation and gives the command again. A
store that cannot be reached at all (no connection to its server, a file that cannot be
opened) is :class:`StoreUnavailable`, a :class:`StoreError`.
"""

from __future__ import annotations

from threetalk._exceptions import (
    ConflictError,
    InvalidTrail,
    ProtocolMismatch,
    StoreError,
    StoreUnavailable,
    UnknownConversation,
)
from threetalk._jsonl import ImportReport, event_schema, export_jsonl, import_jsonl, read_jsonl
from threetalk._memory import MemoryStore
from threetalk._postgres import PostgresStore
from threetalk._rebuild import open_conversation, retrying, verify_store
from threetalk._sqlite import SCHEMA_VERSION, SQLiteStore
from threetalk._stores import ConversationInfo, DueItem, Finding, VerifyReport
from threetalk._trail import MIN_KEY_BYTES
from threetalk.typing import EventStore

__all__ = [
    "MIN_KEY_BYTES",
    "SCHEMA_VERSION",
    "ConflictError",
    "ConversationInfo",
    "DueItem",
    "EventStore",
    "Finding",
    "ImportReport",
    "InvalidTrail",
    "MemoryStore",
    "PostgresStore",
    "ProtocolMismatch",
    "SQLiteStore",
    "StoreError",
    "StoreUnavailable",
    "UnknownConversation",
    "VerifyReport",
    "event_schema",
    "export_jsonl",
    "import_jsonl",
    "open_conversation",
    "read_jsonl",
    "retrying",
    "verify_store",
]
