"""Opening the server's database from a command, migrated first, so `user add` and `import` work
on a fresh data folder exactly as `huifang serve` would leave it."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from server.commands.common import settings_from
from server.db.migrate import upgrade_database
from server.db.session import Database


@contextmanager
def opened_database(args: argparse.Namespace) -> Iterator[Database]:
    settings = settings_from(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    try:
        upgrade_database(database)
        yield database
    finally:
        database.dispose()
