"""The event loop's own reads (the caller's token on every request, SQLite): one connection kept
apart from the pool, each read its own short transaction, a failure never left behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from server.db.migrate import upgrade_database
from server.db.models import StaffRow
from server.db.session import Database
from server.services.auth import issue_token, staff_for_token
from tests.factories import add_staff


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'huifang.sqlite3'}")
    upgrade_database(database)
    yield database
    database.dispose()


def _staff_count(database: Database) -> int:
    with database.loop_read() as connection:
        return int(connection.scalar(select(func.count()).select_from(StaffRow)) or 0)


def test_loop_reads_never_take_a_connection_from_the_pool(sqlite_database: Database) -> None:
    add_staff(sqlite_database, "wang")
    _staff_count(sqlite_database)  # the first read opens the loop's own connection
    checkouts: list[Any] = []
    event.listen(sqlite_database.read_engine, "checkout", lambda *args: checkouts.append(args))

    counts = [_staff_count(sqlite_database) for _ in range(20)]

    assert counts == [1] * 20
    assert checkouts == [], "a loop waiting on an exhausted pool would stall every request"


def test_each_loop_read_sees_what_was_committed_before_it(sqlite_database: Database) -> None:
    add_staff(sqlite_database, "wang")
    assert _staff_count(sqlite_database) == 1

    add_staff(sqlite_database, "li")

    assert _staff_count(sqlite_database) == 2, "a read left open would still see the old count"


def test_a_failed_loop_read_is_not_kept_for_the_next(sqlite_database: Database) -> None:
    add_staff(sqlite_database, "wang")
    with pytest.raises(RuntimeError), sqlite_database.loop_read() as connection:
        first = connection
        raise RuntimeError("the read broke")

    with sqlite_database.loop_read() as connection:
        assert connection is not first and first.closed
        assert connection.scalar(select(func.count()).select_from(StaffRow)) == 1


def test_a_disabled_account_is_refused_on_the_next_loop_read(sqlite_database: Database) -> None:
    staff_id = add_staff(sqlite_database, "wang")
    with sqlite_database.write() as session:
        token, _ = issue_token(session, staff_id, "phone-1", timedelta(hours=1))
    with sqlite_database.loop_read() as connection:
        assert staff_for_token(connection, token) is not None

    with sqlite_database.write() as session:
        session.execute(update(StaffRow).where(StaffRow.id == staff_id).values(active=False))

    with sqlite_database.loop_read() as connection:
        assert staff_for_token(connection, token) is None
