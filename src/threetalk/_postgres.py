"""The server event store: PostgreSQL through psycopg 3, append-only, one transaction per write.

Layout of a store (schema ``threetalk``, version 1)::

    threetalk.schema_version(version)           one row: 1
    threetalk.store_meta(name, value)           'keyed' -> '0' | '1', 'key_check' -> hex or ''
    threetalk.events(conversation_id, seq, at, kind, actor, phase, data, prev, hash)
        UNIQUE (conversation_id, seq)           two writers cannot both append seq n
    threetalk.refuse_change() and triggers      every UPDATE, DELETE or TRUNCATE of these
                                                tables raises an error

The columns are those of the SQLite store: ``at`` holds the event's canonical time text and
``data`` its canonical JSON as ``TEXT`` (``jsonb`` would reorder keys), so every hash
verifies from the stored text alone. ``conversation_id`` sorts by code point (``COLLATE
"C"``), as Python sorts. Table and schema names are constants; every value is a parameter.

psycopg is optional: this module imports it only when a store is created, so
``threetalk.store`` imports without it.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any, Final, NoReturn

from threetalk._exceptions import (
    ConflictError,
    InvalidInput,
    StoreError,
    StoreUnavailable,
    UnknownConversation,
)
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
from threetalk._sync import new_lock
from threetalk._trail import Event, Head, check_key, store_rows

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import date
    from types import TracebackType

    import psycopg
    from psycopg_pool import ConnectionPool

    from threetalk._phases import Phase

#: The schema that holds a store's tables.
SCHEMA: Final = "threetalk"
#: The layout version this threetalk reads and writes.
SCHEMA_VERSION: Final = 1
#: The transaction-level advisory lock taken while a store is created ("3TK1").
CREATE_LOCK: Final = 0x33544B31

_INSTALL: Final = "PostgresStore needs psycopg 3: pip install 'threetalk[postgres]'"

#: The function every append-only trigger calls.
REFUSE_CHANGE: Final = (
    "BEGIN RAISE EXCEPTION 'threetalk stores are append-only: % on %.% is not allowed', "
    "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END"
)

_TABLES: Final = {
    "schema_version": "CREATE TABLE threetalk.schema_version (version INTEGER NOT NULL)",
    "store_meta": (
        "CREATE TABLE threetalk.store_meta (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
    ),
    "events": (
        "CREATE TABLE threetalk.events ("
        ' conversation_id TEXT COLLATE "C" NOT NULL,'
        " seq BIGINT NOT NULL CHECK (seq >= 1),"
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

#: trigger name -> statement: per table, one row trigger (UPDATE, DELETE) and one statement
#: trigger (TRUNCATE), all calling threetalk.refuse_change().
TRIGGERS: Final = {
    **{
        f"{table}_append_only": (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON threetalk.{table} "
            "FOR EACH ROW EXECUTE FUNCTION threetalk.refuse_change()"
        )
        for table in _TABLES
    },
    **{
        f"{table}_no_truncate": (
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON threetalk.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION threetalk.refuse_change()"
        )
        for table in _TABLES
    },
}

_CREATE: Final = (
    *_TABLES.values(),
    "CREATE FUNCTION threetalk.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$"
    + REFUSE_CHANGE
    + "$body$",
    *TRIGGERS.values(),
)

#: Whether the schema exists, and how many tables, sequences, views ... it holds.
_SCHEMA_STATE: Final = (
    "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = %s), "
    "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s)"
)
_SCHEMA_TABLES: Final = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')"
)
_SCHEMA_TRIGGERS: Final = (
    "SELECT t.tgname, t.tgenabled, p.proname, pn.nspname, p.prosrc "
    "FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_proc p ON p.oid = t.tgfoid "
    "JOIN pg_namespace pn ON pn.oid = p.pronamespace "
    "WHERE n.nspname = %s AND NOT t.tgisinternal"
)

_INSERT: Final = (
    "INSERT INTO threetalk.events"
    " (conversation_id, seq, at, kind, actor, phase, data, prev, hash) VALUES "
)
_VALUES: Final = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
#: The most rows one INSERT statement carries (9 parameters each; PostgreSQL takes at
#: most 65,535); a write of more rows goes through COPY. Neither uses ``executemany``,
#: whose pipeline mode, when a write is interrupted (Ctrl-C) or fails, has psycopg log
#: "error ignored terminating Pipeline" on standard error.
_ROWS_PER_INSERT: Final = 1000
_COPY: Final = (
    "COPY threetalk.events"
    " (conversation_id, seq, at, kind, actor, phase, data, prev, hash) FROM STDIN"
)
_HEAD: Final = (
    "SELECT seq, hash FROM threetalk.events WHERE conversation_id = %s ORDER BY seq DESC LIMIT 1"
)
_TAILS: Final = (
    "SELECT DISTINCT ON (conversation_id) conversation_id, seq, hash FROM threetalk.events "
    "WHERE conversation_id = ANY(%s) ORDER BY conversation_id, seq DESC"
)
_LOAD: Final = (
    "SELECT seq, at, kind, actor, phase, data, prev, hash FROM threetalk.events "
    "WHERE conversation_id = %s ORDER BY seq"
)
_IDS: Final = "SELECT DISTINCT conversation_id FROM threetalk.events ORDER BY conversation_id"
_ALL_ROWS: Final = (
    "SELECT conversation_id, seq, at, kind, actor, phase, data, prev, hash "
    "FROM threetalk.events ORDER BY conversation_id, seq"
)

#: One page of conversation summaries: count, first and last row of each conversation,
#: through the index of ``UNIQUE (conversation_id, seq)``; no other index is needed.
_PAGE: Final = (
    "SELECT p.conversation_id, p.n, f.seq, f.at, f.data, l.seq, l.at, l.kind, l.phase, l.data "
    "FROM (SELECT conversation_id, count(*) AS n, min(seq) AS lo, max(seq) AS hi "
    "FROM threetalk.events {where} GROUP BY conversation_id ORDER BY conversation_id "
    "LIMIT %s) AS p "
    "JOIN threetalk.events AS f ON f.conversation_id = p.conversation_id AND f.seq = p.lo "
    "JOIN threetalk.events AS l ON l.conversation_id = p.conversation_id AND l.seq = p.hi "
    "ORDER BY p.conversation_id"
)
_FIRST_PAGE: Final = _PAGE.format(where="")
_NEXT_PAGE: Final = _PAGE.format(where="WHERE conversation_id > %s")
#: The events that set or settle a due date (no index on ``kind``: one pass over the table).
_DUE: Final = (
    "SELECT conversation_id, seq, kind, data FROM threetalk.events "
    "WHERE kind = ANY(%s) ORDER BY conversation_id, seq"
)

#: Seconds to wait for a server when the conninfo does not say (libpq waits forever).
CONNECT_TIMEOUT: Final = 10


class PostgresStore:
    """Conversations' events in a PostgreSQL database: shared, append-only, tamper-evident.

    The store lives in the schema ``threetalk`` of the database, created (with its
    append-only triggers) when absent; creation holds an advisory lock, so many processes
    opening a new database at once make one store. Opening a database that has its store
    never changes or repairs it: a ``threetalk`` schema of another layout, another
    version or another key is refused.

    Given a conninfo, the store keeps **one connection**, which the threads of a process
    take turns on; it reconnects after
    the connection is lost. Given a :class:`psycopg_pool.ConnectionPool`, every command
    borrows a connection from the pool, so threads work in parallel; the pool stays
    yours to open and close. Each process opens its own store; processes coordinate
    through the database (``UNIQUE (conversation_id, seq)``).

    Example::

        store = PostgresStore("postgresql://app@db.example/talks", key=key)
        conv = Conversation(store=store)

    Args:
        conninfo_or_pool: A libpq connection string (``"postgresql://user@host/db"`` or
            ``"host=... dbname=..."``) or a ``psycopg_pool.ConnectionPool``.
        key: The secret of keyed chains (HMAC-SHA256), at least 32 bytes. A store is
            keyed or not from its creation on, and must be opened with the same key.
        create: Whether to create the store when the database has none.

    Raises:
        InvalidInput: An argument is malformed (a key shorter than 32 bytes, a conninfo
            libpq cannot parse, something that is neither a string nor a pool).
        StoreUnavailable: The server cannot be reached (refused, unknown host, a bad
            port, a password refused); a :class:`StoreError`.
        StoreError: psycopg is not installed; the database holds a ``threetalk`` schema
            that is not a store of this version (a newer one names both versions); it
            has no store (with ``create=False``); the key does not fit.
    """

    def __init__(
        self,
        conninfo_or_pool: str | ConnectionPool[Any],
        *,
        key: bytes | None = None,
        create: bool = True,
    ) -> None:
        key = check_key(key)
        if not isinstance(create, bool):
            msg = f"create: expected True or False, got {create!r:.40}"
            raise InvalidInput(msg, "create")
        pg = _import_psycopg()
        self._key = key
        self._lock = new_lock()
        self._closed = False
        self._own: psycopg.Connection[Any] | None = None
        self._pool: ConnectionPool[Any] | None = None
        self._conninfo = ""
        if isinstance(conninfo_or_pool, str):
            self._conninfo = conninfo_or_pool
            self._name = _describe(_parse(conninfo_or_pool))
        elif _is_pool(conninfo_or_pool):
            self._pool = conninfo_or_pool
            # named by its connections once one is made; a pool's conninfo may be a callable
            self._name = f"PostgreSQL pool {conninfo_or_pool.name!r}"
        else:
            msg = (
                "conninfo_or_pool: expected a connection string or a "
                f"psycopg_pool.ConnectionPool, got {type(conninfo_or_pool).__name__}"
            )
            raise InvalidInput(msg, "conninfo_or_pool")
        self._identified = False
        try:
            with self._session() as connection:
                self._name = _describe_connection(connection)
                _prepare(connection, self._name, key, create=create)
        except pg.Error as error:
            self.close()
            msg = f"{self._name}: cannot open the store: {_text(error)}; nothing was changed."
            raise StoreError(msg) from None
        except BaseException:
            self.close()
            raise
        self._identified = True

    # ------------------------------------------------------------------ properties

    @property
    def key(self) -> bytes | None:
        """The key of the store's keyed chains, or ``None``."""
        return self._key

    @property
    def name(self) -> str:
        """The database, as messages name it: ``PostgreSQL user@host:port/dbname``."""
        return self._name

    def __repr__(self) -> str:
        keyed = "keyed" if self._key is not None else "unkeyed"
        state = "closed" if self._closed else ("pooled" if self._pool else "one connection")
        return f"<PostgresStore {self._name!r} ({keyed}, {state})>"

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Close the store's own connection (a pool given to it stays open); harmless twice."""
        with self._lock:
            self._closed = True
            connection, self._own = self._own, None
        if connection is not None:
            connection.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection for one command: the store's own (its lock held) or the pool's.

        Raises:
            StoreError: The store is closed.
            StoreUnavailable: No connection can be made.
        """
        if self._pool is not None:
            self._check_open()
            with contextlib.ExitStack() as stack:
                try:
                    connection = stack.enter_context(self._pool.connection())
                except _import_psycopg().Error as error:
                    raise self._unreachable(error) from None
                yield connection
            return
        with self._lock:
            self._check_open()
            connection = self._own
            if connection is None or connection.closed:
                self._own = None
                connection = self._own = self._connect()
            yield connection

    def _connect(self) -> psycopg.Connection[Any]:
        """A new connection of the store's own, in autocommit (each command its transaction).

        Raises:
            StoreUnavailable: The server cannot be reached.
            StoreError: The store is gone.
        """
        pg = _import_psycopg()
        options: dict[str, Any] = {"autocommit": True}
        given = _parse(self._conninfo)
        if "connect_timeout" not in given:
            options["connect_timeout"] = CONNECT_TIMEOUT
        if "application_name" not in given:
            options["application_name"] = "threetalk"
        try:
            connection: psycopg.Connection[Any] = pg.connect(self._conninfo, **options)
        except pg.Error as error:
            raise self._unreachable(error) from None
        if self._identified:
            # a reconnection: make sure it is still the store it was
            try:
                _identify(connection, self._name, self._key)
            except BaseException:
                connection.close()
                raise
        return connection

    def _check_open(self) -> None:
        if self._closed:
            msg = f"{self._name}: the store is closed"
            raise StoreError(msg)

    def _unreachable(self, error: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"{self._name}: cannot connect to the database: {_text(error)}")

    # ------------------------------------------------------------------ writing

    def append_events(self, events: Sequence[Event]) -> None:
        """Store the events of one command, in one transaction: all of them or none.

        This is what a conversation created with ``store=`` calls before it changes.

        Raises:
            ConflictError: Another writer appended to the conversation first.
            InvalidInput: The events do not continue each other, or are not sealed with
                this store's key.
            StoreError: The write failed (the server cannot be reached, the connection
                was lost, ...); the message says whether anything may have been stored.
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
        rows, firsts = store_rows(events, self._key)
        if not rows:
            return 0
        pg = _import_psycopg()
        later = [cid for cid, (seq, _) in firsts.items() if seq > 1]
        for retry in (True, False):
            began = committing = False
            used: psycopg.Connection[Any] | None = None
            try:
                with self._session() as connection, connection.transaction():
                    began, used = True, connection
                    cursor = connection.cursor(row_factory=pg.rows.tuple_row)
                    if later:
                        cursor.execute(_TAILS, (later,))
                        tails = {row[0]: (int(row[1]), str(row[2])) for row in cursor}
                        for conversation_id in later:
                            seq, prev = firsts[conversation_id]
                            _check_tail(conversation_id, seq, prev, tails.get(conversation_id))
                    if len(rows) > _ROWS_PER_INSERT:
                        # Many rows (append_many, an import): COPY, in the same transaction
                        # and under the same constraints and triggers as an INSERT.
                        with cursor.copy(_COPY) as copy:
                            for row in rows:
                                copy.write_row(row)
                    else:
                        cursor.execute(_insert(len(rows)), [v for row in rows for v in row])
                    committing = True  # the transaction commits as the block ends
            except (pg.errors.IntegrityError, pg.errors.SerializationFailure) as error:
                self._raise_conflict(firsts, error)
            except pg.OperationalError as error:
                if retry and not began and _lost(used, self._own):
                    # lost before the transaction began (a connection that died while
                    # idle): nothing was sent, so a new connection may try once more
                    continue
                raise self._write_failed(error, committing=committing) from None
            except pg.Error as error:
                raise self._write_failed(error, committing=committing) from None
            return len(rows)
        raise AssertionError  # pragma: no cover - the second attempt returns or raises

    def _raise_conflict(self, firsts: dict[str, tuple[int, str]], error: Exception) -> NoReturn:
        """Raise the conflict behind a failed insert, or a StoreError if there is none."""
        pg = _import_psycopg()
        try:
            with self._session() as connection:
                cursor = connection.cursor(row_factory=pg.rows.tuple_row)
                cursor.execute(_TAILS, (list(firsts),))
                tails = {row[0]: int(row[1]) for row in cursor.fetchall()}
        except pg.Error:
            raise self._write_failed(error, committing=False) from None
        for conversation_id, (seq, _) in firsts.items():
            actual = tails.get(conversation_id, 0)
            if actual >= seq:
                raise ConflictError(conversation_id, seq - 1, actual) from None
        raise self._write_failed(error, committing=False) from None

    def _write_failed(self, error: BaseException, *, committing: bool) -> StoreError:
        if committing:
            return StoreError(
                f"{self._name}: could not write: {_text(error)}; the connection failed while "
                "committing, so the events may or may not be stored: reopen the "
                "conversation to see."
            )
        return StoreError(f"{self._name}: could not write: {_text(error)}; nothing was changed.")

    def _read_failed(self, error: BaseException) -> StoreError:
        return StoreError(f"{self._name}: could not read: {_text(error)}; nothing was changed.")

    def _read(self, query: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        """All rows of one query, through one connection.

        Raises:
            StoreError: The store is closed or cannot be read.
        """
        pg = _import_psycopg()
        for retry in (True, False):
            used: psycopg.Connection[Any] | None = None
            try:
                with self._session() as connection:
                    used = connection
                    cursor = connection.cursor(row_factory=pg.rows.tuple_row)
                    return cursor.execute(query, parameters).fetchall()
            except pg.OperationalError as error:
                if retry and _lost(used, self._own):
                    continue  # a lost connection: reading again on a new one is harmless
                raise self._read_failed(error) from None
            except pg.Error as error:
                raise self._read_failed(error) from None
        raise AssertionError  # pragma: no cover - the second attempt returns or raises

    # ------------------------------------------------------------------ reading

    def load(self, conversation_id: str) -> tuple[Event, ...]:
        """One conversation's events, oldest first; empty when it is not stored.

        The events are read as stored, not verified: :func:`open_conversation` and
        :meth:`verify` check them.

        Raises:
            TamperedLog: A stored row cannot even be read as an event (``.seq`` is its
                position).
            InvalidInput: ``conversation_id`` is not a string.
            StoreError: The store is closed or cannot be read.
        """
        check_conversation_id(conversation_id)
        return stored_events(conversation_id, self._read(_LOAD, (conversation_id,)))

    def conversation_ids(self) -> tuple[str, ...]:
        """The id of every stored conversation, sorted (by code point, as Python sorts).

        Raises:
            StoreError: The store is closed or cannot be read.
        """
        return tuple(row[0] for row in self._read(_IDS, ()))

    def head(self, conversation_id: str) -> Head:
        """The ``seq`` and ``hash`` of a conversation's last stored event.

        Keep it outside the store (see ``docs/store.md``): it is what reveals events cut
        off the end of a chain. It is read as stored; :meth:`verify` first if in doubt.

        Raises:
            UnknownConversation: Nothing is stored under ``conversation_id``.
            InvalidInput: ``conversation_id`` is not a string.
            StoreError: The store is closed or cannot be read.
        """
        check_conversation_id(conversation_id)
        rows = self._read(_HEAD, (conversation_id,))
        if not rows:
            raise UnknownConversation(conversation_id)
        return Head(int(rows[0][0]), str(rows[0][1]))

    def verify(self) -> VerifyReport:
        """Check the whole store: the append-only triggers and every chain.

        Every stored row is checked against its stored canonical text: links, hashes and
        the envelope invariants of a recorded conversation (see :mod:`threetalk._trail`).
        Damage is reported, never raised: missing, disabled or altered triggers are a
        finding for the store, a broken chain a finding for its conversation, a read
        that fails part-way a finding too. To replay every conversation against its
        protocol as well, use :func:`threetalk.store.verify_store`.

        Returns:
            The heads of the intact chains and every finding; ``report.ok`` is whether
            there is no error among them.

        Raises:
            StoreError: The store is closed, or the server cannot be reached at all.
        """
        pg = _import_psycopg()
        findings: list[Finding] = []
        chains = StoredChains(self._key)
        with self._session() as connection:
            try:
                cursor = connection.cursor(row_factory=pg.rows.tuple_row)
                triggers = cursor.execute(_SCHEMA_TRIGGERS, (SCHEMA,)).fetchall()
            except pg.Error as error:
                findings.append(Finding(f"The store's triggers cannot be read ({_text(error)})."))
            else:
                findings.extend(_trigger_findings(triggers))
            try:
                with (
                    connection.transaction(),
                    connection.cursor(
                        name="threetalk_verify", row_factory=pg.rows.tuple_row
                    ) as rows,
                ):
                    rows.itersize = 5000
                    rows.execute(_ALL_ROWS)
                    for row in rows:
                        chains.row(row)
            except pg.Error as error:
                findings.append(
                    Finding(
                        f"Reading the stored events failed ({_text(error)}); conversations "
                        "after the point of failure were not checked."
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
            Up to ``limit`` conversations whose ids sort after ``after`` (by code point);
            fewer (or none) at the end.

        Raises:
            InvalidInput: An argument is malformed, or ``limit`` is out of range.
            TamperedLog: A stored row cannot be read.
            StoreError: The store is closed or cannot be read.
        """
        check_page(protocol, phase, limit, after)

        def fetch(after: str | None, count: int) -> list[tuple[Any, ...]]:
            if after is None:
                return self._read(_FIRST_PAGE, (count,))
            return self._read(_NEXT_PAGE, (after, count))

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
        rows = self._read(_DUE, (list(DUE_KINDS),))
        return due_items(
            ((cid, int(seq), kind, stored_data(data, int(seq))) for cid, seq, kind, data in rows),
            on,
        )

    def events(self) -> Iterable[Event]:
        """Every stored event, conversation by conversation (sorted by id), oldest first.

        Raises:
            TamperedLog: A stored row cannot even be read as an event.
            StoreError: The store is closed or cannot be read.
        """
        for conversation_id in self.conversation_ids():
            yield from self.load(conversation_id)


# ---------------------------------------------------------------------- psycopg


@functools.cache
def _insert(rows: int) -> str:
    """The statement that inserts ``rows`` events at once."""
    return _INSERT + ", ".join([_VALUES] * rows)


def _import_psycopg() -> Any:
    """The psycopg module, imported on first use.

    Raises:
        StoreError: psycopg is not installed; the message says how to install it.
    """
    try:
        import psycopg  # noqa: PLC0415 - an optional dependency, imported when needed
        import psycopg.rows  # noqa: PLC0415
    except ImportError as error:
        msg = f"{_INSTALL} ({error})"
        raise StoreError(msg) from None
    return psycopg


def _is_pool(value: object) -> bool:
    """Whether ``value`` is a psycopg_pool ConnectionPool (without importing it needlessly)."""
    if not any(kind.__module__.startswith("psycopg_pool") for kind in type(value).__mro__):
        return False
    try:
        from psycopg_pool import ConnectionPool  # noqa: PLC0415 - optional dependency
    except ImportError:  # pragma: no cover - a pool object implies the package
        return False
    return isinstance(value, ConnectionPool)


def _parse(conninfo: str) -> dict[str, Any]:
    """The parameters of a conninfo string.

    Raises:
        InvalidInput: libpq cannot parse it.
    """
    pg = _import_psycopg()
    try:
        return dict(pg.conninfo.conninfo_to_dict(conninfo))
    except pg.Error as error:
        msg = f"conninfo: not a PostgreSQL connection string: {_text(error)}"
        raise InvalidInput(msg, "conninfo_or_pool") from None


def _lost(used: psycopg.Connection[Any] | None, own: psycopg.Connection[Any] | None) -> bool:
    """Whether a command failed because its connection was lost (it is closed now).

    ``used`` is the connection, when the command got as far as using it; a write that
    failed on ``BEGIN`` did not, and its connection is the store's own one (if any).
    """
    connection = used if used is not None else own
    return connection is None or connection.closed


def _describe(parameters: dict[str, Any]) -> str:
    """The database a conninfo names, without its password, for messages."""
    user = parameters.get("user")
    host = parameters.get("host") or parameters.get("hostaddr") or "localhost"
    port = parameters.get("port") or 5432
    dbname = parameters.get("dbname") or user or "?"
    return f"PostgreSQL {user + '@' if user else ''}{host}:{port}/{dbname}"


def _describe_connection(connection: psycopg.Connection[Any]) -> str:
    info = connection.info
    return f"PostgreSQL {info.user}@{info.host}:{info.port}/{info.dbname}"


def _text(error: BaseException) -> str:
    """An error's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


# ---------------------------------------------------------------------- the schema


def _prepare(
    connection: psycopg.Connection[Any], name: str, key: bytes | None, *, create: bool
) -> None:
    """Create the store if the database has none (and ``create``), then identify it.

    A store is created when the schema ``threetalk`` is absent, or present and empty (as
    a database administrator may make it, to choose its owner). Creation holds a
    transaction-level advisory lock and looks again once it has it, so of many processes
    opening a new database at once, one creates the store and the others open it.

    Raises:
        StoreError: It is not a store this threetalk can open with ``key``.
        psycopg.Error: The database refused a statement (the caller names the store).
    """
    with connection.transaction():
        schemas, relations = _state(connection)
    if schemas and relations:
        _identify(connection, name, key)
        return
    if not create:
        msg = f"{name}: the database has no threetalk store (no tables in schema {SCHEMA!r})"
        raise StoreError(msg)
    with connection.transaction():
        # READ COMMITTED, so that the look after the lock sees a store made meanwhile
        connection.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK,))
        schemas, relations = _state(connection)
        if not relations:
            if not schemas:
                connection.execute("CREATE SCHEMA threetalk")
            for statement in _CREATE:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO threetalk.schema_version (version) VALUES (%s)", (SCHEMA_VERSION,)
            )
            connection.execute(
                "INSERT INTO threetalk.store_meta (name, value) VALUES (%s, %s), (%s, %s)",
                ("keyed", "1" if key is not None else "0", "key_check", key_check(key)),
            )
    _identify(connection, name, key)


def _state(connection: psycopg.Connection[Any]) -> tuple[int, int]:
    """Whether the schema ``threetalk`` exists (1 or 0), and how many relations it holds."""
    pg = _import_psycopg()
    cursor = connection.cursor(row_factory=pg.rows.tuple_row)
    row = cursor.execute(_SCHEMA_STATE, (SCHEMA, SCHEMA)).fetchone()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def _identify(connection: psycopg.Connection[Any], name: str, key: bytes | None) -> None:
    """Make sure the database's ``threetalk`` schema is a store of this version for ``key``.

    Only reads are made, so a foreign schema is left as it was.

    Raises:
        StoreError: Naming what does not fit.
    """
    pg = _import_psycopg()
    with connection.transaction():
        cursor = connection.cursor(row_factory=pg.rows.tuple_row)
        tables = {row[0] for row in cursor.execute(_SCHEMA_TABLES, (SCHEMA,))}
        if not tables:
            msg = f"{name}: the database has no threetalk store (no tables in schema {SCHEMA!r})"
            raise StoreError(msg)
        if "schema_version" not in tables:
            msg = (
                f"{name}: the schema {SCHEMA!r} is not a threetalk store (it has no "
                "schema_version table); it was left as it is"
            )
            raise StoreError(msg)
        versions = cursor.execute("SELECT version FROM threetalk.schema_version").fetchall()
        check_layout(
            name, versions, tables, _TABLES, reads=SCHEMA_VERSION, table="threetalk.schema_version"
        )
        meta = dict(cursor.execute("SELECT name, value FROM threetalk.store_meta").fetchall())
    check_keyed(name, meta, key)


def _trigger_findings(triggers: Iterable[Sequence[Any]]) -> list[Finding]:
    """Findings for append-only triggers that are missing, disabled or call another function."""
    found = {str(row[0]): row for row in triggers}
    findings = []
    missing = sorted(set(TRIGGERS) - set(found))
    if missing:
        findings.append(
            Finding(
                "The append-only triggers are missing ("
                + ", ".join(missing)
                + "): stored events can be changed or deleted without an error."
            )
        )
    # 'O' fires in ordinary sessions, 'A' always; 'D' is disabled, 'R' fires only on replicas
    disabled = sorted(name for name in set(TRIGGERS) & set(found) if found[name][1] not in "OA")
    if disabled:
        findings.append(
            Finding(
                "The append-only triggers are disabled ("
                + ", ".join(disabled)
                + "): stored events can be changed or deleted without an error."
            )
        )
    altered = sorted(
        name
        for name in set(TRIGGERS) & set(found)
        if (found[name][3], found[name][2], found[name][4])
        != (SCHEMA, "refuse_change", REFUSE_CHANGE)
    )
    if altered:
        findings.append(
            Finding(
                "The append-only triggers do not call threetalk's refuse_change() as created ("
                + ", ".join(altered)
                + "): they may let stored events be changed or deleted."
            )
        )
    return findings


def _check_tail(conversation_id: str, seq: int, prev: str, tail: tuple[int, str] | None) -> None:
    """Refuse events that do not continue the stored chain of their conversation.

    Raises:
        ConflictError: The stored chain does not end just before ``seq``.
        StoreError: It does, but with another hash than ``prev``.
    """
    actual = 0 if tail is None else tail[0]
    if actual != seq - 1:
        raise ConflictError(conversation_id, seq - 1, actual)
    if tail is not None and tail[1] != prev:
        msg = (
            f"Conversation {conversation_id!r}: the events do not continue the stored "
            f"chain (the stored event seq {actual} has another hash); nothing was written."
        )
        raise StoreError(msg)
