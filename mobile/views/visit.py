"""The visit form: checklist, needs, measures, satisfaction, outcome, photos, signature, complete.

Text is saved as the user types; choices rebuild only their own part of the form. A completed
visit shows read-only (``visit_record``). On site the owner signs (R1); by phone the form is
marked 电话回访, has no photos or signature, and warns outside calling hours (R15).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import flet as ft

from mobile.drafts import COMPANY_TZ, INSPECTION_ITEMS
from mobile.views import photos, signature_pad, visit_record
from mobile.views.controls import Live, Ui, button, choice_row, note, screen, text_input, warning
from mobile.views.labels import address, kind_label, method_label

OUTCOMES = ("satisfied", "unsatisfied", "unreachable", "refused")
RESULTS = ("ok", "not_ok", "na")


def build(ui: Ui) -> ft.Control:
    visit_id = ui.params.get("id", "")
    if ui.state.completed_visit(visit_id) is not None:
        return visit_record.build(ui, visit_id)
    draft = ui.state.draft(visit_id)
    if draft is None:
        return screen(ui.t("visit.title"), [note(ui.t("visit.missing"))])
    on_site = draft["method"] == "on_site"
    body: list[ft.Control] = [*_header(ui, visit_id, draft)]
    if on_site:
        body.extend(_checklist(ui, visit_id, draft))
    body.extend(_answers(ui, visit_id, draft))
    if on_site:
        body.extend([photos.build(ui, visit_id), signature_pad.build(ui, visit_id)])
    body.extend(_complete(ui, visit_id))
    return screen(ui.t("visit.title"), body)


def _header(ui: Ui, visit_id: str, draft: dict[str, Any]) -> list[ft.Control]:
    household = ui.state.household(draft["household_id"])
    where = address(ui, household) if household else draft["household_id"]
    lines: list[ft.Control] = [
        *[
            warning(f"visit.warning.{k}", ui.t(k))
            for k in ui.state.household_warnings(draft["household_id"])
        ],
        note(where, key="visit.household"),
        note(
            f"{kind_label(ui, draft['kind'])} · {method_label(ui, draft['method'])}",
            key="visit.method",
        ),
    ]
    if ui.state.calling_hours_warning(visit_id):
        lines.append(warning("visit.warning.calling_hours", ui.t("visit.calling_hours")))
    return lines


def _saver(ui: Ui, visit_id: str, name: str) -> Any:
    return lambda event: ui.state.edit(visit_id, **{name: event.control.value or ""})


def _checklist(ui: Ui, visit_id: str, draft: dict[str, Any]) -> list[ft.Control]:
    controls: list[ft.Control] = [note(ui.t("visit.inspection"))]
    for index, item in enumerate(draft["inspection"]):
        controls.extend(_inspection_item(ui, visit_id, index, item))
    return controls


def _inspection_item(ui: Ui, visit_id: str, index: int, item: dict[str, Any]) -> list[ft.Control]:
    name = item["item"]
    label = ui.t(f"inspection.item.{name}") if name in INSPECTION_ITEMS else name
    options = [(r, ui.t(f"inspection.result.{r}")) for r in RESULTS]

    def row(live: Live) -> ft.Control:
        draft = ui.state.draft(visit_id) or {"inspection": [item] * (index + 1)}

        def pick(value: str) -> None:
            ui.state.set_inspection(visit_id, index, result=value)
            live.redo()

        current = draft["inspection"][index]["result"]
        return choice_row(f"inspection.{index}", options, current, pick)

    def typed(event: Any) -> None:
        ui.state.set_inspection(visit_id, index, note=event.control.value or "")

    field = text_input(
        f"inspection.{index}.note", ui.t("inspection.note", item=label), item.get("note", ""), typed
    )
    return [note(label), Live(row).box, field]


def _answers(ui: Ui, visit_id: str, draft: dict[str, Any]) -> list[ft.Control]:
    done = ft.Checkbox(
        key="visit.measures_done",
        label=ui.t("visit.measures_done"),
        value=bool(draft["measures_done"]),
        on_change=lambda e: ui.state.edit(visit_id, measures_done=bool(e.control.value)),
    )
    outcome = Live(lambda live: _outcome_part(ui, visit_id, live), key="visit.outcome_part")
    return [
        text_input(
            "visit.needs",
            ui.t("visit.needs"),
            draft["needs"],
            _saver(ui, visit_id, "needs"),
            multiline=True,
        ),
        text_input(
            "visit.measures",
            ui.t("visit.measures"),
            draft["measures"],
            _saver(ui, visit_id, "measures"),
            multiline=True,
        ),
        done,
        outcome.box,
        text_input(
            "visit.owner_comment",
            ui.t("visit.owner_comment"),
            draft["owner_comment"],
            _saver(ui, visit_id, "owner_comment"),
            multiline=True,
        ),
    ]


def _outcome_part(ui: Ui, visit_id: str, live: Live) -> ft.Control:
    draft = ui.state.draft(visit_id) or {}
    outcome = draft.get("outcome")

    def pick_outcome(value: str) -> None:
        ui.state.set_outcome(visit_id, value)
        live.redo()

    def pick_score(value: str) -> None:
        ui.state.edit(visit_id, satisfaction=int(value))
        live.redo()

    parts: list[ft.Control] = [
        note(ui.t("visit.outcome")),
        choice_row(
            "visit.outcome", [(o, ui.t(f"outcome.{o}")) for o in OUTCOMES], outcome, pick_outcome
        ),
    ]
    if outcome in {"satisfied", "unsatisfied"}:
        scores = [(str(n), ui.t("visit.score", score=n)) for n in range(1, 6)]
        current = str(draft["satisfaction"]) if draft.get("satisfaction") else None
        parts.extend(
            [
                note(ui.t("visit.satisfaction")),
                choice_row("visit.satisfaction", scores, current, pick_score),
            ]
        )
    if outcome == "unsatisfied":
        parts.append(_revisit_field(ui, visit_id, draft))
    return ft.Column(parts, spacing=8)


def _revisit_field(ui: Ui, visit_id: str, draft: dict[str, Any]) -> ft.Control:
    def typed(event: Any) -> None:
        valid = ui.state.set_revisit_due(visit_id, event.control.value or "")
        event.control.error = None if valid else ui.t("visit.revisit_format")
        event.control.update()

    field = text_input(
        "visit.revisit_due", ui.t("visit.revisit_due"), draft["revisit"].get("due") or "", typed
    )
    field.hint_text = "YYYY-MM-DD"
    field.expand = True

    def picked(event: Any) -> None:
        chosen = event.control.value
        if chosen is not None:
            day = chosen.date() if isinstance(chosen, datetime) else chosen
            field.value = day.isoformat()
            ui.state.set_revisit_due(visit_id, field.value)
            field.error = None
            field.update()

    def open_picker(_event: Any) -> None:
        today = datetime.now(COMPANY_TZ).replace(tzinfo=None)
        picker = ft.DatePicker(
            key="visit.revisit_picker",
            first_date=today,
            last_date=today + timedelta(days=365),
            on_change=picked,
        )
        ui.page.show_dialog(picker)

    pick = button("visit.revisit_pick", ui.t("visit.revisit_pick"), open_picker)
    return ft.Row([field, pick], vertical_alignment=ft.CrossAxisAlignment.START)


def _complete(ui: Ui, visit_id: str) -> list[ft.Control]:
    problems = ft.Column(key="visit.problems")

    def complete(_event: Any) -> None:
        found = ui.state.complete(visit_id)
        if not found:
            ui.toast(ui.t("visit.completed"))
            ui.go("visit", id=visit_id)
            return
        problems.controls = [note(ui.t(key), color=ft.Colors.RED_700) for key in found]
        problems.update()

    return [problems, button("visit.complete", ui.t("visit.complete"), complete, primary=True)]
