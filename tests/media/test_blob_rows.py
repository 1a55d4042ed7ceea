"""Group commit of upload rows: rows that arrive together share a transaction, each upload
hears only after its own row committed, and a failure reaches every upload in its batch."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from server.db.migrate import upgrade_database
from server.db.models import BlobRow
from server.db.session import Database
from server.services.blob_rows import BlobRowWriter
from tests.factories import add_staff


def _row(sha_seed: int, staff_id: str) -> dict[str, Any]:
    sha = f"{sha_seed:064x}"
    return {
        "sha256": sha,
        "size": 100 + sha_seed,
        "media_type": "image/jpeg",
        "uploaded_by": staff_id,
    }


def _stored(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(BlobRow)) or 0)


def test_every_row_is_committed_and_new_ones_say_so(database: Database) -> None:
    staff = add_staff(database, "li")
    writer = BlobRowWriter(database)

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(lambda n: writer.record(_row(n, staff)), range(40)))
    again = writer.record(_row(7, staff))

    assert created == [True] * 40 and again is False
    assert _stored(database) == 40


def test_the_same_bytes_uploaded_twice_at_once_are_new_only_once(database: Database) -> None:
    staff = add_staff(database, "wang")
    writer = BlobRowWriter(database)

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda _: writer.record(_row(1, staff)), range(6)))

    assert created.count(True) == 1
    assert _stored(database) == 1


def test_uploads_waiting_on_a_busy_database_go_in_one_transaction(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'rows.sqlite3'}")
    upgrade_database(database)
    staff = add_staff(database, "zhao")
    commits: list[int] = []
    event.listen(database.engine, "commit", lambda connection: commits.append(1))
    writer = BlobRowWriter(database)

    with ThreadPoolExecutor(8) as pool:
        with database.write_connection():  # the writer lock is held: the first row waits
            results = [pool.submit(writer.record, _row(n, staff)) for n in range(8)]
            _wait_until(lambda: len(writer._queue) == 7)  # one leader blocked, seven queued
            commits.clear()
        created = [result.result() for result in results]

    assert created == [True] * 8
    assert len(commits) == 3, "the lock holder's, the blocked leader's row, then the seven queued"
    assert _stored(database) == 8


def test_a_failed_commit_reaches_every_upload_in_its_batch_and_the_next_one_works(
    database: Database,
) -> None:
    writer = BlobRowWriter(database)
    unknown_staff = "nobody"  # the uploaded_by foreign key refuses the whole batch

    with pytest.raises(Exception, match=r"(?i)foreign key"):
        writer.record(_row(1, unknown_staff))
    staff = add_staff(database, "sun")

    assert writer.record(_row(2, staff)) is True
    assert _stored(database) == 1


def _wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)
    threading.Event().wait(0.05)  # let the last one settle into its wait
