"""The quota board: per staff member and rule, done / target / status for a period (R7, R8).

One grouped SQL count per period length (month, week, fortnight) over the ``(staff_id,
started_at)`` index answers every rule at once: the count is grouped by kind, method and outcome,
and each rule's filter is applied to those few groups in Python (``sync.quota_math``), so adding a
rule costs no query. Returned visits are left out in SQL (R2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from server.db.models import StaffRow, VisitRow
from sync.boards import QuotaBoard, QuotaRow
from sync.models import Method, Outcome, ReviewDecision, Role, VisitKind
from sync.periods import Period, elapsed_fraction, period_of, reference_period, utc_bounds
from sync.policy import PeriodKind, Policy, QuotaRule
from sync.quota_math import matches_rule, progress_status

Group = tuple[VisitKind, Method, Outcome, int]
CountsByStaff = dict[str, list[Group]]
ALL_STAFF_THRESHOLD = 500
"""Above this many staff in scope the IN list is dropped and the range alone filters."""


def counted_visits_filter() -> ColumnElement[bool]:
    """Only visits not returned by review count (R2); drafts never reach the server."""
    return or_(VisitRow.review_status.is_(None), VisitRow.review_status != ReviewDecision.RETURNED)


def count_groups(
    session: Session, period: Period, policy: Policy, staff_ids: Sequence[str] | None
) -> CountsByStaff:
    """Counted visits per staff member, grouped by kind, method and outcome, in local period."""
    start, end = utc_bounds(period, policy.zone)
    query = (
        select(VisitRow.staff_id, VisitRow.kind, VisitRow.method, VisitRow.outcome, func.count())
        .where(VisitRow.started_at >= start, VisitRow.started_at < end)
        .where(counted_visits_filter())
        .group_by(VisitRow.staff_id, VisitRow.kind, VisitRow.method, VisitRow.outcome)
    )
    if staff_ids is not None:
        query = query.where(VisitRow.staff_id.in_(staff_ids))
    grouped: CountsByStaff = defaultdict(list)
    for staff_id, kind, method, outcome, count in session.execute(query):
        grouped[staff_id].append((VisitKind(kind), Method(method), Outcome(outcome), count))
    return grouped


def done_for(rule: QuotaRule, groups: list[Group]) -> int:
    return sum(
        n for kind, method, outcome, n in groups if matches_rule(rule, kind, method, outcome)
    )


def quota_board(
    session: Session, policy: Policy, period: Period, scope: Sequence[StaffRow], now: datetime
) -> QuotaBoard:
    """Rows for every staff member in ``scope`` and every rule of their role."""
    roles = {Role(s.role) for s in scope}
    kinds = {rule.period for rule in policy.quota if rule.role in roles}
    periods = {kind: reference_period(kind, period, now, policy.zone) for kind in kinds}
    ids = [s.id for s in scope] if len(scope) <= ALL_STAFF_THRESHOLD else None
    counts = {kind: count_groups(session, p, policy, ids) for kind, p in periods.items()}
    rows = [
        _row(staff, rule, periods[rule.period], counts[rule.period], policy, now)
        for staff in scope
        for rule in policy.quota_rules_for(Role(staff.role))
    ]
    return QuotaBoard(period=period.key, as_of=now, rows=rows)


def _row(
    staff: StaffRow,
    rule: QuotaRule,
    period: Period,
    counts: CountsByStaff,
    policy: Policy,
    now: datetime,
) -> QuotaRow:
    done = done_for(rule, counts.get(staff.id, []))
    status = progress_status(done, rule.target, elapsed_fraction(period, now, policy.zone))
    return QuotaRow(
        staff_id=staff.id,
        name=staff.name,
        role=Role(staff.role),
        team_id=staff.team_id,
        rule_id=rule.id,
        title=rule.title,
        period=period.key,
        target=rule.target,
        done=done,
        status=status,
    )


def own_quota_rows(
    session: Session, policy: Policy, staff: StaffRow, now: datetime
) -> list[QuotaRow]:
    """The caller's rows for the running month: what the phone's Today screen shows offline."""
    month = period_of(PeriodKind.MONTH, now, policy.zone)
    return quota_board(session, policy, month, [staff], now).rows
