"""``threetalk verify``, ``threetalk export`` and ``threetalk import``.

Exit codes: 0 ok, 1 verification or validation failed, 2 usage or I/O error.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from threetalk._exceptions import InvalidInput, StoreError
from threetalk._files import refuse_database_file
from threetalk._jsonl import export_jsonl, read_jsonl, store_trail
from threetalk._rebuild import verify_store
from threetalk._sqlite import SQLiteStore
from threetalk._trail import check_key

if TYPE_CHECKING:
    import argparse

OK = 0
FAILED = 1
USAGE = 2


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help="file whose bytes, exactly as stored, are the key of a keyed store (>= 32 bytes)",
    )


def _fail(command: str, message: object, code: int) -> int:
    print(f"threetalk {command}: {message}", file=sys.stderr)
    return code


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


def _open(command: str, db: str, key: bytes | None, *, create: bool) -> SQLiteStore | int:
    if not create and not Path(db).exists():
        return _fail(command, f"{db}: no such file", USAGE)
    try:
        return SQLiteStore(db, key=key, create=create)
    except StoreError as error:
        return _fail(command, error, FAILED)


def _open_existing(command: str, args: argparse.Namespace) -> SQLiteStore | int:
    """The store ``args.db`` opened with the key of ``--key-file``, or an exit code."""
    key = _read_key(command, args.key_file)
    if isinstance(key, int):
        return key
    return _open(command, args.db, key, create=False)


# ---------------------------------------------------------------------- verify


def configure_verify(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk verify``."""
    parser.add_argument("db", metavar="DB", help="the store file")
    _key_option(parser)


def run_verify(args: argparse.Namespace) -> int:
    """Verify every chain of a store; print the first bad seq of each broken one."""
    store = _open_existing("verify", args)
    if isinstance(store, int):
        return store
    with store:
        report = verify_store(store)
    for finding in report.findings:
        print(f"{args.db}: {finding.severity}: {finding}")
    events = sum(head.seq for head in report.heads.values())
    if report.ok:
        print(f"{args.db}: ok: {len(report.heads)} conversations, {events} events verified")
        return OK
    broken = len({f.conversation_id for f in report.errors if f.conversation_id is not None})
    print(
        f"{args.db}: FAILED: {len(report.errors)} problems, {broken} broken conversations, "
        f"{len(report.heads)} intact",
    )
    return FAILED


# ---------------------------------------------------------------------- export


def configure_export(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk export``."""
    parser.add_argument("db", metavar="DB", help="the store file")
    parser.add_argument(
        "--format", choices=["jsonl"], default="jsonl", help="output format (only jsonl)"
    )
    parser.add_argument(
        "--force", action="store_true", help="export even if the store does not verify"
    )
    _key_option(parser)


def run_export(args: argparse.Namespace) -> int:
    """Write every event of a store to standard output, one JSON object per line."""
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
        try:
            export_jsonl(store, stdout if wrapper is None else wrapper, force=args.force)
            if wrapper is not None:
                wrapper.flush()
        except StoreError as error:
            return _fail("export", f"{args.db}: {error} (use --force to export anyway)", FAILED)
        except BrokenPipeError:
            return USAGE
        finally:
            if wrapper is not None:
                with contextlib.suppress(ValueError, OSError):
                    wrapper.detach()
    return OK


# ---------------------------------------------------------------------- import


def configure_import(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``threetalk import``."""
    parser.add_argument("trail", metavar="TRAIL", help="the JSONL trail to import")
    parser.add_argument("db", metavar="DB", help="the store file (created if missing)")
    _key_option(parser)


def run_import(args: argparse.Namespace) -> int:
    """Check a JSONL trail completely, then write it to a store in one transaction."""
    key = _read_key("import", args.key_file)
    if isinstance(key, int):
        return key
    try:
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
            report = store_trail(events, store, args.trail)
        except StoreError as error:
            return _fail("import", error, FAILED)
    print(
        f"{args.db}: imported {report.events} events of "
        f"{len(report.conversation_ids)} conversations"
    )
    return OK
