"""Today (今日): assignments with due dates, overdue first; quota this month; sync state."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.drafts import Draft
from mobile.lists import TodayItem
from mobile.views.controls import Live, LiveWhenChanged, Ui, button, note, screen
from mobile.views.labels import address, kind_label
from sync.models import Household

DraftLine = tuple[Draft, Household | None]
Work = tuple[list[TodayItem], list[DraftLine]]
"""What the lower part shows: open assignments, and unfinished drafts with their household."""


def build(ui: Ui) -> ft.Control:
    """A background sync updates the screen in place (``Live``): the list keeps where the user
    scrolled to instead of jumping back to the top. The status and quota part is redrawn every
    time; the assignment and draft cards only when they changed, so a sync that only sent a
    visit does not replace the card the user is tapping (that tap would be lost)."""
    summary = Live(lambda _live: _column(_summary(ui)), key="today.summary")
    work = LiveWhenChanged(lambda: _work_now(ui), lambda now: _column(_work(ui, now)), "today.work")

    def update_in_place() -> None:
        summary.redo()
        work.redo()

    ui.set_in_place_refresh(update_in_place)
    content = ft.Container(_column([summary.box, work.box]), key="today.content")
    return screen(ui.t("today.title"), [content])


def _column(controls: list[ft.Control]) -> ft.Control:
    return ft.Column(controls, spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


def _summary(ui: Ui) -> list[ft.Control]:
    state = ui.state
    staff = state.staff
    return [
        note(ui.t("today.greeting", name=staff.name if staff else "")),
        _status_row(ui),
        *[_quota_line(ui, title, done, target) for title, done, target in state.quota_progress()],
    ]


def _work_now(ui: Ui) -> Work:
    drafts = [(draft, ui.state.household(draft["household_id"])) for draft in ui.state.drafts()]
    return ui.state.today(), drafts


def _work(ui: Ui, work: Work) -> list[ft.Control]:
    items, drafts = work
    heading = note(ui.t("today.assignments"), key="today.assignments")
    body: list[ft.Control] = [ft.Divider(), heading]
    body.extend(_assignment(ui, item) for item in items)
    if not items:
        body.append(note(ui.t("today.nothing_due")))
    body.extend(_drafts(ui, drafts))
    return body


def _status_row(ui: Ui) -> ft.Control:
    state = ui.state
    mode = ui.t("status.offline") if state.offline else ui.t("status.online")
    waiting = ui.t("status.waiting", count=state.unsynced_count())
    colour = ft.Colors.ORANGE_800 if state.offline else ft.Colors.GREEN_800
    return ft.Row(
        [note(mode, color=colour, key="today.mode"), note(waiting, key="today.waiting")],
        wrap=True,
        spacing=16,
    )


def _quota_line(ui: Ui, title: str, done: int, target: int) -> ft.Control:
    text = ui.t("today.quota", title=title, done=done, target=target)
    value = min(1.0, done / target) if target else 1.0
    return ft.Column([note(text), ft.ProgressBar(value=value, semantics_label=text)], spacing=4)


def _assignment(ui: Ui, item: TodayItem) -> ft.Control:
    a = item.assignment
    where = address(ui, item.household) if item.household else a.household_id
    due = ui.t("today.due", date=a.due.isoformat())
    lines = [note(f"{kind_label(ui, a.kind)} · {where}"), note(due)]
    if item.overdue:
        lines.insert(0, note(ui.t("today.overdue"), color=ft.Colors.RED_700))
    if a.reason:
        lines.append(note(a.reason))

    def open_household(_event: Any) -> None:
        links = {"source": a.source_id or "", "previous": str(a.previous_id or "")}
        ui.go("household", id=a.household_id, kind=a.kind.value, **links)

    return ft.Card(
        key=f"assignment.{a.id}",
        content=ft.Container(
            ft.Column(
                [*lines, button(f"assignment.{a.id}.open", ui.t("today.open"), open_household)]
            ),
            padding=12,
        ),
    )


def _drafts(ui: Ui, drafts: list[DraftLine]) -> list[ft.Control]:
    if not drafts:
        return []
    controls: list[ft.Control] = [ft.Divider(), note(ui.t("today.drafts"))]
    for draft, household in drafts:
        label = f"{kind_label(ui, draft['kind'])} · {address(ui, household) if household else ''}"
        controls.append(button(f"draft.{draft['id']}", label, _resume(ui, str(draft["id"]))))
    return controls


def _resume(ui: Ui, visit_id: str) -> Any:
    return lambda _event: ui.go("visit", id=visit_id)
