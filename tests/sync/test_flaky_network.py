"""Five phones sync a day's (or, with HUIFANG_FULL=1, a week's) visits with photos through a
proxy that drops connections, loses responses after the server committed and delays: in the
end the server holds exactly the union of their visits, once each, with every blob intact."""

from __future__ import annotations

import hashlib
import random
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.blobs import BlobStore
from server.db.models import BlobRow, ConflictRow, VisitBlobRow, VisitRow
from sync.canonical import content_hash, visit_fingerprint
from sync.client import RetryPolicy, SyncClient, SyncUnavailable
from sync.models import Method
from sync.store import VisitStore
from tests.factories import MadeVisit
from tests.live_server import LiveServer
from tests.sync.conftest import FULL, Assistant, keep_on_phone, new_assistant
from tests.sync.flaky_proxy import Faults, FlakyProxy, flaky_proxy
from tests.sync.media_visits import signed_visit

DEVICES = 5
VISITS_PER_DEVICE = 200 if FULL else 30
MAX_SYNC_ATTEMPTS = 200
STAIRWELL = Faults(drop_request=0.03, cut_response=0.1, delay=0.1, max_delay_s=0.02)


def record_day(assistant: Assistant, phone: VisitStore, rng: random.Random) -> list[MadeVisit]:
    """Mostly on-site visits with a photo or two and a signature, some phone follow-ups."""
    made: list[MadeVisit] = []
    for n in range(VISITS_PER_DEVICE):
        if n % 5 == 4:
            one = assistant.visit(method=Method.PHONE, seed=n)
        else:
            one = signed_visit(assistant.staff_id, assistant.household_id, rng, photos=1)
        keep_on_phone(phone, one)
        made.append(one)
    return made


def sync_until_empty(assistant: Assistant, phone: VisitStore, proxy: FlakyProxy, seed: int) -> None:
    """What the app does: sync whenever there is signal, until nothing is waiting."""
    rng = random.Random(seed)
    retry = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.1, random=rng.random)
    for _ in range(MAX_SYNC_ATTEMPTS):
        try:
            SyncClient(proxy.url, assistant.token, phone, retry=retry).sync()
        except SyncUnavailable:
            continue
        if not phone.pending():
            return
    raise AssertionError(f"{len(phone.pending())} visits still waiting after every attempt")


def assert_server_holds_exactly(
    server: LiveServer, made: list[MadeVisit], staff: list[str]
) -> None:
    with server.database.read() as session:
        rows = session.scalars(select(VisitRow).where(VisitRow.staff_id.in_(staff))).all()
        conflicts = session.scalar(select(func.count()).select_from(ConflictRow))
        used = set(session.scalars(select(VisitBlobRow.sha256)))
        stored = set(session.scalars(select(BlobRow.sha256)))
    by_id = {row.id: row for row in rows}
    assert len(rows) == len(made) == len(by_id)
    for one in made:
        row = by_id[str(one.visit.id)]
        assert row.content_hash == content_hash(one.visit)
        assert row.fingerprint == visit_fingerprint(one.visit)
    assert conflicts == 0
    blobs = BlobStore(server.data_dir / "blobs")
    expected = {sha for one in made for sha in one.blobs}
    assert expected == used and expected <= stored
    for sha in expected:
        assert hashlib.sha256(blobs.read(sha)).hexdigest() == sha


@pytest.mark.slow
def test_five_phones_sync_through_a_flaky_network_without_loss_or_duplicates(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    assistants = [new_assistant(sqlite_server) for _ in range(DEVICES)]
    phones = [VisitStore.open(tmp_path / f"phone-{n}") for n in range(DEVICES)]
    made: list[MadeVisit] = []
    errors: list[BaseException] = []

    def device(assistant: Assistant, phone: VisitStore, proxy: FlakyProxy, seed: int) -> None:
        """A day's visits recorded, then synced (phones work side by side)."""
        try:
            made.extend(record_day(assistant, phone, random.Random(seed)))
            sync_until_empty(assistant, phone, proxy, seed)
        except BaseException as error:
            errors.append(error)

    with flaky_proxy(sqlite_server.port, seed=7, faults=STAIRWELL) as proxy:
        threads = [
            threading.Thread(target=device, args=(a, p, proxy, n))
            for n, (a, p) in enumerate(zip(assistants, phones, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tally = proxy.tally
    assert errors == []
    assert all(not phone.pending() and not phone.parked() for phone in phones)
    for phone in phones:
        phone.close()
    assert tally.dropped > 0 and tally.cut > 0 and tally.delayed > 0
    assert_server_holds_exactly(sqlite_server, made, [a.staff_id for a in assistants])
