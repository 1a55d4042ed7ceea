"""``huifang demo``'s company: every role can log in, and an assistant's phone pulls its area's
households, its follow-up assignments and its quota row from the real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from mobile.state import AppState
from server.db.models import HouseholdRow, SourceRow, StaffRow
from server.services.demo_seed import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from sync.models import Role
from sync.policy import load_policy
from tests.live_server import LiveServer


def count(server: LiveServer, table: type) -> int:
    with server.database.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_demo_company_has_every_role_who_can_log_in_households_and_sources(
    live_server: LiveServer,
) -> None:
    summary = seed_demo(live_server.database, load_policy())
    assert summary.created and summary.assignments > 0
    with live_server.database.read() as session:
        roles = set(session.scalars(select(StaffRow.role)))
    assert roles == {role.value for role in Role}
    assert count(live_server, HouseholdRow) == summary.households >= 200
    assert count(live_server, SourceRow) == summary.sources
    assert not seed_demo(live_server.database, load_policy()).created, "seeding twice is a no-op"
    for login in DEMO_STAFF:
        body = {"username": login.username, "password": DEMO_PASSWORD, "device_id": "demo-test"}
        response = httpx.post(f"{live_server.api}/auth/login", json=body)
        assert response.status_code == 200, login.username


def test_demo_assistant_pulls_area_households_and_assignments(
    live_server: LiveServer, tmp_path: Path
) -> None:
    seed_demo(live_server.database, load_policy())
    state = AppState(tmp_path / "phone", live_server.url)
    try:
        assert state.login("wangfang", DEMO_PASSWORD) is None
        assert state.sync().error is None
        households = state.search_households("")
        assert households and {h.team_id for h in households} == {"t-east"}
        assert state.today(), "the assistant has follow-ups to do"
        assert state.quota_progress(), "Today shows this month's quota offline"
    finally:
        state.close()


def test_demo_command_seeds_and_prints_the_logins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.cli import main

    assert main(["demo", "--seed-only", "--data", str(tmp_path / "demo")]) == 0
    printed = capsys.readouterr().out
    assert "200 households" in printed and DEMO_PASSWORD in printed
    assert all(login.username in printed for login in DEMO_STAFF)
    assert main(["demo", "--seed-only", "--data", str(tmp_path / "demo")]) == 0
    assert "already seeded" in capsys.readouterr().out
