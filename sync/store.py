"""The phone's offline store: drafts, completed visits, outbox, pulled data, media, session.

Everything the assistant records lives here first and survives the app being killed at any moment
(DESIGN.md "Offline store on the phone", issue 3). Layout of the store folder::

    .lock                      one writer per store (fcntl.flock), StoreLockedError otherwise
    drafts.json                visits being filled in (store_drafts.py)
    pending/YYYY-MM-DD.json    completed, not yet acknowledged visits + their outbox entries, by
                               day of completion (store_outbox.py); requeue.json after an epoch
    history/YYYY-MM.json       synced visits by month of started_at (store_history.py)
    pull.json                  pull cursor + server epoch, assignments, reviews, quota snapshot
    households/<team>.json     pulled households, one file per team (store_pull.py)
    session.json               the last login (for offline use) and this device's id
    media/<sha256>             photo JPEGs and signature PNGs, named by the SHA-256 of their bytes

Every file is written crash-safely (sync/storage.py: temp file, fsync, os.replace, fsync folder)
and kept parsed in memory between writes. Saving a visit rewrites only today's pending file: its
size depends on the day's work, not on how many visits wait or how many synced ones are held.

Lifecycle of a visit: ``save_draft`` (as the user types) -> ``complete_visit`` (validated, signed
content checked, media present; visit + outbox entry written in ONE write, draft removed; from
then on immutable) -> ``pending`` / ``mark_sent`` (acked: written to history first, then removed
from its pending file; a visit found in both after a crash is reconciled on open) or ``park``.
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sync.canonical import content_hash_matches, visit_blob_hashes, visit_wire
from sync.models import Assignment, AssignmentStatus, Household, Review, Visit
from sync.protocol import Change
from sync.storage import Partition, fsync_dir, remove_stale_temps, write_file_atomically
from sync.store_drafts import Drafts
from sync.store_guard import serialised, take_writer_lock
from sync.store_history import History, month_of
from sync.store_outbox import Outbox, held_visit, wire_blob_hashes
from sync.store_pull import PulledData
from sync.store_session import SessionFile
from sync.store_types import (
    ContentHashMismatchError,
    DeviceSession,
    HeldVisit,
    MissingMediaError,
    OutboxCounts,
    OutboxEntry,
    ParkedItem,
    PullState,
    VisitImmutableError,
    VisitState,
    now_iso,
)

__all__ = ["VisitStore", "default_store_folder"]


def default_store_folder() -> Path:
    """``$FLET_APP_STORAGE_DATA/store`` in a built app, else a per-user data folder."""
    base = os.environ.get("FLET_APP_STORAGE_DATA")
    if base:
        return Path(base) / "store"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "huifang" / "store"


class VisitStore:
    """One phone's store. Open with ``VisitStore.open(folder)``; close when done (or ``with``)."""

    def __init__(self, folder: Path, lock: IO[bytes]) -> None:
        """Use ``open``; this assumes the lock is held."""
        self.folder = folder
        self._lock = lock
        self.mutex = threading.RLock()
        self.closed = False
        self.media_dir = folder / "media"
        self.media_dir.mkdir(exist_ok=True)
        for path in (folder, self.media_dir):
            remove_stale_temps(path)
        self._history = History(folder)
        self._pulled = PulledData(folder)
        self._outbox = Outbox(folder, self._history)
        self._drafts = Drafts(Partition(folder / "drafts.json"))
        self._session = SessionFile(Partition(folder / "session.json"))
        fsync_dir(folder)  # the sub-folders' entries are durable before any file goes in them
        self._outbox.reconcile()
        self._drafts.forget_completed(self._is_completed)

    @classmethod
    def open(cls, folder: Path) -> VisitStore:
        """Create the folders if needed, take the writer lock, clean temps, reconcile moves.

        Raises ``StoreLockedError`` if another ``VisitStore`` (any process) has it open.
        """
        folder.mkdir(parents=True, exist_ok=True)
        fsync_dir(folder.parent)
        lock = take_writer_lock(folder)
        try:
            return cls(folder, lock)
        except BaseException:
            lock.close()
            raise

    def close(self) -> None:
        """Release the lock (closing twice is harmless). Every write was already durable when
        its method returned."""
        with self.mutex:
            if self.closed:
                return
            self.closed = True
            self._outbox.close()
            self._drafts.close()
            self._history.close()
            self._pulled.close()
            self._session.close()
            self._lock.close()

    def __enter__(self) -> VisitStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- drafts -------------------------------------------------------------------------------

    @serialised
    def save_draft(self, visit_id: str, data: dict[str, Any]) -> None:
        """Keep a partial visit (any JSON dict) as the user types; durable on return.

        ``data["id"]`` is set to ``visit_id``. Refused with ``VisitImmutableError`` once the visit
        is completed: a completed record never changes.
        """
        self._refuse_if_completed(visit_id)
        self._drafts.save(visit_id, {**data, "id": visit_id})

    @serialised
    def draft(self, visit_id: str) -> dict[str, Any] | None:
        return self._drafts.get(visit_id)

    @serialised
    def drafts(self) -> list[dict[str, Any]]:
        """Every draft, oldest saved first."""
        return self._drafts.all()

    @serialised
    def discard_draft(self, visit_id: str) -> None:
        self._drafts.discard(visit_id)

    # ---- completed visits ---------------------------------------------------------------------

    @serialised
    def complete_visit(self, visit: Visit) -> None:
        """Store a completed visit and its outbox entry in ONE durable write; then drop its
        draft (a second write; a kill in between leaves a draft that ``open`` drops).

        Raises ``VisitImmutableError`` if this id was completed before (held pending, parked or
        synced), ``ContentHashMismatchError`` if the signature does not bind this content,
        ``MissingMediaError`` if a photo or the signature PNG is not in the media folder, and
        pydantic's ``ValidationError`` if the record breaks a rule of the Visit model.
        """
        visit_id = str(visit.id)
        self._refuse_if_completed(visit_id)
        wire = visit_wire(Visit.model_validate(visit_wire(visit)))
        if not content_hash_matches(visit):
            raise ContentHashMismatchError("the signature does not bind this record's content")
        missing = [sha for sha in visit_blob_hashes(visit) if not self.has_media(sha)]
        if missing:
            raise MissingMediaError(missing)
        self._outbox.add_completed(visit_id, wire, now_iso())
        self._drafts.discard(visit_id)

    def _is_completed(self, visit_id: str) -> bool:
        return self._outbox.holds(visit_id) or self._history.holds(visit_id)

    def _refuse_if_completed(self, visit_id: str) -> None:
        if self._is_completed(visit_id):
            raise VisitImmutableError(f"visit {visit_id} is completed and cannot change")

    @serialised
    def visit(self, visit_id: str) -> Visit | None:
        """A completed visit (pending, parked or synced), or None."""
        row = self._outbox.visit_row(visit_id) or self._history.get(visit_id)
        return Visit.model_validate(row["wire"]) if row else None

    @serialised
    def visit_wire(self, visit_id: str) -> dict[str, Any] | None:
        """The completed visit's wire dict exactly as stored (what is pushed and hashed)."""
        row = self._outbox.visit_row(visit_id) or self._history.get(visit_id)
        return copy.deepcopy(row["wire"]) if row else None

    @serialised
    def visit_state(self, visit_id: str) -> VisitState | None:
        return self._outbox.state(visit_id) or (
            VisitState.SYNCED if self._history.holds(visit_id) else None
        )

    @serialised
    def visits(self, month: str | None = None, household_id: str | None = None) -> list[Visit]:
        """Completed visits, newest ``started_at`` first; narrowed to a ``YYYY-MM`` month of
        ``started_at`` and/or one household."""
        return [held.visit for held in self.held_visits(month, household_id)]

    @serialised
    def held_visits(
        self, month: str | None = None, household_id: str | None = None
    ) -> list[HeldVisit]:
        """Completed visits with their sync state, newest ``started_at`` first.

        Filtering happens on the stored JSON before parsing, and a scan over every month
        releases the parsed months afterwards, so listing a household's visits on a phone that
        holds 20k stays cheap in memory.
        """

        def wanted(wire: dict[str, Any]) -> bool:
            return (month is None or month_of(wire) == month) and (
                household_id is None or wire["household_id"] == household_id
            )

        held = list(self._outbox.held(wanted))
        months = [month] if month is not None else self._history.months()
        for name in months:
            for visit_id, row in self._history.rows(name).items():
                if wanted(row["wire"]) and not self._outbox.holds(visit_id):
                    held.append(held_visit(row, VisitState.SYNCED))
        if month is None:
            self._history.release()
        return sorted(held, key=lambda h: h.visit.started_at, reverse=True)

    # ---- media --------------------------------------------------------------------------------

    @serialised
    def put_media(self, data: bytes) -> str:
        """Store bytes as ``media/<sha256>`` (crash-safe, idempotent); return the hash."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.media_path(sha)
        if not path.exists():
            write_file_atomically(path, data)
        return sha

    def media_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.media_dir / sha256

    def has_media(self, sha256: str) -> bool:
        return self.media_path(sha256).exists()

    def read_media(self, sha256: str) -> bytes:
        """The bytes; raises FileNotFoundError if absent."""
        return self.media_path(sha256).read_bytes()

    # ---- outbox -------------------------------------------------------------------------------

    @serialised
    def pending(self, limit: int | None = None) -> list[OutboxEntry]:
        """Ops to push, oldest first (re-checks after an epoch change last); parked ones never."""
        return self._outbox.pending(limit)

    @serialised
    def count_outbox(self) -> OutboxCounts:
        """How many completed visits wait (pending) or were refused (parked); cheap, for badges
        and the sign-out warning."""
        return self._outbox.count()

    @serialised
    def mark_sent(self, visit_ids: Iterable[str]) -> None:
        """The server answered ``applied`` or ``duplicate``: move these to history.

        History is written first, then the entries leave their pending file, so a kill in
        between leaves a visit in both places, which ``open`` reconciles. Unknown ids are
        ignored (a repeated ack).
        """
        self._outbox.mark_sent(list(visit_ids), now_iso())

    @serialised
    def record_attempt(self, visit_ids: Iterable[str], error: str) -> None:
        """A transport failure: count the attempt and keep the message (for the sync screen)."""
        self._outbox.record_attempt(list(visit_ids), error)

    @serialised
    def park(
        self, visit_id: str, code: str, message: str, missing: list[str] | None = None
    ) -> None:
        """The server rejected this visit: keep it with its reason, out of ``pending``."""
        self._outbox.park(visit_id, code, message, missing, now_iso())

    @serialised
    def parked(self) -> list[ParkedItem]:
        return self._outbox.parked()

    @serialised
    def retry_parked(self, visit_id: str) -> None:
        """Put a parked visit back into ``pending`` (e.g. after its blobs were uploaded)."""
        self._outbox.retry_parked(visit_id)

    # ---- pull ---------------------------------------------------------------------------------

    @serialised
    def pull_state(self) -> PullState:
        return self._pulled.state()

    @serialised
    def apply_pull_page(self, changes: list[Change], cursor: int, server_epoch: str) -> int:
        """Apply a page and advance the cursor in one write (see ``sync/store_pull.py``);
        returns how many changes it set aside as unreadable.

        Raises ``EpochMismatchError`` if the store already holds another epoch: call
        ``on_epoch_change`` and pull again from cursor 0.
        """
        return self._pulled.apply_page(changes, cursor, server_epoch)

    @serialised
    def unreadable_changes(self) -> list[dict[str, Any]]:
        """Pulled changes the phone could not read (seq, type, reason, data), for support."""
        return self._pulled.unreadable()

    @serialised
    def on_epoch_change(self, new_epoch: str) -> None:
        """The server's database was restored or replaced: re-check everything held.

        Every synced visit is requeued (the server answers ``duplicate`` for those it has), parked
        visits are unparked, and the pull cursor goes back to 0. The requeue is written before the
        new epoch, so a kill in between just repeats this on the next sync. The first epoch a
        store ever sees is simply recorded.
        """
        if self._pulled.state().server_epoch is not None:
            self._outbox.requeue_history(now_iso())
        self._pulled.reset(new_epoch)

    @serialised
    def households(self, team_id: str | None = None) -> list[Household]:
        return self._pulled.households(team_id)

    @serialised
    def household(self, household_id: str) -> Household | None:
        return self._pulled.household(household_id)

    @serialised
    def assignments(self, status: AssignmentStatus | None = None) -> list[Assignment]:
        """Pulled assignments, earliest due first."""
        return self._pulled.assignments(status)

    @serialised
    def reviews_for(self, visit_id: str) -> Review | None:
        """The latest review of one of this user's visits, if any was pulled."""
        return self._pulled.reviews_for(visit_id)

    @serialised
    def quota_snapshot(self) -> dict[str, Any] | None:
        """The last quota snapshot the server sent (the data of a ``quota`` change), as is."""
        return self._pulled.quota_snapshot()

    # ---- session ------------------------------------------------------------------------------

    @serialised
    def save_session(self, session: DeviceSession) -> None:
        self._session.save(session)

    @serialised
    def session(self) -> DeviceSession | None:
        return self._session.current()

    @serialised
    def clear_session(self) -> None:
        """Log out: forget the token (the device id stays)."""
        self._session.clear()

    @serialised
    def device_id(self) -> str:
        """A stable id for this installation, made on first use (``device_id`` of push/login)."""
        return self._session.device_id()

    # ---- retention ----------------------------------------------------------------------------

    @serialised
    def prune_synced(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Forget synced visits acked more than ``older_than`` ago; return how many.

        Their reviews go too, and their media files unless a held visit or a draft still uses
        them. Nothing pending, parked or requeued is ever pruned.
        """
        cutoff = ((now or datetime.now(UTC)) - older_than).isoformat()
        pruned = self._history.prune(cutoff, keep=self._outbox.holds)
        if pruned:
            self._pulled.forget_reviews(set(pruned))
            unused = {sha for row in pruned.values() for sha in wire_blob_hashes(row["wire"])}
            unused -= self._outbox.media_in_use() | self._drafts.media_in_use()
            unused -= self._history.media_in_use()
            for sha in unused:
                self.media_path(sha).unlink(missing_ok=True)
        self._history.release()
        return len(pruned)
