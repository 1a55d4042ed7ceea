"""Views stay thin (BRIEF, DESIGN): they build controls and call ``mobile/state.py``; they never
reach the store, the network, the media pipeline or the server themselves."""

from __future__ import annotations

import ast
from pathlib import Path

VIEWS = sorted((Path(__file__).resolve().parents[2] / "mobile" / "views").glob("*.py"))
FORBIDDEN = ("sync.store", "sync.client", "sync.media", "sync.canonical", "httpx", "server")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_views_reach_nothing_but_the_state_and_the_record_types() -> None:
    offenders = [
        f"{path.name} imports {module}"
        for path in VIEWS
        for module in imported_modules(path)
        if module.startswith(FORBIDDEN)
    ]
    assert offenders == []


def test_views_never_touch_the_store_directly() -> None:
    offenders = [p.name for p in VIEWS if ".store." in p.read_text(encoding="utf-8")]
    assert offenders == []
