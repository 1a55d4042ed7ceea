"""Login (登录): server address, user name, password; works offline after one online login."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.views.controls import Ui, button, note, screen, text_input


def build(ui: Ui) -> ft.Control:
    state = ui.state
    server = text_input("login.server", ui.t("login.server"), state.prefs.server_url)
    username = text_input("login.username", ui.t("login.username"), "")
    password = text_input("login.password", ui.t("login.password"), "", password=True)
    message = note("", color=ft.Colors.RED_700, key="login.message")

    def submit(_event: Any) -> None:
        state.set_server_url(server.value or "")
        problem = state.login(username.value or "", password.value or "")
        if problem is None:
            ui.go("today")
            ui.run_async(lambda: _first_pull(ui))
            return
        message.value = ui.t(problem)
        message.update()

    password.on_submit = submit
    body: list[ft.Control] = [
        note(ui.t("login.intro")),
        server,
        username,
        password,
        button("login.submit", ui.t("login.submit"), submit, primary=True),
        message,
    ]
    return screen(ui.t("app.title"), body)


def _first_pull(ui: Ui) -> None:
    """Right after a login, sync if there is a reason (``sync_if_reachable``): on a phone that
    never pulled for this user, so 今日 shows households and assignments without anyone having
    to think of 立即同步; with visits waiting, so they go at once."""
    if ui.state.sync_if_reachable() is not None:
        ui.refresh_if_on("today")
