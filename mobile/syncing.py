"""The app's side of a sync: run ``sync.client.SyncClient`` and say what happened in plain words.

The client pushes completed visits (blobs first), then pulls assignments and households. Here
its outcome becomes a ``SyncReport`` the sync screen shows: a 401 means "enter your password
again" (unsynced work is never touched), an unreachable server means "offline, will retry".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sync.client import (
    AuthExpired,
    RetryPolicy,
    SyncAborted,
    SyncClient,
    SyncError,
    SyncProgress,
    SyncUnavailable,
)
from sync.client_http import api_base
from sync.store import VisitStore

APP_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
"""A person is waiting at the screen: give up sooner than a background sync would."""

__all__ = ["SyncProgress", "SyncReport", "progress_fraction", "run_sync", "server_reachable"]


@dataclass
class SyncReport:
    pushed: int = 0
    parked: int = 0
    pulled: int = 0
    error: str | None = None
    unauthorized: bool = False
    offline: bool = False
    detail: str = ""
    """The technical reason, for the log and a support call; the screen shows ``error``."""


def server_reachable(server_url: str, timeout: float = 3.0) -> bool:
    """A cheap probe before an automatic sync, so a phone without network stays quiet."""
    try:
        response = httpx.get(api_base(server_url) + "/health", timeout=timeout)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def progress_fraction(progress: SyncProgress) -> float | None:
    """Bytes when there are blobs to send, else visits; None = indeterminate (a pull, whose
    length is unknown until it ends); full once the sync is done, whatever it carried."""
    if progress.phase == "done":
        return 1.0
    if progress.phase == "pull":
        return None
    if progress.bytes_total and progress.phase in {"push", "upload"}:
        return min(1.0, progress.bytes_done / progress.bytes_total)
    if progress.items_total:
        return min(1.0, progress.items_done / progress.items_total)
    return None


def run_sync(
    store: VisitStore,
    server_url: str,
    token: str,
    progress: Callable[[SyncProgress], None] | None = None,
    retry: RetryPolicy | None = None,
) -> SyncReport:
    """One sync round; never raises for network or auth trouble, reports it instead."""
    client = SyncClient(server_url, token, store, retry=retry or APP_RETRY)
    try:
        result = client.sync(progress=progress)
    except AuthExpired:
        return SyncReport(error="sync.error.password_needed", unauthorized=True)
    except SyncUnavailable:
        return SyncReport(error="sync.error.offline", offline=True)
    except SyncAborted:
        return SyncReport(error="sync.error.cancelled")
    except (httpx.HTTPError, ValueError) as problem:
        return SyncReport(error="sync.error.offline", offline=True, detail=str(problem))
    except SyncError as problem:
        return SyncReport(
            error="sync.error.protocol", detail=f"{type(problem).__name__}: {problem}"
        )
    finally:
        client.transport.http.close()
    return SyncReport(
        pushed=result.pushed + result.duplicates, parked=result.parked, pulled=result.pulled
    )
