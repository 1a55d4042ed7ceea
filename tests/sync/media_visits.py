"""On-site visits whose photos and signature are unique bytes (seeded noise), so a test or the
benchmark never finds a blob already uploaded by someone else, and photos can be made as large
as a real phone's."""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from sync.canonical import content_hash
from sync.models import Method, Outcome, Photo, Signature, Visit, VisitContent, VisitKind
from tests.factories import MadeVisit, sha256

SMALL_PHOTO = (64, 48)
PHONE_PHOTO = (700, 525)
"""Seeded noise at this size is about 250 KB as JPEG quality 80, as a phone photo after
normalising."""


def noise_jpeg(rng: random.Random, size: tuple[int, int]) -> bytes:
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def signature_png(rng: random.Random) -> bytes:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(rng.randrange(300), rng.randrange(120)) for _ in range(12)]
    draw.line(points, fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def signed_visit(
    staff_id: str,
    household_id: str,
    rng: random.Random,
    photos: int = 1,
    photo_size: tuple[int, int] = SMALL_PHOTO,
    **fields: Any,
) -> MadeVisit:
    """A completed, signed on-site visit with ``photos`` unique photos and a unique signature."""
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    blobs: dict[str, bytes] = {}
    photo_list = []
    for _ in range(photos):
        data = noise_jpeg(rng, photo_size)
        blobs[sha256(data)] = data
        photo_list.append(
            Photo(
                sha256=sha256(data),
                width=photo_size[0],
                height=photo_size[1],
                bytes=len(data),
                taken_at=started,
            )
        )
    values: dict[str, Any] = {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "staff_id": staff_id,
        "household_id": household_id,
        "kind": VisitKind.REPAIR_FOLLOWUP,
        "method": Method.ON_SITE,
        "started_at": started,
        "ended_at": started + timedelta(minutes=15),
        "outcome": Outcome.SATISFIED,
        "satisfaction": 5,
        "needs": "卫生间渗水，已修复",
        "photos": photo_list,
        "created_at": started,
        "updated_at": started + timedelta(minutes=15),
        **fields,
    }
    png = signature_png(rng)
    blobs[sha256(png)] = png
    signature = Signature(
        strokes=[[(1.0, 2.0, 0), (40.0, 30.0, 120), (80.0, 10.0, 260)]],
        png_sha256=sha256(png),
        signed_at=values["ended_at"],
        content_hash=content_hash(VisitContent(**values)),
    )
    return MadeVisit(Visit(**values, signature=signature), blobs)
