"""The owner's signature pad: a full-width canvas fed by pan events (clear and redo) (R1)."""

from __future__ import annotations

import itertools
from typing import Any

import flet as ft
import flet.canvas as cv

from mobile.views.controls import Ui, button, note

PAD_HEIGHT = 220
INK = ft.Paint(stroke_width=3, color=ft.Colors.BLACK, stroke_cap=ft.StrokeCap.ROUND)


class Pad:
    """The pad's ink follows the finger; each point also goes to the draft's strokes."""

    def __init__(self, ui: Ui, visit_id: str) -> None:
        self.state, self.visit_id = ui.state, visit_id
        strokes = _shapes(self.state.signature_strokes(visit_id))
        self.canvas = cv.Canvas(shapes=strokes, height=PAD_HEIGHT, expand=True)

    def start(self, event: ft.DragStartEvent[Any]) -> None:
        self.state.begin_stroke(self.visit_id, event.local_position.x, event.local_position.y)

    def move(self, event: ft.DragUpdateEvent[Any]) -> None:
        strokes = self.state.signature_strokes(self.visit_id)
        before = strokes[-1][-1] if strokes and strokes[-1] else None
        self.state.extend_stroke(self.visit_id, event.local_position.x, event.local_position.y)
        if before is not None:
            self.canvas.shapes.append(_line(before, strokes[-1][-1]))
            self.canvas.update()

    def end(self, _event: Any) -> None:
        self.state.end_stroke(self.visit_id)

    def clear(self, _event: Any) -> None:
        self.state.clear_signature(self.visit_id)
        self.canvas.shapes = []
        self.canvas.update()

    def detector(self) -> ft.GestureDetector:
        frame = ft.Container(
            content=self.canvas,
            height=PAD_HEIGHT,
            bgcolor=ft.Colors.WHITE,
            border=ft.Border.all(2, ft.Colors.BLUE_GREY_300),
            border_radius=8,
        )
        return ft.GestureDetector(
            key="signature.pad",
            content=frame,
            on_pan_start=self.start,
            on_pan_update=self.move,
            on_pan_end=self.end,
            drag_interval=10,
        )


def build(ui: Ui, visit_id: str) -> ft.Control:
    pad = Pad(ui, visit_id)
    labelled = ft.Semantics(content=pad.detector(), label=ui.t("signature.pad"), container=True)
    clear = button("signature.clear", ui.t("signature.clear"), pad.clear)
    return ft.Column(
        [note(ui.t("signature.title")), labelled, clear],
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _line(a: list[float], b: list[float]) -> cv.Line:
    return cv.Line(a[0], a[1], b[0], b[1], paint=INK)


def _shapes(strokes: list[list[list[float]]]) -> list[cv.Shape]:
    shapes: list[cv.Shape] = []
    for stroke in strokes:
        shapes.extend(_line(a, b) for a, b in itertools.pairwise(stroke))
    return shapes
