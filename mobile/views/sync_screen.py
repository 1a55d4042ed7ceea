"""Sync (同步): one button, a progress bar (items and bytes), parked items, last sync time."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.syncing import SyncProgress, SyncReport, progress_fraction
from mobile.views.controls import Live, Ui, button, note, screen, text_input
from mobile.views.labels import address, when


def build(ui: Ui) -> ft.Control:
    state = ui.state
    bar = ft.ProgressBar(value=0, key="sync.progress", semantics_label=ui.t("sync.progress"))
    counts = note(_counts(ui, SyncProgress()), key="sync.counts")
    result = note("", key="sync.result")
    last = note(_last(ui), key="sync.last")
    details = Live(lambda _live: _details(ui), key="sync.details")

    def on_progress(progress: SyncProgress) -> None:
        bar.value = progress_fraction(progress)
        counts.value = _counts(ui, progress)
        ui.page.update()

    def work() -> None:
        report = state.sync(on_progress)
        result.value = _report_text(ui, report)
        last.value = _last(ui)
        details.redo()
        ui.page.update()

    def start(_event: Any) -> None:
        ui.dismiss_toast()
        result.value = ui.t("sync.running")
        bar.value = None
        ui.page.update()
        ui.run_async(work)

    body: list[ft.Control] = [
        button("sync.start", ui.t("sync.start"), start, primary=True),
        bar,
        counts,
        result,
        last,
        details.box,
    ]
    return screen(ui.t("sync.title"), body)


def _details(ui: Ui) -> ft.Control:
    """What changes after a sync: the waiting count, a password prompt, the parked visits."""
    waiting = note(ui.t("status.waiting", count=ui.state.unsynced_count()), key="sync.waiting")
    return ft.Column([waiting, *_password_again(ui), *_parked(ui), *_unreadable(ui)])


def _unreadable(ui: Ui) -> list[ft.Control]:
    count = ui.state.unreadable_count()
    if not count:
        return []
    return [
        note(
            ui.t("sync.unreadable", count=count), color=ft.Colors.ORANGE_800, key="sync.unreadable"
        )
    ]


def _counts(ui: Ui, p: SyncProgress) -> str:
    return ui.t(
        "sync.counts",
        items=p.items_done,
        items_total=p.items_total,
        kb=p.bytes_done // 1024,
        kb_total=p.bytes_total // 1024,
        pulled=p.pulled,
    )


def _last(ui: Ui) -> str:
    last = ui.state.sync_status.last_success
    return ui.t("sync.last", time=when(last)) if last else ui.t("sync.never")


def _report_text(ui: Ui, report: SyncReport) -> str:
    if report.error:
        return ui.t(report.error)
    return ui.t("sync.done", pushed=report.pushed, parked=report.parked)


def _password_again(ui: Ui) -> list[ft.Control]:
    """After a 401: ask for the password again; unsynced visits stay exactly as they are."""
    if not ui.state.sync_status.needs_password:
        return []
    password = text_input("sync.password", ui.t("login.password"), "", password=True)

    def again(_event: Any) -> None:
        staff = ui.state.staff
        problem = ui.state.login(staff.username if staff else "", password.value or "")
        ui.toast(ui.t(problem) if problem else ui.t("sync.password_ok"))
        ui.refresh()

    return [
        note(ui.t("sync.error.password_needed")),
        password,
        button("sync.relogin", ui.t("login.submit"), again),
    ]


def _parked(ui: Ui) -> list[ft.Control]:
    items = ui.state.parked_items()
    if not items:
        return []
    rows: list[ft.Control] = [ft.Divider(), note(ui.t("sync.parked"))]
    for visit_id, reason in items:
        rows.append(note(f"{_visit_title(ui, visit_id)}: {ui.t(reason)}", key=f"parked.{visit_id}"))
    return rows


def _visit_title(ui: Ui, visit_id: str) -> str:
    """Where and when, so the assistant knows which visit the server refused."""
    visit = ui.state.completed_visit(visit_id)
    if visit is None:
        return visit_id[:8]
    household = ui.state.household(visit.household_id)
    where = address(ui, household) if household else visit.household_id
    return f"{where} {when(visit.started_at)}"
