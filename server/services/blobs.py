"""Blob uploads and downloads (DESIGN.md HTTP contract: ``/blobs/missing``, ``HEAD/PUT/GET``).

An upload is checked before anything is stored: its bytes must hash to its name (400
hash_mismatch) and be a whole JPEG or PNG within the pixel limit (415 not_an_image; a
decompression bomb is refused from its header, never decoded; see ``sync.upload_check``). The
file is written and fsynced *before* the ``blobs`` row is committed, so a row always has its
file; a crash in between leaves a file without a row, which the next upload of the same bytes
simply adopts.

Who may download: the uploader, and whoever may see a visit that uses the blob (the access rule
of ``server.services.access``, applied through ``visit_blobs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.blobs import SHA256_PATTERN, BlobStore, HashedBytes
from server.db.models import BlobRow, StaffRow, VisitBlobRow, VisitRow
from server.db.session import Database
from server.errors import ApiError
from server.services.access import visit_scope
from server.services.blob_rows import blob_row_writer
from sync.media import NotAnImageError
from sync.protocol import ErrorCode
from sync.upload_check import check_image_bytes, media_type_of


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
    """Verify, write the file, then record it. Runs in a worker thread (hashing, fsync).

    A file already under this name was checked before it was written, and its name is its
    hash, so the same bytes skip the image check; the row is added if a crash had left the file
    without one. A recorded blob whose file was lost is checked and written again.
    """
    require_blob_name(sha256)
    try:
        blob = HashedBytes.check(sha256, data)
    except ValueError:
        raise ApiError(
            400, ErrorCode.HASH_MISMATCH, "the body does not hash to the blob's name"
        ) from None
    if store.exists(sha256):
        media_type = media_type_of(data)
    else:
        media_type = _require_image(data)
        store.put(blob)
    created = _record_blob(database, sha256, len(data), media_type, staff_id)
    return StoredBlob(sha256, len(data), media_type, created=created)


def _require_image(data: bytes) -> str:
    try:
        return check_image_bytes(data)
    except NotAnImageError as exc:
        raise ApiError(415, ErrorCode.NOT_AN_IMAGE, exc.message_en, detail=exc.detail) from exc


def _record_blob(database: Database, sha256: str, size: int, media_type: str, staff: str) -> bool:
    """Insert the row unless it is there (committed with concurrent uploads' rows, see
    ``blob_rows``); False when it was there already."""
    row = {"sha256": sha256, "size": size, "media_type": media_type, "uploaded_by": staff}
    return blob_row_writer(database).record(row)


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
