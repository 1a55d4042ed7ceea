"""Which staff a supervision view covers: the access rule of ``server.services.access`` applied to
the staff list, narrowed to one team on request.

The views need four columns of each person, so only those are read (``StaffRef``): building a
thousand full ORM objects cost more than the quota aggregate itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from server.db.models import StaffRow, TeamRow
from server.errors import ApiError
from server.services.access import visit_scope
from sync.protocol import ErrorCode


@dataclass(frozen=True)
class StaffRef:
    id: str
    name: str
    role: str
    team_id: str | None

    @classmethod
    def of(cls, row: StaffRow) -> StaffRef:
        return cls(row.id, row.name, row.role, row.team_id)


def check_team_visible(session: Session, caller: StaffRow, team_id: str) -> None:
    if session.get(TeamRow, team_id) is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no team {team_id!r}", team_id=team_id)
    scope = visit_scope(session, caller)
    if not scope.sees_everything and team_id not in scope.team_ids:
        raise ApiError(403, ErrorCode.FORBIDDEN, "that team is outside what you supervise")


def staff_refs(session: Session, where: ColumnElement[bool]) -> list[StaffRef]:
    query = (
        select(StaffRow.id, StaffRow.name, StaffRow.role, StaffRow.team_id)
        .where(where, StaffRow.active)
        .order_by(StaffRow.team_id, StaffRow.role, StaffRow.id)
    )
    return [StaffRef(*row) for row in session.connection().execute(query)]  # Core: plain rows


def all_staff(session: Session) -> list[StaffRef]:
    return staff_refs(session, true())


def staff_in_scope(session: Session, caller: StaffRow, team_id: str | None) -> list[StaffRef]:
    """Active staff whose quotas the caller may see (a field role: only themselves)."""
    where = visit_scope(session, caller).staff_filter()
    if team_id is not None:
        check_team_visible(session, caller, team_id)
        where = where & (StaffRow.team_id == team_id)
    return staff_refs(session, where)
