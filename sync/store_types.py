"""What the offline store hands out and the errors it raises (see ``sync.store.VisitStore``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sync.models import Staff, Visit
from sync.protocol import ErrorCode


def now_iso() -> str:
    """UTC timestamps the store writes (completed_at, synced_at...): sortable as strings."""
    return datetime.now(UTC).isoformat()


class StoreError(Exception):
    """Base of every refusal by the store; ``code`` matches the server's code for the same rule."""

    code: ErrorCode = ErrorCode.INVALID


class StoreLockedError(StoreError):
    """Another process already has this store open for writing (one writer at a time)."""


class StoreCorruptError(StoreError):
    """A store file exists but is not valid JSON (disk damage, not a crash: writes are atomic).
    Never silently treated as empty, which would lose visits."""


class StoreClosedError(StoreError):
    """The store was closed; open it again."""


class VisitImmutableError(StoreError):
    """The visit was already completed: a completed record never changes (make a new visit)."""

    code = ErrorCode.CONFLICT


class ContentHashMismatchError(StoreError):
    """The signature's content_hash does not bind this record's content."""

    code = ErrorCode.HASH_MISMATCH


class MissingMediaError(StoreError):
    """The visit names photos or a signature PNG that are not in the store's media folder."""

    code = ErrorCode.MISSING_BLOBS

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"media not in the store: {', '.join(missing)}")
        self.missing = missing


class UnknownVisitError(StoreError):
    """No completed visit (or outbox entry) with this id is held."""

    code = ErrorCode.NOT_FOUND


class EpochMismatchError(StoreError):
    """A pull page from another server epoch: call ``on_epoch_change`` first, then pull from 0."""

    code = ErrorCode.BAD_CURSOR


class VisitState(StrEnum):
    """Where a completed visit stands on the phone."""

    PENDING = "pending"
    """Waiting in the outbox (includes visits requeued after a server epoch change)."""
    PARKED = "parked"
    """Rejected by the server; kept with its reason, never blocks the queue."""
    SYNCED = "synced"
    """Acknowledged (applied or duplicate) and moved to the month's history."""


@dataclass(frozen=True)
class OutboxEntry:
    """One op for ``POST /sync/push``: ``{"op_id", "type": "visit.upsert", "record"}``."""

    visit_id: str
    op_id: str
    record: dict[str, Any]
    """The visit's wire dict exactly as completed (``visit_wire``); push it unchanged."""
    blob_hashes: list[str]
    """Photos then signature PNG: what ``/blobs/missing`` must be asked about first."""
    attempts: int
    last_error: str | None
    completed_at: str
    requeued: bool = False
    """True when this visit was already synced and is re-sent because the server epoch changed."""


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    parked: int


@dataclass(frozen=True)
class ParkedItem:
    visit_id: str
    code: str
    message: str
    missing: list[str] | None
    parked_at: str
    record: dict[str, Any]


@dataclass(frozen=True)
class PullState:
    cursor: int
    server_epoch: str | None


@dataclass(frozen=True)
class DeviceSession:
    """What offline login needs: the last token, who it belongs to, and where the server is."""

    token: str
    expires_at: datetime
    staff: Staff
    server_url: str
    extra: dict[str, Any] = field(default_factory=dict)
    """Room for the app's own settings (e.g. an offline PIN hash); stored as JSON."""


@dataclass(frozen=True)
class HeldVisit:
    """A completed visit with its place in the sync lifecycle, for lists in the app."""

    visit: Visit
    state: VisitState
    completed_at: str
    synced_at: str | None = None
