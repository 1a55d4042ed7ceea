"""Assignments: source routing (R4), revisits (R10), rectifications (R19), the sample (R16)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sync.models import (
    ComplaintLevel,
    Household,
    InspectionItem,
    InspectionResult,
    Method,
    Outcome,
    Revisit,
    Role,
    Source,
    SourceType,
    Staff,
    Visit,
    VisitKind,
)
from sync.periods import month_period
from sync.planning import (
    rectification_assignment,
    relationship_plan,
    revisit_assignment,
    sample_households,
    source_assignments,
)
from sync.policy import load_policy

POLICY = load_policy(None)
STAFF = [
    Staff(
        id="pa-a",
        username="pa-a",
        name="A",
        role=Role.PROPERTY_ASSISTANT,
        team_id="A",
        center_id="C",
    ),
    Staff(
        id="pa-b",
        username="pa-b",
        name="B",
        role=Role.PROPERTY_ASSISTANT,
        team_id="B",
        center_id="C",
    ),
    Staff(id="cs", username="cs", name="S", role=Role.CS_SUPERVISOR, center_id="C"),
    Staff(id="gm", username="gm", name="M", role=Role.COMPANY_MANAGER),
]


def household(hid: str, team: str = "B", do_not_visit: bool = False) -> Household:
    return Household(
        id=hid, team_id=team, building="1", room=hid, owner_name="业主", do_not_visit=do_not_visit
    )


def complaint(level: ComplaintLevel, **flags: Any) -> Source:
    opened = datetime(2026, 11, 2, 1, tzinfo=UTC)
    return Source(
        id="c1",
        type=SourceType.COMPLAINT,
        level=level,
        household_id="h1",
        opened_at=opened,
        closed_at=opened + timedelta(days=1),
        **flags,
    )


def phone_visit(**fields: Any) -> Visit:
    now = datetime(2026, 11, 10, 2, tzinfo=UTC)
    base: dict[str, Any] = dict(
        id=uuid.uuid4(),
        staff_id="pa-b",
        household_id="h1",
        kind=VisitKind.COMPLAINT_FOLLOWUP,
        method=Method.PHONE,
        started_at=now,
        ended_at=now,
        outcome=Outcome.SATISFIED,
        satisfaction=5,
        created_at=now,
        updated_at=now,
    )
    return Visit(**{**base, **fields})


def test_general_complaint_goes_to_the_households_team_assistant() -> None:
    made = source_assignments(complaint(ComplaintLevel.GENERAL), household("h1"), STAFF, POLICY)
    assert [a.staff_id for a in made] == ["pa-b"]
    assert made[0].due == date(2026, 11, 6)  # closed 3 Nov local, 3-day window


def test_important_complaint_goes_to_the_cs_supervisor() -> None:
    made = source_assignments(complaint(ComplaintLevel.IMPORTANT), household("h1"), STAFF, POLICY)
    assert [a.staff_id for a in made] == ["cs"]


def test_major_complaint_goes_to_the_company_manager() -> None:
    made = source_assignments(complaint(ComplaintLevel.MAJOR), household("h1"), STAFF, POLICY)
    assert [a.staff_id for a in made] == ["gm"]


def test_exempt_complaint_gets_no_assignment() -> None:
    exempt = complaint(ComplaintLevel.GENERAL, anonymous=True)
    assert source_assignments(exempt, household("h1"), STAFF, POLICY) == []


def test_unsatisfied_owner_gets_a_revisit_by_the_same_visitor() -> None:
    visit = phone_visit(outcome=Outcome.UNSATISFIED, satisfaction=2, revisit=Revisit(needed=True))
    revisit = revisit_assignment(visit, POLICY)
    assert revisit is not None
    assert (revisit.staff_id, revisit.previous_id, revisit.due) == (
        "pa-b",
        visit.id,
        date(2026, 11, 13),
    )


def test_satisfied_owner_gets_no_revisit() -> None:
    assert revisit_assignment(phone_visit(), POLICY) is None


def test_revisit_due_date_set_by_the_visitor_wins() -> None:
    visit = phone_visit(
        outcome=Outcome.UNSATISFIED,
        satisfaction=1,
        revisit=Revisit(needed=True, due=date(2026, 11, 20)),
    )
    revisit = revisit_assignment(visit, POLICY)
    assert revisit is not None and revisit.due == date(2026, 11, 20)


def test_failed_inspection_item_gets_a_rectification_with_a_deadline() -> None:
    items = [
        InspectionItem(item="窗户", result=InspectionResult.NOT_OK),
        InspectionItem(item="门锁", result=InspectionResult.OK),
    ]
    fix = rectification_assignment(phone_visit(inspection=items), POLICY)
    assert fix is not None
    assert fix.due == date(2026, 11, 12) and "窗户" in fix.reason and "门锁" not in fix.reason


def test_passed_inspection_needs_no_rectification() -> None:
    items = [InspectionItem(item="门锁", result=InspectionResult.OK)]
    assert rectification_assignment(phone_visit(inspection=items), POLICY) is None


def test_sample_is_reproducible_and_sized_by_share() -> None:
    houses = [household(f"h{i:03d}") for i in range(50)]
    first = sample_households(houses, 0.1, "2026-11", "B")
    again = sample_households(list(reversed(houses)), 0.1, "2026-11", "B")
    assert len(first) == 5 and first == again
    assert sample_households(houses, 0.1, "2026-12", "B") != first


def test_sample_skips_do_not_visit_households() -> None:
    houses = [household(f"h{i}", do_not_visit=i % 2 == 0) for i in range(20)]
    picked = sample_households(houses, 1.0, "2026-11", "B")
    assert len(picked) == 10 and not any(h.do_not_visit for h in picked)


def test_plan_gives_each_team_sample_to_that_teams_assistant() -> None:
    houses = [household(f"a{i}", "A") for i in range(10)] + [
        household(f"b{i}", "B") for i in range(10)
    ]
    plan = relationship_plan(houses, STAFF, month_period(2026, 11), POLICY)
    by_staff = {(a.staff_id, a.household_id[0]) for a in plan}
    assert by_staff == {("pa-a", "a"), ("pa-b", "b")}
    assert all(a.kind is VisitKind.RELATIONSHIP and a.due == date(2026, 11, 30) for a in plan)
