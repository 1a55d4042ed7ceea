"""``work.json``: drafts, completed visits not yet acknowledged, and their outbox entries.

Tables (all keyed by visit id):

- ``drafts``: ``{"data": {...partial visit...}, "saved_at"}``
- ``visits``: ``{"wire": {...}, "completed_at"}`` — completed, not yet acknowledged
- ``outbox``: ``{"op_id", "attempts", "last_error", "parked", "completed_at", "month"}``;
  ``month`` is None while the record is in ``visits``, or the history month holding it when a
  synced visit was requeued after a server epoch change.

A completion writes ``visits`` + ``outbox`` and drops the draft in ONE write of this file, so after
any crash a completed visit has its outbox entry and vice versa. The file only holds unsynced work,
so it stays small however many synced visits the phone keeps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from sync.models import Visit
from sync.storage import Partition, Tables
from sync.store_history import History
from sync.store_types import (
    HeldVisit,
    OutboxCounts,
    OutboxEntry,
    ParkedItem,
    UnknownVisitError,
    VisitState,
    now_iso,
)

HEX = frozenset("0123456789abcdef")
BLOB_KEYS = frozenset({"sha256", "png_sha256"})


def held_visit(row: dict[str, Any], state: VisitState) -> HeldVisit:
    return HeldVisit(
        visit=Visit.model_validate(row["wire"]),
        state=state,
        completed_at=row["completed_at"],
        synced_at=row.get("synced_at"),
    )


def _new_entry(visit_id: str, completed_at: str, month: str | None) -> dict[str, Any]:
    return {
        "op_id": visit_id,
        "attempts": 0,
        "last_error": None,
        "parked": None,
        "completed_at": completed_at,
        "month": month,
    }


class Outbox:
    def __init__(self, work: Partition, history: History) -> None:
        self._work = work
        self._history = history

    # ---- drafts -------------------------------------------------------------------------------

    def save_draft(self, visit_id: str, data: dict[str, Any]) -> None:
        with self._work.change() as tables:
            tables.setdefault("drafts", {})[visit_id] = {"data": data, "saved_at": now_iso()}

    def draft(self, visit_id: str) -> dict[str, Any] | None:
        row = self._work.get("drafts", visit_id)
        return copy.deepcopy(row["data"]) if row else None

    def drafts(self) -> list[dict[str, Any]]:
        rows = sorted(self._work.rows("drafts").values(), key=lambda r: r["saved_at"])
        return [copy.deepcopy(row["data"]) for row in rows]

    def discard_draft(self, visit_id: str) -> None:
        if self._work.has("drafts", visit_id):
            with self._work.change() as tables:
                tables["drafts"].pop(visit_id, None)

    # ---- completed visits ---------------------------------------------------------------------

    def holds(self, visit_id: str) -> bool:
        return self._work.has("visits", visit_id) or self._work.has("outbox", visit_id)

    def add_completed(self, visit_id: str, wire: dict[str, Any], now: str) -> None:
        with self._work.change() as tables:
            tables.setdefault("visits", {})[visit_id] = {"wire": wire, "completed_at": now}
            tables.setdefault("outbox", {})[visit_id] = _new_entry(visit_id, now, None)
            tables.setdefault("drafts", {}).pop(visit_id, None)

    def visit_row(self, visit_id: str) -> dict[str, Any] | None:
        return self._work.get("visits", visit_id)

    def _record_row(self, visit_id: str, entry: dict[str, Any]) -> dict[str, Any] | None:
        if entry.get("month") is None:
            return self._work.get("visits", visit_id)
        return self._history.get(visit_id)

    def state(self, visit_id: str) -> VisitState | None:
        entry = self._work.get("outbox", visit_id)
        if entry is None:
            return VisitState.PENDING if self._work.has("visits", visit_id) else None
        return VisitState.PARKED if entry.get("parked") else VisitState.PENDING

    def held(self, wanted: Callable[[dict[str, Any]], bool]) -> Iterator[HeldVisit]:
        """Visits that still have an outbox entry (pending, parked or requeued)."""
        for visit_id, entry in self._work.rows("outbox").items():
            row = self._record_row(visit_id, entry)
            if row is not None and wanted(row["wire"]):
                state = VisitState.PARKED if entry.get("parked") else VisitState.PENDING
                yield held_visit(row, state)

    def count(self) -> OutboxCounts:
        entries = (self._work.storage.read() or {}).get("outbox", {}).values()
        parked = sum(1 for entry in entries if entry.get("parked"))
        return OutboxCounts(pending=len(entries) - parked, parked=parked)

    # ---- outbox -------------------------------------------------------------------------------

    def pending(self, limit: int | None) -> list[OutboxEntry]:
        entries = [
            (visit_id, entry)
            for visit_id, entry in self._work.rows("outbox").items()
            if not entry.get("parked")
        ]
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
            row = self._work.get("visits", visit_id)
            if row is not None:
                moving[visit_id] = {**row, "synced_at": now}
        self._history.add(moving)
        if any(self.holds(visit_id) for visit_id in visit_ids):
            with self._work.change() as tables:
                for visit_id in visit_ids:
                    tables.setdefault("visits", {}).pop(visit_id, None)
                    tables.setdefault("outbox", {}).pop(visit_id, None)

    def record_attempt(self, visit_ids: list[str], error: str) -> None:
        with self._work.change() as tables:
            outbox = tables.setdefault("outbox", {})
            for visit_id in visit_ids:
                if visit_id in outbox:
                    entry = outbox[visit_id]
                    outbox[visit_id] = {
                        **entry,
                        "attempts": entry["attempts"] + 1,
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
        if not self._work.has("outbox", visit_id):
            raise UnknownVisitError(f"no outbox entry for visit {visit_id}")
        with self._work.change() as tables:
            entry = tables["outbox"][visit_id]
            attempts = entry["attempts"] if parked else 0
            tables["outbox"][visit_id] = {**entry, "parked": parked, "attempts": attempts}

    def parked(self) -> list[ParkedItem]:
        found = []
        for visit_id, entry in self._work.rows("outbox").items():
            parked = entry.get("parked")
            row = self._record_row(visit_id, entry)
            if parked and row is not None:
                found.append(_parked_item(visit_id, parked, row["wire"]))
        return sorted(found, key=lambda item: item.parked_at)

    def requeue_history(self, now: str) -> None:
        """Give every synced visit an outbox entry again, and unpark parked ones (epoch change)."""
        with self._work.change() as tables:
            outbox = tables.setdefault("outbox", {})
            for visit_id, entry in list(outbox.items()):
                outbox[visit_id] = {**entry, "parked": None, "attempts": 0}
            for month in self._history.months():
                for visit_id in self._history.rows(month):
                    outbox.setdefault(visit_id, _new_entry(visit_id, now, month))
        self._history.release()

    # ---- recovery and retention ---------------------------------------------------------------

    def reconcile(self) -> None:
        """After a kill during ``mark_sent``: a visit already in history leaves work.json."""
        done = [v for v in self._work.keys("visits") if self._history.holds(v)]
        orphans = [
            visit_id
            for visit_id, entry in self._work.rows("outbox").items()
            if self._record_row(visit_id, entry) is None and visit_id not in done
        ]
        if done or orphans:
            with self._work.change() as tables:
                _drop_moved(tables, done)
                for visit_id in orphans:
                    tables["outbox"].pop(visit_id, None)

    def media_in_use(self) -> set[str]:
        """Blob hashes named by drafts and unsynced visits (never to be deleted)."""
        found: set[str] = set()
        for table in ("drafts", "visits"):
            for row in self._work.rows(table).values():
                _collect_blobs(row, found)
        return found

    def close(self) -> None:
        self._work.close()


def wire_blob_hashes(wire: dict[str, Any]) -> list[str]:
    """Photos then signature PNG of a stored wire dict (as ``visit_blob_hashes`` on a Visit)."""
    shas = [photo["sha256"] for photo in wire.get("photos") or []]
    signature = wire.get("signature")
    if signature:
        shas.append(signature["png_sha256"])
    return shas


def _drop_moved(tables: Tables, visit_ids: list[str]) -> None:
    for visit_id in visit_ids:
        tables["visits"].pop(visit_id, None)
        entry = tables.get("outbox", {}).get(visit_id)
        if entry is not None and entry.get("month") is None:
            tables["outbox"].pop(visit_id)


def _collect_blobs(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in BLOB_KEYS and isinstance(item, str) and len(item) == 64 and set(item) <= HEX:
                found.add(item)
            else:
                _collect_blobs(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_blobs(item, found)


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
