"""The supervisor's sign-off (R2): approve or return a visit with an opinion.

A returned visit stops counting for quotas and coverage (its ``review_status`` is ``returned``)
until a later review approves it, and the assignments it fulfilled open again. The opinion goes
to the visitor's phone as a ``review`` change, and their quota row is refreshed in the same
transaction.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import ReviewRow, StaffRow, VisitRow
from server.errors import ApiError
from server.services.access import can_see_visit
from server.services.assignments import publish_quota_rows, reopen_done_by
from server.services.changes import record_change
from sync.models import Review, ReviewDecision
from sync.policy import Policy
from sync.protocol import ChangeType, ErrorCode, ReviewRequest


def visible_visit(session: Session, caller: StaffRow, visit_id: str) -> VisitRow:
    """The visit, or 404 when it does not exist or is outside the caller's reach."""
    try:
        key = str(UUID(visit_id))
    except ValueError:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such visit", visit_id=visit_id) from None
    row = session.get(VisitRow, key)
    if row is None or not can_see_visit(session, caller, row):
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such visit", visit_id=visit_id)
    return row


def review_from_row(row: ReviewRow, reviewer_name: str) -> Review:
    return Review(
        visit_id=UUID(row.visit_id),
        reviewer_id=row.reviewer_id,
        reviewer_name=reviewer_name,
        decision=ReviewDecision(row.decision),
        comment=row.comment,
        reviewed_at=row.reviewed_at,
    )


def reviews_of(session: Session, visit_id: str) -> list[Review]:
    query = (
        select(ReviewRow, StaffRow.name)
        .join(StaffRow, StaffRow.id == ReviewRow.reviewer_id)
        .where(ReviewRow.visit_id == visit_id)
        .order_by(ReviewRow.reviewed_at, ReviewRow.id)
    )
    return [review_from_row(row, name) for row, name in session.execute(query)]


def check_may_review(visit: VisitRow, reviewer: StaffRow, request: ReviewRequest) -> None:
    if visit.staff_id == reviewer.id:
        raise ApiError(403, ErrorCode.FORBIDDEN, "nobody signs off their own visit (R2)")
    if request.decision is ReviewDecision.RETURNED and not request.comment:
        raise ApiError(422, ErrorCode.INVALID, "a returned visit needs an opinion saying why")


def review_visit(
    session: Session,
    reviewer: StaffRow,
    visit_id: str,
    request: ReviewRequest,
    policy: Policy,
    now: datetime,
) -> Review:
    """Record the sign-off, mark the visit, tell the visitor's phone; one transaction."""
    visit = visible_visit(session, reviewer, visit_id)
    check_may_review(visit, reviewer, request)
    row = ReviewRow(
        visit_id=visit.id,
        reviewer_id=reviewer.id,
        decision=request.decision.value,
        comment=request.comment,
        reviewed_at=now,
    )
    session.add(row)
    visit.review_status = request.decision.value
    session.flush()
    if request.decision is ReviewDecision.RETURNED:
        reopen_done_by(session, visit.id)
    review = review_from_row(row, reviewer.name)
    data = review.model_dump(mode="json")
    record_change(session, ChangeType.REVIEW, visit.id, data, staff_id=visit.staff_id)
    publish_quota_rows(session, policy, visit.staff_id, now)
    return review
