"""Pulled data: a page and its cursor land together; epoch changes re-check everything held."""

from __future__ import annotations

from typing import Any

import pytest

from sync.canonical import visit_wire
from sync.protocol import Change, ChangeType
from sync.store import VisitStore
from sync.store_pull import PulledData
from sync.store_types import EpochMismatchError, PullState, VisitState
from tests.store.conftest import Reopen
from tests.store.records import phone_visit


def household(n: int, team: str = "t1", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"h-{n}",
        "team_id": team,
        "building": "3栋",
        "unit": "2单元",
        "room": f"{100 + n}",
        "owner_name": "王业主",
        **extra,
    }


def change(seq: int, kind: ChangeType, data: dict[str, Any]) -> Change:
    return Change(seq=seq, type=kind, data=data)


def page_one() -> list[Change]:
    return [
        change(1, ChangeType.HOUSEHOLD, household(1)),
        change(2, ChangeType.HOUSEHOLD, household(2, team="t2")),
        change(
            3,
            ChangeType.ASSIGNMENT,
            {
                "id": "a1",
                "staff_id": "s-li",
                "household_id": "h-1",
                "kind": "relationship",
                "due": "2026-11-30",
            },
        ),
        change(4, ChangeType.QUOTA, {"period": "2026-11", "rows": []}),
    ]


def test_applied_page_and_its_cursor_survive_reopen_together(
    store: VisitStore, reopen: Reopen
) -> None:
    assert store.pull_state() == PullState(cursor=0, server_epoch=None)
    store.apply_pull_page(page_one(), cursor=4, server_epoch="e1")
    again = reopen(store)
    assert again.pull_state() == PullState(cursor=4, server_epoch="e1")
    assert [h.id for h in again.households()] == ["h-1", "h-2"]
    assert [h.id for h in again.households("t2")] == ["h-2"]
    household_2 = again.household("h-2")
    assert household_2 is not None and household_2.owner_name == "王业主"
    assert [a.id for a in again.assignments()] == ["a1"]
    assert again.quota_snapshot() == {"period": "2026-11", "rows": []}


def test_unreadable_change_is_set_aside_and_the_rest_of_its_page_applied(
    store: VisitStore, reopen: Reopen
) -> None:
    """One bad record must not stop every later pull at the same page (the cursor would never
    move again); it is kept, with its reason, where support can read it."""
    store.apply_pull_page(page_one(), cursor=4, server_epoch="e1")
    page = [change(5, ChangeType.HOUSEHOLD, household(3)), change(6, ChangeType.REVIEW, {})]
    assert store.apply_pull_page(page, cursor=6, server_epoch="e1") == 1
    again = reopen(store)
    assert again.pull_state().cursor == 6
    assert again.household("h-3") is not None
    [unreadable] = again.unreadable_changes()
    assert (unreadable["seq"], unreadable["type"], unreadable["data"]) == (6, "review", {})
    assert "visit_id" in unreadable["reason"]


def test_epoch_change_forgets_the_changes_set_aside(store: VisitStore) -> None:
    store.apply_pull_page([change(1, ChangeType.REVIEW, {})], cursor=1, server_epoch="e1")
    assert len(store.unreadable_changes()) == 1
    store.on_epoch_change("e2")
    assert store.unreadable_changes() == [], "pulled again from 0: still-bad ones come back"


def test_households_of_a_committed_page_are_replayed_after_a_kill(
    store: VisitStore, reopen: Reopen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the page's one commit write, before its team files were written."""

    def killed(_self: PulledData, _rows: list[dict[str, Any]]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(PulledData, "_write_households", killed)
    with pytest.raises(KeyboardInterrupt):
        store.apply_pull_page(page_one(), cursor=4, server_epoch="e1")
    monkeypatch.undo()
    again = reopen(store)
    assert again.pull_state().cursor == 4
    assert [h.id for h in again.households()] == ["h-1", "h-2"]


def test_household_moved_to_another_team_is_listed_once(store: VisitStore, reopen: Reopen) -> None:
    store.apply_pull_page([change(1, ChangeType.HOUSEHOLD, household(1))], 1, "e1")
    store.apply_pull_page([change(2, ChangeType.HOUSEHOLD, household(1, team="t9"))], 2, "e1")
    again = reopen(store)
    assert [(h.id, h.team_id) for h in again.households()] == [("h-1", "t9")]


def test_review_of_a_visit_is_readable_by_visit_id(store: VisitStore) -> None:
    visit = phone_visit(1)
    review = {
        "visit_id": str(visit.id),
        "reviewer_id": "s-zhang",
        "decision": "returned",
        "comment": "请补拍照片",
        "reviewed_at": "2026-10-15T10:00:00+08:00",
    }
    store.apply_pull_page([change(1, ChangeType.REVIEW, review)], 1, "e1")
    found = store.reviews_for(str(visit.id))
    assert found is not None and found.comment == "请补拍照片"


def test_page_from_another_epoch_is_refused(store: VisitStore) -> None:
    store.apply_pull_page(page_one(), cursor=4, server_epoch="e1")
    with pytest.raises(EpochMismatchError):
        store.apply_pull_page([], cursor=9, server_epoch="e2")
    assert store.pull_state() == PullState(cursor=4, server_epoch="e1")


def test_epoch_change_resets_cursor_and_requeues_every_synced_visit(
    store: VisitStore, reopen: Reopen
) -> None:
    store.apply_pull_page(page_one(), cursor=4, server_epoch="e1")
    synced, parked, waiting = phone_visit(1), phone_visit(2), phone_visit(3)
    for visit in (synced, parked, waiting):
        store.complete_visit(visit)
    store.mark_sent([str(synced.id)])
    store.park(str(parked.id), "forbidden", "not yours")
    store.on_epoch_change("e2")
    again = reopen(store)
    assert again.pull_state() == PullState(cursor=0, server_epoch="e2")
    entries = again.pending()
    assert [e.visit_id for e in entries][-1] == str(synced.id)
    assert {e.visit_id for e in entries} == {str(v.id) for v in (synced, parked, waiting)}
    assert entries[-1].requeued
    assert again.visit_state(str(synced.id)) is VisitState.PENDING
    assert [h.id for h in again.households()] == ["h-1", "h-2"]
    again.mark_sent([e.visit_id for e in entries])
    assert again.pending() == []
    assert {v.id for v in again.visits()} == {synced.id, parked.id, waiting.id}


def test_first_epoch_a_store_sees_is_only_recorded(store: VisitStore) -> None:
    visit = phone_visit(1)
    store.complete_visit(visit)
    store.mark_sent([str(visit.id)])
    store.on_epoch_change("e1")
    assert store.pending() == []
    assert store.pull_state() == PullState(cursor=0, server_epoch="e1")


def test_teams_whose_ids_make_the_same_file_name_stay_apart(
    store: VisitStore, reopen: Reopen
) -> None:
    page = [
        change(1, ChangeType.HOUSEHOLD, household(1, team="north/1")),
        change(2, ChangeType.HOUSEHOLD, household(2, team="north_1")),
    ]
    store.apply_pull_page(page, 2, "e1")
    again = reopen(store)
    assert [h.id for h in again.households("north/1")] == ["h-1"]
    assert [h.id for h in again.households("north_1")] == ["h-2"]


def test_epoch_change_repeated_after_a_kill_requeues_each_visit_once(store: VisitStore) -> None:
    """Killed after the requeue write and before the new epoch: the next sync does it again."""
    store.apply_pull_page([], cursor=3, server_epoch="e1")
    visits = [phone_visit(n) for n in range(3)]
    for visit in visits:
        store.complete_visit(visit)
    store.mark_sent([str(v.id) for v in visits[:2]])
    store.on_epoch_change("e2")
    store.on_epoch_change("e2")
    entries = store.pending()
    assert sorted(e.visit_id for e in entries) == sorted(str(v.id) for v in visits)
    assert {e.visit_id: e.record for e in entries} == {str(v.id): visit_wire(v) for v in visits}
