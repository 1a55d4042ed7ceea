"""Blob uploads and downloads (DESIGN.md HTTP contract: ``/blobs/missing``, ``HEAD/PUT/GET``).

An upload is checked before anything is stored: its bytes must hash to its name (400
hash_mismatch) and open as a whole JPEG or PNG within the pixel limit (415 not_an_image; a
decompression bomb is refused from its header, never decoded). The file is written and fsynced
*before* the ``blobs`` row is committed, so a row always has its file; a crash in between leaves
a file without a row, which the next upload of the same bytes simply adopts.

Who may download: the uploader, and whoever may see a visit that uses the blob (the access rule
of ``server.services.access``, applied through ``visit_blobs``).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.blobs import SHA256_PATTERN, BlobStore
from server.db.models import BlobRow, StaffRow, VisitBlobRow, VisitRow
from server.db.session import Database
from server.errors import ApiError
from server.services.access import visit_scope
from sync.media import NotAnImageError, check_image_bytes
from sync.protocol import ErrorCode

_DECODE_SLOTS = threading.BoundedSemaphore(4)


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    media_type: str
    created: bool = False


@dataclass(frozen=True)
class BlobFile:
    path: Path
    media_type: str


def require_blob_name(sha256: str) -> str:
    """A blob is named by a lowercase hex SHA-256; anything else is a client error."""
    if not SHA256_PATTERN.match(sha256):
        raise ApiError(400, ErrorCode.INVALID, "a blob is named by its lowercase hex sha256")
    return sha256


def find_missing(session: Session, hashes: list[str]) -> list[str]:
    """Which of ``hashes`` the server does not hold, in the order asked, each once."""
    wanted = list(dict.fromkeys(hashes))
    if not wanted:
        return []
    stored = set(session.scalars(select(BlobRow.sha256).where(BlobRow.sha256.in_(wanted))))
    return [sha for sha in wanted if sha not in stored]


def is_stored(session: Session, sha256: str) -> bool:
    return SHA256_PATTERN.match(sha256) is not None and session.get(BlobRow, sha256) is not None


def store_upload(
    database: Database, store: BlobStore, staff_id: str, sha256: str, data: bytes
) -> StoredBlob:
    """Verify, write the file, then record it. Runs in a worker thread (hashing, decoding, fsync).

    Already-recorded bytes skip the image check: they hash to a name whose bytes were checked.
    """
    require_blob_name(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(400, ErrorCode.HASH_MISMATCH, "the body does not hash to the blob's name")
    with database.read() as session:
        known = session.get(BlobRow, sha256)
        if known is not None:
            store.put(sha256, data)  # no-op unless the file was lost: then it is restored
            return StoredBlob(sha256, known.size, known.media_type, created=False)
    media_type = _require_image(data)
    store.put(sha256, data)
    created = _record_blob(
        database,
        BlobRow(sha256=sha256, size=len(data), media_type=media_type, uploaded_by=staff_id),
    )
    return StoredBlob(sha256, len(data), media_type, created=created)


def _require_image(data: bytes) -> str:
    """At most a few decodes at once: each may hold up to ~100 MB of pixels while it checks."""
    try:
        with _DECODE_SLOTS:
            return check_image_bytes(data)
    except NotAnImageError as exc:
        raise ApiError(415, ErrorCode.NOT_AN_IMAGE, exc.message_en, detail=exc.detail) from exc


def _record_blob(database: Database, row: BlobRow) -> bool:
    """Insert the row; False when a concurrent upload of the same bytes recorded it first."""
    try:
        with database.write() as session:
            if session.get(BlobRow, row.sha256) is not None:
                return False
            session.add(row)
    except IntegrityError:
        return False
    return True


def blob_for_download(session: Session, store: BlobStore, staff: StaffRow, sha256: str) -> BlobFile:
    """The file, if the caller uploaded it or may see a visit that uses it."""
    row = session.get(BlobRow, sha256) if SHA256_PATTERN.match(sha256) else None
    if row is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such blob")
    if row.uploaded_by != staff.id and not _sees_a_visit_using(session, staff, sha256):
        raise ApiError(403, ErrorCode.FORBIDDEN, "no visit you may see uses this blob")
    path = store.path(sha256)
    if not path.is_file():
        raise ApiError(404, ErrorCode.NOT_FOUND, "the blob's file is missing on the server")
    return BlobFile(path, row.media_type)


def _sees_a_visit_using(session: Session, staff: StaffRow, sha256: str) -> bool:
    scope = visit_scope(session, staff)
    query = (
        select(VisitRow.id)
        .join(VisitBlobRow, VisitBlobRow.visit_id == VisitRow.id)
        .where(VisitBlobRow.sha256 == sha256, scope.visit_filter())
        .limit(1)
    )
    return session.scalar(query) is not None
