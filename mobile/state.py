"""Everything the app does, as plain Python: views only call this (DESIGN.md, test layer 1).

``AppState`` owns the offline store and the user's session. Each action is a method a test can
call without a renderer: log in (online, then offline with the saved session), find households,
start a visit, edit it (saved as the user types), add photos, sign, complete, sync. Problems come
back as catalog keys so the screen can say them in the user's language.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mobile import auth
from mobile.drafts import (
    Draft,
    completion_problems,
    household_warnings,
    new_draft,
    outside_calling_hours,
    parse_due,
    visit_fields,
)
from mobile.i18n import LANGUAGES, Translator
from mobile.lists import TodayItem, search, today_items
from mobile.preferences import DEFAULT_SERVER, Preferences
from mobile.state_supervision import SupervisionActions
from mobile.syncing import SyncProgress, SyncReport, run_sync, server_reachable
from sync.client import RetryPolicy
from sync.media import MediaError, normalise_photo, sha256_hex, sign_visit
from sync.models import SUPERVISOR_ROLES, Household, Method, Review, Role, Staff, Visit
from sync.store import VisitStore
from sync.store_types import DeviceSession, StoreError, VisitState

SIGN_OUT_CONFIRMATIONS = 2
SYNC_WAIT_SECONDS = 300.0
"""How long a sync the user asked for waits for one already running (the automatic one)."""


@dataclass
class SyncStatus:
    running: bool = False
    progress: SyncProgress = field(default_factory=SyncProgress)
    last_success: datetime | None = None
    last_error: str | None = None
    needs_password: bool = False


class AppState(SupervisionActions):
    """One user's app: the store, the session and the visit being edited."""

    def __init__(self, folder: Path, server_url: str | None = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.prefs = Preferences.load(folder / "preferences.json")
        self._sync_lock = threading.Lock()
        self.store = VisitStore.open(self._store_folder(self.prefs.last_user))
        if server_url:
            self.prefs.server_url = server_url
        self.t = Translator(self.prefs.language)
        self.session: DeviceSession | None = auth.usable_session(self.store)
        self.offline = False
        self.sync_status = SyncStatus(last_success=self.prefs.last_sync)
        self.strokes: dict[str, list[list[list[float]]]] = {}
        self.pad_started: dict[str, float] = {}
        self.retry: RetryPolicy | None = None

    def close(self) -> None:
        self.store.close()

    # ---- preferences ---------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        if language in LANGUAGES:
            self.prefs.language = language
            self.t = Translator(language)
            self.prefs.save()

    def set_server_url(self, url: str) -> None:
        self.prefs.server_url = url.strip().rstrip("/") or DEFAULT_SERVER
        self.prefs.save()

    # ---- login ---------------------------------------------------------------------------------

    @property
    def staff(self) -> Staff | None:
        return self.session.staff if self.session else None

    def is_supervisor(self) -> bool:
        return self.staff is not None and self.staff.role in SUPERVISOR_ROLES | {Role.ADMIN}

    def login(self, username: str, password: str) -> str | None:
        """Log in; None on success, else the catalog key of the reason."""
        username = username.strip()
        if not username or not password:
            return "login.error.empty"
        previous = self.prefs.last_user
        self._open_store_of(username)
        try:
            outcome = auth.login(self.store, self.prefs.server_url, username, password)
        except auth.LoginRefused as refused:
            self._open_store_of(previous)
            return refused.key
        self.session, self.offline = outcome.session, outcome.offline
        self.sync_status.needs_password = False
        self.prefs.last_user = username
        self.prefs.save()
        return None

    def _store_folder(self, username: str | None) -> Path:
        """``stores/<user>``: a shared phone never mixes two users' visits or pull cursors."""
        safe = "".join(c for c in (username or "") if c.isalnum() or c in "._@-")
        return self.folder / "stores" / (safe or "_nobody")

    def _open_store_of(self, username: str | None) -> None:
        if self._store_folder(username) == self.store.folder:
            return
        with self._sync_lock:  # never close a store under a running sync
            self.store.close()
            self.store = VisitStore.open(self._store_folder(username))
            self.session = auth.usable_session(self.store)
            self.strokes.clear()

    def unsynced_count(self) -> int:
        """Completed visits not yet acknowledged by the server (pending or parked)."""
        return len(self.store.pending()) + len(self.store.parked())

    def sign_out(self, confirmations: int = 0) -> str | None:
        """Refused while unsynced work exists unless confirmed twice; None when signed out."""
        if self.unsynced_count() and confirmations < SIGN_OUT_CONFIRMATIONS:
            return "settings.sign_out_unsynced"
        self.store.clear_session()
        self.session = None
        return None

    # ---- today and households ------------------------------------------------------------------

    def today(self, on: date | None = None) -> list[TodayItem]:
        """Open assignments, overdue first (issue 5 item 2); see ``mobile/lists.py``."""
        assignments = self.store.assignments()
        households = {a.household_id: self.store.household(a.household_id) for a in assignments}
        waiting = [h.visit for h in self.store.held_visits() if h.state != VisitState.SYNCED]
        return today_items(assignments, households, waiting, on or datetime.now(UTC).date())

    def quota_progress(self) -> list[tuple[str, int, int]]:
        """``(rule title, done, target)`` of the user's own quota rows from the last pull."""
        snapshot = self.store.quota_snapshot() or {}
        rows = snapshot.get("rows", [snapshot] if "target" in snapshot else [])
        return [(str(r.get("title") or r.get("rule_id")), r["done"], r["target"]) for r in rows]

    def search_households(self, query: str = "") -> list[Household]:
        return search(self.store.households(), query)

    def household(self, household_id: str) -> Household | None:
        return self.store.household(household_id)

    def household_warnings(self, household_id: str) -> list[str]:
        return household_warnings(self.household(household_id))

    def household_visits(self, household_id: str) -> list[tuple[Visit, VisitState]]:
        held = self.store.held_visits()
        return [(h.visit, h.state) for h in held if h.visit.household_id == household_id]

    def drafts(self) -> list[Draft]:
        """Visits started and not completed, oldest first: Today offers to resume them."""
        return self.store.drafts()

    def household_drafts(self, household_id: str) -> list[Draft]:
        return [d for d in self.store.drafts() if d.get("household_id") == household_id]

    # ---- a visit -------------------------------------------------------------------------------

    def start_visit(self, household_id: str, kind: str, method: str, **links: Any) -> str:
        """A new draft, saved at once so closing the app never loses it; returns its id."""
        assert self.staff is not None, "log in first"
        draft = new_draft(self.staff.id, household_id, kind, method, datetime.now(UTC), **links)
        self.store.save_draft(draft["id"], draft)
        return str(draft["id"])

    def draft(self, visit_id: str) -> Draft | None:
        return self.store.draft(visit_id)

    def completed_visit(self, visit_id: str) -> Visit | None:
        return self.store.visit(visit_id)

    def edit(self, visit_id: str, **changes: Any) -> Draft:
        """Apply field changes to a draft and save it (called on every keystroke)."""
        draft = self._draft(visit_id)
        draft.update(changes)
        draft["updated_at"] = datetime.now(UTC).isoformat()
        self.store.save_draft(visit_id, draft)
        return draft

    def set_inspection(self, visit_id: str, index: int, **changes: str) -> Draft:
        items = [dict(item) for item in self._draft(visit_id)["inspection"]]
        items[index].update(changes)
        return self.edit(visit_id, inspection=items)

    def set_outcome(self, visit_id: str, outcome: str) -> Draft:
        revisit = {
            "needed": outcome == "unsatisfied",
            "due": self._draft(visit_id)["revisit"]["due"],
        }
        return self.edit(visit_id, outcome=outcome, revisit=revisit)

    def set_revisit_due(self, visit_id: str, typed: str) -> bool:
        """R10's revisit date as typed (YYYY-MM-DD); False (and no date kept) if it is not one."""
        revisit = dict(self._draft(visit_id)["revisit"])
        revisit["due"] = parse_due(typed)
        self.edit(visit_id, revisit=revisit)
        return revisit["due"] is not None

    def add_photo(self, visit_id: str, data: bytes) -> str | None:
        """Normalise a picked photo into the store; None, or the catalog key of the problem."""
        draft = self._draft(visit_id)
        if draft["method"] == Method.PHONE.value:
            return "visit.error.phone_no_photos"
        try:
            photo = normalise_photo(data)
        except MediaError as error:
            return f"media.{error.code}"
        self.store.put_media(photo.jpeg)
        self.store.put_media(photo.thumbnail)
        entry = {**photo.photo.model_dump(mode="json"), "thumb": sha256_hex(photo.thumbnail)}
        self.edit(visit_id, photos=[*draft["photos"], entry])
        return None

    def remove_photo(self, visit_id: str, sha256: str) -> Draft:
        photos = [p for p in self._draft(visit_id)["photos"] if p["sha256"] != sha256]
        return self.edit(visit_id, photos=photos)

    def media_path(self, sha256: str) -> Path:
        return self.store.media_path(sha256)

    def begin_stroke(self, visit_id: str, x: float, y: float) -> None:
        """The owner's pen touched the pad: a new stroke (kept in memory until it ends)."""
        strokes = self._live_strokes(visit_id)
        if not strokes:
            self.pad_started[visit_id] = time.monotonic()
        strokes.append([[round(x, 1), round(y, 1), self._pad_ms(visit_id)]])

    def extend_stroke(self, visit_id: str, x: float, y: float) -> None:
        strokes = self._live_strokes(visit_id)
        if not strokes:
            self.begin_stroke(visit_id, x, y)
            return
        strokes[-1].append([round(x, 1), round(y, 1), self._pad_ms(visit_id)])

    def _pad_ms(self, visit_id: str) -> int:
        """Milliseconds since the pad was first touched (the ``t`` of each point)."""
        started = self.pad_started.setdefault(visit_id, time.monotonic())
        return int((time.monotonic() - started) * 1000)

    def end_stroke(self, visit_id: str) -> None:
        """The pen lifted: the strokes so far are saved with the draft."""
        self.edit(visit_id, strokes=self._live_strokes(visit_id))

    def clear_signature(self, visit_id: str) -> None:
        self.strokes[visit_id] = []
        self.pad_started.pop(visit_id, None)
        self.edit(visit_id, strokes=[])

    def signature_strokes(self, visit_id: str) -> list[list[list[float]]]:
        return self._live_strokes(visit_id)

    def _live_strokes(self, visit_id: str) -> list[list[list[float]]]:
        if visit_id not in self.strokes:
            self.strokes[visit_id] = [list(s) for s in self._draft(visit_id).get("strokes", [])]
        return self.strokes[visit_id]

    def completion_problems(self, visit_id: str) -> list[str]:
        return completion_problems(self._draft(visit_id))

    def calling_hours_warning(self, visit_id: str, now: datetime | None = None) -> bool:
        """R15: a phone follow-up outside 07:00-22:00 or at a meal time gets a warning."""
        is_phone = self._draft(visit_id)["method"] == Method.PHONE.value
        return is_phone and outside_calling_hours(now or datetime.now(UTC))

    def complete(self, visit_id: str) -> list[str]:
        """Complete the visit (read-only from then on); returns the problems, empty on success."""
        draft = self._draft(visit_id)
        problems = completion_problems(draft)
        if problems:
            return problems
        now = datetime.now(UTC)
        fields = visit_fields(draft, now)
        try:
            visit = self._finalise(draft, fields, now)
            self.store.complete_visit(visit)
        except MediaError as error:
            return [f"media.{error.code}"]
        except (ValidationError, StoreError):
            return ["visit.error.invalid"]
        self.strokes.pop(visit_id, None)
        return []

    def _finalise(self, draft: Draft, fields: dict[str, Any], now: datetime) -> Visit:
        fields["photos"] = [{k: v for k, v in p.items() if k != "thumb"} for p in fields["photos"]]
        needs_signature = draft["method"] == Method.ON_SITE.value and draft.get("strokes")
        if not needs_signature:
            return Visit.model_validate(fields)
        signed = sign_visit(fields, draft["strokes"], now)
        self.store.put_media(signed.png)
        return signed.visit

    def _draft(self, visit_id: str) -> Draft:
        draft = self.store.draft(visit_id)
        if draft is None:
            raise KeyError(f"no draft {visit_id}")
        return draft

    # ---- sync ----------------------------------------------------------------------------------

    def sync(
        self, progress: Callable[[SyncProgress], None] | None = None, wait: bool = True
    ) -> SyncReport:
        """Push completed visits, pull assignments; a 401 asks for the password, keeps the work.

        A sync the user asked for (``wait``) runs after one already running instead of being
        refused: pressing 立即同步 during the automatic sync then reports a sync of its own.
        """
        if self.session is None:
            return SyncReport(error="sync.error.signed_out")
        if not self._sync_lock.acquire(wait, SYNC_WAIT_SECONDS if wait else -1):
            return SyncReport(error="sync.error.busy")
        try:
            if self.session is None:  # signed out while this one waited
                return SyncReport(error="sync.error.signed_out")
            self.sync_status.running = True
            report = run_sync(
                self.store, self.prefs.server_url, self.session.token, progress, self.retry
            )
        finally:
            self.sync_status.running = False
            self._sync_lock.release()
        self._record_sync(report)
        return report

    def sync_if_reachable(self) -> SyncReport | None:
        """Automatic sync: only with a reason (work waiting, back from offline, or a store that
        never pulled, as right after the first login), a login that still works, and a server
        that answers its health check. Never waits for a sync already running."""
        status = self.sync_status
        if self.session is None or status.running or status.needs_password:
            return None
        never_pulled = self.store.pull_state().server_epoch is None
        if not (self.unsynced_count() or self.offline or never_pulled):
            return None
        if not server_reachable(self.prefs.server_url):
            self.offline = True
            return None
        return self.sync(wait=False)

    def _record_sync(self, report: SyncReport) -> None:
        self.sync_status.last_error = report.error
        self.sync_status.needs_password = report.unauthorized
        self.offline = report.offline
        if report.error is None:
            self.sync_status.last_success = self.prefs.last_sync = datetime.now(UTC)
            self.prefs.save()

    def visit_sync_state(self, visit_id: str) -> str | None:
        state = self.store.visit_state(visit_id)
        return state.value if state else None

    def review_of(self, visit_id: str) -> Review | None:
        return self.store.reviews_for(visit_id)

    def unreadable_count(self) -> int:
        """Pulled changes this phone could not read and set aside (the rest still synced)."""
        return len(self.store.unreadable_changes())

    def parked_items(self) -> list[tuple[str, str]]:
        """``(visit id, catalog key of the reason)`` for visits the server refused."""
        return [(p.visit_id, f"sync.parked.{p.code}") for p in self.store.parked()]
