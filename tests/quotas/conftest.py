"""One seeded company behind a real server per database for the whole module (seeding and
starting the server are the slow parts); on PostgreSQL too where it is configured."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from server.services.auth import issue_token
from tests.live_server import LiveServer, start_server
from tests.quotas.seed import Company, seed_company


@dataclass
class SeededServer:
    server: LiveServer
    company: Company

    def token(self, username: str) -> str:
        """A bearer token issued as login issues it (login itself is tested elsewhere)."""
        with self.server.database.write() as session:
            token, _ = issue_token(
                session, self.company.staff[username], "quota-test", timedelta(hours=1)
            )
        return token

    def client(self, username: str) -> httpx.Client:
        token = self.token(username)
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.server.api, headers=headers, timeout=30)


def _postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"huifang_q_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}", name


def _drop_postgres_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededServer]:
    data: Path = tmp_path_factory.mktemp("quota-server")
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'huifang.sqlite3'}"
    else:
        admin_url: str = request.getfixturevalue("postgres_admin_url")
        url, pg_name = _postgres_database(admin_url)
    server = start_server(url, data)
    try:
        yield SeededServer(server, seed_company(server.database))
    finally:
        server.stop()
        if pg_name is not None:
            _drop_postgres_database(admin_url, pg_name)
