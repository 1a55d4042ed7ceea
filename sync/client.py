"""The phone's sync: push the outbox (blobs first), then pull the changes addressed to it.

Each phase is a small function (sync/client_phases.py) over a ``Transport``
(sync/client_http.py) and the phone's ``VisitStore``, so each can be run and tested on its own:

1. ``collect_outbox``   the oldest pending entries (parked ones never block the queue);
2. ``upload_blobs``     ask ``/blobs/missing``, then ``PUT`` each missing blob raw;
3. ``push_entries``     ``/sync/push`` in batches of at most 100 ops (and ~1.5 MB);
4. ``record_results``   ``applied``/``duplicate`` -> sent; ``rejected`` -> parked with its reason
                        (``missing_blobs`` is first answered by uploading those blobs once more);
5. ``pull_changes``     page by page, each page and its cursor applied in ONE store write; a new
                        ``server_epoch`` makes the store re-check everything it holds.

Nothing is marked sent before the server said so, and everything sent is safe to send again, so
a sync stopped at any point (network, kill, cancel, expired token) just continues next time.
The rules are written down in sync/PROTOCOL.md.
"""

from __future__ import annotations

import threading

import httpx

from sync.client_http import (
    AuthExpired,
    RetryPolicy,
    SyncAborted,
    SyncError,
    SyncUnavailable,
    Transport,
    WireCounter,
)
from sync.client_phases import (
    ProgressCallback,
    ProtocolViolation,
    SyncProgress,
    SyncResult,
    adopt_epoch,
    blob_hashes_of,
    collect_outbox,
    media_size,
    park_blocked,
    pull_changes,
    push_entries,
    record_results,
    upload_blobs,
)
from sync.protocol import ErrorCode, OpResult, OpStatus
from sync.store import VisitStore
from sync.store_types import OutboxEntry

__all__ = [
    "AuthExpired",
    "ProtocolViolation",
    "RetryPolicy",
    "SyncAborted",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncResult",
    "SyncUnavailable",
]

MAX_PASSES = 3
"""Push + pull again after an epoch change, at most this often per sync."""


# ---- the whole sync -----------------------------------------------------------------------------


class SyncClient:
    """One phone syncing with one server. ``cancel()`` (any thread) stops it between requests."""

    def __init__(
        self,
        server_url: str,
        token: str,
        store: VisitStore,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.store = store
        self.transport = Transport(
            server_url,
            token,
            http=http or httpx.Client(timeout=60.0),
            retry=retry or RetryPolicy(),
            cancel=threading.Event(),
        )
        self._owns_http = http is None
        self._progress = SyncProgress()
        self._listener: ProgressCallback | None = None

    def close(self) -> None:
        """Close the connection pool, unless the caller handed in its own ``http`` client."""
        if self._owns_http:
            self.transport.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def wire(self) -> WireCounter:
        return self.transport.counter

    def cancel(self) -> None:
        self.transport.cancel.set()

    def sync(self, progress: ProgressCallback | None = None) -> SyncResult:
        """Push everything pending, then pull; again if the server epoch changed meanwhile.

        Raises AuthExpired (ask for the password), SyncUnavailable (offline: try later) or
        SyncAborted (cancelled); whatever was acknowledged before is already recorded."""
        self._listener = progress
        tally = SyncResult()
        for _ in range(MAX_PASSES):
            changed = self.push_outbox(tally)
            pulled, changed_in_pull = pull_changes(
                self.transport, self.store, on_page=self._pulled_page
            )
            tally.pulled += pulled
            if not (changed or changed_in_pull):
                break
            tally.epoch_changed = True
        self._report("done")
        return tally

    def push_outbox(self, tally: SyncResult) -> bool:
        """Push round after round until nothing is pending; True if the server epoch changed."""
        self._start_push()
        epoch_changed = False
        tried: set[str] = set()
        while entries := collect_outbox(self.store):
            self.transport.check_cancel()
            if tried & {entry.visit_id for entry in entries}:
                raise ProtocolViolation("the server left pushed ops without a result")
            tried.update(entry.visit_id for entry in entries)
            try:
                epoch = self.push_round(entries, tally)
            except SyncUnavailable as error:
                self.store.record_attempt([e.visit_id for e in entries], str(error))
                raise
            if epoch is not None and adopt_epoch(self.store, epoch):
                epoch_changed = True
                tried.clear()
                self._start_push()
        return epoch_changed

    def push_round(self, entries: list[OutboxEntry], tally: SyncResult) -> str | None:
        """Blobs, push, one re-upload for ``missing_blobs``, record; returns the epoch seen."""
        upload = upload_blobs(
            self.transport, self.store, blob_hashes_of(entries), self._uploaded_bytes
        )
        tally.blobs_uploaded += len(upload.uploaded)
        tally.bytes_uploaded += upload.bytes_sent
        ready = park_blocked(self.store, entries, upload, tally)
        results, epoch = push_entries(self.transport, self.store.device_id(), ready)
        again = [e for e in ready if results.get(e.op_id, _NO_RESULT).code is _MISSING]
        if again:
            retry_upload = upload_blobs(self.transport, self.store, blob_hashes_of(again))
            tally.blobs_uploaded += len(retry_upload.uploaded)
            retried, epoch_again = push_entries(self.transport, self.store.device_id(), again)
            results.update(retried)
            epoch = epoch_again or epoch
        record_results(self.store, ready, results, tally)
        self._progress.items_done += len(entries)
        self._report("push")
        return epoch

    # ---- progress -------------------------------------------------------------------------------

    def _start_push(self) -> None:
        pending = self.store.pending()
        hashes = blob_hashes_of(pending)
        self._progress = SyncProgress(
            phase="push",
            items_total=len(pending),
            bytes_total=sum(media_size(self.store, sha) for sha in hashes),
        )
        self._report("push")

    def _uploaded_bytes(self, amount: int) -> None:
        self._progress.bytes_done += amount
        self._report("upload")

    def _pulled_page(self, count: int) -> None:
        self._progress.pulled += count
        self._report("pull")

    def _report(self, phase: str) -> None:
        self._progress.phase = phase
        if self._listener is not None:
            self._listener(SyncProgress(**vars(self._progress)))


_NO_RESULT = OpResult(op_id="", status=OpStatus.APPLIED)
_MISSING = ErrorCode.MISSING_BLOBS
