"""``GET /reports/monthly?period=YYYY-MM&format=xlsx|csv[&sheet=...]``: the R17 monthly report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from server.api.deps import PolicyDep, ReadSession, SupervisorStaff
from server.api.supervision_deps import PeriodParam
from server.services.access import visit_scope
from server.services.report_files import CSV_SHEETS, csv_bytes, workbook_bytes
from server.services.reports import monthly_report
from server.services.scope import staff_in_scope

router = APIRouter(tags=["reports"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports/monthly")
def get_monthly_report(
    session: ReadSession,
    caller: SupervisorStaff,
    policy: PolicyDep,
    period: PeriodParam,
    format: Literal["xlsx", "csv"] = "xlsx",
    sheet: Annotated[Literal["quotas", "coverage", "satisfaction", "visits"], Query()] = "quotas",
) -> Response:
    """The caller's reach only: their staff's quotas and the visits they may see."""
    staff = staff_in_scope(session, caller, None)
    reach = visit_scope(session, caller).visit_filter()
    report = monthly_report(session, policy, period, staff, datetime.now(UTC), reach)
    name = f"huifang-{period.key}"
    if format == "csv":
        body, media, name = csv_bytes(report, CSV_SHEETS[sheet]), "text/csv", f"{name}-{sheet}.csv"
    else:
        body, media, name = workbook_bytes(report), XLSX_TYPE, f"{name}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)
