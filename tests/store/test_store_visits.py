"""Completing visits: validation, immutability, and the outbox entry written with the visit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import sync.storage
from sync.canonical import canonical_json, visit_wire
from sync.models import Visit
from sync.store import VisitStore
from sync.store_types import (
    ContentHashMismatchError,
    MissingMediaError,
    VisitImmutableError,
    VisitState,
)
from tests.store.conftest import Reopen
from tests.store.records import on_site_visit, phone_visit, sign, visit_fields


def test_completed_on_site_visit_reads_back_byte_identical_after_reopen(
    store: VisitStore, reopen: Reopen
) -> None:
    visit = on_site_visit(store, 1)
    store.complete_visit(visit)
    again = reopen(store)
    held = again.visit(str(visit.id))
    assert held is not None
    assert canonical_json(visit_wire(held)) == canonical_json(visit_wire(visit))
    assert again.visit_wire(str(visit.id)) == visit_wire(visit)
    assert again.visit_state(str(visit.id)) is VisitState.PENDING


def test_completing_writes_visit_and_outbox_entry_in_one_durable_write(
    store: VisitStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = on_site_visit(store, 2)
    store.save_draft(str(visit.id), {"needs": "draft text"})
    writes: list[tuple[str, dict[str, Any]]] = []
    real_write = sync.storage.write_file_atomically

    def recording_write(path: Path, data: bytes) -> None:
        writes.append((path.name, json.loads(data)))
        real_write(path, data)

    monkeypatch.setattr(sync.storage, "write_file_atomically", recording_write)
    store.complete_visit(visit)
    [(first_file, first), (second_file, second)] = writes
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.json", first_file), "today's pending file"
    assert str(visit.id) in first["visits"] and str(visit.id) in first["outbox"]
    assert (second_file, second["drafts"]) == ("drafts.json", {})


def test_draft_left_by_a_kill_right_after_completion_is_dropped_on_open(
    store: VisitStore, reopen: Reopen
) -> None:
    visit = phone_visit(9)
    store.save_draft(str(visit.id), {"needs": "typed before the kill"})
    drafts_before = (store.folder / "drafts.json").read_bytes()
    store.complete_visit(visit)
    (store.folder / "drafts.json").write_bytes(drafts_before)
    again = reopen(store)
    assert again.draft(str(visit.id)) is None
    assert [e.visit_id for e in again.pending()] == [str(visit.id)]


def test_a_failed_completion_write_leaves_neither_visit_nor_outbox_entry(
    store: VisitStore, reopen: Reopen, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = phone_visit(3)

    def power_cut(*_args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        store.complete_visit(visit)
    assert store.visit(str(visit.id)) is None
    assert store.pending() == []
    monkeypatch.undo()
    again = reopen(store)
    assert again.visit(str(visit.id)) is None
    assert again.pending() == []


def test_second_completion_of_the_same_visit_is_refused(store: VisitStore) -> None:
    visit = on_site_visit(store, 4)
    store.complete_visit(visit)
    edited = visit.model_copy(update={"owner_comment": "改过的意见"})
    with pytest.raises(VisitImmutableError):
        store.complete_visit(edited)
    with pytest.raises(VisitImmutableError):
        store.complete_visit(visit)
    assert store.visit_wire(str(visit.id)) == visit_wire(visit)
    assert len(store.pending()) == 1


def test_a_synced_visit_is_still_immutable(store: VisitStore) -> None:
    visit = phone_visit(5)
    store.complete_visit(visit)
    store.mark_sent([str(visit.id)])
    with pytest.raises(VisitImmutableError):
        store.complete_visit(visit)
    with pytest.raises(VisitImmutableError):
        store.save_draft(str(visit.id), {"needs": "reopen the form"})


def test_signature_that_binds_other_content_is_refused(store: VisitStore) -> None:
    visit = on_site_visit(store, 6)
    tampered = visit.model_copy(update={"satisfaction": 1})
    with pytest.raises(ContentHashMismatchError):
        store.complete_visit(tampered)
    assert store.visit(str(visit.id)) is None


def test_visit_naming_a_photo_not_in_media_is_refused_with_its_hash(store: VisitStore) -> None:
    values = visit_fields(7, method="on_site", outcome="satisfied", satisfaction=4)
    values["photos"] = [{"sha256": "ab" * 32, "width": 10, "height": 10, "bytes": 99}]
    visit = sign(values, store.put_media(b"signature png 7"))
    with pytest.raises(MissingMediaError) as refused:
        store.complete_visit(visit)
    assert refused.value.missing == ["ab" * 32]
    assert store.pending() == []


def test_record_breaking_a_visit_rule_is_refused(store: VisitStore) -> None:
    visit = phone_visit(8)
    broken = Visit.model_construct(**{**visit.__dict__, "satisfaction": 9}, _fields_set=None)
    with pytest.raises(ValidationError):
        store.complete_visit(broken)
    assert store.pending() == []


def test_visits_lists_pending_and_synced_newest_first_and_by_month(store: VisitStore) -> None:
    october = phone_visit(1)
    november = phone_visit(2, started_at=october.started_at.replace(month=11))
    store.complete_visit(october)
    store.complete_visit(november)
    store.mark_sent([str(october.id)])
    assert [v.id for v in store.visits()] == [november.id, october.id]
    assert [v.id for v in store.visits("2026-10")] == [october.id]
    states = {h.visit.id: h.state for h in store.held_visits()}
    assert states == {october.id: VisitState.SYNCED, november.id: VisitState.PENDING}


def test_a_households_visits_are_listed_whatever_their_sync_state(store: VisitStore) -> None:
    mine = [phone_visit(1, household_id="h-7"), phone_visit(2, household_id="h-7")]
    other = phone_visit(3, household_id="h-8")
    for visit in [*mine, other]:
        store.complete_visit(visit)
    store.mark_sent([str(mine[0].id)])
    listed = store.held_visits(household_id="h-7")
    assert {h.visit.id for h in listed} == {v.id for v in mine}
    assert [v.id for v in store.visits(household_id="h-8")] == [other.id]
