"""Settings (设置): language, server address, sign out (refused while unsynced, unless twice)."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.i18n import LANGUAGES
from mobile.state import SIGN_OUT_CONFIRMATIONS
from mobile.views.controls import Ui, button, choice_row, note, screen, text_input


def build(ui: Ui) -> ft.Control:
    state = ui.state
    server = text_input("settings.server", ui.t("settings.server"), state.prefs.server_url)

    def language(value: str) -> None:
        state.set_language(value)
        ui.refresh()

    def save_server(_event: Any) -> None:
        state.set_server_url(server.value or "")
        ui.toast(ui.t("settings.saved"))

    languages = [(code, ui.t(f"language.{code}")) for code in LANGUAGES]
    body: list[ft.Control] = [
        note(_who(ui)),
        note(ui.t("settings.language")),
        choice_row("settings.language", languages, state.prefs.language, language),
        server,
        button("settings.save_server", ui.t("settings.save_server"), save_server),
        ft.Divider(),
        *_sign_out(ui),
    ]
    return screen(ui.t("settings.title"), body)


def _who(ui: Ui) -> str:
    staff = ui.state.staff
    if staff is None:
        return ""
    return ui.t("settings.user", name=staff.name, role=ui.t(f"role.{staff.role.value}"))


def _sign_out(ui: Ui) -> list[ft.Control]:
    """Each refused press counts as a confirmation; the message says how many are left."""
    message = note("", color=ft.Colors.RED_700, key="settings.message")
    pressed = {"count": 0}

    def sign_out(_event: Any) -> None:
        problem = ui.state.sign_out(pressed["count"])
        if problem is None:
            ui.go("login")
            return
        pressed["count"] += 1
        left = SIGN_OUT_CONFIRMATIONS + 1 - pressed["count"]
        message.value = ui.t(problem, count=ui.state.unsynced_count(), left=left)
        message.update()

    return [button("settings.sign_out", ui.t("settings.sign_out"), sign_out), message]
