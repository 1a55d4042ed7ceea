"""A real server shared by a module's tests (SQLite, and PostgreSQL where configured), a company
in it, and phones (real stores) of its staff. Each test makes its own staff and households, so
tests sharing a server never see each other's work."""

from __future__ import annotations

import functools
import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.db.models import StaffRow
from server.services.auth import hash_password, issue_token
from sync.store import VisitStore
from tests.factories import PASSWORD, MadeVisit, add_household, add_team, make_visit
from tests.live_server import LiveServer, backend_database, start_server

FULL = os.environ.get("HUIFANG_FULL") == "1"
_names = itertools.count(1)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def shared_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per backend for the whole run; tests keep apart by their own staff."""
    yield from backend_database(request, tmp_path_factory, "huifang_sync")


@pytest.fixture(scope="session")
def server(shared_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real `huifang serve` process, shared by the tests of both backends' runs."""
    running = start_server(shared_db_url, tmp_path_factory.mktemp("server-data"))
    yield running
    running.stop()


@dataclass
class Assistant:
    """A property assistant with a login, a household in their team, and a phone."""

    server: LiveServer
    staff_id: str
    username: str
    team_id: str
    household_id: str
    token: str

    def visit(self, household_id: str | None = None, **fields: Any) -> MadeVisit:
        return make_visit(self.staff_id, household_id or self.household_id, **fields)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.post(f"{self.server.api}{path}", json=body, headers=headers, timeout=60)

    def get(self, path: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.get(f"{self.server.api}{path}", params=params, headers=headers, timeout=60)

    def push(self, *records: dict[str, Any]) -> list[dict[str, Any]]:
        ops = [{"op_id": f"op-{n}", "record": record} for n, record in enumerate(records)]
        response = self.post("/sync/push", {"device_id": f"phone-{self.username}", "ops": ops})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def upload(self, made: MadeVisit) -> None:
        """PUT every blob of a visit through the real blob endpoint."""
        for sha, data in made.blobs.items():
            kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": kind}
            url = f"{self.server.api}/blobs/{sha}"
            response = httpx.put(url, content=data, headers=headers, timeout=60)
            assert response.status_code in (200, 201), response.text


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def new_assistant(server: LiveServer, team_id: str | None = None) -> Assistant:
    """Seeded straight into the database with a token (argon2 once per run, not per test)."""
    username = f"a{next(_names)}-{uuid.uuid4().hex[:6]}"
    team = team_id or f"team-{username}"
    add_team(server.database, team)
    staff_id = f"s-{username}"
    with server.database.write() as session:
        session.add(
            StaffRow(
                id=staff_id,
                username=username,
                name=f"助理{username}",
                role="property_assistant",
                team_id=team,
                center_id="c1",
                password_hash=_password_hash(),
            )
        )
        session.flush()
        token, _ = issue_token(session, staff_id, "test-phone", timedelta(days=1))
    household_id = add_household(server.database, f"h-{username}", team_id=team)
    return Assistant(server, staff_id, username, team, household_id, token)


@pytest.fixture
def assistant(server: LiveServer) -> Assistant:
    return new_assistant(server)


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[VisitStore]:
    store = VisitStore.open(tmp_path / "phone")
    yield store
    store.close()


def keep_on_phone(store: VisitStore, made: MadeVisit) -> None:
    """What the app does when a visit is completed: media first, then the visit and its outbox."""
    for data in made.blobs.values():
        store.put_media(data)
    store.complete_visit(made.visit)
