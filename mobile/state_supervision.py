"""The supervisor's actions of ``AppState`` (issue 6 item 6): read the board, review visits.

Kept apart from the field actions so each module stays small; ``AppState`` inherits these.
"""

from __future__ import annotations

from mobile.preferences import Preferences
from mobile.supervision import SupervisionClient, SupervisionError
from sync.boards import CoverageReport, QuotaBoard, VisitDetail, VisitSummary
from sync.store import VisitStore
from sync.store_types import DeviceSession


class SupervisionActions:
    store: VisitStore
    session: DeviceSession | None
    prefs: Preferences

    def supervision(self) -> SupervisionClient:
        """Raises SupervisionError when signed out; every call may raise it too (offline, 401)."""
        if self.session is None:
            raise SupervisionError("sync.error.signed_out")
        return SupervisionClient(self.prefs.server_url, self.session.token)

    def quota_board(self) -> QuotaBoard:
        return self.supervision().quota_board()

    def coverage(self) -> CoverageReport:
        return self.supervision().coverage()

    def visits_of(self, staff_id: str, period: str | None = None) -> list[VisitSummary]:
        """The visits behind one cell of the board: this person, the period the rule counts."""
        return self.supervision().visits(staff_id=staff_id, period=period)

    def review_queue(self) -> list[VisitSummary]:
        """Visits waiting for the supervisor's sign-off (R2), oldest first."""
        waiting = self.supervision().visits(status="pending")
        return sorted(waiting, key=lambda v: v.started_at)

    def visit_detail(self, visit_id: str) -> VisitDetail:
        return self.supervision().visit(visit_id)

    def server_blob(self, sha256: str) -> bytes:
        """A photo or signature of someone else's visit, fetched for review (kept in media)."""
        if self.store.has_media(sha256):
            return self.store.read_media(sha256)
        data = self.supervision().blob(sha256)
        self.store.put_media(data)
        return data

    def review(self, visit_id: str, decision: str, comment: str) -> str | None:
        """Approve or return with an opinion; None on success, else the catalog key."""
        if decision == "returned" and not comment.strip():
            return "review.error.comment_needed"
        try:
            self.supervision().review(visit_id, decision, comment.strip())
        except SupervisionError as error:
            return error.key
        return None
