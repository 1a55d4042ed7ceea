"""Synced visits, one small partition per month: ``history/YYYY-MM.json``.

A visit moves here once the server acknowledged it (``applied`` or ``duplicate``). The month is the
month of ``started_at`` in the phone's own offset (what the assistant sees on screen). Keeping each
month in its own file means an acknowledgement rewrites one month, never the whole history, and
saving a new visit never touches history at all.

An index ``visit id -> month`` is built when the store opens (each month file is parsed once and
then released), so the store can refuse a second completion of any id it holds without keeping
every synced record in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sync.storage import Partition, remove_stale_temps

TABLE = "visits"


def month_of(wire: dict[str, Any]) -> str:
    """``YYYY-MM`` of the visit's ``started_at`` as written (RFC 3339 with the phone's offset)."""
    return str(wire["started_at"])[:7]


class History:
    def __init__(self, folder: Path) -> None:
        self._dir = folder / "history"
        self._dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self._dir)
        self._months: dict[str, Partition] = {}
        self._month_of: dict[str, str] = {}
        for path in sorted(self._dir.glob("*.json")):
            part = self._month(path.stem)
            self._month_of.update(dict.fromkeys(part.keys(TABLE), path.stem))
            part.storage.forget()

    def _month(self, month: str) -> Partition:
        if month not in self._months:
            self._months[month] = Partition(self._dir / f"{month}.json")
        return self._months[month]

    def months(self) -> list[str]:
        return sorted(m for m, part in self._months.items() if part.exists())

    def holds(self, visit_id: str) -> bool:
        return visit_id in self._month_of

    def month_holding(self, visit_id: str) -> str | None:
        return self._month_of.get(visit_id)

    def get(self, visit_id: str) -> dict[str, Any] | None:
        month = self._month_of.get(visit_id)
        return self._month(month).get(TABLE, visit_id) if month else None

    def rows(self, month: str) -> dict[str, dict[str, Any]]:
        return self._month(month).rows(TABLE) if month in self._months else {}

    def media_in_use(self) -> set[str]:
        """Every blob hash a held synced visit names."""
        found: set[str] = set()
        for month in self.months():
            for row in self.rows(month).values():
                wire = row["wire"]
                found.update(photo["sha256"] for photo in wire.get("photos") or [])
                if wire.get("signature"):
                    found.add(wire["signature"]["png_sha256"])
        return found

    def prune(self, cutoff: str, keep: Callable[[str], bool]) -> dict[str, dict[str, Any]]:
        """Remove visits synced before ``cutoff`` (ISO UTC) unless ``keep(visit_id)``."""
        pruned: dict[str, dict[str, Any]] = {}
        for month in self.months():
            old = {
                visit_id: row
                for visit_id, row in self.rows(month).items()
                if row.get("synced_at", cutoff) < cutoff and not keep(visit_id)
            }
            if old:
                self.remove(month, old)
                pruned.update(old)
        return pruned

    def add(self, rows: dict[str, dict[str, Any]]) -> None:
        """Write acknowledged visits to their months: one durable write per month touched."""
        by_month: dict[str, dict[str, dict[str, Any]]] = {}
        for visit_id, row in rows.items():
            by_month.setdefault(month_of(row["wire"]), {})[visit_id] = row
        for month, month_rows in sorted(by_month.items()):
            with self._month(month).change() as tables:
                tables.setdefault(TABLE, {}).update(month_rows)
            self._month_of.update(dict.fromkeys(month_rows, month))

    def remove(self, month: str, visit_ids: Iterable[str]) -> None:
        """Drop visits from one month; an emptied month file is deleted."""
        part = self._month(month)
        gone = list(visit_ids)
        with part.change() as tables:
            table = tables.setdefault(TABLE, {})
            for visit_id in gone:
                table.pop(visit_id, None)
            emptied = not table
        for visit_id in gone:
            self._month_of.pop(visit_id, None)
        if emptied:
            part.delete()

    def release(self) -> None:
        """Free the parsed months from memory (they are re-read on demand)."""
        for part in self._months.values():
            part.storage.forget()

    def close(self) -> None:
        for part in self._months.values():
            part.close()
