"""The quota board and coverage through the HTTP API, on a seeded company (issue 6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.db.models import ChangeRow
from tests.quotas.conftest import SeededServer

ON_SITE_RULE = "R8-center-manager-on-site"


def board_row(seeded: SeededServer, username: str, period: str = "2026-10") -> dict[str, Any]:
    with seeded.client("gm") as client:
        response = client.get("/quotas", params={"period": period})
    assert response.status_code == 200, response.text
    staff_id = seeded.company.staff[username]
    (row,) = [r for r in response.json()["rows"] if r["staff_id"] == staff_id]
    return row


def test_centre_manager_with_two_on_site_visits_is_met(seeded: SeededServer) -> None:
    row = board_row(seeded, "cm_two")
    assert (row["rule_id"], row["done"], row["target"], row["status"]) == (
        ON_SITE_RULE,
        2,
        2,
        "met",
    )


def test_visit_at_2330_local_on_the_last_day_counts_for_that_month(seeded: SeededServer) -> None:
    assert board_row(seeded, "cm_two", "2026-10")["done"] == 2
    assert board_row(seeded, "cm_two", "2026-11")["done"] == 1  # the 00:30 visit on 1 Nov


def test_centre_manager_with_one_visit_late_in_the_month_is_behind(seeded: SeededServer) -> None:
    row = board_row(seeded, "cm_one")
    assert (row["done"], row["status"]) == (1, "behind")


def test_phone_visit_does_not_count_for_the_on_site_rule(seeded: SeededServer) -> None:
    with seeded.client("gm") as client:
        visits = client.get(
            "/visits", params={"period": "2026-10", "staff_id": seeded.company.staff["cm_one"]}
        )
    assert sorted(v["method"] for v in visits.json()["visits"]) == ["on_site", "phone"]
    assert board_row(seeded, "cm_one")["done"] == 1


def test_returned_visit_stops_counting(seeded: SeededServer) -> None:
    assert board_row(seeded, "cm_ret")["status"] == "met"
    visit_id = str(seeded.company.visits["ret_b"].id)
    with seeded.client("gm") as client:
        response = client.post(
            f"/visits/{visit_id}/review",
            json={"decision": "returned", "comment": "签名不清，请补充"},
        )
        assert response.status_code == 200, response.text
        detail = client.get(f"/visits/{visit_id}").json()
    row = board_row(seeded, "cm_ret")
    assert (row["done"], row["status"]) == (1, "behind")
    assert detail["summary"]["review_status"] == "returned"
    assert detail["reviews"][0]["comment"] == "签名不清，请补充"


def test_review_reaches_the_visitors_phone_through_the_change_feed(seeded: SeededServer) -> None:
    visit_id = str(seeded.company.visits["one_phone"].id)
    with seeded.client("gm") as client:
        client.post(f"/visits/{visit_id}/review", json={"decision": "returned", "comment": "补录"})
    with seeded.server.database.read() as session:
        feed = session.scalars(
            select(ChangeRow).where(ChangeRow.staff_id == seeded.company.staff["cm_one"])
        ).all()
    review = [c for c in feed if c.type == "review" and c.entity_id == visit_id]
    quota = [c for c in feed if c.type == "quota"]
    assert review and review[-1].data["comment"] == "补录"
    assert quota and quota[-1].data["rows"][0]["rule_id"] == ON_SITE_RULE


def test_assistant_sees_the_opinion_on_their_own_visit(seeded: SeededServer) -> None:
    visit_id = str(seeded.company.visits["f-c1"].id)
    with seeded.client("cs") as client:
        reviewed = client.post(
            f"/visits/{visit_id}/review", json={"decision": "approved", "comment": "很好"}
        )
    assert reviewed.status_code == 200, reviewed.text
    with seeded.client("pa1") as client:
        detail = client.get(f"/visits/{visit_id}").json()
        own_board = client.get("/quotas", params={"period": "2026-10"}).json()
    assert detail["reviews"][-1]["decision"] == "approved"
    assert {row["staff_id"] for row in own_board["rows"]} == {seeded.company.staff["pa1"]}


def test_returning_without_an_opinion_is_refused(seeded: SeededServer) -> None:
    visit_id = str(seeded.company.visits["two_a"].id)
    with seeded.client("gm") as client:
        response = client.post(f"/visits/{visit_id}/review", json={"decision": "returned"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_assistant_may_not_review(seeded: SeededServer) -> None:
    visit_id = str(seeded.company.visits["two_a"].id)
    with seeded.client("pa1") as client:
        response = client.post(f"/visits/{visit_id}/review", json={"decision": "approved"})
    assert response.status_code == 403


def test_bad_period_is_a_clear_422(seeded: SeededServer) -> None:
    with seeded.client("gm") as client:
        response = client.get("/quotas", params={"period": "2026-13"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def coverage_rows(seeded: SeededServer) -> dict[str, dict[str, Any]]:
    with seeded.client("gm") as client:
        response = client.get("/coverage", params={"period": "2026-10"})
    assert response.status_code == 200, response.text
    return {row["rule_id"]: row for row in response.json()["rows"]}


def test_coverage_matches_hand_computed_figures(seeded: SeededServer) -> None:
    rows = coverage_rows(seeded)
    figures = {
        rule: (r["due"], r["exempt"], r["followed_up"], r["rate"], r["met"])
        for rule, r in rows.items()
    }
    assert figures == {
        "R3-complaint-followup": (5, 4, 3, 0.6, True),
        "R5-repair-followup": (2, 0, 1, 0.5, True),
        "R6-event-followup": (1, 0, 0, 0.0, False),
        "R7-repair-weekly-supervisor": (1, 0, 1, 1.0, True),
    }


def test_assistant_may_not_see_coverage(seeded: SeededServer) -> None:
    with seeded.client("pa1") as client:
        assert client.get("/coverage").status_code == 403
