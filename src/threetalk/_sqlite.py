"""The embedded event store: one SQLite file, append-only, one transaction per write.

Layout of a store file (schema version 1)::

    schema_version(version)                 one row: 1
    store_meta(name, value)                 'keyed' -> '0' | '1', 'key_check' -> hex or ''
    events(conversation_id, seq, at, kind, actor, phase, data, prev, hash)
        UNIQUE (conversation_id, seq)       two writers cannot both append seq n
    triggers                                every UPDATE or DELETE on these tables aborts

``PRAGMA application_id`` marks the file as a threetalk store. ``data`` holds the event's
data as canonical JSON; every other column holds the event field of the same name, ``at``
in its canonical text, so the hash covers exactly what is stored.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import stat
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

from threetalk._exceptions import (
    ConflictError,
    InvalidInput,
    StoreError,
    StoreUnavailable,
    UnknownConversation,
)
from threetalk._files import hold, leftovers, open_under_another_name, release
from threetalk._stores import (
    DUE_KINDS,
    ConversationInfo,
    DueItem,
    Finding,
    StoredChains,
    VerifyReport,
    check_conversation_id,
    check_day,
    check_keyed,
    check_layout,
    check_page,
    due_items,
    key_check,
    listed,
    stored_data,
    stored_events,
)
from threetalk._sync import new_lock, serialised
from threetalk._trail import Event, Head, check_key, store_rows

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import date
    from types import TracebackType

    from threetalk._phases import Phase
    from threetalk._trail.chain import Row


#: The layout version this threetalk reads and writes.
SCHEMA_VERSION: Final = 1
#: ``PRAGMA application_id`` of a threetalk store: "3TK1".
APPLICATION_ID: Final = 0x33544B31

_TABLES: Final = {
    "schema_version": "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "store_meta": ("CREATE TABLE store_meta (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"),
    "events": (
        "CREATE TABLE events ("
        " conversation_id TEXT NOT NULL,"
        " seq INTEGER NOT NULL CHECK (seq >= 1),"
        " at TEXT NOT NULL,"
        " kind TEXT NOT NULL,"
        " actor TEXT,"
        " phase TEXT NOT NULL,"
        " data TEXT NOT NULL,"
        " prev TEXT NOT NULL,"
        " hash TEXT NOT NULL,"
        " UNIQUE (conversation_id, seq))"
    ),
}

#: trigger name -> statement; one BEFORE UPDATE and one BEFORE DELETE per table.
TRIGGERS: Final = {
    f"{table}_no_{verb.lower()}": (
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'threetalk stores are append-only: "
        f"{verb} on {table} is not allowed'); END"
    )
    for table in _TABLES
    for verb in ("UPDATE", "DELETE")
}

_INSERT: Final = (
    "INSERT INTO events (conversation_id, seq, at, kind, actor, phase, data, prev, hash) VALUES "
)
_VALUES: Final = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
#: The start of a query for the stored rows of several conversations from a seq on: one
#: ``(conversation_id = ? AND seq >= ?)`` per conversation follows, joined by ``OR``.
_AFTER: Final = "SELECT conversation_id, seq, hash FROM events WHERE "
#: Conversations per such query, and rows per INSERT (9 values each), well inside
#: SQLite's oldest limit of 999 values per statement.
_HEADS_PER_QUERY: Final = 200
_ROWS_PER_INSERT: Final = 100
_HEAD: Final = "SELECT seq, hash FROM events WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1"
_LOAD: Final = (
    "SELECT seq, at, kind, actor, phase, data, prev, hash FROM events "
    "WHERE conversation_id = ? ORDER BY seq"
)

_ALL_ROWS: Final = (
    "SELECT conversation_id, seq, at, kind, actor, phase, data, prev, hash FROM events "
    "ORDER BY conversation_id, seq"
)

#: One page of conversation summaries: count, first and last row of each conversation.
#: ``UNIQUE (conversation_id, seq)`` gives the index every part of it walks; no other
#: index is needed (the schema stays version 1).
_PAGE: Final = (
    "SELECT p.conversation_id, p.n, f.seq, f.at, f.data, l.seq, l.at, l.kind, l.phase, l.data "
    "FROM (SELECT conversation_id, count(*) AS n, min(seq) AS lo, max(seq) AS hi "
    "FROM events {where} GROUP BY conversation_id ORDER BY conversation_id LIMIT ?) AS p "
    "JOIN events AS f ON f.conversation_id = p.conversation_id AND f.seq = p.lo "
    "JOIN events AS l ON l.conversation_id = p.conversation_id AND l.seq = p.hi "
    "ORDER BY p.conversation_id"
)
_FIRST_PAGE: Final = _PAGE.format(where="")
_NEXT_PAGE: Final = _PAGE.format(where="WHERE conversation_id > ?")
#: The events that set or settle a due date (no index on ``kind``: one pass over the table);
#: one parameter per kind of ``DUE_KINDS`` (SQLite refuses the query if they differ).
_DUE: Final = (
    "SELECT conversation_id, seq, kind, data FROM events "
    "WHERE kind IN (?, ?, ?, ?, ?, ?, ?, ?) ORDER BY conversation_id, seq"
)

_SYNCHRONOUS: Final = {"full": "FULL", "normal": "NORMAL"}
#: The primary result codes of a file SQLite cannot get at, rather than a bad one: no
#: permission, not openable (e.g. its folder refuses the ``-wal`` file), an I/O error.
_UNAVAILABLE: Final = frozenset(
    {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY}
)

Durability = Literal["full", "normal"]


class SQLiteStore:
    """Conversations' events in one SQLite file: durable, append-only, tamper-evident.

    Opening a path that does not exist creates a store there (atomically, mode 0600).
    Opening an existing file never changes or repairs it: a file that is not a threetalk
    store of this schema version is refused. One store object may be shared by every thread
    of a process: writes that wait for a commit together are committed together (one
    transaction and one sync, each write checked on its own), and reads go to a second,
    read-only connection while a write holds the first, so they never wait for one. Each
    process opens its own store, and processes coordinate through the file.

    Args:
        path: The store file.
        key: The secret of keyed chains (HMAC-SHA256), at least 32 bytes. A store is
            keyed or not from its creation on, and must be opened with the same key.
        durability: ``"full"`` (default): every commit reaches the disk before the command
            returns (WAL, ``synchronous=FULL``). ``"normal"``: commits survive a crash of
            the program but the last ones may be lost on power failure; much faster for
            bulk writes.
        create: Whether to create the store when ``path`` does not exist.
        timeout: Seconds to wait for another writer to finish before giving up.

    Raises:
        InvalidInput: An argument is malformed (e.g. a key shorter than 32 bytes).
        StoreUnavailable: The file or its folder cannot be read, opened or written (no
            permission, no such folder); a :class:`StoreError`.
        StoreError: The file is not a threetalk store, is of another schema version, is
            corrupt, does not exist (with ``create=False``), or the key does not fit.

    >>> import tempfile, threetalk as tt
    >>> from threetalk.store import SQLiteStore, open_conversation
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with SQLiteStore(f"{folder}/talks.db") as store:
    ...         conv = tt.Conversation(conversation_id="c1", store=store)
    ...         client = conv.join("Client", tt.Role.CLIENT)
    ...         again = open_conversation(store, "c1")
    ...         again.snapshot() == conv.snapshot(), store.head("c1").seq
    (True, 2)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key: bytes | None = None,
        durability: Durability = "full",
        create: bool = True,
        timeout: float = 10.0,
    ) -> None:
        key = check_key(key)
        if not isinstance(durability, str) or durability not in _SYNCHRONOUS:
            msg = f"durability: expected 'full' or 'normal', got {durability!r:.40}"
            raise InvalidInput(msg, "durability")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            msg = f"timeout: expected a number of seconds >= 0, got {timeout!r:.40}"
            raise InvalidInput(msg, "timeout")
        try:
            self._path = Path(path)
            encoded = os.fsencode(self._path)
        except (TypeError, UnicodeEncodeError):
            msg = f"path: expected a file path the file system can name, got {path!r:.80}"
            raise InvalidInput(msg, "path") from None
        if b"\x00" in encoded or not os.fspath(path):
            msg = f"path: {path!r:.80} is not a file name (empty, or holding a NUL character)"
            raise InvalidInput(msg, "path")
        self._key = key
        self._durability = durability
        self._timeout = float(timeout)
        self._connection: sqlite3.Connection | None = None
        self._lock = new_lock()
        # A second connection, opened when a read would otherwise wait for a write, so
        # that reads never queue behind a commit (guarded by _read_lock); False when it
        # cannot be opened on the very file the store has open.
        self._reader: sqlite3.Connection | Literal[False] | None = None
        self._read_lock = new_lock()
        self._identity: tuple[int, int] | None = None
        # Writes waiting for the next commit, and whether a thread is committing (see
        # _write); both guarded by _turn, which wakes the waiting writers.
        self._queue: list[_Pending] = []
        self._leading = False
        self._turn = threading.Condition(threading.Lock())
        try:
            exists = self._path.exists()
        except OSError as error:  # a name too long, a folder that cannot be searched
            msg = f"{self._path}: cannot look for a store there: {error}"
            raise StoreUnavailable(msg) from None
        if not exists:
            if not create:
                msg = f"{self._path}: no such store"
                raise StoreError(msg)
            _refuse_leftovers(self._path)
            _create(self._path, key, self._timeout)
        _refuse_another_name(self._path)
        self._connection = _open_existing(self._path, key, self._timeout)
        self._identity = _identity(self._path)
        hold(self._path)
        try:
            self._connection.execute("PRAGMA journal_mode = WAL").fetchone()
            self._connection.execute(f"PRAGMA synchronous = {_SYNCHRONOUS[durability]}")
        except sqlite3.Error as error:
            self.close()
            msg = f"{self._path}: cannot set up the store: {error}"
            raise StoreError(msg) from None

    # ------------------------------------------------------------------ properties

    @property
    def key(self) -> bytes | None:
        """The key of the store's keyed chains, or ``None``."""
        return self._key

    @property
    def path(self) -> Path:
        """The store file."""
        return self._path

    @property
    def durability(self) -> Durability:
        """``"full"`` or ``"normal"``, as opened."""
        return self._durability

    def __repr__(self) -> str:
        keyed = "keyed" if self._key is not None else "unkeyed"
        state = "closed" if self._connection is None else self._durability
        return f"<SQLiteStore {str(self._path)!r} ({keyed}, {state})>"

    # ------------------------------------------------------------------ lifetime

    @serialised
    def close(self) -> None:
        """Close the file; calling it again is harmless."""
        with self._read_lock:
            reader, self._reader = self._reader, None
            if reader:
                reader.close()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            release(self._path)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            msg = f"{self._path}: the store is closed"
            raise StoreError(msg)
        return self._connection

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection to read from: the store's own when no write holds it, else the
        reader (under WAL, it reads the last commit while the next one is being made).

        Raises:
            StoreError: The store is closed.
        """
        if self._lock.acquire(blocking=False):
            try:
                yield self._db()
            finally:
                self._lock.release()
            return
        with self._read_lock:
            reader = self._open_reader()
            if reader is not None:
                yield reader
                return
        with self._lock:
            yield self._db()

    def _open_reader(self) -> sqlite3.Connection | None:
        """The reader connection (holding ``_read_lock``), opened on first use; ``None``
        when it cannot be opened on the file the store has open (the path now names
        another file, say), so that reads wait for the store's own connection instead."""
        self._db()
        if self._reader is None:
            try:
                reader = _open_existing(self._path, self._key, self._timeout)
            except StoreError:
                self._reader = False
                return None
            try:
                reader.execute("PRAGMA query_only = ON")  # it never writes
                same = self._identity is not None and _identity(self._path) == self._identity
            except sqlite3.Error:
                same = False
            if same:
                self._reader = reader
            else:
                reader.close()
                self._reader = False
        return self._reader or None

    # ------------------------------------------------------------------ writing

    def append_events(self, events: Sequence[Event]) -> None:
        """Store the events of one command, in one transaction: all of them or none.

        This is what a conversation created with ``store=`` calls before it changes.

        Raises:
            ConflictError: Another writer appended to the conversation first.
            InvalidInput: The events do not continue each other, or are not sealed with
                this store's key.
            StoreError: The write failed (disk full, store locked too long, ...).
        """
        self._write(events)

    def append_many(self, events: Iterable[Event]) -> int:
        """Store events of any number of conversations in one transaction.

        Each conversation's events must come in order (they may be interleaved with other
        conversations'), continue what is stored of it, and carry hashes that verify
        under this store's key; all are checked before anything is written.

        Returns:
            How many events were stored.

        Raises:
            ConflictError: A conversation does not continue where the store has it.
            InvalidInput: The events do not form chains or are not sealed with this key.
            StoreError: The write failed; nothing was stored.
        """
        return self._write(events)

    def _write(self, events: Iterable[Event]) -> int:
        """Queue the events' rows; lead a commit, or wait while another thread's includes
        them (group commit).

        One thread at a time leads: it takes the file's write lock, then every write
        queued by then (its own among them), and commits them in one transaction and one
        sync. So the writes that arrive while a commit is on its way to the disk, or
        while the leader waits for another process's commit, share the next one. Each
        write is checked on its own: one that meets a conflict is left out and raises
        :class:`ConflictError` in its own thread, while the others are committed. Every
        writer returns (or raises) once its write is settled.
        """
        # Checking links and seals is the costly part of a write and needs no lock.
        rows, firsts = store_rows(events, self._key)
        if not rows:
            return 0
        pending = _Pending(rows, firsts)
        with self._turn:
            self._queue.append(pending)
            try:
                while not pending.settled and self._leading:
                    self._turn.wait()
            except BaseException:
                # Interrupted while waiting: taken out of the queue, unless a leader took
                # it already (it is then written, as when an interruption comes just after
                # a commit).
                if pending in self._queue:
                    self._queue.remove(pending)
                raise
            leads = not pending.settled
            self._leading = self._leading or leads
        if leads:
            try:
                self._lead(pending)
            finally:
                with self._turn:
                    if pending in self._queue:  # interrupted before its batch was taken
                        self._queue.remove(pending)
                    self._leading = False
                    self._turn.notify_all()
        if pending.error is not None:
            raise pending.error
        return len(rows)

    def _lead(self, own: _Pending) -> None:
        """Take the write lock, then the queued writes, and commit them, settling each.

        When the write lock cannot be had (another process kept it past ``timeout``),
        only the leader's own write fails: the others stay queued, and the next leader
        waits its own ``timeout`` for them.
        """
        with self._lock:
            if self._connection is None:
                with self._turn:
                    batch, self._queue = self._queue, []
                for pending in batch:  # an exception of its own for each thread to raise
                    pending.settle(StoreError(f"{self._path}: the store is closed"))
                return
            db = self._connection
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                with self._turn:
                    self._queue.remove(own)
                own.settle(self._write_failed(error))
                return
            with self._turn:
                batch, self._queue = self._queue, []
            try:
                if self._commit_open(db, batch, alone=len(batch) == 1):
                    return
                for pending in batch:  # the shared transaction failed: each on its own
                    try:
                        db.execute("BEGIN IMMEDIATE")
                    except sqlite3.Error as error:
                        pending.settle(self._write_failed(error))
                    else:
                        self._commit_open(db, [pending], alone=True)
            except BaseException:
                with self._turn:  # interrupted: the others' writes wait for the next leader
                    self._queue[:0] = [
                        other for other in batch if not other.settled and other is not own
                    ]
                raise

    def _commit_open(self, db: sqlite3.Connection, batch: list[_Pending], *, alone: bool) -> bool:
        """Write ``batch`` in the transaction just begun, leaving out the writes that do
        not fit, and commit.

        Returns:
            Whether the writes were settled: always when ``alone``; otherwise ``False``
            when the transaction failed for another reason than a conflict (it was rolled
            back and nothing is settled).
        """
        try:
            refusals = self._fit(db, batch)
            rows = [
                row
                for pending, refused in zip(batch, refusals, strict=True)
                if refused is None
                for row in pending.rows
            ]
            for start in range(0, len(rows), _ROWS_PER_INSERT):
                chunk = rows[start : start + _ROWS_PER_INSERT]
                db.execute(_insert(len(chunk)), [value for row in chunk for value in row])
            db.execute("COMMIT")
        except sqlite3.Error as error:
            _rollback(db)
            if not alone:
                return False
            batch[0].settle(self._write_failed(error))
            return True
        except BaseException:  # an interruption
            if db.in_transaction:
                _rollback(db)
            else:  # it came after the commit: the writes are stored
                for pending, refused in zip(batch, refusals, strict=True):
                    pending.settle(refused)
            raise
        for pending, refused in zip(batch, refusals, strict=True):
            pending.settle(refused)
        return True

    def _fit(self, db: sqlite3.Connection, batch: list[_Pending]) -> list[Exception | None]:
        """Whether each write of ``batch`` continues what is stored (and the writes before
        it in the batch): ``None``, or the :class:`ConflictError` (another writer was
        first) or :class:`StoreError` (the chain does not continue) its writer gets.

        One query reads, for every conversation written, the stored rows from the one
        the write continues on: the write lock is held, so nobody adds any meanwhile.
        """
        starts: dict[str, int] = {}
        for pending in batch:
            for conversation_id, (seq, _) in pending.firsts.items():
                starts[conversation_id] = min(seq - 1, starts.get(conversation_id, seq - 1))
        heads = self._heads(db, starts)
        refusals: list[Exception | None] = []
        for pending in batch:
            refused: Exception | None = None
            for conversation_id, (seq, prev) in pending.firsts.items():
                actual, stored = heads.get(conversation_id, (0, ""))
                if actual != seq - 1:
                    refused = ConflictError(conversation_id, seq - 1, actual)
                    break
                if seq > 1 and stored != prev:
                    msg = (
                        f"Conversation {conversation_id!r}: the events do not continue the "
                        f"stored chain (the stored event seq {actual} has another hash); "
                        "nothing was written."
                    )
                    refused = StoreError(msg)
                    break
            if refused is None:
                for row in pending.rows:
                    heads[row[0]] = (row[1], row[8])
            refusals.append(refused)
        return refusals

    def _heads(self, db: sqlite3.Connection, starts: dict[str, int]) -> dict[str, tuple[int, str]]:
        """The ``(seq, hash)`` of the stored head of each conversation in ``starts``
        (conversation id -> the seq a write continues on); ``(0, "")`` when none is
        stored. The hash is read only where the head is at or after that seq."""
        heads: dict[str, tuple[int, str]] = {}
        wanted = list(starts.items())
        for start in range(0, len(wanted), _HEADS_PER_QUERY):
            chunk = wanted[start : start + _HEADS_PER_QUERY]
            query = _AFTER + " OR ".join(["(conversation_id = ? AND seq >= ?)"] * len(chunk))
            for conversation_id, seq, hash_ in db.execute(
                query, [value for pair in chunk for value in pair]
            ):
                if seq > heads.get(conversation_id, (0, ""))[0]:
                    heads[conversation_id] = (seq, hash_)
        for conversation_id, start in wanted:
            if start > 0 and conversation_id not in heads:  # it ends before that, if at all
                heads[conversation_id] = (self._last_seq(db, conversation_id), "")
        return heads

    @staticmethod
    def _last_seq(db: sqlite3.Connection, conversation_id: str) -> int:
        row = db.execute(_HEAD, (conversation_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def _write_failed(self, error: sqlite3.Error) -> StoreError:
        return self._failed("write", error)

    def _read_failed(self, error: sqlite3.Error) -> StoreError:
        return self._failed("read", error)

    def _failed(self, doing: str, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "locked" in text or "busy" in text:
            text = f"another process kept the store busy for more than {self._timeout:g} s ({text})"
        return StoreError(f"{self._path}: could not {doing}: {text}; nothing was changed.")

    # ------------------------------------------------------------------ reading

    def load(self, conversation_id: str) -> tuple[Event, ...]:
        """One conversation's events, oldest first; empty when it is not stored.

        The events are read as stored, not verified: :func:`open_conversation` and
        :meth:`verify` check them.

        Raises:
            TamperedLog: A stored row cannot even be read as an event (``.seq`` is its
                position).
            StoreError: The file cannot be read.
        """
        check_conversation_id(conversation_id)
        return stored_events(conversation_id, self._fetch(_LOAD, (conversation_id,)))

    def conversation_ids(self) -> tuple[str, ...]:
        """The id of every stored conversation, sorted."""
        rows = self._fetch("SELECT DISTINCT conversation_id FROM events ORDER BY conversation_id")
        return tuple(row[0] for row in rows)

    def _fetch(self, query: str, parameters: Sequence[object] = ()) -> list[Any]:
        """Every row ``query`` gives.

        Raises:
            StoreError: The store is closed or cannot be read.
        """
        with self._reading() as db:
            try:
                return db.execute(query, parameters).fetchall()
            except sqlite3.Error as error:
                raise self._read_failed(error) from None

    def head(self, conversation_id: str) -> Head:
        """The ``seq`` and ``hash`` of a conversation's last stored event.

        Keep it outside the store (see ``docs/store.md``): it is what reveals events cut
        off the end of a chain. It is read as stored; :meth:`verify` first if in doubt.

        Raises:
            UnknownConversation: Nothing is stored under ``conversation_id``.
        """
        check_conversation_id(conversation_id)
        rows = self._fetch(_HEAD, (conversation_id,))
        if not rows:
            raise UnknownConversation(conversation_id)
        return Head(int(rows[0][0]), str(rows[0][1]))

    @serialised
    def verify(self) -> VerifyReport:
        """Check the whole store: the file, the append-only triggers, every chain.

        Every stored row is checked against its stored canonical text: links, hashes and
        the envelope invariants of a recorded conversation (see :mod:`threetalk._trail`).
        Damage is reported, never raised: a file SQLite cannot read becomes a finding for
        the store, a broken chain a finding for its conversation. To replay every
        conversation against its protocol as well, use
        :func:`threetalk.store.verify_store` (as ``threetalk verify`` does).

        Returns:
            The heads of the intact chains and every finding; ``report.ok`` is whether
            there is no error among them.

        Raises:
            StoreError: The store is closed.
        """
        db = self._db()
        findings: list[Finding] = []
        try:
            check = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as error:
            check = [(f"SQLite cannot check it ({error})",)]
        if [tuple(row) for row in check] != [("ok",)]:
            detail = "; ".join(str(row[0]) for row in check[:3])
            findings.append(Finding(f"The database file is damaged: {detail}."))
        try:
            present = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        except sqlite3.Error as error:
            findings.append(Finding(f"The store's schema cannot be read ({error})."))
            present = dict(TRIGGERS)
        missing = sorted(name for name in TRIGGERS if name not in present)
        replaced = sorted(
            name for name, sql in TRIGGERS.items() if name in present and present[name] != sql
        )
        if replaced:
            findings.append(
                Finding(
                    "The append-only triggers were replaced by others of the same name ("
                    + ", ".join(replaced)
                    + "): stored events may have been changed or deleted without an error."
                )
            )
        if missing:
            findings.append(
                Finding(
                    "The append-only triggers are missing ("
                    + ", ".join(missing)
                    + "): stored events can be changed or deleted without an error."
                )
            )
        mode = _mode(self._path)
        if mode is not None and mode & 0o077:
            findings.append(
                Finding(
                    f"The store file can be read or written by others (mode {mode:04o}); "
                    f"make it owner-only: chmod 600 {self._path}",
                    severity="warning",
                )
            )
        chains = StoredChains(self._key)
        try:
            for row in db.execute(_ALL_ROWS):
                chains.row(row)
        except sqlite3.Error as error:
            findings.append(
                Finding(
                    f"Reading the stored events failed ({error}); conversations after the "
                    "point of failure were not checked."
                )
            )
        heads, broken = chains.result()
        return VerifyReport(heads, (*findings, *broken))

    def conversations(
        self,
        *,
        protocol: str | None = None,
        phase: Phase | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> tuple[ConversationInfo, ...]:
        """One page of the stored conversations at a glance, ordered by id.

        Only the first and last row of each conversation are read (and its rows counted
        through the ``(conversation_id, seq)`` index), never a whole log. A filter is
        applied to those summaries, so a rare protocol or phase may take the summaries of
        many conversations to fill a page.

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
            TamperedLog: A stored row cannot be read.
            StoreError: The store is closed or cannot be read.
        """
        check_page(protocol, phase, limit, after)
        self._db()

        def fetch(after: str | None, count: int) -> list[tuple[object, ...]]:
            if after is None:
                return self._fetch(_FIRST_PAGE, (count,))
            return self._fetch(_NEXT_PAGE, (after, count))

        return listed(fetch, protocol, phase, limit, after)

    def due(self, on: date) -> tuple[DueItem, ...]:
        """What falls due by ``on`` in the stored conversations.

        Computed from the stored events of the kinds that set or settle a date (see
        :func:`threetalk._stores.due_items`), so nothing is lost when the app restarts.
        It reads those rows only, in one pass over the events table.

        Args:
            on: The day to look at; items due on it or earlier are listed.

        Returns:
            The items due, by date, then conversation, kind and option.

        Raises:
            InvalidInput: ``on`` is not a date.
            TamperedLog: A stored row cannot be read.
            StoreError: The store is closed or cannot be read.
        """
        check_day(on)
        rows = self._fetch(_DUE, DUE_KINDS)
        return due_items(
            ((cid, seq, kind, stored_data(data, seq)) for cid, seq, kind, data in rows), on
        )

    def events(self) -> Iterable[Event]:
        """Every stored event, conversation by conversation (sorted by id), oldest first."""
        for conversation_id in self.conversation_ids():
            yield from self.load(conversation_id)


class _Pending:
    """One write waiting for a commit: its rows, and once settled, its error or none."""

    __slots__ = ("error", "firsts", "rows", "settled")

    def __init__(self, rows: list[Row], firsts: dict[str, tuple[int, str]]) -> None:
        self.rows = rows
        self.firsts = firsts
        self.settled = False
        self.error: Exception | None = None

    def settle(self, error: Exception | None) -> None:
        """Record the outcome: committed (``None``) or the error its writer raises."""
        self.error = error
        self.settled = True


# ---------------------------------------------------------------------- files


@functools.cache
def _insert(rows: int) -> str:
    """The statement that inserts ``rows`` rows at once (one step of SQLite for all)."""
    return _INSERT + ", ".join([_VALUES] * rows)


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at ``path`` (a stat opens no descriptor)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


def _create(path: Path, key: bytes | None, timeout: float) -> None:
    """Build a new store beside ``path``, then link it into place if nobody was faster."""
    folder = path.parent if str(path.parent) else Path()
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=folder)
    except OSError as error:
        msg = f"{path}: cannot create a store there: {error}"
        raise StoreUnavailable(msg) from None
    os.close(handle)
    temporary = Path(name)
    try:
        db = _connect(temporary, timeout)
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
            db.execute("PRAGMA journal_mode = WAL").fetchone()
            db.execute("BEGIN")
            for statement in (*_TABLES.values(), *TRIGGERS.values()):
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            db.executemany(
                "INSERT INTO store_meta (name, value) VALUES (?, ?)",
                [("keyed", "1" if key is not None else "0"), ("key_check", key_check(key))],
            )
            db.execute("COMMIT")
        finally:
            db.close()
        _place(temporary, path)
    except (OSError, sqlite3.Error) as error:
        msg = f"{path}: cannot create a store there: {error}"
        raise StoreUnavailable(msg) from None
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _refuse_another_name(path: Path) -> None:
    """Refuse to open, under another name, a store file this process has open.

    Raises:
        StoreError: ``path`` is a hard link of a store file open in this process; SQLite
            would give the one database two write-ahead logs (one per name) and damage
            it (sqlite.org, "How To Corrupt An SQLite Database File", section 2.5).
    """
    other = open_under_another_name(path)
    if other is not None:
        msg = (
            f"{path}: this is another name (a hard link) of the store file {other}, which a "
            "store of this process has open; SQLite would keep two write-ahead logs for the "
            f"one database and damage it. Open it as {other}, or close that store first."
        )
        raise StoreError(msg)


def _refuse_leftovers(path: Path) -> None:
    """Refuse to create a store where an earlier database left its side files.

    SQLite would replay a stale ``-wal`` (or roll back a ``-journal``) into the new file,
    so a deleted store's conversations would come back in the new one and verify.

    Raises:
        StoreError: Naming each leftover file and what to do; they are left untouched.
    """
    found = leftovers(path)
    if found:
        names = ", ".join(str(name) for name in found)
        msg = (
            f"{path}: cannot create a new store there: an earlier database under that name "
            f"left {names}, which SQLite would bring back into the new store. If that "
            "database was deleted on purpose, delete these files too; if not, restore the "
            "database file beside them. They were left untouched."
        )
        raise StoreError(msg)


def _place(temporary: Path, path: Path) -> None:
    """Give the finished store its name without ever replacing an existing file."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        return  # another process created the store first: open theirs
    except OSError:
        # No hard links on this file system: a rename, guarded by a last look.
        if path.exists():
            return
        temporary.replace(path)
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _open_existing(path: Path, key: bytes | None, timeout: float) -> sqlite3.Connection:
    """Open ``path`` after making sure it is a threetalk store that fits ``key``.

    Only reads are made before the checks pass, so a foreign file is left as it was. The
    file is identified through SQLite alone: no descriptor of threetalk's own is ever
    opened on it, because on POSIX closing *any* descriptor of a file drops every lock the
    process holds on it, SQLite's included (sqlite.org, "How To Corrupt An SQLite Database
    File", section 2.2).
    """
    try:
        info = path.stat()  # a stat opens no descriptor
    except OSError as error:
        msg = f"{path}: cannot read it: {error}"
        raise StoreUnavailable(msg) from None
    if not stat.S_ISREG(info.st_mode):
        msg = f"{path}: not a regular file, so not a threetalk store"
        raise StoreError(msg)
    if info.st_size == 0:
        msg = f"{path}: the file is empty; it is not a threetalk store"
        raise StoreError(msg)
    try:
        # mode=rw: never create a file, should the path vanish after the stat
        db = sqlite3.connect(
            _uri(path, "rw"),
            timeout=timeout,
            isolation_level=None,
            uri=True,
            check_same_thread=False,  # shared by threads, one at a time (SQLiteStore._lock)
        )
    except sqlite3.Error as error:
        msg = f"{path}: cannot open it: {error}"
        raise StoreUnavailable(msg) from None
    try:
        _identify(db, path, key)
    except sqlite3.DatabaseError as error:
        db.close()
        if error.sqlite_errorcode & 0xFF in _UNAVAILABLE:
            msg = f"{path}: cannot open it: {error}"
            raise StoreUnavailable(msg) from None
        if error.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
            msg = f"{path}: not a SQLite database, so not a threetalk store"
        else:
            msg = f"{path}: the file is damaged or not a database ({error}); it was left as it is"
        raise StoreError(msg) from None
    except BaseException:
        db.close()
        raise
    return db


def _uri(path: Path, mode: str) -> str:
    """The ``file:`` URI SQLite opens ``path`` by, in ``mode`` (``ro``, ``rw``, ``rwc``)."""
    # The file system's own bytes: a name that is not UTF-8 (bytes kept as surrogates) opens
    # the very file it names.
    return f"file:{quote(os.fsencode(path.absolute()))}?mode={mode}"


def _identify(db: sqlite3.Connection, path: Path, key: bytes | None) -> None:
    (application_id,) = db.execute("PRAGMA application_id").fetchone()
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application_id != APPLICATION_ID or "schema_version" not in tables:
        msg = (
            f"{path}: a SQLite database of another application, not a threetalk store; "
            "it was left as it is"
        )
        raise StoreError(msg)
    versions = db.execute("SELECT version FROM schema_version").fetchall()
    check_layout(str(path), versions, tables, _TABLES, reads=SCHEMA_VERSION)
    meta = dict(db.execute("SELECT name, value FROM store_meta").fetchall())
    check_keyed(str(path), meta, key)
