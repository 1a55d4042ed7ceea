"""Wire shapes of the supervision views: the quota board, coverage, the visit list and reviews.

They sit in ``sync`` because the Flet app reads them as they come from ``GET /quotas``,
``GET /coverage`` and ``GET /visits``, and the pull feed carries a caller's own ``QuotaRow``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from sync.models import Contract, Review, Role
from sync.quota_math import QuotaStatus


class QuotaRow(Contract):
    staff_id: str
    name: str
    role: Role
    team_id: str | None = None
    rule_id: str
    title: str = ""
    period: str
    """The period the row counts: the month shown, or the week / fortnight of a weekly rule."""
    target: int
    done: int
    status: QuotaStatus


class QuotaBoard(Contract):
    period: str
    as_of: datetime
    rows: list[QuotaRow]


class CoverageRow(Contract):
    rule_id: str
    title: str = ""
    source: str
    window_days: int
    role: Role | None
    due: int
    exempt: int
    followed_up: int
    rate: float
    target_rate: float
    met: bool


class CoverageReport(Contract):
    period: str
    rows: list[CoverageRow]


class VisitSummary(Contract):
    id: str
    staff_id: str
    staff_name: str
    household_id: str
    household: str
    kind: str
    method: str
    outcome: str
    satisfaction: int | None
    source_id: str | None
    started_at: datetime
    review_status: str | None


class VisitList(Contract):
    period: str | None
    visits: list[VisitSummary]


class VisitDetail(Contract):
    summary: VisitSummary
    record: dict[str, Any]
    reviews: list[Review] = Field(default_factory=list)
