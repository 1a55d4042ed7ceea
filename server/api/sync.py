"""``/sync/push`` and ``/sync/pull``: parse, authorise, hand over to the sync services."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import CurrentStaff, DatabaseDep, PolicyDep
from server.errors import ApiError
from server.services.sync_pull import DEFAULT_PULL_LIMIT, pull_changes
from server.services.sync_push import Pusher, push_visits
from sync.protocol import ErrorCode, PullResponse, PushRequest, PushResponse

router = APIRouter(tags=["sync"])


@router.post("/sync/push")
def push(
    body: PushRequest, staff: CurrentStaff, database: DatabaseDep, policy: PolicyDep
) -> PushResponse:
    """Each op applied in its own transaction; answered once all have committed."""
    pusher = Pusher(staff=staff, device_id=body.device_id, policy=policy)
    return push_visits(database, pusher, body.ops)


@router.get("/sync/pull")
def pull(
    staff: CurrentStaff,
    database: DatabaseDep,
    policy: PolicyDep,
    cursor: str = "0",
    limit: str | None = None,
) -> PullResponse:
    """The caller's changes after ``cursor``, in commit order, and their quota snapshot."""
    position, size = parse_cursor(cursor), parse_limit(limit)
    return pull_changes(database, staff, position, size, policy)


def parse_cursor(text: str) -> int:
    """A cursor is a sequence number the server handed out: a non-negative integer."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ApiError(
            400, ErrorCode.BAD_CURSOR, f"cursor must be a non-negative integer: {text!r}"
        )
    return int(text)


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_PULL_LIMIT
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ApiError(400, ErrorCode.INVALID, f"limit must be a positive integer: {text!r}")
    return int(text)
