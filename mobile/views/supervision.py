"""Supervisor screens: the team's quota board and the review queue (issue 6 item 6)."""

from __future__ import annotations

import flet as ft

from mobile.views.controls import Ui, note, screen


def build_board(ui: Ui) -> ft.Control:
    return screen(ui.t("board.title"), [note(ui.t("board.unavailable"))])


def build_review(ui: Ui) -> ft.Control:
    return screen(ui.t("review.title"), [note(ui.t("review.unavailable"))])
