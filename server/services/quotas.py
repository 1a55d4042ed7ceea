"""The quota board: per staff member and rule, done / target / status for a period (R7, R8).

One SQL aggregate per period length (month, week, fortnight) over the ``(staff_id, started_at)``
index answers every rule at once: a ``SUM(CASE ...)`` column per rule, grouped by staff member, so
the database hands back one row per person and adding a rule costs no query. The rule filters are
``sync.quota_math.matches_rule`` written as SQL (a test holds the two equal). Returned visits are
left out in SQL (R2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import Session

from server.db.models import StaffRow, UtcDateTime, VisitRow
from server.services.scope import StaffRef
from sync.boards import QuotaBoard, QuotaRow
from sync.models import ReviewDecision, Role
from sync.periods import Period, elapsed_fraction, period_of, reference_period, utc_bounds
from sync.policy import PeriodKind, Policy, QuotaRule
from sync.quota_math import progress_status

CountsByStaff = dict[str, dict[str, int]]
ALL_STAFF_THRESHOLD = 500
"""Above this many staff in scope the IN list is dropped and the range alone filters."""


def counted_visits_filter() -> ColumnElement[bool]:
    """Only visits not returned by review count (R2); drafts never reach the server."""
    return or_(VisitRow.review_status.is_(None), VisitRow.review_status != ReviewDecision.RETURNED)


def rule_filter(rule: QuotaRule) -> ColumnElement[bool]:
    """The rule's kinds, methods and outcomes as SQL; an empty filter means "any"."""
    conditions: list[ColumnElement[bool]] = []
    if rule.kinds:
        conditions.append(VisitRow.kind.in_(sorted(k.value for k in rule.kinds)))
    if rule.methods:
        conditions.append(VisitRow.method.in_(sorted(m.value for m in rule.methods)))
    if rule.outcomes:
        conditions.append(VisitRow.outcome.in_(sorted(o.value for o in rule.outcomes)))
    return and_(true(), *conditions)


def count_by_rule(
    session: Session,
    period: Period,
    rules: Sequence[QuotaRule],
    policy: Policy,
    staff_ids: Sequence[str] | None,
) -> CountsByStaff:
    """Counted visits per staff member and rule in one pass over the period's index range:
    ``SUM(CASE WHEN <rule filter> THEN 1 ELSE 0 END)`` per rule, grouped by staff member."""
    start, end = utc_bounds(period, policy.zone)
    query = _aggregate_statement(tuple(rules), staff_ids is not None)
    params: dict[str, object] = {"start": start, "end": end}
    if staff_ids is not None:
        params["staff_ids"] = list(staff_ids)
    ids = [rule.id for rule in rules]
    rows = session.connection().execute(query, params).all()  # Core: plain tuples
    return {row[0]: dict(zip(ids, row[1:], strict=True)) for row in rows}


@lru_cache(maxsize=64)
def _aggregate_statement(rules: tuple[QuotaRule, ...], by_staff: bool) -> Select[*tuple[Any, ...]]:
    """Built once per rule set: SQLAlchemy then reuses the statement's memoised cache key instead
    of rebuilding and re-keying the CASE columns on every board."""
    sums = [func.sum(case((rule_filter(rule), 1), else_=0)) for rule in rules]
    query: Select[*tuple[Any, ...]] = (
        select(VisitRow.staff_id, *sums)
        .where(VisitRow.started_at >= bindparam("start", type_=UtcDateTime()))
        .where(VisitRow.started_at < bindparam("end", type_=UtcDateTime()))
        .where(counted_visits_filter())
        .group_by(VisitRow.staff_id)
    )
    if by_staff:
        query = query.where(VisitRow.staff_id.in_(bindparam("staff_ids", expanding=True)))
    return query


def quota_board(
    session: Session, policy: Policy, period: Period, scope: Sequence[StaffRef], now: datetime
) -> QuotaBoard:
    """Rows for every staff member in ``scope`` and every rule of their role."""
    roles = {Role(role) for role in {s.role for s in scope}}
    rules = [rule for rule in policy.quota if rule.role in roles]
    periods = {r.period: reference_period(r.period, period, now, policy.zone) for r in rules}
    ids = [s.id for s in scope] if len(scope) <= ALL_STAFF_THRESHOLD else None
    counts = {
        kind: count_by_rule(session, p, [r for r in rules if r.period is kind], policy, ids)
        for kind, p in periods.items()
    }
    elapsed = {kind: elapsed_fraction(p, now, policy.zone) for kind, p in periods.items()}
    keys = {kind: p.key for kind, p in periods.items()}
    rules_of = {role.value: policy.quota_rules_for(role) for role in roles}
    rows = [
        _row(staff, rule, keys[rule.period], counts[rule.period], elapsed[rule.period])
        for staff in scope
        for rule in rules_of[staff.role]
    ]
    # One validation of the whole board runs in pydantic-core; building ~1,000 QuotaRow objects
    # one by one in Python was a third of the board's time (bench/quota.py).
    return QuotaBoard.model_validate({"period": period.key, "as_of": now, "rows": rows})


def _row(
    staff: StaffRef, rule: QuotaRule, period_key: str, counts: CountsByStaff, elapsed: float
) -> dict[str, object]:
    done = int(counts.get(staff.id, {}).get(rule.id) or 0)
    return {
        "staff_id": staff.id,
        "name": staff.name,
        "role": staff.role,
        "team_id": staff.team_id,
        "rule_id": rule.id,
        "title": rule.title,
        "period": period_key,
        "target": rule.target,
        "done": done,
        "status": progress_status(done, rule.target, elapsed),
    }


def own_quota_rows(
    session: Session, policy: Policy, staff: StaffRow, now: datetime
) -> list[QuotaRow]:
    """The caller's rows for the running month: what the phone's Today screen shows offline."""
    month = period_of(PeriodKind.MONTH, now, policy.zone)
    return quota_board(session, policy, month, [StaffRef.of(staff)], now).rows
