"""Coverage: due sources, the R12 exemptions, routing by level (R4), the rate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sync.coverage_math import coverage_figure, exemption_reason, route_role
from sync.models import ComplaintLevel, Method, Outcome, Role, Source, SourceType, VisitKind
from sync.periods import month_period
from sync.policy import CoverageRule
from sync.quota_math import CountedVisit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = month_period(2026, 11)
COMPLAINTS = CoverageRule(id="R3", source=SourceType.COMPLAINT, window_days=3, target_rate=0.5)
REPAIRS = CoverageRule(
    id="R5", source=SourceType.REPAIR, window_days=30, target_rate=0.3, role=Role.PROPERTY_ASSISTANT
)


def complaint(
    source_id: str, level: ComplaintLevel = ComplaintLevel.GENERAL, **flags: Any
) -> Source:
    return Source(
        id=source_id,
        type=SourceType.COMPLAINT,
        level=level,
        household_id="h1",
        opened_at=datetime(2026, 11, 5, 9, tzinfo=SHANGHAI),
        closed_at=datetime(2026, 11, 6, 9, tzinfo=SHANGHAI),
        **flags,
    )


def follow_up(
    source_id: str, role: Role, days_after: float = 1, returned: bool = False
) -> CountedVisit:
    return CountedVisit(
        id=f"v-{source_id}",
        staff_id="s",
        staff_role=role,
        kind=VisitKind.COMPLAINT_FOLLOWUP,
        method=Method.PHONE,
        outcome=Outcome.SATISFIED,
        started_at=datetime(2026, 11, 6, 9, tzinfo=SHANGHAI) + timedelta(days=days_after),
        source_id=source_id,
        returned=returned,
    )


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("anonymous", "anonymous"),
        ("resolved_on_spot", "resolved_on_spot"),
        ("sensitive", "sensitive"),
        ("letter_only", "letter_only"),
    ],
)
def test_each_r12_exemption_removes_the_complaint_from_due(flag: str, reason: str) -> None:
    exempt = complaint("c1", **{flag: True})
    assert exemption_reason(exempt) == reason
    figure = coverage_figure(COMPLAINTS, [exempt, complaint("c2")], [], NOVEMBER, SHANGHAI)
    assert (figure.due, figure.exempt) == (1, 1)


def test_ordinary_complaint_is_not_exempt() -> None:
    assert exemption_reason(complaint("c1")) is None


@pytest.mark.parametrize(
    ("level", "role"),
    [
        (ComplaintLevel.GENERAL, Role.PROPERTY_ASSISTANT),
        (ComplaintLevel.IMPORTANT, Role.CS_SUPERVISOR),
        (ComplaintLevel.MAJOR, Role.COMPANY_MANAGER),
    ],
)
def test_complaint_level_routes_the_follow_up(level: ComplaintLevel, role: Role) -> None:
    assert route_role(COMPLAINTS, complaint("c1", level)) is role


def test_follow_up_by_the_wrong_role_does_not_cover() -> None:
    major = complaint("c1", ComplaintLevel.MAJOR)
    wrong = coverage_figure(
        COMPLAINTS, [major], [follow_up("c1", Role.PROPERTY_ASSISTANT)], NOVEMBER, SHANGHAI
    )
    right = coverage_figure(
        COMPLAINTS, [major], [follow_up("c1", Role.COMPANY_MANAGER)], NOVEMBER, SHANGHAI
    )
    assert (wrong.followed_up, right.followed_up) == (0, 1)


def test_follow_up_after_the_window_does_not_cover() -> None:
    late = follow_up("c1", Role.PROPERTY_ASSISTANT, days_after=3.5)
    assert (
        coverage_figure(COMPLAINTS, [complaint("c1")], [late], NOVEMBER, SHANGHAI).followed_up == 0
    )


def test_returned_follow_up_does_not_cover() -> None:
    returned = follow_up("c1", Role.PROPERTY_ASSISTANT, returned=True)
    assert (
        coverage_figure(COMPLAINTS, [complaint("c1")], [returned], NOVEMBER, SHANGHAI).followed_up
        == 0
    )


def test_rate_is_followed_up_over_due_against_the_target() -> None:
    sources = [complaint(f"c{i}") for i in range(4)] + [complaint("anon", anonymous=True)]
    visits = [follow_up("c0", Role.PROPERTY_ASSISTANT), follow_up("anon", Role.PROPERTY_ASSISTANT)]
    figure = coverage_figure(COMPLAINTS, sources, visits, NOVEMBER, SHANGHAI)
    assert (figure.due, figure.followed_up, figure.rate, figure.met) == (4, 1, 0.25, False)


def test_source_falls_due_in_the_month_its_window_closes() -> None:
    repair = Source(
        id="r1",
        type=SourceType.REPAIR,
        household_id="h1",
        opened_at=datetime(2026, 10, 20, tzinfo=SHANGHAI),
        closed_at=datetime(2026, 10, 25, tzinfo=SHANGHAI),
    )
    assert coverage_figure(REPAIRS, [repair], [], month_period(2026, 10), SHANGHAI).due == 0
    assert coverage_figure(REPAIRS, [repair], [], NOVEMBER, SHANGHAI).due == 1


def test_open_source_is_not_due() -> None:
    open_complaint = complaint("c1").model_copy(update={"closed_at": None})
    assert coverage_figure(COMPLAINTS, [open_complaint], [], NOVEMBER, SHANGHAI).due == 0


def test_repair_rule_does_not_count_complaints() -> None:
    assert coverage_figure(REPAIRS, [complaint("c1")], [], NOVEMBER, SHANGHAI).due == 0
