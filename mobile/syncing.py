"""The app's side of a sync: run ``sync.client.SyncClient`` and say what happened in plain words.

The client pushes completed visits (blobs first), then pulls assignments and households. Here
its outcome becomes a ``SyncReport`` the sync screen shows: a 401 means "enter your password
again" (unsynced work is never touched), a transport failure means "offline, will retry".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sync.store import VisitStore


@dataclass
class SyncProgress:
    """Items and bytes so far, for the progress bar."""

    items_done: int = 0
    items_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0

    @property
    def fraction(self) -> float | None:
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.items_total:
            return min(1.0, self.items_done / self.items_total)
        return None


@dataclass
class SyncReport:
    pushed: int = 0
    parked: int = 0
    pulled: int = 0
    error: str | None = None
    unauthorized: bool = False
    offline: bool = False


def _progress_from(raw: Any) -> SyncProgress:
    """Read whatever progress object the client hands out by its attribute names."""
    names = ("items_done", "items_total", "bytes_done", "bytes_total")
    return SyncProgress(*(int(getattr(raw, name, 0) or 0) for name in names))


def run_sync(
    store: VisitStore,
    server_url: str,
    token: str,
    progress: Callable[[SyncProgress], None] | None = None,
) -> SyncReport:
    """One sync round; never raises for network or auth trouble, reports it instead."""
    from sync.client import SyncClient

    def relay(raw: Any) -> None:
        if progress is not None:
            progress(_progress_from(raw))

    try:
        result = SyncClient(server_url, token, store).sync(progress=relay)
    except httpx.TransportError:
        return SyncReport(error="sync.error.offline", offline=True)
    except Exception as error:
        if _is_unauthorized(error):
            return SyncReport(error="sync.error.password_needed", unauthorized=True)
        raise
    return _report_from(result)


def _is_unauthorized(error: Exception) -> bool:
    status = getattr(error, "status", None) or getattr(error, "status_code", None)
    return status == 401 or type(error).__name__ in {"Unauthorized", "AuthError"}


def _report_from(result: Any) -> SyncReport:
    return SyncReport(
        pushed=int(getattr(result, "pushed", 0) or 0),
        parked=int(getattr(result, "parked", 0) or 0),
        pulled=int(getattr(result, "pulled", 0) or 0),
    )
