"""A visit the server refused stays on the phone, listed on the sync screen with its reason in
plain words (never a code), and is counted as not yet synced."""

from __future__ import annotations

from pathlib import Path

from tests.mobile.conftest import screen_of
from tests.mobile.offline_phone import phone_after_a_login


def test_parked_visit_is_listed_with_its_reason_in_plain_words(tmp_path: Path) -> None:
    state = phone_after_a_login(tmp_path / "phone")
    visit_id = state.start_visit("h-1501", "repair_followup", "phone")
    state.set_outcome(visit_id, "unreachable")
    assert state.complete(visit_id) == []
    state.store.park(visit_id, "conflict", "same id, different content")
    with screen_of(state) as screen:
        screen.click("nav.sync")
        line = screen.find(f"parked.{visit_id}").value
        assert "服务器上已有同一回访的不同内容" in line and "conflict" not in line
        assert line.startswith("3栋2单元1501 ")
        assert "待同步 1 条" in screen.texts()
