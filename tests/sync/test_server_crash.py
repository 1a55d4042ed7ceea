"""The server process is SIGKILLed in the middle of a large push and started again: every visit the
phone had been told about is there with its blobs, and the phone then finishes the rest."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.blobs import BlobStore
from server.db.models import BlobRow, VisitBlobRow, VisitRow
from sync.client import RetryPolicy, SyncClient, SyncUnavailable
from sync.store import VisitStore
from sync.store_types import VisitState
from tests.factories import MadeVisit
from tests.live_server import LiveServer
from tests.sync.conftest import FULL, keep_on_phone, new_assistant
from tests.sync.media_visits import signed_visit

VISITS = 300 if FULL else 160
KILL_AT_STORED_VISITS = 130
"""Inside the second push request: the first 100 were acknowledged, the rest are not."""


def stored_visit_count(server: LiveServer, staff_id: str) -> int:
    with server.database.read() as session:
        query = select(func.count()).where(VisitRow.staff_id == staff_id)
        return int(session.scalar(query) or 0)


def kill_when_stored(server: LiveServer, staff_id: str, threshold: int) -> None:
    """Watch the database from outside, and pull the plug mid-push."""
    while stored_visit_count(server, staff_id) < threshold:
        time.sleep(0.005)
    server.kill()


def assert_on_server_with_blobs(server: LiveServer, made: list[MadeVisit]) -> None:
    ids = [str(one.visit.id) for one in made]
    with server.database.read() as session:
        stored = set(session.scalars(select(VisitRow.id).where(VisitRow.id.in_(ids))))
        used = set(
            session.scalars(select(VisitBlobRow.sha256).where(VisitBlobRow.visit_id.in_(ids)))
        )
        blob_rows = set(session.scalars(select(BlobRow.sha256)))
    assert stored == set(ids)
    blobs = BlobStore(server.data_dir / "blobs")
    for sha in {sha for one in made for sha in one.blobs}:
        assert sha in used and sha in blob_rows
        assert hashlib.sha256(blobs.read(sha)).hexdigest() == sha


@pytest.mark.slow
def test_server_killed_during_a_large_push_keeps_every_acknowledged_visit(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    assistant = new_assistant(sqlite_server)
    rng = random.Random(5)
    with VisitStore.open(tmp_path / "phone") as phone:
        made = [
            signed_visit(assistant.staff_id, assistant.household_id, rng) for _ in range(VISITS)
        ]
        for one in made:
            keep_on_phone(phone, one)
        killer = threading.Thread(
            target=kill_when_stored,
            args=(sqlite_server, assistant.staff_id, KILL_AT_STORED_VISITS),
        )
        killer.start()
        retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
        with pytest.raises(SyncUnavailable):
            SyncClient(sqlite_server.url, assistant.token, phone, retry=retry).sync()
        killer.join()
        acknowledged = [m for m in made if phone.visit_state(str(m.visit.id)) is VisitState.SYNCED]
        assert 100 <= len(acknowledged) < VISITS

        sqlite_server.start()
        assert_on_server_with_blobs(sqlite_server, acknowledged)
        SyncClient(sqlite_server.url, assistant.token, phone, retry=retry).sync()
        assert phone.pending() == [] and phone.parked() == []
    assert_on_server_with_blobs(sqlite_server, made)
    assert stored_visit_count(sqlite_server, assistant.staff_id) == VISITS
