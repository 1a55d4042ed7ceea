"""Who may touch a store: one process (a lock file) and, inside it, one call at a time."""

from __future__ import annotations

import fcntl
import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Concatenate, ParamSpec, Protocol, TypeVar

from sync.store_types import StoreClosedError, StoreLockedError


class Guarded(Protocol):
    folder: Path
    mutex: threading.RLock
    closed: bool


G = TypeVar("G", bound=Guarded)
P = ParamSpec("P")
R = TypeVar("R")


def take_writer_lock(folder: Path) -> IO[bytes]:
    """``flock`` the folder's ``.lock`` (released by the kernel when the process dies, so a
    killed app never leaves a stale lock). Raises ``StoreLockedError`` if another holds it."""
    lock = (folder / ".lock").open("ab")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        lock.close()
        raise StoreLockedError(f"{folder} is open in another process") from exc
    return lock


def serialised(method: Callable[Concatenate[G, P], R]) -> Callable[Concatenate[G, P], R]:
    """One call at a time per store: the app's UI thread and its sync thread share one store,
    and a partition must never be edited by two calls at once."""

    def guarded(self: G, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.mutex:
            if self.closed:
                raise StoreClosedError(f"{self.folder} was closed")
            return method(self, *args, **kwargs)

    return functools.wraps(method)(guarded)
