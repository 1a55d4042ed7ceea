"""The sync client, phase by phase and whole, with a real phone store and the real server; faults
come from a real TCP proxy in between (tests/sync/flaky_proxy.py), never from mocks."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import delete, update

from server.blobs import BlobStore
from server.db.models import BlobRow, Meta
from server.db.session import EPOCH_KEY
from server.services.importing import import_households
from sync.client import (
    AuthExpired,
    RetryPolicy,
    SyncAborted,
    SyncClient,
    SyncProgress,
    SyncUnavailable,
)
from sync.client_phases import (
    UPLOAD_CONCURRENCY,
    SyncResult,
    collect_outbox,
    pull_changes,
    push_batch,
    push_entries,
    record_results,
    upload_blobs,
)
from sync.models import Method, Outcome
from sync.store import VisitStore
from sync.store_types import OutboxEntry, VisitState
from tests.factories import MadeVisit
from tests.live_server import LiveServer, start_server
from tests.sync.conftest import Assistant, keep_on_phone
from tests.sync.flaky_proxy import flaky_proxy
from tests.sync.media_visits import signed_visit
from tests.sync.test_pull import household_change


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The client's behaviour does not depend on the backend: SQLite only here."""
    folder = tmp_path_factory.mktemp("client-server")
    running = start_server(f"sqlite:///{folder / 'huifang.sqlite3'}", folder)
    yield running
    running.stop()


class Sleeps:
    """Records the backoff delays instead of sleeping them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def instant_retry(sleeps: Sleeps | None = None, attempts: int = 6) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, sleep=sleeps or Sleeps(), random=lambda: 1.0)


def client_for(assistant: Assistant, phone: VisitStore, url: str | None = None) -> SyncClient:
    return SyncClient(url or assistant.server.url, assistant.token, phone, retry=instant_retry())


def phone_visits(assistant: Assistant, phone: VisitStore, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        made = assistant.visit(method=Method.PHONE)
        keep_on_phone(phone, made)
        ids.append(str(made.visit.id))
    return ids


# ---- phases -------------------------------------------------------------------------------------


def test_collect_takes_pending_visits_oldest_first_and_never_parked_ones(
    assistant: Assistant, phone: VisitStore
) -> None:
    first, parked, last = phone_visits(assistant, phone, 3)
    phone.park(parked, "conflict", "kept for a person")
    assert [e.visit_id for e in collect_outbox(phone)] == [first, last]
    assert [e.visit_id for e in collect_outbox(phone, limit=1)] == [first]


def test_push_then_record_moves_acknowledged_visits_to_history(
    assistant: Assistant, phone: VisitStore
) -> None:
    ids = phone_visits(assistant, phone, 3)
    transport = client_for(assistant, phone).transport
    entries = collect_outbox(phone)
    results, epoch = push_entries(transport, phone.device_id(), entries)
    assert [results[e.op_id].status for e in entries] == ["applied"] * 3
    tally = SyncResult()
    record_results(phone, entries, results, tally)
    assert (tally.pushed, collect_outbox(phone)) == (3, [])
    assert [phone.visit_state(i) for i in ids] == [VisitState.SYNCED] * 3
    assert epoch == assistant.server.database.server_epoch()


def test_a_conflict_in_a_batch_is_parked_with_its_reason_and_the_rest_sync(
    assistant: Assistant, phone: VisitStore
) -> None:
    made = assistant.visit(method=Method.PHONE, needs="手机上的版本")
    assistant.push({**made.record, "needs": "另一台手机先推了不同内容"})
    ids = phone_visits(assistant, phone, 2)
    keep_on_phone(phone, made)
    ids += phone_visits(assistant, phone, 2)
    result = client_for(assistant, phone).sync()
    assert (result.pushed, result.parked) == (4, 1)
    [parked] = phone.parked()
    assert (parked.visit_id, parked.code) == (str(made.visit.id), "conflict")
    assert "different content" in parked.message
    assert [phone.visit_state(i) for i in ids] == [VisitState.SYNCED] * 4
    assert phone.visit_state(str(made.visit.id)) is VisitState.PARKED
    assert phone.visit_wire(str(made.visit.id)) == made.record


def test_a_refused_request_is_split_until_the_op_that_caused_it_is_parked_alone(
    assistant: Assistant, phone: VisitStore
) -> None:
    """A 4xx is never retried: the oversized op is found by halving and rejected on its own."""
    good = [assistant.visit(method=Method.PHONE) for _ in range(3)]
    huge = {**good[0].record, "id": str(uuid.uuid4()), "needs": "长" * 1_200_000}
    entries = [
        OutboxEntry(str(m.visit.id), str(m.visit.id), m.record, [], 0, None, "") for m in good[1:]
    ] + [OutboxEntry(huge["id"], huge["id"], huge, [], 0, None, "")]
    transport = client_for(assistant, phone).transport
    results, _ = push_batch(transport, phone.device_id(), entries)
    assert results[huge["id"]].code == "too_large"
    assert [results[e.op_id].status for e in entries[:2]] == ["applied", "applied"]
    assert transport.counter.requests == 5  # whole, two halves, the last half's two halves


def test_pull_applies_every_page_and_the_cursor_in_the_store(
    assistant: Assistant, phone: VisitStore
) -> None:
    for n in range(5):
        household_change(
            assistant.server, assistant.team_id, f"h-pull-{assistant.username}-{n}", "9"
        )
    transport = client_for(assistant, phone).transport
    pages: list[int] = []
    applied, epoch_changed = pull_changes(transport, phone, limit=2, on_page=pages.append)
    assert len(phone.households(assistant.team_id)) == 5
    assert applied == sum(pages) and len(pages) >= 3
    assert epoch_changed is False
    assert phone.pull_state().server_epoch == assistant.server.database.server_epoch()
    assert phone.quota_snapshot() is not None


# ---- the whole sync -----------------------------------------------------------------------------


def test_progress_reaches_every_item(assistant: Assistant, phone: VisitStore) -> None:
    phone_visits(assistant, phone, 4)
    seen: list[SyncProgress] = []
    result = client_for(assistant, phone).sync(progress=seen.append)
    pushed = [p for p in seen if p.phase == "push"]
    assert pushed[-1].items_done == pushed[-1].items_total == 4
    assert seen[-1].phase == "done"
    assert result.pulled > 0
    assert (seen[-1].items_done, seen[-1].items_total) == (4, 4), "changes received are not sent"
    assert seen[-1].pulled == result.pulled


def test_cancel_stops_between_requests_and_the_rest_syncs_next_time(
    assistant: Assistant, phone: VisitStore
) -> None:
    ids = phone_visits(assistant, phone, 3)
    client = client_for(assistant, phone)
    client.cancel()
    with pytest.raises(SyncAborted):
        client.sync()
    assert [e.visit_id for e in collect_outbox(phone)] == ids
    result = client_for(assistant, phone).sync()
    assert result.pushed == 3


def test_cancel_from_the_progress_bar_keeps_what_was_acknowledged(
    assistant: Assistant, phone: VisitStore
) -> None:
    phone_visits(assistant, phone, 150)
    client = client_for(assistant, phone)

    def cancel_after_first_batch(progress: SyncProgress) -> None:
        if progress.phase == "push" and progress.items_done >= 100:
            client.cancel()

    with pytest.raises(SyncAborted):
        client.sync(progress=cancel_after_first_batch)
    assert len(collect_outbox(phone)) == 50


def test_server_errors_and_dropped_connections_are_retried_with_capped_backoff(
    assistant: Assistant, phone: VisitStore
) -> None:
    phone_visits(assistant, phone, 2)
    sleeps = Sleeps()
    with flaky_proxy(assistant.server.port) as proxy:
        proxy.fail_next(2, "503")
        proxy.fail_next(2, "drop")
        client = SyncClient(proxy.url, assistant.token, phone, retry=instant_retry(sleeps))
        client.transport.retry.max_delay = 1.5
        result = client.sync()
    assert result.pushed == 2
    assert sleeps.delays == [0.5, 1.0, 1.5, 1.5]


def test_after_the_last_retry_the_sync_gives_up_and_the_visits_wait(
    assistant: Assistant, phone: VisitStore
) -> None:
    [visit_id] = phone_visits(assistant, phone, 1)
    with flaky_proxy(assistant.server.port) as proxy:
        proxy.fail_next(3, "503")
        client = SyncClient(proxy.url, assistant.token, phone, retry=instant_retry(attempts=3))
        with pytest.raises(SyncUnavailable):
            client.sync()
    [entry] = collect_outbox(phone)
    assert (entry.visit_id, entry.attempts) == (visit_id, 1)
    assert "HTTP 503" in (entry.last_error or "")


def test_response_lost_after_the_server_committed_ends_as_a_duplicate(
    assistant: Assistant, phone: VisitStore
) -> None:
    phone_visits(assistant, phone, 1)
    with flaky_proxy(assistant.server.port) as proxy:
        client = SyncClient(proxy.url, assistant.token, phone, retry=instant_retry())
        proxy.fail_next(1, "cut")
        result = client.sync()
    assert (result.pushed, result.duplicates) == (0, 1)
    assert collect_outbox(phone) == []


def test_expired_token_stops_the_sync_without_touching_unsynced_work(
    assistant: Assistant, phone: VisitStore
) -> None:
    ids = phone_visits(assistant, phone, 2)
    headers = {"Authorization": f"Bearer {assistant.token}"}
    httpx.post(f"{assistant.server.api}/auth/logout", headers=headers).raise_for_status()
    client = client_for(assistant, phone)
    with pytest.raises(AuthExpired):
        client.sync()
    assert client.wire.requests == 1
    assert [e.visit_id for e in collect_outbox(phone)] == ids
    assert phone.parked() == []


def test_new_server_epoch_makes_the_phone_resend_what_it_holds(
    assistant: Assistant, phone: VisitStore
) -> None:
    ids = phone_visits(assistant, phone, 2)
    client_for(assistant, phone).sync()
    restore_database_as_new_epoch(assistant.server)
    result = client_for(assistant, phone).sync()
    assert result.epoch_changed is True
    assert result.duplicates == 2
    assert [phone.visit_state(i) for i in ids] == [VisitState.SYNCED] * 2


def restore_database_as_new_epoch(server: LiveServer) -> None:
    """What a restore from backup does to the database's identity."""
    with server.database.write() as session:
        session.execute(update(Meta).where(Meta.key == EPOCH_KEY).values(value=uuid.uuid4().hex))


def test_unsatisfied_visit_brings_its_revisit_assignment_back_to_the_phone(
    assistant: Assistant, phone: VisitStore
) -> None:
    made = assistant.visit(method=Method.PHONE, outcome=Outcome.UNSATISFIED)
    keep_on_phone(phone, made)
    client_for(assistant, phone).sync()
    [revisit] = phone.assignments()
    assert str(revisit.previous_id) == str(made.visit.id)


# ---- blobs --------------------------------------------------------------------------------------


def photo_visit(assistant: Assistant, phone: VisitStore, seed: int, photos: int = 2) -> MadeVisit:
    made = signed_visit(assistant.staff_id, assistant.household_id, random.Random(seed), photos)
    keep_on_phone(phone, made)
    return made


def test_upload_sends_only_the_blobs_the_server_lacks_raw(
    assistant: Assistant, phone: VisitStore
) -> None:
    made = photo_visit(assistant, phone, seed=101)
    already = next(iter(made.blobs))
    assistant.upload(MadeVisit(made.visit, {already: made.blobs[already]}))
    transport = client_for(assistant, phone).transport
    settled: list[int] = []
    upload = upload_blobs(transport, phone, list(made.blobs), settled.append)
    assert set(upload.uploaded) == set(made.blobs) - {already}
    raw = sum(len(made.blobs[sha]) for sha in upload.uploaded)
    assert upload.bytes_sent == raw
    assert transport.counter.bytes_sent < raw + 1000  # no base64, no multipart
    assert sum(settled) == sum(len(data) for data in made.blobs.values())


def test_visit_with_photos_syncs_blobs_first_and_arrives_with_them(
    assistant: Assistant, phone: VisitStore
) -> None:
    made = photo_visit(assistant, phone, seed=102, photos=3)
    client = client_for(assistant, phone)
    result = client.sync()
    assert (result.pushed, result.blobs_uploaded) == (1, 4)
    assert client.wire.requests == 1 + 4 + 1 + 1  # missing?, 4 PUTs, push, pull
    for sha, data in made.blobs.items():
        response = assistant.get(f"/blobs/{sha}")
        assert response.content == data


def test_blob_the_server_refuses_parks_its_visit_with_the_reason(
    assistant: Assistant, phone: VisitStore
) -> None:
    made = photo_visit(assistant, phone, seed=103, photos=1)
    photo = made.visit.photos[0].sha256
    (phone.media_path(photo)).write_bytes(b"not a photo at all")
    other = phone_visits(assistant, phone, 1)
    result = client_for(assistant, phone).sync()
    [parked] = phone.parked()
    assert (parked.visit_id, parked.missing) == (str(made.visit.id), [photo])
    assert parked.code in ("hash_mismatch", "not_an_image")
    assert (result.pushed, phone.visit_state(other[0])) == (1, VisitState.SYNCED)


def test_uploads_stop_at_the_first_blob_that_cannot_get_through(
    assistant: Assistant, phone: VisitStore
) -> None:
    """Offline mid-upload: the queued blobs are not each retried in turn; a worker whose
    upload failed takes no other blob, and neither does any other worker after that."""
    made = [photo_visit(assistant, phone, seed=200 + n, photos=2) for n in range(10)]
    hashes = [sha for one in made for sha in one.blobs]
    with flaky_proxy(assistant.server.port) as proxy:
        proxy.fail_next(1, "pass")
        proxy.fail_next(1000, "drop")
        client = SyncClient(proxy.url, assistant.token, phone, retry=instant_retry(attempts=2))
        with pytest.raises(SyncUnavailable):
            upload_blobs(client.transport, phone, hashes)
    assert len(hashes) == 30
    assert client.wire.requests <= 1 + UPLOAD_CONCURRENCY * 2  # the query, one blob per worker


def test_blob_lost_on_the_server_is_uploaded_again_once_and_the_visit_applies(
    assistant: Assistant, phone: VisitStore
) -> None:
    """The server said it held a blob, then lost it before the push (restored blob folder)."""
    made = photo_visit(assistant, phone, seed=104, photos=1)
    entries = collect_outbox(phone)
    transport = client_for(assistant, phone).transport
    upload_blobs(transport, phone, list(made.blobs))
    forget_blob(assistant.server, made.visit.photos[0].sha256)
    client = client_for(assistant, phone)
    epoch = client.push_round(entries, tally := SyncResult())
    assert (tally.pushed, tally.parked, tally.blobs_uploaded) == (1, 0, 1)
    assert epoch == assistant.server.database.server_epoch()


def forget_blob(server: LiveServer, sha: str) -> None:
    with server.database.write() as session:
        session.execute(delete(BlobRow).where(BlobRow.sha256 == sha))
    BlobStore(server.data_dir / "blobs").delete(sha)


def test_imported_households_reach_the_phones_of_their_team(
    assistant: Assistant, phone: VisitStore
) -> None:
    team = assistant.team_id
    csv = (
        "id,team,building,unit,room,owner_name,phone,move_in,key_customer,do_not_visit\n"
        f"h-imp-{team}-1,{team},7栋,1单元,0301,陈业主,13900000001,2024-05-01,false,false\n"
        f"h-imp-{team}-2,{team},7栋,1单元,0302,林业主,13900000002,,true,false\n"
    )
    assert import_households(assistant.server.database, csv.encode()).ok
    client_for(assistant, phone).sync()
    rooms = {h.id: h.room for h in phone.households(team)}
    assert rooms[f"h-imp-{team}-1"] == "0301" and rooms[f"h-imp-{team}-2"] == "0302"
    moved = csv.replace("0302,林业主", "0303,林业主")
    assert import_households(assistant.server.database, moved.encode()).ok
    client_for(assistant, phone).sync()
    assert phone.household(f"h-imp-{team}-2").room == "0303"  # type: ignore[union-attr]
