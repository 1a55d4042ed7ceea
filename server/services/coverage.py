"""Follow-up coverage per rule for a period (R3-R7, R12): due, exempt, followed up, rate.

The arithmetic is ``sync.coverage_math``; this module only loads the sources whose window may
close in the period and the counted visits pointing at them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import HouseholdRow, SourceRow, StaffRow, VisitRow
from server.services.quotas import counted_visits_filter
from sync.boards import CoverageReport, CoverageRow
from sync.coverage_math import CoverageFigure, coverage_figure
from sync.models import Method, Outcome, Role, Source, SourceType, VisitKind
from sync.periods import Period, utc_bounds
from sync.policy import CoverageRule, Policy
from sync.quota_math import CountedVisit

IN_CHUNK = 2000


def source_from_row(row: SourceRow) -> Source:
    return Source.model_validate(
        {
            "id": row.id,
            "type": row.type,
            "level": row.level,
            "category": row.category,
            "household_id": row.household_id,
            "opened_at": row.opened_at,
            "closed_at": row.closed_at,
            "anonymous": row.anonymous,
            "resolved_on_spot": row.resolved_on_spot,
            "sensitive": row.sensitive,
            "letter_only": row.letter_only,
        }
    )


def load_closed_sources(
    session: Session, start: datetime, end: datetime, team_id: str | None
) -> list[Source]:
    """Sources closed in ``[start, end)``; with a team, only that team's households' sources."""
    query = select(SourceRow).where(SourceRow.closed_at >= start, SourceRow.closed_at < end)
    if team_id is not None:
        query = query.join(HouseholdRow, HouseholdRow.id == SourceRow.household_id).where(
            HouseholdRow.team_id == team_id
        )
    return [source_from_row(row) for row in session.scalars(query.order_by(SourceRow.id))]


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for index in range(0, len(items), IN_CHUNK):
        yield items[index : index + IN_CHUNK]


def load_follow_ups(session: Session, source_ids: Sequence[str]) -> list[CountedVisit]:
    """Counted (not returned) visits pointing at these sources, with their maker's role."""
    columns = (
        VisitRow.id,
        VisitRow.staff_id,
        StaffRow.role,
        VisitRow.kind,
        VisitRow.method,
        VisitRow.outcome,
        VisitRow.started_at,
        VisitRow.source_id,
    )
    visits: list[CountedVisit] = []
    for chunk in _chunks(source_ids):
        query = (
            select(*columns)
            .join(StaffRow, StaffRow.id == VisitRow.staff_id)
            .where(VisitRow.source_id.in_(chunk), counted_visits_filter())
        )
        visits.extend(_counted(row.tuple()) for row in session.execute(query))
    return visits


def _counted(row: tuple[str, str, str, str, str, str, datetime, str | None]) -> CountedVisit:
    vid, staff_id, role, kind, method, outcome, at, source_id = row
    return CountedVisit(
        vid, staff_id, Role(role), VisitKind(kind), Method(method), Outcome(outcome), at, source_id
    )


def coverage_report(
    session: Session, policy: Policy, period: Period, team_id: str | None = None
) -> CoverageReport:
    """One row per coverage rule: sources whose window closed in ``period`` (local time)."""
    start, end = utc_bounds(period, policy.zone)
    longest = max((rule.window_days for rule in policy.coverage), default=0)
    sources = load_closed_sources(session, start - timedelta(days=longest + 1), end, team_id)
    visits = load_follow_ups(session, [s.id for s in sources])
    figures = [coverage_figure(r, sources, visits, period, policy.zone) for r in policy.coverage]
    rows = [_row(rule, figure) for rule, figure in zip(policy.coverage, figures, strict=True)]
    return CoverageReport(period=period.key, rows=rows)


def _row(rule: CoverageRule, figure: CoverageFigure) -> CoverageRow:
    return CoverageRow(
        rule_id=rule.id,
        title=rule.title,
        source=SourceType(rule.source).value,
        window_days=rule.window_days,
        role=rule.role,
        due=figure.due,
        exempt=figure.exempt,
        followed_up=figure.followed_up,
        rate=round(figure.rate, 4),
        target_rate=rule.target_rate,
        met=figure.met,
    )
