"""``GET /visits``, ``GET /visits/{id}`` and ``POST /visits/{id}/review`` (R2 sign-off)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from server.api.deps import (
    BlobStoreDep,
    CurrentStaff,
    PolicyDep,
    ReadSession,
    SupervisorStaff,
    WriteSession,
)
from server.api.supervision_deps import parse_period_param
from server.services.reviews import review_visit
from server.services.visit_list import ReviewFilter, list_visits, visit_detail, visit_sheet
from sync.boards import VisitDetail, VisitList
from sync.models import Review
from sync.protocol import ReviewRequest

router = APIRouter(tags=["visits"])


@router.get("/visits")
def get_visits(
    session: ReadSession,
    caller: CurrentStaff,
    policy: PolicyDep,
    period: Annotated[str | None, Query(max_length=20)] = None,
    staff_id: Annotated[str | None, Query(max_length=64)] = None,
    status: ReviewFilter | None = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> VisitList:
    """Visits in the caller's reach (a field role: their own); ``status=pending`` is the queue."""
    month = parse_period_param(period, policy) if period else None
    return list_visits(session, caller, policy, month, staff_id, status, limit)


@router.get("/visits/{visit_id}")
def get_visit(session: ReadSession, caller: CurrentStaff, visit_id: str) -> VisitDetail:
    return visit_detail(session, caller, visit_id)


@router.get("/visits/{visit_id}/sheet.png", response_class=Response)
def get_visit_sheet(
    session: ReadSession, caller: CurrentStaff, visit_id: str, store: BlobStoreDep
) -> Response:
    """A visit record to print or file, as the paper 回访记录表 was: photos and signature too."""
    return Response(visit_sheet(session, caller, visit_id, store), media_type="image/png")


@router.post("/visits/{visit_id}/review")
def post_review(
    session: WriteSession,
    caller: SupervisorStaff,
    policy: PolicyDep,
    visit_id: str,
    body: ReviewRequest,
) -> Review:
    return review_visit(session, caller, visit_id, body, policy, datetime.now(UTC))
