"""Which commits wait for the disk (sync/PROTOCOL.md rules 7 and 11).

Every push op's does: a visit acknowledged to a phone must survive a power cut, and with it every
blob row committed before it. A blob row's does not: its file was fsynced before it, and the phone
keeps the bytes until the visit using them is acknowledged, so a lost row costs one upload again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select

from server.db.models import StaffRow
from server.db.session import Database
from server.services.blob_rows import BlobRowWriter
from server.services.sync_push import Pusher, push_visits
from sync.models import Method
from sync.policy import load_policy
from sync.protocol import OpStatus, PushOp
from tests.factories import add_household, add_staff, make_visit


def _waits_for_disk(connection: Connection) -> bool:
    """Read inside the transaction: SQLite's ``synchronous`` (FULL is 2), PostgreSQL's
    ``synchronous_commit``."""
    driver: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        return int(driver.execute("PRAGMA synchronous").fetchone()[0]) >= 2
    return str(driver.execute("SHOW synchronous_commit").fetchone()[0]) == "on"


def _commits_seen(database: Database) -> list[tuple[int, bool]]:
    """Each write commit from now on, as (which driver connection, whether it waits for disk)."""
    seen: list[tuple[int, bool]] = []

    def on_commit(connection: Connection) -> None:
        seen.append((id(connection.connection.dbapi_connection), _waits_for_disk(connection)))

    event.listen(database.engine, "commit", on_commit)
    return seen


def test_blob_rows_commit_without_waiting_for_the_disk(database: Database) -> None:
    staff = add_staff(database, "li")
    commits = _commits_seen(database)

    row = {"sha256": "a" * 64, "size": 9, "media_type": "image/jpeg", "uploaded_by": staff}
    assert BlobRowWriter(database).record(row) is True

    assert [waits for _, waits in commits] == [False]


def test_a_write_after_one_that_did_not_wait_for_the_disk_waits_again(database: Database) -> None:
    commits = _commits_seen(database)
    with database.write_connection(flushed=False) as connection:
        unflushed = id(connection.connection.dbapi_connection)
    for _ in range(10):  # the pool hands connections out in turn; one of these is that one
        with database.write_connection():
            pass

    later = commits[1:]
    assert commits[0] == (unflushed, False)
    assert unflushed in {driver for driver, _ in later}, "the same connection came back"
    assert all(waits for _, waits in later)


def test_every_push_op_commits_waiting_for_the_disk(database: Database) -> None:
    staff_id = add_staff(database, "wang")
    household = add_household(database, "h-1")
    with database.read() as session:
        staff = session.scalars(select(StaffRow).where(StaffRow.id == staff_id)).one()
    visits = [make_visit(staff_id, household, method=Method.PHONE, seed=n) for n in range(3)]
    ops = [PushOp(op_id=f"op-{n}", record=made.record) for n, made in enumerate(visits)]
    commits = _commits_seen(database)

    reply = push_visits(database, Pusher(staff, "phone-1", load_policy()), ops)

    assert [result.status for result in reply.results] == [OpStatus.APPLIED] * 3
    assert len(commits) >= 3
    assert all(waits for _, waits in commits)
