"""``threetalk verify``, ``threetalk export`` and ``threetalk import``.

``DB`` is a SQLite store file or a PostgreSQL URL (``postgresql://`` or ``postgres://``),
which opens a :class:`~threetalk.store.PostgresStore`; messages name such a store as
``PostgreSQL user@host:port/dbname``, never with its password.
``export`` writes the trail to standard output and ``import -`` reads it from standard
input, so ``threetalk export a.db | threetalk import - b.db`` copies a store. ``export``
reports on standard error how many events it wrote and each conversation's head (its last
``seq`` and hash), so that a copy cut off on the way can be noticed.

Exit codes: 0 ok, 1 verification or validation failed, 2 usage or I/O error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from threetalk._exceptions import InvalidInput, StoreError, StoreUnavailable
from threetalk._files import refuse_database_file
from threetalk._jsonl import export_jsonl, read_jsonl, store_trail
from threetalk._postgres import PostgresStore
from threetalk._rebuild import verify_store
from threetalk._sqlite import SQLiteStore
from threetalk._trail import check_key

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    Store = SQLiteStore | PostgresStore

OK = 0
FAILED = 1
USAGE = 2

_DB_HELP = "the store file, or a postgresql:// URL"


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help="file whose bytes, exactly as stored, are the key of a keyed store (>= 32 bytes)",
    )


def _fail(command: str, message: object, code: int) -> int:
    print(f"threetalk {command}: {message}", file=sys.stderr)
    return code


def _code(error: StoreError) -> int:
    """The exit code of a store's error: an I/O error when the store could not be
    reached or its file opened, else a failed check."""
    return USAGE if isinstance(error, StoreUnavailable) else FAILED


def _read_key(command: str, key_file: str | None) -> bytes | int | None:
    """The key from ``--key-file``, or an exit code after reporting why there is none."""
    if key_file is None:
        return None
    try:
        refuse_database_file(key_file, "--key-file")
        return check_key(Path(key_file).read_bytes())
    except OSError as error:
        return _fail(command, f"cannot read the key file: {error}", USAGE)
    except InvalidInput as error:
        return _fail(command, f"{key_file}: {error}", USAGE)


#: What a PostgreSQL URL starts with, as libpq reads it.
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_INSTALL = "a PostgreSQL store needs psycopg 3: pip install 'threetalk[postgres]'"


def is_postgres_url(db: str) -> bool:
    """Whether ``db`` names a PostgreSQL database (a URL) rather than a store file."""
    return db.lower().startswith(_POSTGRES_SCHEMES)


def label(db: str, store: Store) -> str:
    """How output names the store: its file as given, or the database without password."""
    return store.name if isinstance(store, PostgresStore) else db


def _open_postgres(command: str, url: str, key: bytes | None, *, create: bool) -> Store | int:
    """A :class:`PostgresStore` on ``url``, or an exit code after one line saying why not."""
    if importlib.util.find_spec("psycopg") is None:
        return _fail(command, _INSTALL, USAGE)
    try:
        return PostgresStore(url, key=key, create=create)
    except (InvalidInput, StoreUnavailable) as error:
        # libpq could not parse the URL, or no connection could be made with it (a port
        # out of range, an unknown host, a refused password); its messages never repeat
        # a password
        return _fail(command, error, USAGE)
    except StoreError as error:
        return _fail(command, error, FAILED)


def _open(command: str, db: str, key: bytes | None, *, create: bool) -> Store | int:
    if is_postgres_url(db):
        return _open_postgres(command, db, key, create=create)
    why = _unusable(db, create=create)
    if why is not None:
        return _fail(command, why, USAGE)
    try:
        return SQLiteStore(db, key=key, create=create)
    except StoreError as error:
        return _fail(command, error, _code(error))


def _unusable(db: str, *, create: bool) -> str | None:
    """Why ``db`` cannot name a store file to open (or, with ``create``, to make), if so."""
    if not db:
        return "the store is named by an empty path"
    path = Path(db)
    folder = path.parent
    if path.exists():
        return None
    if not create:
        return f"{db}: no such file"
    if not folder.is_dir():
        return f"{db}: no such folder: {folder}"
    if not os.access(folder, os.W_OK):
        return f"{db}: the folder {folder} cannot be written to"
    return None


def _open_existing(command: str, args: argparse.Namespace) -> Store | int:
    """The store ``args.db`` opened with the key of ``--key-file``, or an exit code."""
    key = _read_key(command, args.key_file)
    if isinstance(key, int):
        return key
    return _open(command, args.db, key, create=False)


# ---------------------------------------------------------------------- verify


def configure_verify(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk verify``."""
    parser.add_argument("db", metavar="DB", help=_DB_HELP)
    _key_option(parser)


def run_verify(args: argparse.Namespace) -> int:
    """Verify every chain of a store; print the first bad seq of each broken one."""
    store = _open_existing("verify", args)
    if isinstance(store, int):
        return store
    name = label(args.db, store)
    with store:
        report = verify_store(store)
    for finding in report.findings:
        print(f"{name}: {finding.severity}: {finding}")
    events = sum(head.seq for head in report.heads.values())
    if report.ok:
        print(f"{name}: ok: {len(report.heads)} conversations, {events} events verified")
        return OK
    broken = len({f.conversation_id for f in report.errors if f.conversation_id is not None})
    print(
        f"{name}: FAILED: {len(report.errors)} problems, {broken} broken conversations, "
        f"{len(report.heads)} intact",
    )
    return FAILED


# ---------------------------------------------------------------------- export


def configure_export(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk export``."""
    parser.add_argument("db", metavar="DB", help=_DB_HELP)
    parser.add_argument(
        "--format", choices=["jsonl"], default="jsonl", help="output format (only jsonl)"
    )
    parser.add_argument(
        "--force", action="store_true", help="export even if the store does not verify"
    )
    _key_option(parser)


def run_export(args: argparse.Namespace) -> int:
    """Write every event of a store to standard output, one JSON object per line.

    Standard error gets each conversation's head and the number of events written.
    """
    store = _open_existing("export", args)
    if isinstance(store, int):
        return store
    with store:
        if args.force:
            for finding in verify_store(store).errors:
                print(f"threetalk export: warning: {finding}", file=sys.stderr)
        # JSONL is UTF-8 whatever the terminal's encoding; the wrapper is detached after
        # use so that sys.stdout stays open.
        stdout = sys.stdout
        buffer = getattr(stdout, "buffer", None)
        stdout.flush()
        wrapper = None if buffer is None else io.TextIOWrapper(buffer, "utf-8", newline="\n")
        tally = _Tally(stdout if wrapper is None else wrapper)
        try:
            # _Tally has the part of a text stream export_jsonl uses, not all of IO[str].
            export_jsonl(store, cast("IO[str]", tally), force=args.force)
            tally.flush()
        except StoreUnavailable as error:  # e.g. the connection was lost for good
            return _fail("export", error, USAGE)
        except StoreError as error:
            name = label(args.db, store)
            return _fail("export", f"{name}: {error} (use --force to export anyway)", FAILED)
        except BrokenPipeError:
            _quiet_stdout()
            return _fail("export", f"standard output closed after {tally.events} events", USAGE)
        finally:
            if wrapper is not None:
                with contextlib.suppress(ValueError, OSError):
                    wrapper.detach()
    for conversation_id, (seq, hash_) in tally.heads.items():
        print(f"threetalk export: {conversation_id}: head seq {seq} {hash_}", file=sys.stderr)
    print(
        f"threetalk export: wrote {tally.events} events of {len(tally.heads)} conversations",
        file=sys.stderr,
    )
    return OK


class _Tally:
    """A text stream that passes JSONL lines on, counting them and noting each head.

    Only ``write``, ``writelines`` and ``flush``: what :func:`export_jsonl` uses of a
    stream.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._pending = ""
        self.events = 0
        #: conversation id -> (seq, hash) of the last line written for it
        self.heads: dict[str, tuple[int, str]] = {}

    def write(self, text: str) -> int:
        """Write ``text`` on, and note the events of the lines it completes."""
        written = self._stream.write(text)
        # Only "\n" ends a line: JSON escapes it inside strings, but not U+2028 and the
        # other breaks that str.splitlines() would split at.
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            event = json.loads(line)
            self.heads[event["conversation_id"]] = (event["seq"], event["hash"])
            self.events += 1
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of ``lines`` on."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the stream written to."""
        self._stream.flush()


def _quiet_stdout() -> None:
    """Point standard output at the null device once its reader has gone.

    Otherwise Python's flush at exit writes into the closed pipe and reports that too (the
    recipe of the :mod:`signal` documentation, "Note on SIGPIPE").
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


# ---------------------------------------------------------------------- import


def configure_import(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk import``."""
    parser.add_argument(
        "trail", metavar="TRAIL", help="the JSONL trail to import ('-': standard input)"
    )
    parser.add_argument("db", metavar="DB", help=_DB_HELP + " (a store is created if missing)")
    _key_option(parser)


def run_import(args: argparse.Namespace) -> int:
    """Check a JSONL trail completely, then write it to a store in one transaction."""
    key = _read_key("import", args.key_file)
    if isinstance(key, int):
        return key
    from_stdin = args.trail == "-"
    name = "<stdin>" if from_stdin else args.trail
    try:
        if from_stdin:
            events = read_jsonl(getattr(sys.stdin, "buffer", sys.stdin), key=key)
        else:
            events = read_jsonl(args.trail, key=key)
    except (OSError, InvalidInput) as error:
        return _fail("import", f"cannot read the trail: {error}", USAGE)
    except StoreError as error:
        return _fail("import", error, FAILED)
    store = _open("import", args.db, key, create=True)
    if isinstance(store, int):
        return store
    with store:
        try:
            report = store_trail(events, store, name)
        except StoreError as error:
            return _fail("import", error, _code(error))
    print(
        f"{label(args.db, store)}: imported {report.events} events of "
        f"{len(report.conversation_ids)} conversations"
    )
    return OK
