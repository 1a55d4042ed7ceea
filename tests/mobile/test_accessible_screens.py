"""Issue 5 item 6 on every field screen: each button and input carries a visible label (which
Flutter also gives screen readers), a stable ``key`` for tests, and a touch target of 48 px."""

from __future__ import annotations

from typing import Any

import flet as ft

from tests.mobile.flet_harness import ScreenHarness, walk

BUTTONS = (ft.FilledButton, ft.OutlinedButton, ft.TextButton, ft.Button)
INPUTS = (ft.TextField, ft.Checkbox)


def problems_on_screen(screen: ScreenHarness, seen: list[str]) -> list[str]:
    found = []
    for control in walk(screen.page):
        if isinstance(control, BUTTONS + INPUTS):
            seen.append(type(control).__name__)
        if isinstance(control, BUTTONS):
            found += _check(control, control.content, needs_height=True)
        elif isinstance(control, INPUTS):
            found += _check(control, control.label, needs_height=False)
    return [f"{screen.shell.route}: {p}" for p in found]


def _check(control: Any, label: Any, needs_height: bool) -> list[str]:
    name = type(control).__name__
    problems = []
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{name} without a visible text label")
    if control.key is None:
        problems.append(f"{name} {label!r} without a key")
    if needs_height and (control.height or 0) < 48:
        problems.append(f"{name} {label!r} lower than 48 px")
    return problems


def test_every_field_screen_has_labelled_keyed_large_controls(screen: ScreenHarness) -> None:
    state = screen.shell.state
    on_site = state.start_visit("h-1501", "relationship", "on_site")
    phone = state.start_visit("h-1501", "relationship", "phone")
    state.set_outcome(phone, "unsatisfied")
    routes: list[tuple[str, dict[str, str]]] = [
        ("today", {}),
        ("households", {}),
        ("household", {"id": "h-0909"}),
        ("visit", {"id": on_site}),
        ("visit", {"id": phone}),
        ("sync", {}),
        ("settings", {}),
    ]
    problems: list[str] = []
    seen: list[str] = []
    for route, params in routes:
        screen.shell.go(route, **params)
        problems += problems_on_screen(screen, seen)
    screen.shell.state.sign_out()
    screen.shell.go("login")
    problems += problems_on_screen(screen, seen)
    assert problems == []
    assert {"FilledButton", "OutlinedButton", "TextButton", "TextField", "Checkbox"} <= set(seen)
    assert len(seen) > 60, "the walk reached the controls of every screen"
