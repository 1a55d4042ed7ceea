"""``GET /quotas`` (the board) and ``GET /coverage`` (follow-up rates per rule)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import CurrentStaff, PolicyDep, ReadSession, SupervisorStaff
from server.api.supervision_deps import PeriodParam
from server.services.coverage import coverage_report
from server.services.quotas import quota_board
from server.services.scope import check_team_visible, staff_in_scope
from sync.boards import CoverageReport, QuotaBoard

router = APIRouter(tags=["quotas"])
TeamParam = Annotated[str | None, Query(max_length=64)]


@router.get("/quotas")
def get_quotas(
    session: ReadSession,
    caller: CurrentStaff,
    policy: PolicyDep,
    period: PeriodParam,
    team_id: TeamParam = None,
) -> QuotaBoard:
    """Supervisors see their reach (one team on request); everyone else their own rows."""
    scope = staff_in_scope(session, caller, team_id)
    return quota_board(session, policy, period, scope, datetime.now(UTC))


@router.get("/coverage")
def get_coverage(
    session: ReadSession,
    caller: SupervisorStaff,
    policy: PolicyDep,
    period: PeriodParam,
    team_id: TeamParam = None,
) -> CoverageReport:
    if team_id is not None:
        check_team_visible(session, caller, team_id)
    return coverage_report(session, policy, period, team_id)
