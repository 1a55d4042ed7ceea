"""Real visit records for store tests, light enough for the kill test's child process.

Media bytes are small stand-ins (the store names files by SHA-256 and never decodes them);
rendering real PNGs belongs to ``sync.media`` and its tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sync.canonical import content_hash
from sync.models import Method, Outcome, Photo, Signature, Visit, VisitContent, VisitKind
from sync.store import VisitStore

BASE = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)
YEAR_MINUTES = 365 * 24 * 60


def visit_fields(n: int, started_at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    """The fields every visit has; ``n`` varies the content so records differ."""
    started = started_at or BASE - timedelta(minutes=(17 * n) % YEAR_MINUTES)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "staff_id": "s-li",
        "household_id": f"h-3-2-{1000 + n % 900}",
        "kind": VisitKind.REPAIR_FOLLOWUP,
        "started_at": started,
        "ended_at": started + timedelta(minutes=12),
        "needs": f"厨房水龙头漏水 #{n}",
        "owner_comment": "维修师傅很及时，业主满意。",
        "created_at": started,
        "updated_at": started + timedelta(minutes=12),
    }
    values.update(extra)
    return values


def phone_visit(n: int = 0, **extra: Any) -> Visit:
    """A phone follow-up (电话回访) that did not reach the owner: no signature, no photos."""
    return Visit(**visit_fields(n, method=Method.PHONE, outcome=Outcome.UNREACHABLE, **extra))


def on_site_visit(store: VisitStore, n: int = 0, photos: int = 2, **extra: Any) -> Visit:
    """A signed on-site visit whose photos and signature PNG are already in the store's media."""
    values = visit_fields(n, method=Method.ON_SITE, outcome=Outcome.SATISFIED, satisfaction=5)
    values.update(extra)
    values["photos"] = [_photo(store, f"photo {n}.{k}") for k in range(photos)]
    return sign(values, store.put_media(f"signature png {n}".encode()))


def sign(values: dict[str, Any], png_sha256: str) -> Visit:
    """The owner signs: the signature binds the hash of everything else the record carries."""
    signature = Signature(
        strokes=[[(1.0, 2.0, 0), (40.5, 30.0, 120), (80.0, 10.0, 260)]],
        png_sha256=png_sha256,
        signed_at=values["ended_at"],
        content_hash=content_hash(VisitContent(**values)),
    )
    return Visit(**values, signature=signature)


def _photo(store: VisitStore, label: str) -> Photo:
    data = f"jpeg bytes of {label}".encode() * 40
    sha = store.put_media(data)
    return Photo(sha256=sha, width=1600, height=1200, bytes=len(data), taken_at=BASE)
