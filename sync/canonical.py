"""Canonical JSON and the content hash that a signature binds (DESIGN.md "HTTP contract v1").

Any client can recompute the hash: the fields the record carries as sent
(``model_dump(mode="json", exclude_unset=True)``) without the signature and server-only keys,
sorted keys, separators ``,`` and ``:``, non-ASCII kept as UTF-8.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sync.models import Visit, VisitContent

UNHASHED_KEYS = frozenset({"signature"})


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def visit_wire(visit: VisitContent) -> dict[str, Any]:
    """The record as it travels: only the fields that were set, so older records verify."""
    return visit.model_dump(mode="json", exclude_unset=True)


def content_hash(visit: VisitContent) -> str:
    """Takes a VisitContent too, so the phone can hash a record before it is signed."""
    data = {k: v for k, v in visit_wire(visit).items() if k not in UNHASHED_KEYS}
    return hashlib.sha256(canonical_json(data)).hexdigest()


def visit_fingerprint(visit: Visit) -> str:
    """Hash of the whole record, signature included: what makes a re-push a duplicate."""
    return hashlib.sha256(canonical_json(visit_wire(visit))).hexdigest()


def content_hash_matches(visit: Visit, digest: str | None = None) -> bool:
    """True when the signature (if any) binds exactly this record's content; ``digest`` is
    ``content_hash(visit)`` when the caller has it already."""
    if visit.signature is None:
        return True
    return visit.signature.content_hash == (digest or content_hash(visit))


def visit_blob_hashes(visit: Visit) -> list[str]:
    """Every blob a visit needs on the server: its photos, then its signature PNG."""
    hashes = [photo.sha256 for photo in visit.photos]
    if visit.signature is not None:
        hashes.append(visit.signature.png_sha256)
    return hashes
