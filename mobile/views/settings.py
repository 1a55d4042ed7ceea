"""Settings (设置): language, server address, sign out (refused while unsynced, unless twice)."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.i18n import LANGUAGES
from mobile.views.controls import Ui, button, choice_row, note, screen, text_input


def build(ui: Ui) -> ft.Control:
    state = ui.state
    server = text_input("settings.server", ui.t("settings.server"), state.prefs.server_url)
    message = note("", color=ft.Colors.RED_700, key="settings.message")
    confirmations = {"count": 0}

    def language(value: str) -> None:
        state.set_language(value)
        ui.refresh()

    def save_server(_event: Any) -> None:
        state.set_server_url(server.value or "")
        ui.toast(ui.t("settings.saved"))

    def sign_out(_event: Any) -> None:
        problem = state.sign_out(confirmations["count"])
        if problem is None:
            ui.go("login")
            return
        confirmations["count"] += 1
        message.value = ui.t(problem, count=state.unsynced_count(), left=3 - confirmations["count"])
        message.update()

    languages = [(code, ui.t(f"language.{code}")) for code in LANGUAGES]
    staff = state.staff
    body: list[ft.Control] = [
        note(
            ui.t(
                "settings.user",
                name=staff.name if staff else "",
                role=ui.t(f"role.{staff.role.value}") if staff else "",
            )
        ),
        note(ui.t("settings.language")),
        choice_row("settings.language", languages, state.prefs.language, language),
        server,
        button("settings.save_server", ui.t("settings.save_server"), save_server),
        ft.Divider(),
        button("settings.sign_out", ui.t("settings.sign_out"), sign_out),
        message,
    ]
    return screen(ui.t("settings.title"), body)
