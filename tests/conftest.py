"""Shared fixtures: the real server on a free port (SQLite, and PostgreSQL where configured),
and the switches that make a missing PostgreSQL or browser a skip locally and a failure in CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from server.db.migrate import upgrade_database
from server.db.session import Database
from server.settings import normalise_db_url
from tests.live_server import LiveServer, fresh_postgres_database, start_server

PG_URL = os.environ.get("HUIFANG_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("HUIFANG_REQUIRE_PG") == "1"
REQUIRE_BROWSER = os.environ.get("HUIFANG_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("HUIFANG_CHROMIUM", "/usr/bin/chromium")


def _postgres_reachable() -> str | None:
    """None when usable, else the reason it is not."""
    if not PG_URL:
        return "HUIFANG_TEST_PG_URL is not set (.ci/run sets it; export it to test PostgreSQL here)"
    try:
        with create_engine(PG_URL).connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        return f"PostgreSQL at {PG_URL} does not answer: {exc}"
    return None


def _skip_or_fail(reason: str, required: bool) -> None:
    if required:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_missing = None if Path(CHROMIUM).exists() else f"no browser at {CHROMIUM}"
    for item in items:
        if browser_missing and "browser" in item.keywords and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=browser_missing))


@pytest.fixture(autouse=True)
def _browser_required(request: pytest.FixtureRequest) -> None:
    if "browser" in request.keywords and not Path(CHROMIUM).exists():
        _skip_or_fail(f"no browser at {CHROMIUM} (apt-get install chromium)", REQUIRE_BROWSER)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    reason = _postgres_reachable()
    if reason:
        _skip_or_fail(reason, REQUIRE_PG)
    return PG_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    with fresh_postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that takes this runs on SQLite and, where configured, PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server' / 'huifang.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database(db_url: str, tmp_path: Path) -> Iterator[Database]:
    """A freshly migrated database, no server process: for tests of the services themselves."""
    (tmp_path / "server").mkdir(exist_ok=True)
    db = Database(normalise_db_url(db_url))
    upgrade_database(db)
    yield db
    db.dispose()


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server (`huifang serve`) in its own process on a free port."""
    server = start_server(db_url, tmp_path / "server")
    yield server
    server.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on SQLite only, for long robustness tests that need not run twice."""
    data = tmp_path / "server"
    server = start_server(f"sqlite:///{data / 'huifang.sqlite3'}", data)
    yield server
    server.stop()


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(os.environ.get("HUIFANG_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(".pytest-servers", ignore_errors=True)
