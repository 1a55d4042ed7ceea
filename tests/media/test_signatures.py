"""Signatures (issue 4 item 2): a scribble is refused, a real one renders to a crisp transparent
PNG whose hash and the record's content hash are bound into the signed visit."""

from __future__ import annotations

import io
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from sync.canonical import content_hash, content_hash_matches
from sync.media import (
    SignatureError,
    check_signature_strokes,
    render_signature_png,
    sha256_hex,
    sign_visit,
)
from sync.models import Visit

Stroke = list[tuple[float, float, int]]


def _wave(x0: float, y0: float, length: float, t0: int = 0) -> Stroke:
    """A handwritten-looking stroke: a sine wave across ``length`` pad pixels."""
    return [(x0 + i * length / 40, y0 + 15 * math.sin(i / 4), t0 + i * 12) for i in range(41)]


def owner_signature() -> list[Stroke]:
    """王 and a flourish: three short strokes and a long wavy one, like a real pad gives."""
    return [
        [(40.0, 30.0, 0), (90.0, 30.0, 80)],
        [(65.0, 30.0, 200), (65.0, 90.0, 290)],
        [(35.0, 90.0, 400), (95.0, 90.0, 500)],
        _wave(110, 60, 160, 700),
    ]


def _record() -> dict[str, Any]:
    started = datetime.now(UTC) - timedelta(hours=1)
    return {
        "id": str(uuid.uuid4()),
        "staff_id": "s-li",
        "household_id": "h-3-2-1201",
        "kind": "repair_followup",
        "method": "on_site",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=15)).isoformat(),
        "outcome": "satisfied",
        "satisfaction": 5,
        "owner_comment": "维修及时，满意",
        "created_at": started.isoformat(),
        "updated_at": started.isoformat(),
    }


@pytest.mark.parametrize(
    ("strokes", "code"),
    [
        ([], "signature_empty"),
        ([[]], "signature_empty"),
        ([[(100.0, 100.0, 0)]], "signature_too_small"),
        ([[(100.0, 100.0, 0), (103.0, 101.0, 30), (101.0, 104.0, 60)]], "signature_too_small"),
        ([[(100.0, 100.0, 0), (160.0, 100.0, 120)]], "signature_too_simple"),
        ([[(20.0, 100.0, 0), (180.0, 102.0, 90), (320.0, 104.0, 200)]], "signature_too_simple"),
        ([[(math.nan, 1.0, 0), (50.0, 60.0, 10)]], "signature_invalid"),
        ([[(1.0, 2.0)]], "signature_invalid"),
    ],
    ids=[
        "no-strokes",
        "empty-stroke",
        "dot",
        "tiny-scribble",
        "short-line",
        "long-straight-line",
        "nan",
        "point-without-time",
    ],
)
def test_what_is_not_a_signature_is_refused_with_a_code(strokes: Any, code: str) -> None:
    with pytest.raises(SignatureError) as caught:
        check_signature_strokes(strokes)

    assert caught.value.code == code
    assert caught.value.message_zh


def test_a_real_signature_is_accepted_and_rounded_to_tenths() -> None:
    strokes = [[(10.123, 20.987, 0), *_wave(10, 20, 200)[1:]]]

    clean = check_signature_strokes(strokes)

    assert clean[0][0] == (10.1, 21.0, 0)


def test_rendered_signature_is_a_cropped_transparent_antialiased_png_at_twice_the_pad() -> None:
    strokes = check_signature_strokes(owner_signature())

    image = Image.open(io.BytesIO(render_signature_png(strokes)))

    xs = [p[0] for s in strokes for p in s]
    ys = [p[1] for s in strokes for p in s]
    assert image.format == "PNG" and image.mode == "RGBA"
    assert abs(image.width - 2 * (max(xs) - min(xs))) <= 24  # cropped: ink plus a small margin
    assert abs(image.height - 2 * (max(ys) - min(ys))) <= 24
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0
    histogram = alpha.histogram()
    assert histogram[255] > 0
    assert sum(1 for count in histogram[1:255] if count) >= 10  # smooth edges, not jagged


def test_same_strokes_render_the_same_bytes() -> None:
    strokes = check_signature_strokes(owner_signature())

    assert render_signature_png(strokes) == render_signature_png(strokes)


def test_signing_binds_the_png_and_the_record_content() -> None:
    signed_at = datetime.now(UTC) - timedelta(minutes=30)

    signed = sign_visit(_record(), owner_signature(), signed_at)

    signature = signed.visit.signature
    assert signature is not None
    assert signature.png_sha256 == sha256_hex(signed.png)
    assert signature.content_hash == content_hash(signed.visit)
    assert content_hash_matches(signed.visit)
    assert signature.signed_at == signed_at


def test_a_record_changed_after_signing_no_longer_matches_its_signature() -> None:
    signed = sign_visit(_record(), owner_signature(), datetime.now(UTC))
    wire = signed.visit.model_dump(mode="json", exclude_unset=True)

    tampered = Visit.model_validate(
        {**wire, "satisfaction": 1, "outcome": "unsatisfied", "revisit": {"needed": True}}
    )

    assert not content_hash_matches(tampered)


def test_a_scribble_cannot_complete_a_visit() -> None:
    with pytest.raises(SignatureError):
        sign_visit(_record(), [[(5.0, 5.0, 0)]], datetime.now(UTC))
