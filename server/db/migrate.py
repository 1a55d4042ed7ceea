"""Alembic migrations run from code, so `huifang serve` and the tests upgrade the same way."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.db.session import Database, ensure_bootstrap_rows

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(database: Database) -> None:
    """Bring the schema to the newest revision, then make sure the bootstrap rows exist."""
    with database.engine.begin() as connection:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with database.write() as session:
        ensure_bootstrap_rows(session)
    if database.is_sqlite:
        _refresh_sqlite_statistics(database)


def _refresh_sqlite_statistics(database: Database) -> None:
    """Without statistics SQLite may keep choosing a narrower index over the board's covering one;
    `PRAGMA optimize` gathers them cheaply (bounded work), as SQLite advises at start-up."""
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("PRAGMA optimize=0x10002")
