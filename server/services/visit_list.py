"""The supervisor's visit list and one visit with its reviews (``GET /visits``, R2 queue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.blobs import BlobStore
from server.db.models import HouseholdRow, StaffRow, VisitRow
from server.services.access import visit_scope
from server.services.reviews import reviews_of, visible_visit
from sync.boards import VisitDetail, VisitList, VisitSummary
from sync.models import Visit
from sync.periods import Period, utc_bounds
from sync.policy import Policy
from sync.visit_sheet import sheet_for_visit

MAX_LIST = 2000


class ReviewFilter(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


def household_label(row: HouseholdRow) -> str:
    return f"{row.building}{row.unit}{row.room}"


def summary_of(visit: VisitRow, staff: StaffRow, household: HouseholdRow) -> VisitSummary:
    return VisitSummary(
        id=visit.id,
        staff_id=visit.staff_id,
        staff_name=staff.name,
        household_id=visit.household_id,
        household=household_label(household),
        kind=visit.kind,
        method=visit.method,
        outcome=visit.outcome,
        satisfaction=visit.satisfaction,
        source_id=visit.source_id,
        started_at=visit.started_at,
        review_status=visit.review_status,
    )


def visits_query(
    session: Session, caller: StaffRow, bounds: tuple[datetime, datetime] | None
) -> Select[VisitRow, StaffRow, HouseholdRow]:
    query = (
        select(VisitRow, StaffRow, HouseholdRow)
        .join(StaffRow, StaffRow.id == VisitRow.staff_id)
        .join(HouseholdRow, HouseholdRow.id == VisitRow.household_id)
        .where(visit_scope(session, caller).visit_filter())
    )
    if bounds is not None:
        query = query.where(VisitRow.started_at >= bounds[0], VisitRow.started_at < bounds[1])
    return query


def list_visits(
    session: Session,
    caller: StaffRow,
    policy: Policy,
    period: Period | None,
    staff_id: str | None = None,
    status: ReviewFilter | None = None,
    limit: int = 500,
) -> VisitList:
    """Visits in the caller's reach, newest first. ``pending`` is the caller's review queue: not
    reviewed yet and not the caller's own, since nobody signs off their own visit (R2)."""
    bounds = utc_bounds(period, policy.zone) if period else None
    query = visits_query(session, caller, bounds)
    if staff_id is not None:
        query = query.where(VisitRow.staff_id == staff_id)
    if status is ReviewFilter.PENDING:
        query = query.where(VisitRow.review_status.is_(None), VisitRow.staff_id != caller.id)
    elif status is not None:
        query = query.where(VisitRow.review_status == status.value)
    query = query.order_by(VisitRow.started_at.desc()).limit(min(limit, MAX_LIST))
    rows = [summary_of(v, s, h) for v, s, h in session.execute(query)]
    return VisitList(period=period.key if period else None, visits=rows)


def visit_detail(session: Session, caller: StaffRow, visit_id: str) -> VisitDetail:
    visit = visible_visit(session, caller, visit_id)
    staff = session.get(StaffRow, visit.staff_id)
    household = session.get(HouseholdRow, visit.household_id)
    assert staff is not None and household is not None  # foreign keys
    return VisitDetail(
        summary=summary_of(visit, staff, household),
        record=visit.record,
        reviews=reviews_of(session, visit.id),
    )


def visit_sheet(session: Session, caller: StaffRow, visit_id: str, store: BlobStore) -> bytes:
    """The printable record of one visit (PNG): text, photo thumbnails, the owner's signature."""
    row = visible_visit(session, caller, visit_id)
    staff = session.get(StaffRow, row.staff_id)
    household = session.get(HouseholdRow, row.household_id)
    assert staff is not None and household is not None  # foreign keys
    visit = Visit.model_validate(row.record)
    return sheet_for_visit(visit, store.read, household_label(household), staff.name)
