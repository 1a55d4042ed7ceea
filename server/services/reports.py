"""The monthly report (R17): quota attainment, coverage per rule, satisfaction by complaint
category and the visit list, gathered once and rendered as XLSX or CSV by ``report_files``.

The figures come from the same functions as ``GET /quotas`` and ``GET /coverage``, so the
workbook's totals always equal what supervisors saw on screen. Owners' phone numbers are masked
(138****5678): the workbook leaves the system by e-mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from server.db.models import HouseholdRow, SourceRow, StaffRow, VisitRow
from server.services.coverage import coverage_report
from server.services.quotas import counted_visits_filter, quota_board
from server.services.scope import StaffRef
from sync.boards import CoverageReport, QuotaBoard
from sync.models import ComplaintCategory, Outcome, VisitKind
from sync.periods import Period, utc_bounds
from sync.policy import Policy

MAX_REPORT_VISITS = 100_000


@dataclass(frozen=True)
class SatisfactionRow:
    category: str
    visits: int
    satisfied: int
    unsatisfied: int
    average_score: float | None

    @property
    def satisfied_rate(self) -> float:
        reached = self.satisfied + self.unsatisfied
        return self.satisfied / reached if reached else 0.0


@dataclass(frozen=True)
class VisitLine:
    started_at: datetime
    staff_name: str
    household: str
    owner_name: str
    phone: str
    kind: str
    method: str
    outcome: str
    satisfaction: int | None
    review_status: str
    visit_id: str


@dataclass(frozen=True)
class MonthlyReport:
    period: Period
    board: QuotaBoard
    coverage: CoverageReport
    satisfaction: list[SatisfactionRow]
    visits: list[VisitLine]


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


def satisfaction_by_category(
    session: Session, period: Period, policy: Policy, visit_filter: ColumnElement[bool]
) -> list[SatisfactionRow]:
    """Counted complaint follow-ups of the month by the complaint's category (every category
    listed, so the chart keeps its shape from month to month)."""
    start, end = utc_bounds(period, policy.zone)
    query = (
        select(SourceRow.category, VisitRow.outcome, VisitRow.satisfaction)
        .join(SourceRow, SourceRow.id == VisitRow.source_id)
        .where(VisitRow.kind == VisitKind.COMPLAINT_FOLLOWUP.value, visit_filter)
        .where(VisitRow.started_at >= start, VisitRow.started_at < end, counted_visits_filter())
    )
    found: dict[str, list[tuple[str, int | None]]] = {c.value: [] for c in ComplaintCategory}
    for category, outcome, score in session.execute(query):
        found.setdefault(category or ComplaintCategory.OTHER.value, []).append((outcome, score))
    return [_satisfaction_row(category, items) for category, items in found.items()]


def _satisfaction_row(category: str, items: list[tuple[str, int | None]]) -> SatisfactionRow:
    scores = [score for _, score in items if score is not None]
    return SatisfactionRow(
        category=category,
        visits=len(items),
        satisfied=sum(1 for outcome, _ in items if outcome == Outcome.SATISFIED.value),
        unsatisfied=sum(1 for outcome, _ in items if outcome == Outcome.UNSATISFIED.value),
        average_score=round(sum(scores) / len(scores), 2) if scores else None,
    )


def visit_lines(
    session: Session, period: Period, policy: Policy, visit_filter: ColumnElement[bool]
) -> list[VisitLine]:
    start, end = utc_bounds(period, policy.zone)
    query = (
        select(VisitRow, StaffRow.name, HouseholdRow)
        .join(StaffRow, StaffRow.id == VisitRow.staff_id)
        .join(HouseholdRow, HouseholdRow.id == VisitRow.household_id)
        .where(VisitRow.started_at >= start, VisitRow.started_at < end, visit_filter)
        .order_by(VisitRow.started_at, VisitRow.id)
        .limit(MAX_REPORT_VISITS)
    )
    return [_line(v, name, h, policy) for v, name, h in session.execute(query)]


def _line(visit: VisitRow, staff_name: str, household: HouseholdRow, policy: Policy) -> VisitLine:
    return VisitLine(
        started_at=visit.started_at.astimezone(policy.zone),
        staff_name=staff_name,
        household=f"{household.building}{household.unit}{household.room}",
        owner_name=household.owner_name,
        phone=mask_phone(household.phone),
        kind=visit.kind,
        method=visit.method,
        outcome=visit.outcome,
        satisfaction=visit.satisfaction,
        review_status=visit.review_status or "pending",
        visit_id=visit.id,
    )


def monthly_report(
    session: Session,
    policy: Policy,
    period: Period,
    staff: Sequence[StaffRef],
    now: datetime,
    visit_filter: ColumnElement[bool] | None = None,
) -> MonthlyReport:
    """Everything the workbook shows, for ``staff`` (quotas) and visits passing ``visit_filter``
    (the caller's reach; everything for the CLI)."""
    reach = visit_filter if visit_filter is not None else true()
    return MonthlyReport(
        period=period,
        board=quota_board(session, policy, period, staff, now),
        coverage=coverage_report(session, policy, period),
        satisfaction=satisfaction_by_category(session, period, policy, reach),
        visits=visit_lines(session, period, policy, reach),
    )
