"""Turning policy into assignments: source follow-ups (R4), revisits (R10), rectifications (R19)
and the monthly relationship-visit sample (R13, R16).

Assignment ids are derived from what caused them (``source:<id>``, ``revisit:<visit id>``, ...),
so generating them twice yields the same ids and the server can upsert instead of duplicating.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sync.coverage_math import exemption_reason, route_role, rule_applies
from sync.models import (
    REACHED_OUTCOMES,
    Assignment,
    Household,
    InspectionResult,
    Outcome,
    Role,
    Source,
    SourceType,
    Staff,
    Visit,
    VisitKind,
)
from sync.periods import Period, local_date
from sync.policy import CoverageRule, Policy

KIND_BY_SOURCE = {
    SourceType.COMPLAINT: VisitKind.COMPLAINT_FOLLOWUP,
    SourceType.REPAIR: VisitKind.REPAIR_FOLLOWUP,
    SourceType.EVENT: VisitKind.EVENT_FOLLOWUP,
}


def sample_households(
    households: Iterable[Household], share: float, period_key: str, team_id: str
) -> list[Household]:
    """R16: a reproducible ``share`` of a team's households, never a do-not-visit one (R13).

    Each household is ranked by SHA-256 of ``period:team:household``: the same month and team give
    the same sample on any machine, a new month gives a new one, and adding a household elsewhere
    does not reshuffle the rest.
    """
    eligible = [h for h in households if h.team_id == team_id and not h.do_not_visit]
    size = math.ceil(share * len(eligible))
    ranked = sorted(eligible, key=lambda h: _rank(period_key, team_id, h.id))
    return sorted(ranked[:size], key=lambda h: h.id)


def _rank(period_key: str, team_id: str, household_id: str) -> str:
    return hashlib.sha256(f"{period_key}:{team_id}:{household_id}".encode()).hexdigest()


def pick_assignee(role: Role, team_id: str | None, staff: Sequence[Staff]) -> Staff | None:
    """The person of ``role`` for a household's team: same team first, then the team's centre
    (a CS supervisor may serve several teams), then anyone of the role (the company manager)."""
    holders = sorted((s for s in staff if s.role is role), key=lambda s: s.id)
    same_team = [s for s in holders if team_id is not None and s.team_id == team_id]
    if same_team:
        return same_team[0]
    center = next((s.center_id for s in staff if s.team_id == team_id and s.center_id), None)
    same_center = [s for s in holders if center is not None and s.center_id == center]
    candidates = same_center or holders
    return candidates[0] if candidates else None


def coverage_rule_for(policy: Policy, source: Source, role: Role | None = None) -> CoverageRule:
    """The first rule covering this source (optionally for ``role``); R7's weekly supervisor
    rule sits beside R5's assistant rule for the same repairs."""
    for rule in policy.coverage:
        if rule_applies(rule, source) and (role is None or route_role(rule, source) is role):
            return rule
    raise LookupError(f"no coverage rule for {source.type} {source.id}")


def source_assignments(
    source: Source, household: Household | None, staff: Sequence[Staff], policy: Policy
) -> list[Assignment]:
    """Follow-up assignments for a closed source: one per coverage rule that applies, routed
    by level (R4), due when the rule's window closes; none for R12 exemptions."""
    if source.closed_at is None or exemption_reason(source) is not None or household is None:
        return []
    made: dict[str, Assignment] = {}
    for rule in policy.coverage:
        if not rule_applies(rule, source):
            continue
        assignee = pick_assignee(route_role(rule, source), household.team_id, staff)
        if assignee is None or assignee.id in made:
            continue
        due = local_date(source.closed_at, policy.zone) + timedelta(days=rule.window_days)
        made[assignee.id] = Assignment(
            id=f"source:{source.id}:{rule.id}",
            staff_id=assignee.id,
            household_id=household.id,
            kind=KIND_BY_SOURCE[source.type],
            source_id=source.id,
            due=due,
            reason=rule.title or rule.id,
        )
    return list(made.values())


def revisit_assignment(visit: Visit, policy: Policy) -> Assignment | None:
    """R10: an unsatisfied owner (or a visitor who asked for one) gets another visit by the same
    person, due on the date the visitor set or ``revisit_days`` after the visit."""
    if visit.outcome is not Outcome.UNSATISFIED and not visit.revisit.needed:
        return None
    due = visit.revisit.due or _after(visit, policy.revisit_days, policy.zone)
    return _follow_up(visit, "revisit", due, "再次回访 revisit: owner not satisfied")


def rectification_assignment(visit: Visit, policy: Policy) -> Assignment | None:
    """R19: inspection items that failed are rectified and visited again by a deadline."""
    failed = [item.item for item in visit.inspection if item.result is InspectionResult.NOT_OK]
    if not failed:
        return None
    due = _after(visit, policy.rectification_days, policy.zone)
    return _follow_up(visit, "rectify", due, "整改 rectify: " + ", ".join(failed))


def _follow_up(visit: Visit, id_prefix: str, due: date, reason: str) -> Assignment:
    """The same person back at the same household after ``visit``; its id is stable per visit."""
    return Assignment(
        id=f"{id_prefix}:{visit.id}",
        staff_id=visit.staff_id,
        household_id=visit.household_id,
        kind=visit.kind,
        source_id=visit.source_id,
        previous_id=visit.id,
        due=due,
        reason=reason,
    )


def _after(visit: Visit, days: int, zone: ZoneInfo) -> date:
    return local_date(visit.ended_at, zone) + timedelta(days=days)


def relationship_plan(
    households: Sequence[Household],
    staff: Sequence[Staff],
    period: Period,
    policy: Policy,
) -> list[Assignment]:
    """R16 monthly plan: each team's sample goes to that team's assistant, due at month end."""
    plan: list[Assignment] = []
    for team_id in sorted({h.team_id for h in households}):
        assignee = pick_assignee(Role.PROPERTY_ASSISTANT, team_id, staff)
        if assignee is None:
            continue
        for household in sample_households(
            households, policy.relationship_share, period.key, team_id
        ):
            plan.append(_plan_item(household, assignee, period))
    return plan


def _plan_item(household: Household, assignee: Staff, period: Period) -> Assignment:
    return Assignment(
        id=f"plan:{period.key}:{household.id}",
        staff_id=assignee.id,
        household_id=household.id,
        kind=VisitKind.RELATIONSHIP,
        due=period.end - timedelta(days=1),
        reason=f"关系回访 relationship visit plan {period.key}",
    )


def fulfils(assignment: Assignment, visit: Visit) -> bool:
    """Whether ``visit`` does what ``assignment`` asked: same person and household, the owner
    reached, and the same revisited visit, source, or (for a plan item) kind."""
    if (assignment.staff_id, assignment.household_id) != (visit.staff_id, visit.household_id):
        return False
    if visit.outcome not in REACHED_OUTCOMES:
        return False
    if assignment.previous_id is not None:
        return visit.previous_id == assignment.previous_id
    if assignment.source_id is not None:
        return visit.source_id == assignment.source_id
    return visit.kind is assignment.kind
