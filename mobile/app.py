"""The app's entry: page setup (CJK font, phone width), routing and role-based navigation.

``main`` is what ``ft.run`` calls for each browser tab or phone. Screens are plain functions in
``mobile/views`` that build controls from ``mobile/state.py``; the ``Shell`` here swaps them when
the user navigates, and keeps the bottom navigation to what the user's role may open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft

from mobile.state import AppState
from mobile.views import (
    household,
    households,
    login,
    settings,
    supervision,
    sync_screen,
    today,
    visit,
)
from mobile.views.controls import TOUCH, note, screen

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
FONT_FAMILY = "cjk"
FONT_ASSET = "fonts/DroidSansFallbackFull.ttf"
PHONE_WIDTH = 412
READING_WIDTH = 720
"""On a desktop the screens keep a readable column instead of spanning the window."""
DEVICE_KEY = "huifang.device"
AUTO_SYNC_SECONDS = 30.0
Screen = Callable[[Any], ft.Control]
SCREENS: dict[str, Screen] = {
    "login": login.build,
    "today": today.build,
    "households": households.build,
    "household": household.build,
    "visit": visit.build,
    "sync": sync_screen.build,
    "settings": settings.build,
    "board": supervision.build_board,
    "review": supervision.build_review,
    "review_visit": supervision.build_review_visit,
}
FIELD_TABS = ("today", "households", "sync", "settings")
SUPERVISOR_TABS = ("today", "board", "review", "households", "sync", "settings")


def default_data_folder() -> Path:
    """``FLET_APP_STORAGE_DATA`` in a built app, else a per-user folder (DESIGN.md)."""
    base = os.environ.get("FLET_APP_STORAGE_DATA")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "huifang" / "app"


class Shell:
    """Holds the page, the state and the current route; screens reach it as ``ui``."""

    def __init__(self, page: ft.Page, state: AppState, *, background: bool = True) -> None:
        self.page = page
        self._state = state
        self.background = background
        self.route = "login"
        self.params: dict[str, str] = {}
        self.picker: ft.FilePicker | None = None
        self.wide = False
        self._screen_turn = threading.RLock()
        self._nav: tuple[tuple[str, ...], str, ft.BottomAppBar] | None = None
        self._in_place: Callable[[], None] | None = None
        self._toast: ft.SnackBar | None = None

    @property
    def state(self) -> AppState:
        return self._state

    def t(self, key: str, **values: Any) -> str:
        return self._state.t(key, **values)

    def start(self) -> None:
        setup_page(self.page, self.t("app.title"))
        self.page.on_resize = self._resized
        self.picker = ft.FilePicker()
        self.go("today" if self._state.session else "login")

    def go(self, route: str, **params: str) -> None:
        if self._state.session is None:
            route = "login"
        with self._screen_turn:
            self.route, self.params = route, params
            self.refresh()

    def refresh_if_on(self, route: str) -> None:
        """Redraw from a background thread, only if the user is still on ``route``.

        The check and the redraw are one step against ``go``: otherwise a sync finishing just as
        the user taps 指标 could draw 今日 over the screen they opened, leaving them stranded.
        A screen that set an in-place refresh is updated in place instead, so a list the user
        has scrolled down does not jump back to the top.
        """
        with self._screen_turn:
            if self.route != route:
                return
            if self._in_place is None:
                self.refresh()
            else:
                self._in_place()

    def set_in_place_refresh(self, update: Callable[[], None]) -> None:
        """Called by a screen as it is built: how a background refresh updates it in place."""
        self._in_place = update

    def refresh(self) -> None:
        with self._screen_turn:
            self._redraw()

    def _redraw(self) -> None:
        self.page.locale_configuration = locales_for(self._state.prefs.language)
        self._in_place = None  # the screen about to be built may set its own
        body = self._build_screen()
        self.wide = (self.page.width or 0) > READING_WIDTH + 48
        if self.wide:
            body = ft.Row(
                [ft.Container(body, width=READING_WIDTH)],
                alignment=ft.MainAxisAlignment.CENTER,
                vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                expand=True,
            )
        self.page.controls = [ft.SafeArea(content=body, expand=True)]
        self.page.bottom_appbar = self._navigation()
        self.page.update()

    def _build_screen(self) -> ft.Control:
        """A screen that fails to build says so (work is safe in the store) instead of freezing."""
        try:
            return SCREENS[self.route](self)
        except Exception:
            logging.getLogger(__name__).exception("screen %s failed", self.route)
            self._in_place = None  # a later background refresh redraws it whole, and may mend it
            return screen(self.t("app.error_title"), [note(self.t("app.error"), key="app.error")])

    def _resized(self, event: Any) -> None:
        """A phone turned or a desktop window resized across the reading width: lay out anew."""
        if ((event.width or 0) > READING_WIDTH + 48) != self.wide and self.route != "login":
            self.refresh()

    def toast(self, text: str) -> None:
        self._toast = ft.SnackBar(content=ft.Text(text), key="app.toast")
        self.page.show_dialog(self._toast)

    def dismiss_toast(self) -> None:
        """Close the last toast if it is still showing: e.g. 回访已完成，等待同步 once the user
        starts that sync, so it does not linger beside the sync's own result."""
        toast, self._toast = self._toast, None
        if toast is not None and toast.open:
            toast.open = False
            with contextlib.suppress(RuntimeError):  # dismissed and gone from the page already
                toast.update()

    def run_async(self, work: Callable[[], Any]) -> None:
        """Slow work (network) off the event loop in the app; inline in view tests."""
        if self.background:
            self.page.run_thread(work)
        else:
            work()

    async def pick_images(self) -> list[bytes]:
        """Photos from the file chooser (web) or gallery/camera (phone), as bytes."""
        assert self.picker is not None
        files = await self.picker.pick_files(
            file_type=ft.FilePickerFileType.IMAGE, with_data=True, allow_multiple=True
        )
        return [_file_bytes(f) for f in files]

    def _navigation(self) -> ft.BottomAppBar | None:
        """The same bar for as long as the tabs and the language stay: a redraw after a
        background sync then leaves it alone, and a tap on a tab that lands during that redraw
        is not lost with a bar being replaced."""
        if self.route == "login":
            self._nav = None  # the bar leaves the page; the next login builds its own
            return None
        tabs = SUPERVISOR_TABS if self._state.is_supervisor() else FIELD_TABS
        language = self._state.prefs.language
        if self._nav is None or self._nav[:2] != (tabs, language):
            self._nav = (tabs, language, self._build_navigation(tabs))
        return self._nav[2]

    def _build_navigation(self, tabs: tuple[str, ...]) -> ft.BottomAppBar:
        buttons: list[ft.Control] = [
            ft.TextButton(
                content=self.t(f"nav.{tab}"),
                key=f"nav.{tab}",
                on_click=_go_handler(self, tab),
                height=TOUCH,
                expand=True,
            )
            for tab in tabs
        ]
        return ft.BottomAppBar(content=ft.Row(buttons, spacing=0), height=TOUCH + 24, padding=4)


def _go_handler(shell: Shell, route: str) -> Callable[[Any], None]:
    return lambda _event: shell.go(route)


def _file_bytes(picked: ft.FilePickerFile) -> bytes:
    if picked.bytes is not None:
        return picked.bytes
    if picked.path:
        return Path(picked.path).read_bytes()
    return b""


def locales_for(language: str) -> ft.LocaleConfiguration:
    """Flutter's own words (date picker, text menus) follow the app's language."""
    chinese = [ft.Locale("zh"), ft.Locale("zh", "CN")]
    english = [ft.Locale("en"), ft.Locale("en", "US")]
    current = chinese[1] if language == "zh-CN" else english[1]
    return ft.LocaleConfiguration(supported_locales=chinese + english, current_locale=current)


def setup_page(page: ft.Page, title: str) -> None:
    """Bundled CJK font as the theme font: Flutter web would otherwise draw boxes offline."""
    page.title = title
    page.fonts = {FONT_FAMILY: FONT_ASSET}
    page.theme = ft.Theme(font_family=FONT_FAMILY)
    page.theme_mode = ft.ThemeMode.LIGHT
    page.padding = 0
    page.spacing = 0


def make_main(
    folder: Path | None = None, server_url: str | None = None
) -> Callable[[ft.Page], Awaitable[None]]:
    """The ``main`` for ``ft.run``: one store per device, shared by that device's tabs."""
    base = folder or default_data_folder()

    async def main(page: ft.Page) -> None:
        device = await _device_name(page)
        state = _STATES.get(device)
        if state is None:
            state = _STATES[device] = AppState(base / device, server_url)
            _WATCHERS[device] = AutoSync(state)
        shell = Shell(page, state)
        _WATCHERS[device].shells.add(shell)
        shell.start()

    return main


_STATES: dict[str, AppState] = {}
"""Open states by device. A reload in the same browser reuses its store (one writer)."""
_WATCHERS: dict[str, AutoSync] = {}


class AutoSync:
    """Syncs on its own when the network comes back (issue 5 item 5), every ``every`` seconds."""

    def __init__(self, state: AppState, every: float = AUTO_SYNC_SECONDS) -> None:
        self.state = state
        self.every = every
        self.shells: weakref.WeakSet[Shell] = weakref.WeakSet()
        self.stopped = threading.Event()
        threading.Thread(target=self._loop, name="huifang-autosync", daemon=True).start()

    def _loop(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                report = self.state.sync_if_reachable()
            except Exception:
                logging.getLogger(__name__).exception("automatic sync failed")
                continue
            if report is not None:
                self._show()

    def _show(self) -> None:
        """Refresh screens that show sync state; never one where the user is typing."""
        for shell in list(self.shells):
            with contextlib.suppress(Exception):
                shell.refresh_if_on("today")


async def _device_name(page: ft.Page) -> str:
    """A built app is one device; a browser remembers its own id in local storage."""
    if not page.web:
        return "device"
    prefs = ft.SharedPreferences()
    name = await prefs.get(DEVICE_KEY)
    if not isinstance(name, str) or not name.startswith("web-"):
        name = "web-" + uuid.uuid4().hex
        await prefs.set(DEVICE_KEY, name)
    return name


def run(
    *, server_url: str | None = None, web: bool = False, port: int = 0, folder: Path | None = None
) -> None:
    """Start the app: a window on a desktop, or served on localhost with ``web``."""
    ft.run(
        make_main(folder, server_url),
        assets_dir=str(ASSETS_DIR),
        view=ft.AppView.WEB_BROWSER if web else ft.AppView.FLET_APP,
        port=port,
        host="127.0.0.1" if web else None,
        no_cdn=True,
    )
