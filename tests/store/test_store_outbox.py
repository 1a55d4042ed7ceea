"""The outbox: what to push, acknowledgements, parking, and the crash-safe move to history."""

from __future__ import annotations

import pytest

from sync.canonical import visit_wire
from sync.store import VisitStore
from sync.store_types import UnknownVisitError, VisitState
from tests.store.conftest import Reopen, pending_file
from tests.store.records import on_site_visit, phone_visit


def test_pending_holds_each_completed_visit_once_oldest_first_with_its_blobs(
    store: VisitStore,
) -> None:
    first = on_site_visit(store, 1, photos=2)
    second = phone_visit(2)
    store.complete_visit(first)
    store.complete_visit(second)
    entries = store.pending()
    assert [e.visit_id for e in entries] == [str(first.id), str(second.id)]
    assert entries[0].record == visit_wire(first)
    assert first.signature is not None
    assert entries[0].blob_hashes == [p.sha256 for p in first.photos] + [first.signature.png_sha256]
    assert entries[1].blob_hashes == []
    assert [e.visit_id for e in store.pending(limit=1)] == [str(first.id)]


def test_acknowledged_visits_leave_the_outbox_and_stay_readable_as_synced(
    store: VisitStore, reopen: Reopen
) -> None:
    visit = on_site_visit(store, 3)
    store.complete_visit(visit)
    store.mark_sent([str(visit.id)])
    store.mark_sent([str(visit.id)])
    again = reopen(store)
    assert again.pending() == []
    assert again.visit_state(str(visit.id)) is VisitState.SYNCED
    assert again.visit_wire(str(visit.id)) == visit_wire(visit)
    assert (again.folder / "history" / "2026-10.json").exists()


def test_rejected_visit_is_parked_with_its_reason_and_the_others_still_sync(
    store: VisitStore, reopen: Reopen
) -> None:
    visits = [phone_visit(n) for n in range(3)]
    for visit in visits:
        store.complete_visit(visit)
    conflicted = str(visits[1].id)
    store.park(conflicted, "conflict", "same id, different content", None)
    assert [e.visit_id for e in store.pending()] == [str(visits[0].id), str(visits[2].id)]
    again = reopen(store)
    [item] = again.parked()
    assert (item.visit_id, item.code, item.message) == (conflicted, "conflict", item.message)
    assert item.record == visit_wire(visits[1])
    assert again.visit_state(conflicted) is VisitState.PARKED
    again.mark_sent([str(visits[0].id), str(visits[2].id)])
    assert again.pending() == []
    assert again.visit_state(conflicted) is VisitState.PARKED


def test_parked_visit_can_be_retried_after_its_blobs_are_uploaded(store: VisitStore) -> None:
    visit = on_site_visit(store, 4)
    store.complete_visit(visit)
    store.park(str(visit.id), "missing_blobs", "upload first", ["cd" * 32])
    assert store.parked()[0].missing == ["cd" * 32]
    store.retry_parked(str(visit.id))
    assert [e.visit_id for e in store.pending()] == [str(visit.id)]
    assert store.parked() == []


def test_parking_an_unknown_visit_is_refused(store: VisitStore) -> None:
    with pytest.raises(UnknownVisitError):
        store.park("no-such-visit", "conflict", "?")


def test_transport_failures_are_counted_on_the_entry(store: VisitStore, reopen: Reopen) -> None:
    visit = phone_visit(5)
    store.complete_visit(visit)
    store.record_attempt([str(visit.id)], "connection reset")
    store.record_attempt([str(visit.id)], "timed out")
    [entry] = reopen(store).pending()
    assert (entry.attempts, entry.last_error) == (2, "timed out")


def test_visit_found_in_both_pending_and_history_after_a_kill_is_kept_once(
    store: VisitStore, reopen: Reopen
) -> None:
    """A kill between the two writes of ``mark_sent``: history was written, the pending file
    not."""
    visit = phone_visit(6)
    store.complete_visit(visit)
    day_file = pending_file(store)
    before = day_file.read_bytes()
    store.mark_sent([str(visit.id)])
    day_file.write_bytes(before)
    again = reopen(store)
    assert again.pending() == []
    assert again.visit_state(str(visit.id)) is VisitState.SYNCED
    assert [v.id for v in again.visits()] == [visit.id]


def test_outbox_counts_pending_and_parked_for_the_badge(store: VisitStore) -> None:
    visits = [phone_visit(n) for n in range(4)]
    for visit in visits:
        store.complete_visit(visit)
    store.park(str(visits[0].id), "conflict", "kept")
    store.mark_sent([str(visits[1].id)])
    counts = store.count_outbox()
    assert (counts.pending, counts.parked) == (2, 1)
