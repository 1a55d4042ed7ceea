"""Assignments on the server: follow-ups of closed sources routed by level (R4), revisits (R10)
and rectifications (R19) after a visit, and the monthly relationship plan (R16).

Each new or changed assignment is written to the change feed, addressed to its assignee, in the
same transaction, so it reaches their phone on the next pull. Ids come from ``sync.planning``
and are stable, so running any of this twice creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.db.models import AssignmentRow, HouseholdRow, SourceRow, StaffRow
from server.services.changes import record_change
from server.services.coverage import source_from_row
from server.services.quotas import own_quota_rows
from server.services.staff import staff_record
from sync.models import Assignment, AssignmentStatus, Household, Staff, Visit
from sync.periods import Period
from sync.planning import (
    fulfils,
    rectification_assignment,
    relationship_plan,
    revisit_assignment,
    source_assignments,
)
from sync.policy import Policy
from sync.protocol import ChangeType


def assignment_from_row(row: AssignmentRow) -> Assignment:
    return Assignment.model_validate(
        {
            "id": row.id,
            "staff_id": row.staff_id,
            "household_id": row.household_id,
            "kind": row.kind,
            "source_id": row.source_id,
            "previous_id": row.previous_id,
            "due": row.due,
            "reason": row.reason,
            "status": row.status,
        }
    )


def household_from_row(row: HouseholdRow) -> Household:
    return Household.model_validate(
        {c.key: getattr(row, c.key) for c in HouseholdRow.__table__.columns}
    )


def publish_assignment(session: Session, assignment: Assignment) -> None:
    data = assignment.model_dump(mode="json")
    record_change(session, ChangeType.ASSIGNMENT, assignment.id, data, staff_id=assignment.staff_id)


def save_assignment(session: Session, assignment: Assignment) -> bool:
    """Insert a new assignment and publish it; an id already there is left alone (idempotent)."""
    if session.get(AssignmentRow, assignment.id) is not None:
        return False
    row = AssignmentRow(
        id=assignment.id,
        staff_id=assignment.staff_id,
        household_id=assignment.household_id,
        kind=assignment.kind.value,
        source_id=assignment.source_id,
        previous_id=str(assignment.previous_id) if assignment.previous_id else None,
        due=assignment.due,
        reason=assignment.reason,
        status=assignment.status.value,
    )
    session.add(row)
    session.flush()
    publish_assignment(session, assignment)
    return True


def save_all(session: Session, assignments: Iterable[Assignment]) -> list[Assignment]:
    return [a for a in assignments if save_assignment(session, a)]


def active_staff(session: Session) -> list[Staff]:
    rows = session.scalars(select(StaffRow).where(StaffRow.active).order_by(StaffRow.id))
    return [staff_record(row) for row in rows]


def assign_sources(
    session: Session, policy: Policy, source_ids: Sequence[str] | None = None
) -> list[Assignment]:
    """Assignments for closed sources (all, or the given ids), routed by level; returns the new."""
    query = select(SourceRow).where(SourceRow.closed_at.is_not(None)).order_by(SourceRow.id)
    if source_ids is not None:
        query = query.where(SourceRow.id.in_(source_ids))
    staff = active_staff(session)
    made: list[Assignment] = []
    for row in session.scalars(query).all():
        household = session.get(HouseholdRow, row.household_id) if row.household_id else None
        found = household_from_row(household) if household else None
        made += save_all(session, source_assignments(source_from_row(row), found, staff, policy))
    return made


_OPEN_AT_HOUSEHOLD = select(AssignmentRow.id).where(
    AssignmentRow.staff_id == bindparam("staff"),
    AssignmentRow.household_id == bindparam("household"),
    AssignmentRow.status == AssignmentStatus.OPEN.value,
)


def complete_fulfilled(session: Session, visit: Visit) -> list[Assignment]:
    """Open assignments this visit does (R10 revisit made, source followed up, plan visit done).

    A Core look first: most pushed visits have nothing open at their household, and loading
    through the ORM for nothing was a fifth of applying a visit."""
    where = {"staff": visit.staff_id, "household": visit.household_id}
    open_ids = list(session.connection().execute(_OPEN_AT_HOUSEHOLD, where).scalars())
    if not open_ids:
        return []
    query = select(AssignmentRow).where(AssignmentRow.id.in_(open_ids))
    done: list[Assignment] = []
    for row in session.scalars(query).all():
        if fulfils(assignment_from_row(row), visit):
            row.status, row.done_visit_id = AssignmentStatus.DONE.value, str(visit.id)
            done.append(assignment_from_row(row))
            publish_assignment(session, done[-1])
    return done


def reopen_done_by(session: Session, visit_id: str) -> list[Assignment]:
    """A visit returned by review no longer counts (R2), so what it fulfilled is open again."""
    query = select(AssignmentRow).where(
        AssignmentRow.done_visit_id == visit_id,
        AssignmentRow.status == AssignmentStatus.DONE.value,
    )
    reopened: list[Assignment] = []
    for row in session.scalars(query).all():
        row.status, row.done_visit_id = AssignmentStatus.OPEN.value, None
        reopened.append(assignment_from_row(row))
        publish_assignment(session, reopened[-1])
    return reopened


def assignments_after_visit(session: Session, visit: Visit, policy: Policy) -> list[Assignment]:
    """Call inside the transaction that applied a pushed visit. Closes the assignments it
    fulfils and creates a revisit for an unsatisfied owner (R10) and a rectification for failed
    inspection items (R19). Returns the assignments created.

    The visitor's quota is not republished here: the last page of every pull carries their
    snapshot as of that moment (``sync_pull``), so one per visit in the feed was 40 recounts of
    the month for a day's push that the phone would overwrite on its next pull anyway."""
    complete_fulfilled(session, visit)
    follow = [revisit_assignment(visit, policy), rectification_assignment(visit, policy)]
    return save_all(session, [a for a in follow if a is not None])


def publish_quota_rows(session: Session, policy: Policy, staff_id: str, now: datetime) -> None:
    """The staff member's own quota rows for this month, for Today on their phone (offline)."""
    staff = session.get(StaffRow, staff_id)
    if staff is None:
        return
    rows = own_quota_rows(session, policy, staff, now)
    data = {"as_of": now.isoformat(), "rows": [row.model_dump(mode="json") for row in rows]}
    record_change(session, ChangeType.QUOTA, staff_id, data, staff_id=staff_id)


def generate_relationship_plan(
    session: Session, policy: Policy, period: Period
) -> list[Assignment]:
    """R16: the month's sampled relationship visits, each to its team's assistant."""
    rows = session.scalars(select(HouseholdRow).order_by(HouseholdRow.id)).all()
    households = [household_from_row(row) for row in rows]
    return save_all(session, relationship_plan(households, active_staff(session), period, policy))
