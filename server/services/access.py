"""Who may see what: the one access rule every router that lists or shows visits, households or
staff goes through (issue 2 item 4).

- field roles (property assistant, interviewer, culture clerk) see their OWN visits and the
  households of their team (their 责任区);
- supervisors (customer-service and maintenance) see all of their team: its households, the visits
  made at them and the visits made by its staff;
- the centre manager sees the same for every team of the centre;
- the company manager and the admin see everything.

Everyone always sees the visits they made themselves. ``visit_scope`` resolves a caller's reach to
concrete team ids once; the ``Scope`` then answers for single rows (``sees_*``) and builds the SQL
filters list endpoints use (``*_filter``), so the row check and the list query cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from server.db.models import HouseholdRow, StaffRow, TeamRow, VisitRow
from sync.models import Role


class Reach(StrEnum):
    OWN = "own"
    TEAM = "team"
    CENTER = "center"
    ALL = "all"


ROLE_REACH: dict[Role, Reach] = {
    Role.PROPERTY_ASSISTANT: Reach.OWN,
    Role.INTERVIEWER: Reach.OWN,
    Role.CULTURE_CLERK: Reach.OWN,
    Role.CS_SUPERVISOR: Reach.TEAM,
    Role.MAINTENANCE_SUPERVISOR: Reach.TEAM,
    Role.CENTER_MANAGER: Reach.CENTER,
    Role.COMPANY_MANAGER: Reach.ALL,
    Role.ADMIN: Reach.ALL,
}


@dataclass(frozen=True)
class Scope:
    """A caller's reach resolved to ids: ``team_ids`` whose households (and, beyond OWN, whose
    staff's visits) are visible; ``center_ids`` whose team-less staff are visible (CENTER only)."""

    staff_id: str
    reach: Reach
    team_ids: frozenset[str] = frozenset()
    center_ids: frozenset[str] = frozenset()

    @property
    def sees_everything(self) -> bool:
        return self.reach is Reach.ALL

    def sees_household(self, household_team_id: str) -> bool:
        return self.sees_everything or household_team_id in self.team_ids

    def sees_staff(self, staff_id: str, team_id: str | None, center_id: str | None) -> bool:
        """Whose visits, quotas and records the caller may look at (field roles: only their own)."""
        if self.sees_everything or staff_id == self.staff_id:
            return True
        if self.reach is Reach.OWN:
            return False
        return team_id in self.team_ids or (team_id is None and center_id in self.center_ids)

    def sees_visit(
        self, visitor: tuple[str, str | None, str | None], household_team_id: str | None
    ) -> bool:
        """``visitor`` is (staff id, team id, centre id) of whoever made the visit."""
        if self.sees_staff(*visitor):
            return True
        if self.reach is Reach.OWN or household_team_id is None:
            return False
        return household_team_id in self.team_ids

    def household_filter(self) -> ColumnElement[bool]:
        if self.sees_everything:
            return true()
        return HouseholdRow.team_id.in_(self.team_ids) if self.team_ids else false()

    def staff_filter(self) -> ColumnElement[bool]:
        if self.sees_everything:
            return true()
        own = StaffRow.id == self.staff_id
        if self.reach is Reach.OWN:
            return own
        in_center = StaffRow.team_id.is_(None) & StaffRow.center_id.in_(self.center_ids)
        return or_(own, StaffRow.team_id.in_(self.team_ids), in_center)

    def visit_filter(self) -> ColumnElement[bool]:
        if self.sees_everything:
            return true()
        own = VisitRow.staff_id == self.staff_id
        if self.reach is Reach.OWN:
            return own
        by_staff = VisitRow.staff_id.in_(select(StaffRow.id).where(self.staff_filter()))
        at_households = VisitRow.household_id.in_(
            select(HouseholdRow.id).where(self.household_filter())
        )
        return or_(own, by_staff, at_households)


def visit_scope(session: Session, staff: StaffRow) -> Scope:
    """THE access rule: what ``staff`` may see, by role (see the module docstring)."""
    reach = ROLE_REACH[Role(staff.role)]
    if reach is Reach.ALL:
        return Scope(staff.id, reach)
    if reach is not Reach.CENTER:
        teams = frozenset({staff.team_id}) if staff.team_id else frozenset()
        return Scope(staff.id, reach, teams)
    center_id = staff.center_id or _center_of_team(session, staff.team_id)
    if center_id is None:
        return Scope(staff.id, reach)
    team_ids = session.scalars(select(TeamRow.id).where(TeamRow.center_id == center_id))
    return Scope(staff.id, reach, frozenset(team_ids), frozenset({center_id}))


def _center_of_team(session: Session, team_id: str | None) -> str | None:
    if team_id is None:
        return None
    team = session.get(TeamRow, team_id)
    return team.center_id if team else None


def can_see_household(session: Session, staff: StaffRow, household: HouseholdRow) -> bool:
    return visit_scope(session, staff).sees_household(household.team_id)


def can_see_visit(session: Session, staff: StaffRow, visit: VisitRow) -> bool:
    """One visit row, e.g. for ``GET /visits/{id}`` or a blob download."""
    scope = visit_scope(session, staff)
    visitor = session.get(StaffRow, visit.staff_id)
    household = session.get(HouseholdRow, visit.household_id)
    team_id, center_id = (visitor.team_id, visitor.center_id) if visitor else (None, None)
    return scope.sees_visit(
        (visit.staff_id, team_id, center_id), household.team_id if household else None
    )


def can_see_staff(session: Session, staff: StaffRow, other: StaffRow) -> bool:
    return visit_scope(session, staff).sees_staff(other.id, other.team_id, other.center_id)


def households_query_for(session: Session, staff: StaffRow) -> Select[HouseholdRow]:
    return select(HouseholdRow).where(visit_scope(session, staff).household_filter())


def visits_query_for(session: Session, staff: StaffRow) -> Select[VisitRow]:
    return select(VisitRow).where(visit_scope(session, staff).visit_filter())


def staff_query_for(session: Session, staff: StaffRow) -> Select[StaffRow]:
    return select(StaffRow).where(visit_scope(session, staff).staff_filter())
