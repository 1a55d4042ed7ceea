"""Administration over HTTP for the admin role: the same imports as `huifang import`, uploaded as
the raw bytes of a CSV or XLSX file, and the staff list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from server.api.deps import CurrentStaff, DatabaseDep, PolicyDep, ReadSession
from server.db.models import StaffRow
from server.errors import ApiError
from server.services.importing import ImportReport, import_households, import_sources
from server.services.staff import list_staff, staff_record
from server.services.table_files import TableError
from sync.models import Role, Staff
from sync.protocol import ErrorCode

router = APIRouter(tags=["admin"])


async def admin_staff(staff: CurrentStaff) -> StaffRow:
    if Role(staff.role) is not Role.ADMIN:
        raise ApiError(403, ErrorCode.FORBIDDEN, "only an administrator may do this")
    return staff


AdminStaff = Annotated[StaffRow, Depends(admin_staff)]


@router.post("/admin/import/households")
async def upload_households(
    request: Request,
    admin: AdminStaff,
    database: DatabaseDep,
    create_teams: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    data = await request.body()
    return await report_or_refuse(lambda: import_households(database, data, create_teams))


@router.post("/admin/import/sources")
async def upload_sources(
    request: Request, admin: AdminStaff, database: DatabaseDep, policy: PolicyDep
) -> dict[str, Any]:
    data = await request.body()
    return await report_or_refuse(lambda: import_sources(database, data, policy))


@router.get("/admin/staff")
def get_staff(session: ReadSession, admin: AdminStaff) -> list[Staff]:
    return [staff_record(row) for row in list_staff(session)]


async def report_or_refuse(run: Callable[[], ImportReport]) -> dict[str, Any]:
    """200 with the counts, or 422 ``invalid`` listing every bad row (nothing was written).
    The import runs in a worker thread: it takes seconds and must not stall other requests."""
    try:
        report = await run_in_threadpool(run)
    except TableError as exc:
        raise ApiError(422, ErrorCode.INVALID, f"file not imported: {exc}") from None
    if not report.ok:
        problems = [{"row": p.row, "message": p.message} for p in report.problems]
        message = f"{len(problems)} bad row(s) of {report.rows}; nothing was imported"
        raise ApiError(422, ErrorCode.INVALID, message, problems=problems)
    return {
        "rows": report.rows,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "ignored_columns": report.ignored_columns,
        "notes": report.notes,
    }
