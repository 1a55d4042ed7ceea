"""Which staff a supervision view covers: the access rule of ``server.services.access`` applied to
the staff list, narrowed to one team on request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import StaffRow, TeamRow
from server.errors import ApiError
from server.services.access import visit_scope
from sync.protocol import ErrorCode


def check_team_visible(session: Session, caller: StaffRow, team_id: str) -> None:
    if session.get(TeamRow, team_id) is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no team {team_id!r}", team_id=team_id)
    scope = visit_scope(session, caller)
    if not scope.sees_everything and team_id not in scope.team_ids:
        raise ApiError(403, ErrorCode.FORBIDDEN, "that team is outside what you supervise")


def staff_in_scope(session: Session, caller: StaffRow, team_id: str | None) -> list[StaffRow]:
    """Active staff whose quotas the caller may see (a field role: only themselves)."""
    scope = visit_scope(session, caller)
    query = (
        select(StaffRow)
        .where(scope.staff_filter(), StaffRow.active)
        .order_by(StaffRow.team_id, StaffRow.role, StaffRow.id)
    )
    if team_id is not None:
        check_team_visible(session, caller, team_id)
        query = query.where(StaffRow.team_id == team_id)
    return list(session.scalars(query))
