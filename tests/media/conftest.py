"""One real server per test module for the blob tests, on SQLite and (where configured)
PostgreSQL: starting `huifang serve` takes seconds, and each test makes its own staff and blobs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer, start_server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def media_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('media-db') / 'huifang.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    database = f"huifang_media_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{database}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def server(media_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    running = start_server(media_db_url, tmp_path_factory.mktemp("media-server"))
    yield running
    running.stop()
