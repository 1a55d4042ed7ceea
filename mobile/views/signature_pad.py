"""The owner's signature pad: a full-width canvas fed by pan events (clear and redo) (R1)."""

from __future__ import annotations

import itertools
from typing import Any

import flet as ft
import flet.canvas as cv

from mobile.views.controls import Ui, button, note

PAD_HEIGHT = 220
INK = ft.Paint(stroke_width=3, color=ft.Colors.BLACK, stroke_cap=ft.StrokeCap.ROUND)


def build(ui: Ui, visit_id: str) -> ft.Control:
    state = ui.state
    canvas = cv.Canvas(
        shapes=_shapes(state.signature_strokes(visit_id)), height=PAD_HEIGHT, expand=True
    )

    def start(event: ft.DragStartEvent[Any]) -> None:
        state.begin_stroke(visit_id, event.local_position.x, event.local_position.y)

    def move(event: ft.DragUpdateEvent[Any]) -> None:
        strokes = state.signature_strokes(visit_id)
        before = strokes[-1][-1] if strokes and strokes[-1] else None
        state.extend_stroke(visit_id, event.local_position.x, event.local_position.y)
        if before is not None:
            canvas.shapes.append(_line(before, strokes[-1][-1]))
            canvas.update()

    def end(_event: Any) -> None:
        state.end_stroke(visit_id)

    def clear(_event: Any) -> None:
        state.clear_signature(visit_id)
        canvas.shapes = []
        canvas.update()

    detector = ft.GestureDetector(
        key="signature.pad",
        content=ft.Container(
            content=canvas,
            height=PAD_HEIGHT,
            bgcolor=ft.Colors.WHITE,
            border=ft.Border.all(2, ft.Colors.BLUE_GREY_300),
            border_radius=8,
        ),
        on_pan_start=start,
        on_pan_update=move,
        on_pan_end=end,
        drag_interval=10,
    )
    pad = ft.Semantics(content=detector, label=ui.t("signature.pad"), container=True)
    return ft.Column(
        [
            note(ui.t("signature.title")),
            pad,
            button("signature.clear", ui.t("signature.clear"), clear),
        ],
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _line(a: list[float], b: list[float]) -> cv.Line:
    return cv.Line(a[0], a[1], b[0], b[1], paint=INK)


def _shapes(strokes: list[list[list[float]]]) -> list[cv.Shape]:
    shapes: list[cv.Shape] = []
    for stroke in strokes:
        shapes.extend(_line(a, b) for a, b in itertools.pairwise(stroke))
    return shapes
