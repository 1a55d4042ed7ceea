"""``drafts.json``: visits being filled in, saved as the user types (drafts never travel).

Kept apart from completed work so that a phone with many unsynced visits still saves a keystroke
cheaply. A completion removes its draft in a second write, after the completed visit is durable;
if the app dies in between, ``forget_completed`` (run on open) drops the leftover draft.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sync.storage import Partition
from sync.store_types import now_iso

HEX = frozenset("0123456789abcdef")
BLOB_KEYS = frozenset({"sha256", "png_sha256"})


class Drafts:
    def __init__(self, part: Partition) -> None:
        self._part = part

    def save(self, visit_id: str, data: dict[str, Any]) -> None:
        with self._part.change() as tables:
            tables.setdefault("drafts", {})[visit_id] = {"data": data, "saved_at": now_iso()}

    def get(self, visit_id: str) -> dict[str, Any] | None:
        row = self._part.get("drafts", visit_id)
        return copy.deepcopy(row["data"]) if row else None

    def all(self) -> list[dict[str, Any]]:
        """Every draft, oldest saved first."""
        rows = sorted(self._part.rows("drafts").values(), key=lambda r: r["saved_at"])
        return [copy.deepcopy(row["data"]) for row in rows]

    def discard(self, visit_id: str) -> None:
        if self._part.has("drafts", visit_id):
            with self._part.change() as tables:
                tables["drafts"].pop(visit_id, None)

    def forget_completed(self, completed: Callable[[str], bool]) -> None:
        """Drop drafts whose visit was completed (left by a kill between the two writes)."""
        done = [visit_id for visit_id in self._part.keys("drafts") if completed(visit_id)]
        if done:
            with self._part.change() as tables:
                for visit_id in done:
                    tables["drafts"].pop(visit_id, None)

    def media_in_use(self) -> set[str]:
        """Photo and signature hashes the drafts name (kept by retention)."""
        found: set[str] = set()
        collect_blobs(self._part.rows("drafts"), found)
        return found

    def close(self) -> None:
        self._part.close()


def collect_blobs(value: Any, found: set[str]) -> None:
    """Every ``sha256`` / ``png_sha256`` hex value anywhere inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in BLOB_KEYS and isinstance(item, str) and len(item) == 64 and set(item) <= HEX:
                found.add(item)
            else:
                collect_blobs(item, found)
    elif isinstance(value, list):
        for item in value:
            collect_blobs(item, found)
