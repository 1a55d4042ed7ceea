"""Serving the change feed to a phone, page by page, in sequence (= commit) order.

The highest committed sequence number is read *before* the changes: every change numbered up to
it is already committed (a number is handed out only after the previous holder committed, see
``server/services/changes.py``), so a page bounded by it can never miss a change that commits
later with a smaller number. When the page is the last one the cursor jumps to that bound, so a
phone with nothing addressed to it does not rescan the same rows next time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from server.db.models import ChangeRow, StaffRow
from server.db.session import Database
from server.services.access import visit_scope
from server.services.changes import current_change_seq
from server.services.quotas import own_quota_rows
from sync.policy import Policy
from sync.protocol import MAX_PULL_LIMIT, Change, ChangeType, PullResponse

DEFAULT_PULL_LIMIT = 200


def addressed_to(session: Session, staff: StaffRow) -> ColumnElement[bool]:
    """Changes for this staff member, or for a team whose households they may see."""
    scope = visit_scope(session, staff)
    if scope.sees_everything:
        for_teams: ColumnElement[bool] = ChangeRow.team_id.is_not(None)
    elif scope.team_ids:
        for_teams = ChangeRow.team_id.in_(scope.team_ids)
    else:
        for_teams = false()
    return or_(ChangeRow.staff_id == staff.id, for_teams)


def changes_page(
    session: Session, staff: StaffRow, cursor: int, limit: int
) -> tuple[list[Change], int, bool]:
    """(changes, next cursor, more) for changes after ``cursor``; call inside one read."""
    high = current_change_seq(session)
    query = (
        select(ChangeRow)
        .where(ChangeRow.seq > cursor, ChangeRow.seq <= high, addressed_to(session, staff))
        .order_by(ChangeRow.seq)
        .limit(limit + 1)
    )
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [Change(seq=row.seq, type=ChangeType(row.type), data=row.data) for row in rows]
    next_cursor = rows[-1].seq if more else max(cursor, high)
    return changes, next_cursor, more


def quota_snapshot(session: Session, staff: StaffRow, policy: Policy, seq: int) -> Change:
    """The same data ``publish_quota_rows`` writes to the feed, computed for this moment."""
    now = datetime.now(UTC)
    rows = own_quota_rows(session, policy, staff, now)
    data = {"as_of": now.isoformat(), "rows": [row.model_dump(mode="json") for row in rows]}
    return Change(seq=seq, type=ChangeType.QUOTA, data=data)


def clamp_limit(limit: int) -> int:
    """A page size the server is willing to serve."""
    return max(1, min(limit, MAX_PULL_LIMIT))


def pull_changes(
    database: Database, staff: StaffRow, cursor: int, limit: int, policy: Policy
) -> PullResponse:
    """One page of the caller's feed, read in one transaction; the last page also carries the
    caller's quota snapshot as of now, so a phone that just logged in has it too."""
    with database.read() as session:
        changes, next_cursor, more = changes_page(session, staff, cursor, clamp_limit(limit))
        if not more:
            changes.append(quota_snapshot(session, staff, policy, next_cursor))
    return PullResponse(
        changes=changes, cursor=next_cursor, more=more, server_epoch=database.server_epoch()
    )
