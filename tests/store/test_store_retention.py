"""Retention: synced visits older than the window go, with media nobody else uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.protocol import Change, ChangeType
from sync.store import VisitStore
from sync.store_types import VisitState
from tests.store.records import on_site_visit, phone_visit

LATER = datetime.now(UTC) + timedelta(days=100)


def test_old_synced_visits_are_pruned_and_unsynced_ones_never(store: VisitStore) -> None:
    synced = on_site_visit(store, 1)
    unsynced = on_site_visit(store, 2)
    parked = phone_visit(3)
    for visit in (synced, unsynced, parked):
        store.complete_visit(visit)
    store.mark_sent([str(synced.id)])
    store.park(str(parked.id), "conflict", "kept for a person")
    assert store.prune_synced(timedelta(days=90), now=LATER) == 1
    assert store.visit(str(synced.id)) is None
    assert store.visit_state(str(unsynced.id)) is VisitState.PENDING
    assert store.visit_state(str(parked.id)) is VisitState.PARKED
    assert not (store.folder / "history" / "2026-10.json").exists()


def test_recently_synced_visits_are_kept(store: VisitStore) -> None:
    visit = phone_visit(1)
    store.complete_visit(visit)
    store.mark_sent([str(visit.id)])
    assert store.prune_synced(timedelta(days=90)) == 0
    assert store.visit_state(str(visit.id)) is VisitState.SYNCED


def test_pruning_deletes_media_only_when_no_held_visit_or_draft_uses_it(
    store: VisitStore,
) -> None:
    old = on_site_visit(store, 1, photos=2)
    store.complete_visit(old)
    store.mark_sent([str(old.id)])
    shared = old.photos[0].sha256
    store.save_draft("draft-1", {"photos": [{"sha256": shared}]})
    assert old.signature is not None
    gone = [old.photos[1].sha256, old.signature.png_sha256]
    store.prune_synced(timedelta(days=90), now=LATER)
    assert store.has_media(shared)
    assert not any(store.has_media(sha) for sha in gone)


def test_reviews_of_pruned_visits_are_dropped(store: VisitStore) -> None:
    visit = phone_visit(1)
    store.complete_visit(visit)
    store.mark_sent([str(visit.id)])
    review = {
        "visit_id": str(visit.id),
        "reviewer_id": "s-zhang",
        "decision": "approved",
        "reviewed_at": "2026-10-15T10:00:00+08:00",
    }
    store.apply_pull_page([Change(seq=1, type=ChangeType.REVIEW, data=review)], 1, "e1")
    store.prune_synced(timedelta(days=90), now=LATER)
    assert store.reviews_for(str(visit.id)) is None
