"""Which visits count for a quota rule, and whether someone keeps pace with it.

Only completed visits reach the server (drafts stay on the phone), and a visit returned by the
supervisor's review stops counting until it is corrected (R2). Everything here is pure, so the
phone, the server and the tests agree on the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sync.models import Method, Outcome, Role, VisitKind
from sync.periods import Period, local_date
from sync.policy import QuotaRule


class QuotaStatus(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"


@dataclass(frozen=True)
class CountedVisit:
    """What the policy needs to know of a completed visit; the server maps its rows to this."""

    id: str
    staff_id: str
    staff_role: Role
    kind: VisitKind
    method: Method
    outcome: Outcome
    started_at: datetime
    source_id: str | None = None
    returned: bool = False


def matches_rule(rule: QuotaRule, kind: VisitKind, method: Method, outcome: Outcome) -> bool:
    """An empty filter means "any": a rule with ``methods = ["on_site"]`` ignores phone calls."""
    return (
        (not rule.kinds or kind in rule.kinds)
        and (not rule.methods or method in rule.methods)
        and (not rule.outcomes or outcome in rule.outcomes)
    )


def visit_counts(rule: QuotaRule, visit: CountedVisit) -> bool:
    """A visit counts for a rule of its maker's role when it matches and was not returned (R2)."""
    if visit.returned or visit.staff_role is not rule.role:
        return False
    return matches_rule(rule, visit.kind, visit.method, visit.outcome)


def in_period(moment: datetime, period: Period, zone: ZoneInfo) -> bool:
    return period.start <= local_date(moment, zone) < period.end


def count_done(
    rule: QuotaRule, visits: list[CountedVisit], staff_id: str, period: Period, zone: ZoneInfo
) -> int:
    """The reference count the server's SQL aggregate must reproduce."""
    return sum(
        1
        for visit in visits
        if visit.staff_id == staff_id
        and in_period(visit.started_at, period, zone)
        and visit_counts(rule, visit)
    )


def progress_status(done: int, target: int, elapsed: float) -> QuotaStatus:
    """``met`` at the target; ``on_track`` while done keeps pace with the share of days gone.

    Pace is ``target x elapsed``: with 2 visits a month, 1 visit is on track up to mid-month and
    behind after it; nothing is asked on the first day; a closed period is met or behind.
    """
    if done >= target:
        return QuotaStatus.MET
    if done >= target * elapsed:
        return QuotaStatus.ON_TRACK
    return QuotaStatus.BEHIND
