"""The outbox: completed visits not yet acknowledged, one small partition per day of completion.

Files:

- ``pending/YYYY-MM-DD.json`` (UTC day the visit was completed), tables keyed by visit id:
  ``visits`` ``{"wire", "completed_at"}`` and ``outbox``
  ``{"op_id", "attempts", "last_error", "parked", "completed_at", "month": None}``.
- ``requeue.json``: table ``outbox`` only, entries with ``month`` = the history month holding the
  record: synced visits sent again for a re-check after a server epoch change.

A completion writes the visit and its outbox entry in ONE write of today's file, so after any
crash a completed visit has its entry and vice versa. A save rewrites only today's file: its cost
stays flat however many visits wait (weeks offline) or are held in history. An acknowledged
visit is written to history first and then leaves its day file (an emptied day file is deleted);
``reconcile`` finishes a move a kill interrupted.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sync.models import Visit
from sync.storage import Partition, remove_stale_temps
from sync.store_drafts import collect_blobs
from sync.store_history import History
from sync.store_types import (
    HeldVisit,
    OutboxCounts,
    OutboxEntry,
    ParkedItem,
    UnknownVisitError,
    VisitState,
)

Entry = dict[str, Any]


def held_visit(row: dict[str, Any], state: VisitState) -> HeldVisit:
    return HeldVisit(
        visit=Visit.model_validate(row["wire"]),
        state=state,
        completed_at=row["completed_at"],
        synced_at=row.get("synced_at"),
    )


def _new_entry(visit_id: str, completed_at: str, month: str | None) -> Entry:
    return {
        "op_id": visit_id,
        "attempts": 0,
        "last_error": None,
        "parked": None,
        "completed_at": completed_at,
        "month": month,
    }


def _state(entry: Entry) -> VisitState:
    return VisitState.PARKED if entry.get("parked") else VisitState.PENDING


class Outbox:
    def __init__(self, folder: Path, history: History) -> None:
        self._dir = folder / "pending"
        self._dir.mkdir(exist_ok=True)
        remove_stale_temps(self._dir)
        self._history = history
        self._requeue = Partition(folder / "requeue.json")
        self._days: dict[str, Partition] = {}
        self._day_of: dict[str, str] = {}
        for path in sorted(self._dir.glob("*.json")):
            part = Partition(path)
            held = part.keys("visits") | part.keys("outbox")
            if not held:
                part.delete()  # emptied by mark_sent, killed before the file was removed
                continue
            self._days[path.stem] = part
            self._day_of.update(dict.fromkeys(held, path.stem))

    def _day(self, day: str) -> Partition:
        if day not in self._days:
            self._days[day] = Partition(self._dir / f"{day}.json")
        return self._days[day]

    def _parts(self) -> list[Partition]:
        return [*(self._days[day] for day in sorted(self._days)), self._requeue]

    def _home(self, visit_id: str) -> Partition | None:
        """The partition holding this visit's outbox entry, if any."""
        day = self._day_of.get(visit_id)
        if day is not None:
            return self._days[day]
        return self._requeue if self._requeue.has("outbox", visit_id) else None

    def _entries(self) -> Iterator[tuple[str, Entry]]:
        for part in self._parts():
            yield from part.rows("outbox").items()

    def _by_home(self, visit_ids: list[str]) -> dict[Partition, list[str]]:
        homes: dict[Partition, list[str]] = defaultdict(list)
        for visit_id in visit_ids:
            home = self._home(visit_id)
            if home is not None:
                homes[home].append(visit_id)
        return homes

    # ---- completed visits ---------------------------------------------------------------------

    def holds(self, visit_id: str) -> bool:
        return self._home(visit_id) is not None

    def add_completed(self, visit_id: str, wire: dict[str, Any], now: str) -> None:
        day = now[:10]
        with self._day(day).change() as tables:
            tables.setdefault("visits", {})[visit_id] = {"wire": wire, "completed_at": now}
            tables.setdefault("outbox", {})[visit_id] = _new_entry(visit_id, now, None)
        self._day_of[visit_id] = day

    def visit_row(self, visit_id: str) -> dict[str, Any] | None:
        day = self._day_of.get(visit_id)
        return self._days[day].get("visits", visit_id) if day else None

    def _record_row(self, visit_id: str, entry: Entry) -> dict[str, Any] | None:
        if entry.get("month") is None:
            return self.visit_row(visit_id)
        return self._history.get(visit_id)

    def state(self, visit_id: str) -> VisitState | None:
        home = self._home(visit_id)
        entry = home.get("outbox", visit_id) if home else None
        return _state(entry) if entry else None

    def held(self, wanted: Callable[[dict[str, Any]], bool]) -> Iterator[HeldVisit]:
        """Visits that still have an outbox entry (pending, parked or requeued)."""
        for visit_id, entry in self._entries():
            row = self._record_row(visit_id, entry)
            if row is not None and wanted(row["wire"]):
                yield held_visit(row, _state(entry))

    def count(self) -> OutboxCounts:
        states = [_state(entry) for part in self._parts() for entry in _raw_outbox(part)]
        parked = states.count(VisitState.PARKED)
        return OutboxCounts(pending=len(states) - parked, parked=parked)

    # ---- outbox -------------------------------------------------------------------------------

    def pending(self, limit: int | None) -> list[OutboxEntry]:
        entries = [(v, e) for v, e in self._entries() if not e.get("parked")]
        entries.sort(key=lambda item: (item[1]["month"] is not None, item[1]["completed_at"]))
        found: list[OutboxEntry] = []
        for visit_id, entry in entries:
            if limit is not None and len(found) >= limit:
                break
            row = self._record_row(visit_id, entry)
            if row is not None:
                found.append(_outbox_entry(visit_id, entry, row["wire"]))
        return found

    def mark_sent(self, visit_ids: list[str], now: str) -> None:
        moving = {}
        for visit_id in visit_ids:
            row = self.visit_row(visit_id)
            if row is not None:
                moving[visit_id] = {**row, "synced_at": now}
        self._history.add(moving)
        for home, ids in self._by_home(visit_ids).items():
            self._drop(home, ids)

    def _drop(self, home: Partition, visit_ids: list[str]) -> None:
        """Remove entries (and their records) from one partition; delete an emptied day file."""
        with home.change() as tables:
            for visit_id in visit_ids:
                tables.setdefault("visits", {}).pop(visit_id, None)
                tables.setdefault("outbox", {}).pop(visit_id, None)
            emptied = not tables["outbox"] and not tables["visits"]
        for visit_id in visit_ids:
            self._day_of.pop(visit_id, None)
        if emptied and home is not self._requeue:
            home.delete()
            self._days.pop(home.path.stem, None)

    def record_attempt(self, visit_ids: list[str], error: str) -> None:
        for home, ids in self._by_home(visit_ids).items():
            with home.change() as tables:
                for visit_id in ids:
                    entry = tables["outbox"][visit_id]
                    attempts = entry["attempts"] + 1
                    tables["outbox"][visit_id] = {
                        **entry,
                        "attempts": attempts,
                        "last_error": error,
                    }

    def park(
        self, visit_id: str, code: str, message: str, missing: list[str] | None, now: str
    ) -> None:
        parked = {"code": code, "message": message, "missing": missing, "parked_at": now}
        self._set_parked(visit_id, parked)

    def retry_parked(self, visit_id: str) -> None:
        self._set_parked(visit_id, None)

    def _set_parked(self, visit_id: str, parked: dict[str, Any] | None) -> None:
        home = self._home(visit_id)
        if home is None:
            raise UnknownVisitError(f"no outbox entry for visit {visit_id}")
        with home.change() as tables:
            entry = tables["outbox"][visit_id]
            attempts = entry["attempts"] if parked else 0
            tables["outbox"][visit_id] = {**entry, "parked": parked, "attempts": attempts}

    def parked(self) -> list[ParkedItem]:
        found = []
        for visit_id, entry in self._entries():
            parked = entry.get("parked")
            row = self._record_row(visit_id, entry)
            if parked and row is not None:
                found.append(_parked_item(visit_id, parked, row["wire"]))
        return sorted(found, key=lambda item: item.parked_at)

    def requeue_history(self, now: str) -> None:
        """Give every synced visit an outbox entry again, and unpark parked ones (epoch change)."""
        for part in self._parts():
            parked = [
                visit_id for visit_id, entry in part.rows("outbox").items() if entry["parked"]
            ]
            for visit_id in parked:
                self._set_parked(visit_id, None)
        with self._requeue.change() as tables:
            outbox = tables.setdefault("outbox", {})
            for month in self._history.months():
                for visit_id in self._history.rows(month):
                    if visit_id not in self._day_of:
                        outbox.setdefault(visit_id, _new_entry(visit_id, now, month))
        self._history.release()

    # ---- recovery and retention ---------------------------------------------------------------

    def reconcile(self) -> None:
        """After a kill during ``mark_sent``: a visit already in history leaves its day file;
        a requeued entry whose record is gone is dropped."""
        for day in list(self._days):
            done = [v for v in self._days[day].keys("visits") if self._history.holds(v)]
            if done:
                self._drop(self._days[day], done)
        orphans = [v for v in self._requeue.keys("outbox") if not self._history.holds(v)]
        if orphans:
            self._drop(self._requeue, orphans)

    def media_in_use(self) -> set[str]:
        """Blob hashes named by unsynced visits (never to be deleted)."""
        found: set[str] = set()
        for day in self._days.values():
            collect_blobs(day.rows("visits"), found)
        return found

    def close(self) -> None:
        for part in self._parts():
            part.close()


def _raw_outbox(part: Partition) -> list[Entry]:
    return list(((part.storage.read() or {}).get("outbox") or {}).values())


def wire_blob_hashes(wire: dict[str, Any]) -> list[str]:
    """Photos then signature PNG of a stored wire dict (as ``visit_blob_hashes`` on a Visit)."""
    shas = [photo["sha256"] for photo in wire.get("photos") or []]
    signature = wire.get("signature")
    if signature:
        shas.append(signature["png_sha256"])
    return shas


def _outbox_entry(visit_id: str, entry: dict[str, Any], wire: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        visit_id=visit_id,
        op_id=entry["op_id"],
        record=copy.deepcopy(wire),
        blob_hashes=wire_blob_hashes(wire),
        attempts=entry["attempts"],
        last_error=entry["last_error"],
        completed_at=entry["completed_at"],
        requeued=entry["month"] is not None,
    )


def _parked_item(visit_id: str, parked: dict[str, Any], wire: dict[str, Any]) -> ParkedItem:
    return ParkedItem(
        visit_id=visit_id,
        code=parked["code"],
        message=parked["message"],
        missing=parked["missing"],
        parked_at=parked["parked_at"],
        record=copy.deepcopy(wire),
    )
