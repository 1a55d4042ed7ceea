"""The sync screen against the real server: a revoked login asks for the password right there,
keeps the waiting visit, and the next sync sends it; progress shows items and kilobytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mobile.state import AppState
from server.services.changes import record_change
from sync.protocol import ChangeType
from tests.mobile.conftest import ASSISTANT, FieldCompany, logged_in, screen_of
from tests.mobile.flet_harness import ScreenHarness
from tests.mobile.test_state_day import record_on_site


@pytest.fixture
def screen(company: FieldCompany, tmp_path: Path) -> Iterator[ScreenHarness]:
    with screen_of(
        logged_in(tmp_path / "phone", company.server, ASSISTANT, company.password)
    ) as harness:
        yield harness


def test_first_login_shows_the_days_assignments_without_pressing_sync(
    company: FieldCompany, tmp_path: Path
) -> None:
    with screen_of(AppState(tmp_path / "new-phone", company.server.url)) as screen:
        screen.type("login.username", ASSISTANT)
        screen.type("login.password", company.password)
        screen.click("login.submit")
        assert screen.shell.route == "today"
        assert screen.has("assignment.a-repair-1"), "pulled right after the login"
        assert screen.shell.state.sync_status.last_success is not None


def test_a_record_the_phone_cannot_read_is_skipped_and_said_while_the_rest_arrives(
    screen: ScreenHarness, company: FieldCompany
) -> None:
    """A bad assignment in the feed (a server bug) used to stop every later pull at its page."""
    with company.server.database.write() as session:
        record_change(session, ChangeType.ASSIGNMENT, "a-bad", {"id": "a-bad"}, company.staff_id)
    screen.click("nav.sync")
    screen.click("sync.start")
    assert "同步完成：上传 0 条，被拒 0 条" in screen.texts()
    assert screen.find("sync.unreadable").value.startswith("服务器发来 1 条本机无法读取的数据")
    state = screen.shell.state
    assert [a.id for a in state.store.assignments()] == ["a-repair-1"], "the rest arrived"
    assert [c["data"] for c in state.store.unreadable_changes()] == [{"id": "a-bad"}]


def test_revoked_login_asks_for_the_password_then_the_visit_goes(
    screen: ScreenHarness, company: FieldCompany
) -> None:
    state = screen.shell.state
    state.sync()
    visit_id = record_on_site(state, company.household_ids[4], seed=9)
    assert state.complete(visit_id) == []
    assert state.session is not None
    headers = {"Authorization": f"Bearer {state.session.token}"}
    httpx.post(f"{company.server.api}/auth/logout", headers=headers).raise_for_status()

    screen.click("nav.sync")
    screen.click("sync.start")
    assert screen.has("sync.password"), "the screen asks for the password again"
    assert "待同步 1 条" in screen.texts()
    screen.type("sync.password", company.password)
    screen.click("sync.relogin")
    screen.click("sync.start")
    assert "同步完成：上传 1 条，被拒 0 条" in screen.texts()
    assert "待同步 0 条" in screen.texts()
    counts = screen.find("sync.counts").value
    assert counts.startswith("已发送") and "KB" in counts


def test_progress_says_what_was_received_apart_from_what_was_sent(
    screen: ScreenHarness,
) -> None:
    """A phone with nothing to send used to read 已发送 N/N 条 after pulling N changes."""
    screen.click("nav.sync")
    screen.click("sync.start")

    assert "同步完成：上传 0 条，被拒 0 条" in screen.texts()
    received = len(screen.shell.state.store.households()) + len(
        screen.shell.state.store.assignments()
    )
    counts = screen.find("sync.counts").value
    assert counts.startswith("已发送 0/0 条，0/0 KB；已接收 ")
    assert int(counts.split("已接收 ")[1].split(" 条更新")[0]) >= received > 0
    assert screen.find("sync.progress").value == 1.0, "a finished sync shows a full bar"


def test_starting_the_sync_closes_the_toast_that_said_the_visit_waits_for_it(
    screen: ScreenHarness, company: FieldCompany
) -> None:
    """It stayed up for seconds beside 同步完成, saying the visit still waited."""
    screen.shell.state.sync()  # the households, as the sync after a login brings them
    screen.shell.go("household", id=company.household_ids[2])
    screen.click("visit.start.phone")
    screen.click("visit.outcome.satisfied")
    screen.click("visit.satisfaction.4")
    screen.click("visit.complete")
    toast = screen.find("app.toast")
    assert toast.open and toast.content.value == "回访已完成，等待同步"

    screen.click("nav.sync")
    screen.click("sync.start")

    assert "同步完成：上传 1 条，被拒 0 条" in screen.texts()
    assert not toast.open, "the toast saying the visit waits is still up"
