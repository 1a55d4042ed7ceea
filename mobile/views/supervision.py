"""Supervisor screens (issue 6 item 6): the team's quota board with coverage, and the review queue.

They read the server live (supervision happens with a network). Data is loaded off the event
loop; the screen shows a spinner until it arrives, or the reason it could not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from mobile.supervision import SupervisionError
from mobile.views.controls import TOUCH, Live, Ui, button, note, screen
from mobile.views.labels import kind_label, method_label, outcome_label, when
from sync.boards import CoverageRow, QuotaBoard, QuotaRow, VisitSummary

STATUS_COLOURS = {"met": ft.Colors.GREEN_100, "on_track": ft.Colors.AMBER_100}
BEHIND_COLOUR = ft.Colors.RED_100


def load_into(ui: Ui, live: Live, fetch: Callable[[], ft.Control]) -> None:
    """Fill ``live`` with what ``fetch`` builds, or with the reason it failed."""

    def work() -> None:
        try:
            live.show(fetch())
        except SupervisionError as error:
            live.show(note(ui.t(error.key), color=ft.Colors.RED_700, key="supervision.error"))
        ui.page.update()

    ui.run_async(work)


def spinner() -> ft.Control:
    return ft.ProgressRing(width=32, height=32)


# ---- quota board ---------------------------------------------------------------------------------


def build_board(ui: Ui) -> ft.Control:
    board = Live(lambda _live: spinner(), key="board.grid")
    visits = Live(lambda _live: ft.Container(), key="board.visits")
    coverage = Live(lambda _live: ft.Container(), key="board.coverage")
    load_into(ui, board, lambda: _grid(ui, ui.state.quota_board(), visits))
    load_into(ui, coverage, lambda: _coverage(ui, ui.state.coverage().rows))
    body = [board.box, visits.box, ft.Divider(), note(ui.t("board.coverage")), coverage.box]
    return screen(ui.t("board.title"), body)


def _grid(ui: Ui, board: QuotaBoard, visits: Live) -> ft.Control:
    people: dict[str, list[QuotaRow]] = {}
    for row in board.rows:
        people.setdefault(row.staff_id, []).append(row)
    cards: list[ft.Control] = [note(ui.t("board.period", period=board.period))]
    for rows in people.values():
        cells: list[ft.Control] = [_cell(ui, row, visits) for row in rows]
        title = f"{rows[0].name} · {ui.t(f'role.{rows[0].role.value}')}"
        cards.append(ft.Column([note(title), ft.Row(cells, wrap=True, spacing=8)], spacing=4))
    if not board.rows:
        cards.append(note(ui.t("board.empty")))
    return ft.Column(cards, spacing=12)


def _cell(ui: Ui, row: QuotaRow, visits: Live) -> ft.Control:
    label = ui.t("board.cell", title=row.title or row.rule_id, done=row.done, target=row.target)
    status = ui.t(f"board.status.{row.status.value}")
    value = min(1.0, row.done / row.target) if row.target else 1.0

    def open_visits(_event: Any) -> None:
        visits.show(spinner())
        ui.page.update()
        load_into(ui, visits, lambda: _visit_list(ui, row))

    return ft.Container(
        key=f"board.cell.{row.staff_id}.{row.rule_id}",
        content=ft.Column(
            [note(label), note(status), ft.ProgressBar(value=value, semantics_label=label)],
            spacing=4,
        ),
        bgcolor=STATUS_COLOURS.get(row.status.value, BEHIND_COLOUR),
        padding=10,
        border_radius=8,
        width=180,
        on_click=open_visits,
        ink=True,
    )


def _visit_list(ui: Ui, row: QuotaRow) -> ft.Control:
    found = ui.state.visits_of(row.staff_id, row.period)
    lines: list[ft.Control] = [
        note(ui.t("board.visits_of", name=row.name), key="board.visits.title")
    ]
    lines.extend(note(_summary_line(ui, v)) for v in found)
    if not found:
        lines.append(note(ui.t("board.no_visits")))
    return ft.Column(lines, spacing=4)


def _coverage(ui: Ui, rows: list[CoverageRow]) -> ft.Control:
    lines: list[ft.Control] = []
    for row in rows:
        text = ui.t(
            "board.coverage_row",
            title=row.title or row.rule_id,
            done=row.followed_up,
            due=row.due,
            rate=round(row.rate * 100),
            target=round(row.target_rate * 100),
        )
        colour = STATUS_COLOURS["met"] if row.met else BEHIND_COLOUR
        lines.append(
            ft.Container(
                note(text),
                bgcolor=colour,
                padding=8,
                border_radius=6,
                key=f"coverage.{row.rule_id}",
            )
        )
    return ft.Column(lines or [note(ui.t("board.empty"))], spacing=6)


def _summary_line(ui: Ui, visit: VisitSummary) -> str:
    parts = [when(visit.started_at), visit.household, kind_label(ui, visit.kind)]
    parts += [method_label(ui, visit.method), outcome_label(ui, visit.outcome)]
    return " · ".join(parts)


# ---- review queue --------------------------------------------------------------------------------


def build_review(ui: Ui) -> ft.Control:
    queue = Live(lambda _live: spinner(), key="review.queue")
    load_into(ui, queue, lambda: _queue(ui))
    return screen(ui.t("review.title"), [queue.box])


def _queue(ui: Ui) -> ft.Control:
    waiting = ui.state.review_queue()
    rows: list[ft.Control] = [note(ui.t("review.waiting", count=len(waiting)))]
    for visit in waiting:
        rows.append(
            ft.ListTile(
                key=f"review.open.{visit.id}",
                title=ft.Text(f"{visit.staff_name} · {visit.household}"),
                subtitle=ft.Text(_summary_line(ui, visit)),
                min_height=TOUCH,
                on_click=_open(ui, visit.id),
            )
        )
    return ft.Column(rows, spacing=4)


def _open(ui: Ui, visit_id: str) -> Any:
    return lambda _event: ui.go("review_visit", id=visit_id)


def build_review_visit(ui: Ui) -> ft.Control:
    visit_id = ui.params.get("id", "")
    detail = Live(lambda _live: spinner(), key="review.detail")
    load_into(ui, detail, lambda: _detail(ui, visit_id))
    return screen(ui.t("review.visit_title"), [detail.box])


def _detail(ui: Ui, visit_id: str) -> ft.Control:
    detail = ui.state.visit_detail(visit_id)
    record, summary = detail.record, detail.summary
    lines = [
        f"{summary.staff_name} · {summary.household}",
        _summary_line(ui, summary),
        *[f"{ui.t(key)}: {record.get(field)}" for key, field in _TEXT_FIELDS if record.get(field)],
    ]
    if summary.satisfaction:
        lines.append(ui.t("record.satisfaction", score=summary.satisfaction))
    controls: list[ft.Control] = [note(line) for line in lines]
    controls.extend(_pictures(ui, record))
    controls.extend(
        note(ui.t(f"review.{r.decision.value}", comment=r.comment)) for r in detail.reviews
    )
    controls.extend(_decision(ui, visit_id))
    return ft.Column(controls, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)


_TEXT_FIELDS = (
    ("visit.needs", "needs"),
    ("visit.measures", "measures"),
    ("visit.owner_comment", "owner_comment"),
)


def _pictures(ui: Ui, record: dict[str, Any]) -> list[ft.Control]:
    photos: list[ft.Control] = [
        ft.Image(
            src=ui.state.server_blob(p["sha256"]),
            width=120,
            height=120,
            fit=ft.BoxFit.COVER,
            semantics_label=ui.t("photos.photo", number=n),
        )
        for n, p in enumerate(record.get("photos", []), start=1)
    ]
    controls: list[ft.Control] = [ft.Row(photos, wrap=True)] if photos else []
    signature = record.get("signature")
    if signature:
        png = ui.state.server_blob(signature["png_sha256"])
        controls += [note(ui.t("signature.title")), ft.Image(src=png, height=120)]
    return controls


def _decision(ui: Ui, visit_id: str) -> list[ft.Control]:
    comment = ft.TextField(key="review.comment", label=ui.t("review.comment"), multiline=True)
    message = note("", color=ft.Colors.RED_700, key="review.message")

    def decide(decision: str) -> Any:
        def handler(_event: Any) -> None:
            problem = ui.state.review(visit_id, decision, comment.value or "")
            if problem is None:
                ui.toast(ui.t(f"review.done.{decision}"))
                ui.go("review")
                return
            message.value = ui.t(problem)
            message.update()

        return handler

    buttons = ft.Row(
        [
            button("review.approve", ui.t("review.approve"), decide("approved"), primary=True),
            button("review.return", ui.t("review.return"), decide("returned")),
        ],
        wrap=True,
    )
    return [comment, buttons, message]
