"""Assignments reach the right phone through the real push and pull: revisit after an unsatisfied
owner (R10), rectification after a failed inspection item (R19), source follow-ups routed by
complaint level (R4), and the monthly relationship sample (R13, R16)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx

from server.db.models import HouseholdRow, SourceRow
from server.services.assignments import assign_sources, generate_relationship_plan
from sync.models import InspectionItem, InspectionResult, Method, Outcome, VisitKind
from sync.periods import month_period
from sync.policy import load_policy
from tests.factories import add_household, add_staff, login, make_visit
from tests.live_server import LiveServer

POLICY = load_policy(None)


@lru_cache(maxsize=64)
def bearer(api: str, username: str) -> dict[str, str]:
    """One login per user and server: argon2 makes each login cost a noticeable moment."""
    return {"Authorization": f"Bearer {login(api, username)}"}


def pull_assignments(server: LiveServer, username: str) -> dict[str, dict[str, Any]]:
    """Every assignment change the user's phone pulls, latest state per assignment id."""
    headers = bearer(server.api, username)
    seen: dict[str, dict[str, Any]] = {}
    cursor, more = 0, True
    while more:
        page = httpx.get(f"{server.api}/sync/pull", params={"cursor": cursor}, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        for change in body["changes"]:
            if change["type"] == "assignment":
                seen[change["data"]["id"]] = change["data"]
        cursor, more = body["cursor"], body["more"]
    return seen


def push(server: LiveServer, username: str, record: dict[str, Any]) -> dict[str, Any]:
    headers = bearer(server.api, username)
    body = {"device_id": "phone-1", "ops": [{"op_id": "op-1", "record": record}]}
    response = httpx.post(f"{server.api}/sync/push", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    return result


def test_unsatisfied_phone_visit_with_failed_item_gets_revisit_and_rectification(
    live_server: LiveServer,
) -> None:
    staff_id = add_staff(live_server.database, "pa1")
    add_household(live_server.database, "h1")
    failed = [InspectionItem(item="楼道灯", result=InspectionResult.NOT_OK)]
    made = make_visit(staff_id, "h1", Method.PHONE, Outcome.UNSATISFIED, inspection=failed)
    assert push(live_server, "pa1", made.record)["status"] == "applied"
    got = pull_assignments(live_server, "pa1")
    revisit, rectify = got[f"revisit:{made.visit.id}"], got[f"rectify:{made.visit.id}"]
    assert revisit["previous_id"] == str(made.visit.id) and revisit["status"] == "open"
    assert "楼道灯" in rectify["reason"] and date.fromisoformat(rectify["due"]) > date.today()

    second = make_visit(staff_id, "h1", Method.PHONE, Outcome.SATISFIED, previous_id=made.visit.id)
    assert push(live_server, "pa1", second.record)["status"] == "applied"
    assert pull_assignments(live_server, "pa1")[f"revisit:{made.visit.id}"]["status"] == "done"


def add_complaint(server: LiveServer, source_id: str, level: str) -> None:
    closed = datetime.now(UTC) - timedelta(days=1)
    with server.database.write() as session:
        session.add(
            SourceRow(
                id=source_id,
                type="complaint",
                level=level,
                household_id="h1",
                opened_at=closed - timedelta(hours=3),
                closed_at=closed,
            )
        )


def test_complaints_are_routed_to_the_phone_of_the_right_person(live_server: LiveServer) -> None:
    database = live_server.database
    add_staff(database, "pa1")
    add_staff(database, "cs", "cs_supervisor")
    add_staff(database, "gm", "company_manager", team_id=None)
    add_household(database, "h1")
    for source_id, level in [("c-gen", "general"), ("c-imp", "important"), ("c-maj", "major")]:
        add_complaint(live_server, source_id, level)
    with database.write() as session:
        made = assign_sources(session, POLICY)
        again = assign_sources(session, POLICY)
    assert len(made) == 3 and again == []
    assert {a["source_id"] for a in pull_assignments(live_server, "pa1").values()} == {"c-gen"}
    assert {a["source_id"] for a in pull_assignments(live_server, "cs").values()} == {"c-imp"}
    assert {a["source_id"] for a in pull_assignments(live_server, "gm").values()} == {"c-maj"}


def test_relationship_plan_is_reproducible_and_skips_do_not_visit(live_server: LiveServer) -> None:
    database = live_server.database
    add_staff(database, "pa1")
    for n in range(30):
        add_household(database, f"h{n:02d}", do_not_visit=n % 3 == 0)
    november = month_period(2026, 11)
    with database.write() as session:
        plan = generate_relationship_plan(session, POLICY, november)
        again = generate_relationship_plan(session, POLICY, november)
        refused = {h.id for h in session.query(HouseholdRow).filter(HouseholdRow.do_not_visit)}
    assert len(plan) == 2 and again == []  # 10 % of the 20 households that accept visits
    assert not {a.household_id for a in plan} & refused
    pulled = pull_assignments(live_server, "pa1")
    assert {a["household_id"] for a in pulled.values()} == {a.household_id for a in plan}
    assert all(a["kind"] == VisitKind.RELATIONSHIP.value for a in pulled.values())


def test_returned_follow_up_reopens_its_assignment(live_server: LiveServer) -> None:
    database = live_server.database
    staff_id = add_staff(database, "pa1")
    add_staff(database, "cs", "cs_supervisor")
    add_household(database, "h1")
    add_complaint(live_server, "c-gen", "general")
    with database.write() as session:
        (assignment,) = assign_sources(session, POLICY)
    follow_up = make_visit(
        staff_id, "h1", Method.PHONE, kind=VisitKind.COMPLAINT_FOLLOWUP, source_id="c-gen"
    )
    assert push(live_server, "pa1", follow_up.record)["status"] == "applied"
    assert pull_assignments(live_server, "pa1")[assignment.id]["status"] == "done"
    headers = bearer(live_server.api, "cs")
    review = {"decision": "returned", "comment": "未说明处理结果"}
    url = f"{live_server.api}/visits/{follow_up.visit.id}/review"
    assert httpx.post(url, json=review, headers=headers).status_code == 200
    assert pull_assignments(live_server, "pa1")[assignment.id]["status"] == "open"
