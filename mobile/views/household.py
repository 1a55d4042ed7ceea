"""A household card: address, owner, tags, past visits, and where a new visit starts (R13)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flet as ft

from mobile.views.controls import Live, Ui, button, choice_row, note, screen, warning
from mobile.views.labels import address, kind_label, method_label, outcome_label, tenure_label, when
from sync.models import Household, VisitKind


def build(ui: Ui) -> ft.Control:
    household = ui.state.household(ui.params.get("id", ""))
    if household is None:
        return screen(ui.t("household.title"), [note(ui.t("household.missing"))])
    body: list[ft.Control] = [
        *[warning(f"household.warning.{key}", ui.t(key)) for key in _warnings(ui, household)],
        note(address(ui, household), key="household.address"),
        note(ui.t("household.owner", name=household.owner_name, phone=household.phone or "-")),
        _tags(ui, household),
        ft.Divider(),
        *_start_visit(ui, household),
        ft.Divider(),
        note(ui.t("household.history")),
        *_history(ui, household),
    ]
    return screen(ui.t("household.title"), body)


def _warnings(ui: Ui, household: Household) -> list[str]:
    return ui.state.household_warnings(household.id)


def _tags(ui: Ui, household: Household) -> ft.Control:
    tags = []
    if household.key_customer:
        tags.append(ui.t("household.key_customer"))
    tenure = tenure_label(ui, household, datetime.now(UTC).date())
    if tenure:
        tags.append(tenure)
    chips: list[ft.Control] = [ft.Chip(label=ft.Text(tag)) for tag in tags]
    return ft.Row(chips, wrap=True, key="household.tags")


def _start_visit(ui: Ui, household: Household) -> list[ft.Control]:
    """Choose the kind (an assignment preselects it), then start on site or by phone."""
    chosen = {"kind": ui.params.get("kind") or VisitKind.RELATIONSHIP.value}
    kinds = Live(lambda live: _kind_row(ui, chosen, live), key="visit.kind_part")

    def start(method: str) -> Any:
        def handler(_event: Any) -> None:
            links = {
                "source_id": ui.params.get("source") or None,
                "previous_id": ui.params.get("previous") or None,
            }
            visit_id = ui.state.start_visit(household.id, chosen["kind"], method, **links)
            ui.go("visit", id=visit_id)

        return handler

    on_site = button(
        "visit.start.on_site", ui.t("household.start_on_site"), start("on_site"), primary=True
    )
    phone = button("visit.start.phone", ui.t("household.start_phone"), start("phone"))
    return [
        note(ui.t("household.new_visit")),
        kinds.box,
        ft.Row([on_site, phone], wrap=True),
        *_drafts(ui, household),
    ]


def _kind_row(ui: Ui, chosen: dict[str, str], live: Live) -> ft.Control:
    def pick(kind: str) -> None:
        chosen["kind"] = kind
        live.redo()

    kinds = [(k.value, kind_label(ui, k.value)) for k in VisitKind]
    return choice_row("visit.kind", kinds, chosen["kind"], pick)


def _drafts(ui: Ui, household: Household) -> list[ft.Control]:
    """Visits started here and not completed: continue them instead of starting again."""
    return [
        button(
            f"draft.{d['id']}",
            ui.t("household.resume", kind=kind_label(ui, d["kind"])),
            _resume(ui, d["id"]),
        )
        for d in ui.state.household_drafts(household.id)
    ]


def _resume(ui: Ui, visit_id: str) -> Any:
    return lambda _event: ui.go("visit", id=visit_id)


def _history(ui: Ui, household: Household) -> list[ft.Control]:
    rows: list[ft.Control] = []
    for visit, state in ui.state.household_visits(household.id):
        text = " · ".join(
            [
                when(visit.started_at),
                kind_label(ui, visit.kind.value),
                method_label(ui, visit.method.value),
                outcome_label(ui, visit.outcome.value),
                ui.t(f"visit.state.{state.value}"),
            ]
        )
        rows.append(
            ft.ListTile(
                title=ft.Text(text), key=f"history.{visit.id}", on_click=_resume(ui, str(visit.id))
            )
        )
    return rows or [note(ui.t("household.no_history"))]
