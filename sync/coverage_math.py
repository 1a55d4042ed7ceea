"""Follow-up coverage: which sources fell due, which are exempt, who must follow them up, the rate.

A source (complaint, repair, event) falls due when its follow-up window closes: ``closed_at`` plus
the rule's ``window_days``. A period's coverage therefore judges only sources whose window is over,
so last month's figure never changes after the month ends. A source is covered when a counted
visit (completed, not returned) by someone of the right role, with ``source_id`` pointing at it,
started inside ``[closed_at, closed_at + window]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sync.models import ComplaintLevel, Role, Source, SourceType
from sync.periods import Period, local_date
from sync.policy import CoverageRule
from sync.quota_math import CountedVisit

ROLE_BY_LEVEL = {
    ComplaintLevel.GENERAL: Role.PROPERTY_ASSISTANT,
    ComplaintLevel.IMPORTANT: Role.CS_SUPERVISOR,
    ComplaintLevel.MAJOR: Role.COMPANY_MANAGER,
}
"""R4: general complaints go to the area's assistant, important ones to the department
supervisor, major ones to the company manager."""


@dataclass(frozen=True)
class CoverageFigure:
    rule_id: str
    due: int
    exempt: int
    followed_up: int
    target_rate: float

    @property
    def rate(self) -> float:
        """Followed up / due; nothing due counts as fully covered."""
        return self.followed_up / self.due if self.due else 1.0

    @property
    def met(self) -> bool:
        return self.rate >= self.target_rate


def exemption_reason(source: Source) -> str | None:
    """R12: why a complaint needs no follow-up, or None when it needs one.

    ``resolved_on_spot`` is set only when the owner confirmed satisfaction on the spot (that is
    what the import column means), so it exempts alone.
    """
    if source.type is not SourceType.COMPLAINT:
        return None
    if source.anonymous:
        return "anonymous"
    if source.resolved_on_spot:
        return "resolved_on_spot"
    if source.sensitive:
        return "sensitive"
    if source.letter_only:
        return "letter_only"
    return None


def rule_applies(rule: CoverageRule, source: Source) -> bool:
    if source.type is not rule.source:
        return False
    return not rule.levels or source.level in rule.levels


def route_role(rule: CoverageRule, source: Source) -> Role:
    """Who must follow this source up: the rule's role, else the complaint's level (R4)."""
    if rule.role is not None:
        return rule.role
    if source.level is None:
        raise ValueError(f"complaint {source.id} has no level to route it by")
    return ROLE_BY_LEVEL[source.level]


def due_at(rule: CoverageRule, source: Source) -> datetime | None:
    if source.closed_at is None:
        return None
    return source.closed_at + timedelta(days=rule.window_days)


def falls_due_in(rule: CoverageRule, source: Source, period: Period, zone: ZoneInfo) -> bool:
    deadline = due_at(rule, source)
    return deadline is not None and period.start <= local_date(deadline, zone) < period.end


def is_followed_up(rule: CoverageRule, source: Source, visits: Iterable[CountedVisit]) -> bool:
    """A counted visit by the routed role, pointing at the source, inside the window."""
    deadline = due_at(rule, source)
    if deadline is None or source.closed_at is None:
        return False
    role = route_role(rule, source)
    return any(
        visit.source_id == source.id
        and not visit.returned
        and visit.staff_role is role
        and source.closed_at <= visit.started_at <= deadline
        for visit in visits
    )


def coverage_figure(
    rule: CoverageRule,
    sources: Iterable[Source],
    visits: Iterable[CountedVisit],
    period: Period,
    zone: ZoneInfo,
) -> CoverageFigure:
    """The rule's row of ``GET /coverage``: due (after exemptions), exempt, followed up, rate."""
    due = [s for s in sources if rule_applies(rule, s) and falls_due_in(rule, s, period, zone)]
    exempt = [s for s in due if exemption_reason(s) is not None]
    needed = [s for s in due if exemption_reason(s) is None]
    by_source = _visits_by_source(visits)
    done = sum(1 for s in needed if is_followed_up(rule, s, by_source.get(s.id, [])))
    return CoverageFigure(rule.id, len(needed), len(exempt), done, rule.target_rate)


def _visits_by_source(visits: Iterable[CountedVisit]) -> dict[str, list[CountedVisit]]:
    grouped: dict[str, list[CountedVisit]] = {}
    for visit in visits:
        if visit.source_id is not None:
            grouped.setdefault(visit.source_id, []).append(visit)
    return grouped
