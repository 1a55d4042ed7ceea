"""Fixtures of the server tests: a migrated database without a server process, for unit tests of
the services (the live server fixture comes from the root conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.db.migrate import upgrade_database
from server.db.session import Database
from server.settings import normalise_db_url


@pytest.fixture
def database(db_url: str, tmp_path: Path) -> Iterator[Database]:
    """A freshly migrated database on SQLite (and PostgreSQL where configured)."""
    (tmp_path / "server").mkdir(exist_ok=True)
    db = Database(normalise_db_url(db_url))
    upgrade_database(db)
    yield db
    db.dispose()
