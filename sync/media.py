"""Pictures on both sides: photo normalising, the upload check, signature strokes -> PNG.

Phones take 12 MP photos of 3-6 MB, rotated by EXIF and carrying GPS (DESIGN.md "Photos and
signatures"). Here they become small, upright JPEGs with no metadata but the capture time, named by
the SHA-256 of their bytes. The server checks every upload with ``sync.upload_check`` before it
stores it. Pillow's decompression-bomb guard stays on everywhere; images over its pixel limit are
refused outright (the guard only *warns* between 1x and 2x the limit, so we check it ourselves).
HEIC/HEIF from iPhones is accepted through pillow-heif, registered on first use. The printable
visit sheet is in ``sync.visit_sheet``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from PIL import ExifTags, Image, ImageDraw, ImageOps, UnidentifiedImageError

from sync.canonical import content_hash, visit_wire
from sync.models import MAX_POINTS_PER_STROKE, MAX_STROKES, Photo, Point, Visit, VisitContent

MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 80
THUMB_QUALITY = 70
MAX_PHOTO_INPUT_BYTES = 50 * 1024 * 1024
PHOTO_FORMATS = frozenset({"JPEG", "MPO", "PNG", "HEIF", "WEBP"})
UPLOAD_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
EARLIEST_CAPTURE = datetime(2000, 1, 1, tzinfo=UTC)
CAPTURE_TOLERANCE = timedelta(minutes=10)
MAX_UPLOAD_PIXELS = min(24_000_000, Image.MAX_IMAGE_PIXELS or 24_000_000)

MESSAGES: dict[str, tuple[str, str]] = {
    "photo_unreadable": (
        "照片无法打开，请重新拍摄或选择",
        "The photo cannot be opened; take or pick it again",
    ),
    "photo_too_large": ("照片过大，无法处理", "The photo is too large to process"),
    "photo_unsupported": ("不支持此图片格式", "This picture format is not supported"),
    "not_an_image": (
        "文件不是有效的 JPEG 或 PNG 图片",
        "The file is not a valid JPEG or PNG image",
    ),
    "signature_empty": ("请业主签名", "Please ask the owner to sign"),
    "signature_too_small": ("签名太小，请重新签名", "The signature is too small; sign again"),
    "signature_too_simple": ("签名过于简单，请重新签名", "That is not a signature; sign again"),
    "signature_invalid": ("签名数据无效，请重新签名", "The signature data is invalid; sign again"),
}


class MediaError(ValueError):
    """A picture or signature we refuse; ``code`` keys a message the app can show in zh or en."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.message_zh, self.message_en = MESSAGES[code]
        self.detail = detail
        super().__init__(
            f"{self.message_zh} ({self.message_en})" + (f": {detail}" if detail else "")
        )


class PhotoError(MediaError):
    """A photo that cannot become a record photo: unreadable, too large or of an unknown kind."""


class SignatureError(MediaError):
    """Strokes that are not a plausible signature (empty pad, a dot, a single short line)."""


class NotAnImageError(MediaError):
    """Upload bytes that are not a whole JPEG/PNG within the pixel limit (HTTP 415)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("not_an_image", detail)


@dataclass(frozen=True)
class NormalisedPhoto:
    photo: Photo
    jpeg: bytes
    thumbnail: bytes


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- opening untrusted bytes -------------------------------------------------------------------


@functools.cache
def register_heif() -> bool:
    """Teach Pillow HEIC/HEIF once, on first need, so importing sync.media stays cheap."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
        return False
    register_heif_opener()
    return True


def _within_pixel_limit(image: Image.Image, limit: int | None) -> bool:
    return limit is None or image.width * image.height <= limit


def open_photo(data: bytes) -> Image.Image:
    """Open (header only) a picture from a phone, or raise PhotoError with a code to show."""
    if len(data) > MAX_PHOTO_INPUT_BYTES:
        raise PhotoError("photo_too_large", f"{len(data)} bytes")
    register_heif()
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise PhotoError("photo_too_large", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise PhotoError("photo_unreadable", "not a picture format we know") from exc
    except Exception as exc:  # any decoder failure on untrusted bytes is "cannot open"
        raise PhotoError("photo_unreadable", str(exc)) from exc
    image.decodermaxblock = max(image.decodermaxblock, len(data))  # one decoder call, in memory
    if image.format not in PHOTO_FORMATS:
        raise PhotoError("photo_unsupported", str(image.format))
    if not _within_pixel_limit(image, Image.MAX_IMAGE_PIXELS):
        raise PhotoError("photo_too_large", f"{image.width}x{image.height}")
    return image


# --- photos -----------------------------------------------------------------------------------


def fit_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size with the same aspect whose longest side is at most ``longest`` (never enlarged)."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_fitted(image: Image.Image, longest: int, mode: str = "RGB") -> Image.Image:
    """Decode at the smallest JPEG DCT scale that still covers the target, then resize to it.

    ``draft`` only scales when given the aspect-fitted size (1600x1200 for a 4000x3000 photo):
    it picks the scale at which *both* sides still cover the requested ones. ``mode`` "YCbCr"
    keeps a colour JPEG in its own colour space, saving a conversion on decode and on encode.
    The last step is under a 2x reduction: Hamming has bicubic's downscaling quality at
    bilinear's cost (Pillow's filter table).
    """
    target = fit_size(image.size, longest)
    box: tuple[float, float, float, float] | None = None
    drafted = image.draft(mode, target)
    if drafted is not None:
        box = drafted[1]
    try:
        image.load()
    except Exception as exc:  # truncated file, corrupt data, decoder failure
        raise PhotoError("photo_unreadable", str(exc)) from exc
    if image.size == target and box is None:
        return image.copy()  # the caller closes the source, which would void its pixels
    return image.resize(target, Image.Resampling.HAMMING, box=box)


def _to_jpeg_mode(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: transparent parts of a PNG become white instead of black."""
    if image.mode in ("RGB", "L", "YCbCr"):
        return image
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode_jpeg(
    image: Image.Image, quality: int, icc_profile: bytes | None, progressive: bool = True
) -> bytes:
    out = io.BytesIO()
    extra: dict[str, Any] = {"icc_profile": icc_profile} if icc_profile else {}
    image.save(out, "JPEG", quality=quality, progressive=progressive, optimize=True, **extra)
    return out.getvalue()


def _make_thumbnail(image: Image.Image, icc_profile: bytes | None) -> bytes:
    """A list-sized JPEG: box-reduced to near size first (cheap), baseline (it is tiny)."""
    thumb = image.reduce(max(1, max(image.size) // THUMB_SIDE))
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.HAMMING)
    return _encode_jpeg(thumb, THUMB_QUALITY, icc_profile, progressive=False)


def normalise_photo(
    data: bytes, *, now: datetime | None = None, local_tz: tzinfo | None = None
) -> NormalisedPhoto:
    """A phone photo as the record keeps it: upright, ≤ 1600 px, JPEG q80, no EXIF, by SHA-256.

    ``local_tz`` reads a capture time that has no EXIF offset (default: this device's zone).
    """
    with open_photo(data) as source:
        exif = source.getexif()
        icc = source.info.get("icc_profile")
        image = decode_fitted(source, MAX_SIDE, mode="YCbCr")
        ImageOps.exif_transpose(image, in_place=True)
        image = _to_jpeg_mode(image)
    image.info = {}  # Pillow would copy a JPEG comment (COM) from here into the output
    jpeg = _encode_jpeg(image, JPEG_QUALITY, icc)
    photo = Photo(
        sha256=sha256_hex(jpeg),
        width=image.width,
        height=image.height,
        bytes=len(jpeg),
        taken_at=read_capture_time(exif, now or datetime.now(UTC), local_tz),
    )
    return NormalisedPhoto(photo, jpeg, _make_thumbnail(image, icc))


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ") if value is not None else ""


def _parse_offset(text: str) -> tzinfo | None:
    try:
        return datetime.strptime(text, "%z").tzinfo
    except ValueError:
        return None


def read_capture_time(exif: Image.Exif, now: datetime, local_tz: tzinfo | None) -> datetime | None:
    """DateTimeOriginal (with OffsetTimeOriginal when present); None if absent or implausible.

    A camera clock that is years off or in the future would make the server refuse the whole
    visit (taken_at may not be in the future), so such a time is dropped rather than kept.
    """
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    raw = _exif_text(sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime))
    try:
        naive = datetime.strptime(raw, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _parse_offset(_exif_text(sub.get(ExifTags.Base.OffsetTimeOriginal)))
    taken = naive.replace(tzinfo=zone or local_tz) if zone or local_tz else naive.astimezone()
    if not EARLIEST_CAPTURE <= taken <= now + CAPTURE_TOLERANCE:
        return None
    return taken


# --- signatures -------------------------------------------------------------------------------

RENDER_SCALE = 2
SUPERSAMPLE = 4
INK_WIDTH = 2.5
INK_RGB = (20, 28, 64)
MAX_SIGNATURE_SIDE = 2000
MAX_PAD_COORD = 10_000.0
MIN_EXTENT = 40.0
MIN_INK_LENGTH = 100.0
STRAIGHTNESS = 0.9


@dataclass(frozen=True)
class SignedVisit:
    visit: Visit
    png: bytes


def _clean_point(point: Sequence[float]) -> Point:
    if len(point) != 3:
        raise SignatureError("signature_invalid", "a point is [x, y, t_ms]")
    x, y, t = (float(v) for v in point)
    if not all(math.isfinite(v) and abs(v) <= MAX_PAD_COORD for v in (x, y)):
        raise SignatureError("signature_invalid", "point outside the pad")
    if not math.isfinite(t) or t < 0:
        raise SignatureError("signature_invalid", "bad point time")
    return round(x, 1), round(y, 1), int(t)


def _path_length(stroke: Sequence[Point]) -> float:
    return sum(math.dist(a[:2], b[:2]) for a, b in itertools.pairwise(stroke))


def check_signature_strokes(strokes: Sequence[Sequence[Sequence[float]]]) -> list[list[Point]]:
    """Refuse what is not a signature, return the strokes cleaned (rounded to 0.1 pad px).

    An empty pad, a dot (everything inside a 40 px box), a single straight line, or less than
    100 px of ink in all are refused: R1 wants the owner's signature, not a tap.
    """
    clean = [[_clean_point(p) for p in stroke] for stroke in strokes if stroke]
    if not clean:
        raise SignatureError("signature_empty")
    if len(clean) > MAX_STROKES or any(len(s) > MAX_POINTS_PER_STROKE for s in clean):
        raise SignatureError("signature_invalid", "too many strokes or points")
    xs = [p[0] for s in clean for p in s]
    ys = [p[1] for s in clean for p in s]
    if max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_EXTENT:
        raise SignatureError("signature_too_small")
    ink = sum(_path_length(s) for s in clean)
    if ink < MIN_INK_LENGTH:
        raise SignatureError("signature_too_simple", f"{ink:.0f} px of ink")
    if len(clean) == 1 and math.dist(clean[0][0][:2], clean[0][-1][:2]) >= STRAIGHTNESS * ink:
        raise SignatureError("signature_too_simple", "a single straight line")
    return clean


def render_signature_png(strokes: Sequence[Sequence[Point]]) -> bytes:
    """Ink on transparency, cropped to the strokes, 2x pad resolution, anti-aliased.

    Drawn 4x larger with round joins and caps, then box-reduced: Pillow's lines are not
    anti-aliased themselves. Same strokes give the same bytes, hence the same ``png_sha256``.
    """
    points = [p for s in strokes for p in s]
    left, top = min(p[0] for p in points), min(p[1] for p in points)
    margin = INK_WIDTH * 2
    width = max(p[0] for p in points) - left + 2 * margin
    height = max(p[1] for p in points) - top + 2 * margin
    scale = min(RENDER_SCALE, MAX_SIGNATURE_SIDE / max(width, height))
    out_size = (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
    factor = scale * SUPERSAMPLE
    mask = Image.new("L", (out_size[0] * SUPERSAMPLE, out_size[1] * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(mask)
    pen = max(1, round(INK_WIDTH * factor))
    for stroke in strokes:
        xy = [((p[0] - left + margin) * factor, (p[1] - top + margin) * factor) for p in stroke]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=pen, joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    png = Image.new("RGBA", out_size, (*INK_RGB, 0))
    png.putalpha(mask.reduce(SUPERSAMPLE))
    out = io.BytesIO()
    png.save(out, "PNG")
    return out.getvalue()


def sign_visit(
    record: VisitContent | Mapping[str, Any],
    strokes: Sequence[Sequence[Sequence[float]]],
    signed_at: datetime,
) -> SignedVisit:
    """Complete an on-site record with the owner's signature bound to its content (R1).

    ``record`` is the visit without its signature (a VisitContent or its wire dict). Raises
    SignatureError for implausible strokes, pydantic's ValidationError for a bad record.
    """
    clean = check_signature_strokes(strokes)
    png = render_signature_png(clean)
    data = dict(visit_wire(record) if isinstance(record, VisitContent) else record)
    data.pop("signature", None)
    signature = {
        "strokes": clean,
        "png_sha256": sha256_hex(png),
        "signed_at": signed_at,
        "content_hash": content_hash(VisitContent.model_validate(data)),
    }
    return SignedVisit(Visit.model_validate({**data, "signature": signature}), png)
