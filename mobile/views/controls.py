"""The few control shapes every screen uses, so labels, keys and touch targets stay consistent.

Each input and button gets a visible label that Flutter also exposes as its accessibility
name, a stable ``key`` for tests, and a height of at least 48 px for a thumb at a door.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import flet as ft

if TYPE_CHECKING:
    from mobile.state import AppState

TOUCH = 48
Handler = Callable[[Any], Any]
Shown = TypeVar("Shown")


def button(key: str, label: str, on_click: Handler, *, primary: bool = False) -> ft.Control:
    """A labelled button at least 48 px high; ``primary`` makes it filled."""
    if primary:
        return ft.FilledButton(content=label, key=key, on_click=on_click, height=TOUCH)
    return ft.OutlinedButton(content=label, key=key, on_click=on_click, height=TOUCH)


def choice(key: str, label: str, selected: bool, on_click: Handler) -> ft.Control:
    """One option of a choice row: filled when selected, outlined otherwise."""
    return button(key, label, on_click, primary=selected)


def choice_row(
    key: str, options: list[tuple[str, str]], selected: str | None, on_pick: Callable[[str], Any]
) -> ft.Control:
    """A wrapping row of choices; ``options`` are ``(value, label)`` pairs."""
    items = [
        choice(f"{key}.{value}", label, value == selected, _bind(on_pick, value))
        for value, label in options
    ]
    return ft.Row(items, key=key, wrap=True, spacing=8, run_spacing=8)


def _bind(on_pick: Callable[[str], Any], value: str) -> Handler:
    return lambda _event: on_pick(value)


def text_input(
    key: str,
    label: str,
    value: str,
    on_change: Handler | None = None,
    *,
    password: bool = False,
    multiline: bool = False,
    read_only: bool = False,
) -> ft.TextField:
    """A text field whose floating label is also its accessibility label."""
    return ft.TextField(
        key=key,
        label=label,
        value=value,
        on_change=on_change,
        password=password,
        can_reveal_password=password,
        multiline=multiline,
        min_lines=2 if multiline else None,
        read_only=read_only,
    )


def heading(text: str) -> ft.Text:
    return ft.Text(text, size=20, weight=ft.FontWeight.BOLD)


def note(text: str, *, color: str | None = None, key: str | None = None) -> ft.Text:
    return ft.Text(text, color=color, key=key, selectable=False)


def warning(key: str, text: str) -> ft.Control:
    """A loud banner (do-not-visit, calling hours) that cannot be missed at a glance."""
    return ft.Container(
        key=key,
        content=ft.Text(text, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        bgcolor=ft.Colors.RED_700,
        padding=12,
        border_radius=8,
    )


def screen(title: str, body: list[ft.Control]) -> ft.Control:
    """A scrolling column with a title; phone width first, readable on a desktop too."""
    column = ft.Column(
        [heading(title), *body],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    return ft.Container(
        content=column, padding=16, expand=True, width=None, alignment=ft.Alignment.TOP_CENTER
    )


class Live:
    """A part of a screen rebuilt in place, so a choice does not reset the whole form's scroll."""

    def __init__(self, build: Callable[[Live], ft.Control], key: str | None = None) -> None:
        self.build = build
        self.box = ft.Container(content=build(self), key=key)

    def redo(self) -> None:
        self.show(self.build(self))

    def show(self, control: ft.Control) -> None:
        """Replace the part; sends the diff only if the part is already on screen."""
        self.box.content = control
        with contextlib.suppress(RuntimeError):  # not mounted yet: goes out with the screen
            self.box.update()


class LiveWhenChanged(Live, Generic[Shown]):
    """A ``Live`` part that ``redo`` rebuilds only when what it shows (``shows()``) changed.

    For parts holding buttons that a background refresh redraws: a control replaced under a
    finger loses the tap (Flet drops an event for a control that has left the page), so a part
    whose data did not change keeps the very controls the user may be tapping.
    """

    def __init__(
        self,
        shows: Callable[[], Shown],
        build: Callable[[Shown], ft.Control],
        key: str | None = None,
    ) -> None:
        self.shows = shows
        self.shown = shows()
        super().__init__(lambda _live: build(self.shown), key)

    def redo(self) -> None:
        now = self.shows()
        if now != self.shown:
            self.shown = now
            super().redo()


class Ui(Protocol):
    """What a screen may use from the shell: the app state, the translator, navigation."""

    page: ft.Page
    route: str
    params: dict[str, str]

    @property
    def state(self) -> AppState: ...

    def t(self, key: str, **values: Any) -> str: ...

    def go(self, route: str, **params: str) -> None: ...

    def refresh(self) -> None: ...

    def refresh_if_on(self, route: str) -> None: ...

    def set_in_place_refresh(self, update: Callable[[], None]) -> None: ...

    def toast(self, text: str) -> None: ...

    def dismiss_toast(self) -> None: ...

    def run_async(self, work: Callable[[], Any]) -> None: ...

    async def pick_images(self) -> list[bytes]: ...
