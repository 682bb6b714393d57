"""The database files this process has open through SQLite, so that nothing else opens them.

On POSIX, closing *any* descriptor of a file drops every lock the process holds on that
file, SQLite's own included (sqlite.org, "How To Corrupt An SQLite Database File",
section 2.2). A store whose locks vanish can be overwritten by another process mid-write.
So every :class:`~threetalk.store.SQLiteStore` registers its file here while it is open,
and every other file threetalk opens itself (JSONL trails, key files, export targets,
simulation outputs) is checked against the register first.

Files are compared by name (the database, ``-wal``, ``-shm`` and ``-journal``) and by
``os.stat`` identity (hard and symbolic links); a stat opens no descriptor.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

from threetalk._exceptions import InvalidInput

#: The files SQLite keeps beside a database, by the suffix of their names.
SIDE_FILES: Final = ("", "-wal", "-shm", "-journal")

_lock = threading.Lock()
_open: dict[str, int] = {}  # real path of an open store file -> how many stores hold it
_identities: dict[str, tuple[int, int]] = {}  # real path -> (device, inode) when first held


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """The files SQLite keeps beside a database (``-wal``, ``-shm``, ``-journal``) that
    exist for ``path``: left by an earlier database of that name when ``path`` itself is
    gone. SQLite would replay a stale ``-wal`` (or roll back a ``-journal``) into a new
    database there, bringing the old one's contents back. A dangling link counts too."""
    return [
        side
        for suffix in SIDE_FILES[1:]
        if os.path.lexists(side := Path(f"{os.fspath(path)}{suffix}"))
    ]


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = Path(path).stat()
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def hold(path: str | os.PathLike[str]) -> None:
    """Register that a store of this process opened the database at ``path``."""
    real = _real(path)
    identity = _identity(real)
    with _lock:
        _open[real] = _open.get(real, 0) + 1
        if identity is not None:
            _identities.setdefault(real, identity)


def open_under_another_name(path: str | os.PathLike[str]) -> str | None:
    """The open store file that ``path`` is another name of (a hard link), if any.

    SQLite names a database's ``-wal`` and ``-shm`` files after the name it was opened
    by, so one file opened under two names in one process gets two write-ahead logs and
    is damaged. A symbolic link is no other name: it resolves to the same real path.
    """
    real = _real(path)
    identity = _identity(real)
    if identity is None:
        return None
    with _lock:
        held = list(_identities.items())
    return next((name for name, seen in held if seen == identity and name != real), None)


def release(path: str | os.PathLike[str]) -> None:
    """Register that one store of this process closed the database at ``path``."""
    real = _real(path)
    with _lock:
        left = _open.get(real, 0) - 1
        if left > 0:
            _open[real] = left
        else:
            _open.pop(real, None)
            _identities.pop(real, None)


def database_in_use(path: str | os.PathLike[str]) -> str | None:
    """The open store file that ``path`` is, or is a side file of; ``None`` if it is none."""
    try:
        real = _real(path)
    except (OSError, ValueError):  # a name no file can have (a NUL byte, a lone surrogate)
        return None
    with _lock:
        held = tuple(_open)
    if not held:
        return None
    try:
        found = Path(real).stat()
    except OSError:
        found = None
    for database in held:
        for suffix in SIDE_FILES:
            name = database + suffix
            if real == name:
                return database
            if found is not None:
                try:
                    if os.path.samestat(found, Path(name).stat()):
                        return database
                except OSError:
                    continue
    return None


def refuse_database_file(path: str | os.PathLike[str], argument: str) -> None:
    """Refuse to open ``path`` ourselves when it is a database a store of ours has open.

    Raises:
        InvalidInput: ``path`` is the database file of an open store, or its ``-wal``,
            ``-shm`` or ``-journal``; opening it would drop SQLite's locks (or overwrite
            the store).
    """
    database = database_in_use(path)
    if database is not None:
        msg = (
            f"{argument}: {os.fspath(path)!r} is the store file {database!r} (or one of "
            "SQLite's files beside it), which a store of this process has open; use "
            "another file"
        )
        raise InvalidInput(msg, argument)


def writable_path(path: str | os.PathLike[str], argument: str) -> Path:
    """``path`` as a :class:`Path`, once it is known that a file can be written there.

    Whether it is a database a store of this process has open is the caller's question
    (:func:`refuse_database_file`): a SQLite output may well be one.

    Raises:
        InvalidInput: It is not a text path, is no usable file name (a NUL, a lone
            surrogate, too long), names a folder, or its folder does not exist or cannot
            be written.
    """
    if not isinstance(path, str | os.PathLike) or not isinstance(os.fspath(path), str):
        msg = f"{argument}: expected a file path, got {type(path).__name__}"
        raise InvalidInput(msg, argument)
    target = Path(path)
    folder = target.parent if str(target.parent) else Path()
    try:
        if b"\x00" in os.fsencode(target):
            msg = "it holds a NUL character"
            raise ValueError(msg)
        is_folder, has_folder = target.is_dir(), folder.is_dir()
        writable = os.access(folder, os.W_OK) and (
            not target.exists() or os.access(target, os.W_OK)
        )
    except (OSError, ValueError) as error:  # a NUL byte, a lone surrogate, a name too long
        msg = f"{argument}: {str(target)!r:.120} is not a usable file name ({error})"
        raise InvalidInput(msg, argument) from None
    if is_folder:
        msg = f"{argument}: {str(target)!r} is a folder, not a file"
        raise InvalidInput(msg, argument)
    if not has_folder:
        msg = f"{argument}: the folder {str(folder)!r} does not exist"
        raise InvalidInput(msg, argument)
    if not writable:
        msg = f"{argument}: {str(target)!r} cannot be written (no permission)"
        raise InvalidInput(msg, argument)
    return target


def file_mode() -> int:
    """The mode a finished file gets: ``0o666`` less the process's umask (temporary
    files are made 0600 and take this mode when they are renamed into place)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def replaced_atomically(path: Path) -> Iterator[IO[str]]:
    """A text file that takes ``path``'s place only when the ``with`` block succeeds.

    It is written beside ``path`` under a temporary name, flushed to disk and renamed into
    place; if the block raises (an error, Ctrl-C), the temporary file is removed and
    ``path`` is left as it was. The finished file's mode follows the umask.

    Raises:
        OSError: The temporary file cannot be created, written or renamed.
    """
    folder = path.parent if str(path.parent) else Path()
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        temporary.chmod(file_mode())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
