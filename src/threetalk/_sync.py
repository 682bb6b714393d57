"""One thread at a time: the lock that conversations and stores hold while they change.

An object that may be shared by threads keeps a ``threading.RLock`` (:func:`new_lock`) as
``_lock``, and holds it in every method that reads then writes, so two threads never
interleave inside them: a store's methods are wrapped in :func:`serialised`; a
conversation's commands, on the hot path, hold ``with self._lock:`` themselves (a wrapper
would cost each move about 4% more instructions). The lock is re-entrant: a subscriber
that gives a command from inside a command (same thread) goes straight through.
"""

from __future__ import annotations

import _thread
import functools
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable


class Lockable(Protocol):
    """An object guarded by its own re-entrant lock."""

    _lock: threading.RLock


_Self = TypeVar("_Self", bound=Lockable)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def serialised(
    method: Callable[Concatenate[_Self, _P], _R],
) -> Callable[Concatenate[_Self, _P], _R]:
    """Run ``method`` holding its object's ``_lock``: one thread at a time."""

    @functools.wraps(method)
    def locked(self: _Self, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


def new_lock() -> threading.RLock:
    """A fresh re-entrant lock for one object.

    ``_thread.RLock`` is the C lock that ``threading.RLock()`` returns, made without the
    factory's overhead (about 0.05 µs against 0.9 µs): every conversation makes one.
    """
    return _thread.RLock()
