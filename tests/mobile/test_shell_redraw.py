"""A redraw from a background thread (the sync after a login, the automatic sync) never draws
over a screen the user has just opened."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from mobile import app as app_module
from sync.models import Assignment, VisitKind
from sync.protocol import Change, ChangeType
from tests.mobile.flet_harness import ScreenHarness

WAIT_S = 5.0


def test_a_sync_finishing_as_the_user_opens_settings_leaves_settings_on_screen(
    screen: ScreenHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert screen.shell.route == "today"
    building_today = threading.Event()
    may_finish = threading.Event()
    build_today = app_module.SCREENS["today"]

    def slow_today(ui: Any) -> Any:
        """Today drawn whole (no in-place refresh), slowly when a background thread draws it."""
        if threading.current_thread() is not threading.main_thread():
            building_today.set()
            assert may_finish.wait(WAIT_S)
        drawn = build_today(ui)
        ui.set_in_place_refresh(ui.refresh)
        return drawn

    monkeypatch.setitem(app_module.SCREENS, "today", slow_today)
    screen.shell.refresh()
    sync_done = threading.Thread(target=screen.shell.refresh_if_on, args=("today",))
    sync_done.start()
    assert building_today.wait(WAIT_S), "the background redraw of 今日 started"
    user_tap = threading.Thread(target=screen.shell.go, args=("settings",))
    user_tap.start()
    user_tap.join(0.5)  # a tap that is not kept waiting would draw settings now, under the redraw
    may_finish.set()
    sync_done.join(WAIT_S)
    user_tap.join(WAIT_S)

    assert screen.shell.route == "settings"
    assert screen.has("settings.sign_out"), "今日 was drawn over the screen the user opened"


def test_a_background_redraw_of_another_screen_is_skipped(screen: ScreenHarness) -> None:
    screen.click("nav.settings")
    screen.find("settings.server").value = "half-typed"

    screen.shell.refresh_if_on("today")

    assert screen.shell.route == "settings"
    assert screen.find("settings.server").value == "half-typed", "what was typed is kept"


def test_a_redraw_keeps_the_navigation_bar_a_tap_may_be_landing_on(screen: ScreenHarness) -> None:
    """Replacing the bar under a finger loses the tap (seen in Chromium during the first sync)."""
    tab = screen.find("nav.settings")

    screen.shell.refresh_if_on("today")
    screen.click("nav.households")

    assert screen.find("nav.settings") is tab
    screen.click("nav.settings")
    screen.click("settings.language.en")
    assert screen.find("nav.settings").content == "Settings", "a new language gets a new bar"


def complete_phone_visit(screen: ScreenHarness, household_id: str, kind: str) -> None:
    state = screen.shell.state
    visit_id = state.start_visit(household_id, kind, "phone")
    state.set_outcome(visit_id, "satisfied")
    state.edit(visit_id, satisfaction=4)
    assert state.complete(visit_id) == []


def test_a_background_sync_updates_today_in_place_so_its_scroll_is_kept(
    screen: ScreenHarness,
) -> None:
    """A full redraw put a new scrolling column on screen: the list jumped back to the top (seen
    in Chromium 30 s after completing a visit, when the automatic sync sent it)."""
    on_screen = screen.page.controls[0]
    assert "待同步 0 条" in screen.texts()
    complete_phone_visit(screen, "h-1501", "relationship")

    screen.shell.refresh_if_on("today")

    assert "待同步 1 条" in screen.texts(), "the update reached the screen"
    assert screen.page.controls[0] is on_screen, "the scrolling column was replaced"


def assign_repair_followup(screen: ScreenHarness) -> None:
    """A repair follow-up at h-1501 pulled by the phone, and 今日 drawn with it."""
    state = screen.shell.state
    assignment = Assignment(
        id="a-repair-1",
        staff_id="s-wang",
        household_id="h-1501",
        kind=VisitKind.REPAIR_FOLLOWUP,
        due=date.today(),
        reason="厨房漏水维修回访",
    )
    change = Change(seq=3, type=ChangeType.ASSIGNMENT, data=assignment.model_dump(mode="json"))
    state.store.apply_pull_page([change], 3, "epoch-1")
    screen.shell.refresh()


def test_a_background_sync_keeps_the_assignment_card_a_tap_is_landing_on(
    screen: ScreenHarness,
) -> None:
    """A sync that only changed the status line must not replace the cards: Flet drops a tap on
    a control that has left the page, so the assistant's tap on 打开 would do nothing."""
    assign_repair_followup(screen)
    card_button = screen.find("assignment.a-repair-1.open")
    complete_phone_visit(screen, "h-1501", "relationship")

    screen.shell.refresh_if_on("today")

    assert "待同步 1 条" in screen.texts(), "the status line was updated"
    assert screen.find("assignment.a-repair-1.open") is card_button, "the card was replaced"
    screen.loop.run_until_complete(screen.session.dispatch_event(card_button._i, "click", None))
    assert screen.shell.route == "household", "the tap on the card drawn before the sync landed"
    assert screen.shell.params["id"] == "h-1501"


def test_a_background_sync_that_changes_the_assignments_redraws_the_cards(
    screen: ScreenHarness,
) -> None:
    assign_repair_followup(screen)
    assert screen.has("assignment.a-repair-1")
    complete_phone_visit(screen, "h-1501", "repair_followup")
    state = screen.shell.state
    draft_id = state.start_visit("h-1501", "relationship", "on_site")

    screen.shell.refresh_if_on("today")

    assert not screen.has("assignment.a-repair-1"), "a fulfilled assignment stays on screen"
    assert screen.has(f"draft.{draft_id}"), "a new draft is not offered"


def test_moving_to_another_screen_drops_the_in_place_refresh(screen: ScreenHarness) -> None:
    screen.click("nav.settings")
    screen.find("settings.server").value = "half-typed"

    screen.shell.refresh_if_on("settings")

    assert screen.find("settings.server").value != "half-typed", "settings is redrawn whole"


def test_a_screen_that_failed_to_build_is_drawn_whole_by_the_next_background_refresh(
    screen: ScreenHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_today = app_module.SCREENS["today"]

    def broken(ui: Any) -> Any:
        ui.set_in_place_refresh(lambda: None)
        raise RuntimeError("a bug in a screen")

    monkeypatch.setitem(app_module.SCREENS, "today", broken)
    screen.shell.refresh()
    assert screen.has("app.error")
    monkeypatch.setitem(app_module.SCREENS, "today", build_today)

    screen.shell.refresh_if_on("today")

    assert not screen.has("app.error") and screen.has("today.content")
