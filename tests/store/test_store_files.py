"""Files on the phone: media names, drafts across restarts, leftovers of a killed writer, lock."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from sync.models import Staff
from sync.store import VisitStore, default_store_folder
from sync.store_types import (
    DeviceSession,
    StoreClosedError,
    StoreCorruptError,
    StoreLockedError,
)
from tests.store.conftest import Reopen, pending_file
from tests.store.records import phone_visit


def test_media_is_stored_under_its_sha256_once(store: VisitStore) -> None:
    data = b"\x89PNG fake signature"
    sha = store.put_media(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.media_path(sha) == store.folder / "media" / sha
    assert store.put_media(data) == sha
    assert store.read_media(sha) == data
    assert [p.name for p in (store.folder / "media").iterdir()] == [sha]


def test_media_path_refuses_names_that_are_not_hashes(store: VisitStore) -> None:
    with pytest.raises(ValueError):
        store.media_path("../drafts.json")


def test_drafts_survive_a_restart_and_can_be_discarded(store: VisitStore, reopen: Reopen) -> None:
    store.save_draft("v-1", {"needs": "门禁坏了", "satisfaction": 4})
    store.save_draft("v-2", {"needs": "first"})
    store.save_draft("v-2", {"needs": "second"})
    again = reopen(store)
    assert again.draft("v-1") == {"needs": "门禁坏了", "satisfaction": 4, "id": "v-1"}
    assert [d["needs"] for d in again.drafts()] == ["门禁坏了", "second"]
    again.discard_draft("v-1")
    assert reopen(again).draft("v-1") is None


def test_temp_files_left_by_a_killed_write_are_ignored_and_removed(
    store: VisitStore, reopen: Reopen
) -> None:
    visit = phone_visit(1)
    store.complete_visit(visit)
    folder = store.folder
    (folder / ".drafts.json.4242.tmp").write_bytes(b'{"drafts": {"half')
    (pending_file(store).with_name(".2026-11-22.json.4242.tmp")).write_bytes(b'{"visits": {')
    (folder / "media" / f".{'ab' * 32}.4242.tmp").write_bytes(b"half a photo")
    (folder / "history" / ".2026-10.json.4242.tmp").write_bytes(b"")
    again = reopen(store)
    assert [e.visit_id for e in again.pending()] == [str(visit.id)]
    assert not list(folder.rglob("*.tmp"))
    assert not again.has_media("ab" * 32)


def test_a_corrupt_partition_is_reported_not_treated_as_empty(
    store: VisitStore, reopen: Reopen
) -> None:
    store.complete_visit(phone_visit(1))
    pending_file(store).write_bytes(b'{"visits": {"trunc')
    with pytest.raises(StoreCorruptError):
        reopen(store)


def test_only_one_writer_may_open_a_store(store: VisitStore) -> None:
    with pytest.raises(StoreLockedError):
        VisitStore.open(store.folder)


def test_session_is_kept_for_offline_login_until_logout(store: VisitStore, reopen: Reopen) -> None:
    staff = Staff(id="s-li", username="li", name="李助理", role="property_assistant")
    expires = datetime(2026, 12, 1, tzinfo=UTC)
    store.save_session(DeviceSession("tok", expires, staff, "http://127.0.0.1:8000"))
    device = store.device_id()
    again = reopen(store)
    assert again.session() == DeviceSession("tok", expires, staff, "http://127.0.0.1:8000")
    again.clear_session()
    again = reopen(again)
    assert again.session() is None
    assert again.device_id() == device


def test_default_folder_follows_flet_app_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", "/data/app")
    assert str(default_store_folder()) == "/data/app/store"


def test_a_closed_store_refuses_further_calls(store: VisitStore) -> None:
    store.close()
    with pytest.raises(StoreClosedError):
        store.save_draft("v-1", {})
    store.close()
