"""A company on a real server for the app's tests: one assistant, households and a follow-up
assignment published to the change feed, so the phone learns them by pulling."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mobile.state import AppState
from server.db.models import HouseholdRow
from server.db.session import Database
from server.services.assignments import household_from_row, save_assignment
from server.services.changes import record_change
from sync.models import Assignment, VisitKind
from sync.protocol import ChangeType
from tests.factories import PASSWORD, add_household, add_staff
from tests.live_server import LiveServer
from tests.mobile.flet_harness import ScreenHarness
from tests.mobile.offline_phone import phone_after_a_login

ASSISTANT = "wangfang"
HOUSEHOLDS = 12
ROOMS = [f"{1500 + n}" for n in range(1, HOUSEHOLDS + 1)]


@dataclass
class FieldCompany:
    server: LiveServer
    staff_id: str
    household_ids: list[str]
    password: str = PASSWORD


def publish_households(database: Database, household_ids: list[str]) -> None:
    """What an import does: each household goes to its team's phones through the feed."""
    with database.write() as session:
        for household_id in household_ids:
            row = session.get(HouseholdRow, household_id)
            assert row is not None
            data = household_from_row(row).model_dump(mode="json")
            record_change(session, ChangeType.HOUSEHOLD, household_id, data, team_id=row.team_id)


def seed_field_company(server: LiveServer) -> FieldCompany:
    database = server.database
    staff_id = add_staff(database, ASSISTANT)
    ids = [
        add_household(database, f"h-{room}", room=room, owner_name=f"业主{room}") for room in ROOMS
    ]
    add_household(database, "h-refuser", room="0909", owner_name="拒访户", do_not_visit=True)
    ids.append("h-refuser")
    publish_households(database, ids)
    with database.write() as session:
        save_assignment(
            session,
            Assignment(
                id="a-repair-1",
                staff_id=staff_id,
                household_id=ids[0],
                kind=VisitKind.REPAIR_FOLLOWUP,
                due=(datetime.now(UTC) - timedelta(days=1)).date(),
                reason="厨房漏水维修回访",
            ),
        )
    return FieldCompany(server, staff_id, ids)


@pytest.fixture
def company(sqlite_server: LiveServer) -> FieldCompany:
    """SQLite only: the app's behaviour does not depend on the server's database."""
    return seed_field_company(sqlite_server)


@pytest.fixture
def app_state(tmp_path: Path, company: FieldCompany) -> Iterator[AppState]:
    state = AppState(tmp_path / "phone", company.server.url)
    yield state
    state.close()


SIGNATURE = [
    [(10.0, 60.0), (40.0, 20.0), (70.0, 70.0), (100.0, 25.0), (130.0, 65.0)],
    [(150.0, 30.0), (160.0, 80.0), (190.0, 40.0)],
]
"""Two strokes of a plausible signature in pad pixels (a zigzag and a tick)."""


def sign(
    state: AppState, visit_id: str, strokes: list[list[tuple[float, float]]] = SIGNATURE
) -> None:
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        state.begin_stroke(visit_id, x0, y0)
        for x, y in rest:
            state.extend_stroke(visit_id, x, y)
        state.end_stroke(visit_id)


@contextmanager
def screen_of(state: AppState) -> Iterator[ScreenHarness]:
    """The app's screens on ``state`` (no renderer); the screens and the state closed after."""
    harness = ScreenHarness(state)
    try:
        yield harness
    finally:
        harness.close()
        state.close()


def logged_in(folder: Path, server: LiveServer, username: str, password: str) -> AppState:
    """A phone in ``folder`` that logged in to ``server`` as ``username``."""
    state = AppState(folder, server.url)
    assert state.login(username, password) is None
    return state


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[ScreenHarness]:
    """The app's screens on an offline phone that logged in once (no renderer, no server)."""
    with screen_of(phone_after_a_login(tmp_path / "phone")) as harness:
        yield harness
