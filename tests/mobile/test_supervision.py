"""Supervisor screens against the real server: the quota board with a cell that opens the
assistant's visits, and the review queue where a visit is returned only with an opinion and
approved with photos and signature in view (R2); the assistant's phone then shows the opinion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.state import AppState
from server.db.models import StaffRow
from tests.factories import add_staff
from tests.mobile.conftest import ASSISTANT, FieldCompany, logged_in, screen_of
from tests.mobile.flet_harness import ScreenHarness
from tests.mobile.test_state_day import record_on_site

SUPERVISOR = "chenjing"


@pytest.fixture
def supervised(company: FieldCompany) -> FieldCompany:
    database = company.server.database
    boss = add_staff(database, SUPERVISOR, role="cs_supervisor", team_id="t1")
    with database.write() as session:
        assistant = session.get(StaffRow, company.staff_id)
        assert assistant is not None
        assistant.supervisor_id = boss
    return company


@pytest.fixture
def visit_synced(supervised: FieldCompany, tmp_path: Path) -> Iterator[tuple[AppState, str]]:
    phone = logged_in(tmp_path / "assistant", supervised.server, ASSISTANT, supervised.password)
    phone.sync()
    visit_id = record_on_site(phone, supervised.household_ids[2], seed=5)
    assert phone.complete(visit_id) == []
    assert phone.sync().pushed == 1
    yield phone, visit_id
    phone.close()


@pytest.fixture
def supervisor_screen(supervised: FieldCompany, tmp_path: Path) -> Iterator[ScreenHarness]:
    phone = logged_in(tmp_path / "supervisor", supervised.server, SUPERVISOR, supervised.password)
    with screen_of(phone) as harness:
        yield harness


def test_supervisor_returns_only_with_an_opinion_then_the_phone_sees_the_approval(
    visit_synced: tuple[AppState, str], supervisor_screen: ScreenHarness
) -> None:
    phone, visit_id = visit_synced
    screen = supervisor_screen
    assert screen.has("nav.board") and screen.has("nav.review")
    screen.click("nav.review")
    screen.click(f"review.open.{visit_id}")
    assert screen.shell.route == "review_visit"
    assert any("楼道" in t or "地漏" in t for t in screen.texts())

    screen.click("review.return")
    assert "退回时请填写审核意见" in screen.texts()
    screen.type("review.comment", "签名清楚，照片齐全")
    screen.click("review.approve")
    assert screen.shell.route == "review"
    assert not screen.has(f"review.open.{visit_id}"), "an approved visit leaves the queue"

    phone.sync()
    review = phone.review_of(visit_id)
    assert review is not None and review.decision.value == "approved"
    assert review.comment == "签名清楚，照片齐全"


def test_quota_board_cell_opens_the_assistants_visits(
    visit_synced: tuple[AppState, str], supervisor_screen: ScreenHarness
) -> None:
    screen = supervisor_screen
    screen.click("nav.board")
    cells = [k for k in screen.all_keys() if k.startswith("board.cell.")]
    assert cells, "the board shows a cell per person and rule"
    assistant_cell = next(
        k for k in cells if visit_synced[0].staff and visit_synced[0].staff.id in k
    )
    screen.click(assistant_cell)
    assert screen.has("board.visits.title")
    assert any("3栋2单元" in t for t in screen.texts())


def test_a_returned_visit_shows_the_opinion_on_the_assistants_phone(
    visit_synced: tuple[AppState, str], supervised: FieldCompany, tmp_path: Path
) -> None:
    phone, visit_id = visit_synced
    boss = AppState(tmp_path / "boss", supervised.server.url)
    try:
        assert boss.login(SUPERVISOR, supervised.password) is None
        assert [v.id for v in boss.review_queue()] == [visit_id]
        assert boss.review(visit_id, "returned", "") == "review.error.comment_needed"
        assert boss.review(visit_id, "returned", "签名不清楚，请重新回访") is None
        assert boss.review_queue() == []
    finally:
        boss.close()
    phone.sync()
    screen = ScreenHarness(phone)
    try:
        screen.shell.go("visit", id=visit_id)
        assert screen.find("visit.review").value == "主管退回：签名不清楚，请重新回访"
    finally:
        screen.close()
