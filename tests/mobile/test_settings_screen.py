"""Settings on the screen itself: sign out is refused while visits wait to sync unless the user
confirms twice more; the language switch turns every label to English and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mobile import app as app_module
from mobile.drafts import COMPANY_TZ, outside_calling_hours
from tests.mobile.conftest import sign
from tests.mobile.flet_harness import ScreenHarness


def complete_one_visit(screen: ScreenHarness) -> None:
    state = screen.shell.state
    visit_id = state.start_visit("h-1501", "relationship", "on_site")
    state.set_outcome(visit_id, "satisfied")
    state.edit(visit_id, satisfaction=5)
    sign(state, visit_id)
    assert state.complete(visit_id) == []


def test_sign_out_with_unsynced_visits_needs_two_more_confirmations(screen: ScreenHarness) -> None:
    complete_one_visit(screen)
    screen.click("nav.settings")
    screen.click("settings.sign_out")
    assert screen.shell.route == "settings"
    assert any("1 条回访未同步" in text for text in screen.texts())
    screen.click("settings.sign_out")
    assert screen.shell.route == "settings" and screen.shell.state.session is not None
    screen.click("settings.sign_out")
    assert screen.shell.route == "login" and screen.shell.state.session is None
    assert screen.shell.state.unsynced_count() == 1, "signing out never drops unsynced work"


def test_sign_out_with_nothing_waiting_is_immediate(screen: ScreenHarness) -> None:
    screen.click("nav.settings")
    screen.click("settings.sign_out")
    assert screen.shell.route == "login"


def test_language_switch_changes_every_label(screen: ScreenHarness) -> None:
    screen.click("nav.settings")
    screen.click("settings.language.en")
    assert "Settings" in screen.texts() and "设置" not in screen.texts()
    assert screen.find("settings.sign_out").content == "Sign out"
    screen.click("settings.language.zh-CN")
    assert screen.find("settings.sign_out").content == "退出登录"


def test_phone_calls_outside_r15_hours_or_at_meals_are_flagged() -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        """A moment given in the company's time zone, handed over in UTC as a phone would."""
        return datetime(2026, 11, 23, hour, minute, tzinfo=COMPANY_TZ).astimezone(UTC)

    assert outside_calling_hours(at(6, 59))
    assert not outside_calling_hours(at(9, 30))
    assert outside_calling_hours(at(12, 0)), "lunch"
    assert outside_calling_hours(at(18, 0)), "dinner"
    assert not outside_calling_hours(at(20, 0))
    assert outside_calling_hours(at(22, 0))


def test_a_mistyped_server_address_is_said_in_plain_words(screen: ScreenHarness) -> None:
    screen.click("nav.settings")
    screen.click("settings.sign_out")
    screen.type("login.server", "192.168.1.10:8000")
    screen.type("login.username", "wang")
    screen.type("login.password", "secret-pass")
    screen.click("login.submit")
    assert screen.shell.route == "login"
    assert screen.find("login.message").value.startswith("服务器地址不正确")


def test_a_screen_that_fails_to_build_says_so_and_navigation_still_works(
    screen: ScreenHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_ui: object) -> None:
        raise RuntimeError("a bug in a screen")

    monkeypatch.setitem(app_module.SCREENS, "households", broken)
    screen.click("nav.households")
    assert screen.has("app.error")
    screen.click("nav.settings")
    assert screen.has("settings.sign_out")
