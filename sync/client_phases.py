"""The phases of a sync, each a small function over a ``Transport`` and the phone's store so it
can be run and tested on its own (the order they run in is in sync/client.py)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.client_http import Refusal, SyncError, Transport
from sync.protocol import (
    MAX_PUSH_OPS,
    ErrorCode,
    MissingBlobsResponse,
    OpResult,
    OpStatus,
    PullResponse,
    PushResponse,
)
from sync.store import VisitStore
from sync.store_types import EpochMismatchError, OutboxEntry

MAX_MISSING_QUERY = 1000
MAX_BATCH_BYTES = 1_500_000
"""Under the server's 2 MiB body limit with room for the envelope."""
PULL_PAGE = 200
UPLOAD_CONCURRENCY = 4
Model = TypeVar("Model", bound=BaseModel)
_log = logging.getLogger(__name__)


class ProtocolViolation(SyncError):
    """The server answered 2xx with a body the contract does not describe."""


@dataclass
class SyncProgress:
    """What the progress bar shows: visits sent and blob bytes, each done / total, then the
    changes received (a pull's total is known only at its last page, so it is a count)."""

    phase: str = "idle"
    items_done: int = 0
    items_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    pulled: int = 0


@dataclass
class SyncResult:
    pushed: int = 0
    duplicates: int = 0
    parked: int = 0
    pulled: int = 0
    blobs_uploaded: int = 0
    bytes_uploaded: int = 0
    epoch_changed: bool = False


@dataclass
class BlobUpload:
    """Blobs sent, and blobs the server (or the phone) could not provide, with the reason."""

    uploaded: list[str] = field(default_factory=list)
    refused: dict[str, Refusal] = field(default_factory=dict)
    bytes_sent: int = 0


ProgressCallback = Callable[[SyncProgress], None]
BytesCallback = Callable[[int], None]


def parse_body(response: httpx.Response, model: type[Model]) -> Model:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise ProtocolViolation(f"unexpected {model.__name__}: {error}") from None


# ---- 1. collect ---------------------------------------------------------------------------------


def collect_outbox(store: VisitStore, limit: int = MAX_PUSH_OPS) -> list[OutboxEntry]:
    """The oldest pending entries, at most ``limit``."""
    return store.pending(limit)


def blob_hashes_of(entries: list[OutboxEntry]) -> list[str]:
    return list(dict.fromkeys(sha for entry in entries for sha in entry.blob_hashes))


# ---- 2. upload blobs ----------------------------------------------------------------------------


def missing_blobs(transport: Transport, hashes: list[str]) -> list[str]:
    """Which of these the server does not hold yet (asked in chunks the server accepts)."""
    missing: list[str] = []
    for start in range(0, len(hashes), MAX_MISSING_QUERY):
        chunk = hashes[start : start + MAX_MISSING_QUERY]
        answer = transport.request("POST", "/blobs/missing", json={"hashes": chunk})
        if isinstance(answer, Refusal):
            raise ProtocolViolation(f"/blobs/missing refused: {answer.code} {answer.message}")
        missing += parse_body(answer, MissingBlobsResponse).missing
    return missing


def media_type_of(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def put_blob(transport: Transport, sha: str, data: bytes) -> Refusal | None:
    """Upload one blob raw (no base64, no multipart); a Refusal if the server will not take it."""
    headers = {"Content-Type": media_type_of(data)}
    answer = transport.request("PUT", f"/blobs/{sha}", content=data, headers=headers)
    return answer if isinstance(answer, Refusal) else None


def upload_blobs(
    transport: Transport,
    store: VisitStore,
    hashes: list[str],
    on_bytes: BytesCallback | None = None,
    concurrency: int = UPLOAD_CONCURRENCY,
) -> BlobUpload:
    """Upload those of ``hashes`` the server lacks, a few at a time (the server's disk and the
    network overlap); ``on_bytes`` hears of every byte settled, sent or found already there."""
    wanted = set(missing_blobs(transport, hashes)) if hashes else set()
    upload = BlobUpload()
    for sha in hashes:
        if sha not in wanted:
            _tell(on_bytes, media_size(store, sha))
    to_send = [sha for sha in hashes if sha in wanted]
    send = _sender_stopping_at_first_failure(transport, store)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(send, sha) for sha in to_send]
        try:
            for sha, future in zip(to_send, futures, strict=True):
                size, refusal = future.result()
                _count_upload(upload, sha, size, refusal)
                _tell(on_bytes, size)
        except BaseException:
            for future in futures:  # offline, cancelled or logged out: send nothing more
                future.cancel()
            raise
    return upload


class _NotSent(SyncError):
    """A blob left unsent because an upload before it failed; that failure is what is raised."""


def _sender_stopping_at_first_failure(
    transport: Transport, store: VisitStore
) -> Callable[[str], tuple[int, Refusal | None]]:
    """``send_blob`` for the upload workers, which take no new blob once one upload has failed
    (offline, cancelled, logged out): each would only fail the same way after its own retries.
    The pool hands blobs out in order, so a blob left unsent always comes after the failed one,
    and the caller, reading results in order, meets the real failure first."""
    failed = threading.Event()

    def send(sha: str) -> tuple[int, Refusal | None]:
        if failed.is_set():
            raise _NotSent(sha)
        try:
            return send_blob(transport, store, sha)
        except BaseException:
            failed.set()
            raise

    return send


def _count_upload(upload: BlobUpload, sha: str, size: int, refusal: Refusal | None) -> None:
    if refusal is not None:
        upload.refused[sha] = refusal
    else:
        upload.uploaded.append(sha)
        upload.bytes_sent += size


def send_blob(transport: Transport, store: VisitStore, sha: str) -> tuple[int, Refusal | None]:
    """One blob from the phone's media folder to the server: (its size, a refusal or None)."""
    try:
        data = store.read_media(sha)
    except FileNotFoundError:
        return 0, Refusal(0, ErrorCode.MISSING_BLOBS, f"{sha} is not on this phone", {})
    return len(data), put_blob(transport, sha, data)


def media_size(store: VisitStore, sha: str) -> int:
    try:
        return store.media_path(sha).stat().st_size
    except (FileNotFoundError, ValueError):
        return 0


def _tell(callback: BytesCallback | None, amount: int) -> None:
    if callback is not None:
        callback(amount)


# ---- 3. push ------------------------------------------------------------------------------------


def op_of(entry: OutboxEntry) -> dict[str, Any]:
    return {"op_id": entry.op_id, "type": "visit.upsert", "record": entry.record}


def batches_of(entries: list[OutboxEntry]) -> Iterator[list[OutboxEntry]]:
    """At most 100 ops and about MAX_BATCH_BYTES per request; an oversized op goes alone."""
    batch: list[OutboxEntry] = []
    size = 0
    for entry in entries:
        op_size = len(json.dumps(entry.record, ensure_ascii=False).encode())
        if batch and (len(batch) == MAX_PUSH_OPS or size + op_size > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += op_size
    if batch:
        yield batch


def rejected_by(entry: OutboxEntry, refusal: Refusal) -> OpResult:
    return OpResult(
        op_id=entry.op_id,
        status=OpStatus.REJECTED,
        code=_known_code(refusal.code),
        message=refusal.message,
    )


def _known_code(code: str) -> ErrorCode:
    try:
        return ErrorCode(code)
    except ValueError:
        return ErrorCode.INVALID


def push_batch(
    transport: Transport, device_id: str, entries: list[OutboxEntry]
) -> tuple[dict[str, OpResult], str | None]:
    """One ``/sync/push``: results by op_id and the server's epoch. A refused request (4xx) is
    split in halves until the op that caused it is found and rejected alone."""
    body = {"device_id": device_id, "ops": [op_of(entry) for entry in entries]}
    answer = transport.request("POST", "/sync/push", json=body)
    if isinstance(answer, Refusal):
        if len(entries) == 1:
            return {entries[0].op_id: rejected_by(entries[0], answer)}, None
        middle = len(entries) // 2
        first, epoch = push_batch(transport, device_id, entries[:middle])
        second, later_epoch = push_batch(transport, device_id, entries[middle:])
        return {**first, **second}, later_epoch or epoch
    response = parse_body(answer, PushResponse)
    return {result.op_id: result for result in response.results}, response.server_epoch


def push_entries(
    transport: Transport, device_id: str, entries: list[OutboxEntry]
) -> tuple[dict[str, OpResult], str | None]:
    """Every entry pushed in batches; results by op_id and the last epoch seen."""
    results: dict[str, OpResult] = {}
    epoch: str | None = None
    for batch in batches_of(entries):
        found, seen = push_batch(transport, device_id, batch)
        results.update(found)
        epoch = seen or epoch
    return results, epoch


# ---- 4. record ----------------------------------------------------------------------------------


def record_results(
    store: VisitStore, entries: list[OutboxEntry], results: dict[str, OpResult], tally: SyncResult
) -> None:
    """Acked entries leave the outbox in one write; rejected ones are parked with their reason;
    an entry without a result stays pending for the next sync."""
    sent = [e for e in entries if _status(results, e) in (OpStatus.APPLIED, OpStatus.DUPLICATE)]
    store.mark_sent([entry.visit_id for entry in sent])
    for entry in sent:
        if results[entry.op_id].status is OpStatus.APPLIED:
            tally.pushed += 1
        else:
            tally.duplicates += 1
    for entry in entries:
        if _status(results, entry) is OpStatus.REJECTED:
            result = results[entry.op_id]
            code = (result.code or ErrorCode.INVALID).value
            store.park(entry.visit_id, code, result.message or code, result.missing)
            tally.parked += 1


def _status(results: dict[str, OpResult], entry: OutboxEntry) -> OpStatus | None:
    result = results.get(entry.op_id)
    return result.status if result is not None else None


def park_blocked(
    store: VisitStore, entries: list[OutboxEntry], upload: BlobUpload, tally: SyncResult
) -> list[OutboxEntry]:
    """Park the entries whose blobs the server refused (not an image, too large...) or the phone
    lost; return the rest, which can be pushed."""
    ready: list[OutboxEntry] = []
    for entry in entries:
        refused = [upload.refused[sha] for sha in entry.blob_hashes if sha in upload.refused]
        if not refused:
            ready.append(entry)
            continue
        shas = [sha for sha in entry.blob_hashes if sha in upload.refused]
        store.park(entry.visit_id, refused[0].code, refused[0].message, shas)
        tally.parked += 1
    return ready


# ---- 5. pull ------------------------------------------------------------------------------------


def pull_page(transport: Transport, cursor: int, limit: int = PULL_PAGE) -> PullResponse:
    answer = transport.request("GET", "/sync/pull", params={"cursor": cursor, "limit": limit})
    if isinstance(answer, Refusal):
        raise ProtocolViolation(f"/sync/pull refused: {answer.code} {answer.message}")
    return parse_body(answer, PullResponse)


def adopt_epoch(store: VisitStore, epoch: str) -> bool:
    """A new server epoch: the store re-checks what it holds; True if that happened."""
    held = store.pull_state().server_epoch
    if held == epoch:
        return False
    store.on_epoch_change(epoch)
    return held is not None


def pull_changes(
    transport: Transport,
    store: VisitStore,
    limit: int = PULL_PAGE,
    on_page: Callable[[int], None] | None = None,
) -> tuple[int, bool]:
    """Every page after the store's cursor; returns (changes applied, epoch changed). A change
    the phone cannot read is set aside by the store and not counted; the pull goes on."""
    applied, epoch_changed = 0, False
    while True:
        page = pull_page(transport, store.pull_state().cursor, limit)
        if adopt_epoch(store, page.server_epoch):
            epoch_changed = True
            continue
        try:
            set_aside = store.apply_pull_page(page.changes, page.cursor, page.server_epoch)
        except EpochMismatchError:
            store.on_epoch_change(page.server_epoch)
            epoch_changed = True
            continue
        if set_aside:
            _log.warning("%d pulled change(s) unreadable, set aside (store.unreadable)", set_aside)
        applied += len(page.changes) - set_aside
        if on_page is not None:
            on_page(len(page.changes))
        if not page.more:
            return applied, epoch_changed
