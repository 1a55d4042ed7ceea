"""One real server per test module for the blob tests, on SQLite and (where configured)
PostgreSQL: starting `huifang serve` takes seconds, and each test makes its own staff and blobs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, backend_database, start_server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def media_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from backend_database(request, tmp_path_factory, "huifang_media")


@pytest.fixture(scope="module")
def server(media_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    running = start_server(media_db_url, tmp_path_factory.mktemp("media-server"))
    yield running
    running.stop()
