"""Households (住户): search by building / unit / room (房号) or the owner's name."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.views.controls import TOUCH, Ui, note, screen, text_input
from mobile.views.labels import address

MAX_SHOWN = 50


def build(ui: Ui) -> ft.Control:
    query = ui.params.get("q", "")
    results = ft.Column(key="households.results", spacing=4)
    search = text_input("households.search", ui.t("households.search"), query)

    def show(_event: Any = None) -> None:
        results.controls = _rows(ui, search.value or "")
        if _event is not None:
            results.update()

    search.on_change = show
    show()
    return screen(ui.t("households.title"), [search, results])


def _rows(ui: Ui, query: str) -> list[ft.Control]:
    found = ui.state.search_households(query)
    rows: list[ft.Control] = []
    for household in found[:MAX_SHOWN]:
        rows.append(
            ft.ListTile(
                key=f"household.{household.id}",
                title=ft.Text(address(ui, household)),
                subtitle=ft.Text(household.owner_name),
                trailing=ft.Text(ui.t("household.do_not_visit_tag"), color=ft.Colors.RED_700)
                if household.do_not_visit
                else None,
                min_height=TOUCH,
                on_click=_open(ui, household.id),
            )
        )
    if not found:
        rows.append(note(ui.t("households.none")))
    elif len(found) > MAX_SHOWN:
        rows.append(note(ui.t("households.more", count=len(found) - MAX_SHOWN)))
    return rows


def _open(ui: Ui, household_id: str) -> Any:
    return lambda _event: ui.go("household", id=household_id)
