"""A visit on one printable page (issue 4 item 4): text, photo thumbnails and the signature."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image, ImageChops, ImageDraw, ImageFont

from sync.media import (
    check_signature_strokes,
    normalise_photo,
    render_signature_png,
    sha256_hex,
    sign_visit,
)
from sync.upload_check import check_image_bytes
from sync.visit_sheet import (
    FONT_CANDIDATES,
    SHEET_MARGIN,
    compose_visit_sheet,
    draw_mixed_text,
    load_cjk_font,
    sheet_for_visit,
    visit_sheet_lines,
)
from tests.media import pictures
from tests.media.test_signatures import _record, owner_signature

LINES = ["户号 3栋2单元1201  业主 王业主", "维修回访 · 上门 · 2026-11-20 14:05", "结果 满意 (5/5)"]


def _thumbnails(count: int) -> list[bytes]:
    scenes = [pictures.upright_scene((300 + n * 10, 400)) for n in range(count)]
    return [normalise_photo(pictures.jpeg(scene)).thumbnail for scene in scenes]


def test_sheet_holds_lines_photos_and_signature_in_one_png() -> None:
    signature = render_signature_png(check_signature_strokes(owner_signature()))

    sheet = Image.open(io.BytesIO(compose_visit_sheet(LINES, _thumbnails(4), signature)))

    assert sheet.format == "PNG"
    without = Image.open(io.BytesIO(compose_visit_sheet(LINES, [], None)))
    assert sheet.width == without.width and sheet.height > without.height + 400
    red, _, blue = sheet.convert("RGB").split()
    reddish = ImageChops.multiply(
        red.point(lambda v: 255 * (v > 150)), blue.point(lambda v: 255 * (v < 100))
    )
    assert reddish.getbbox() is not None  # the photos' red is there


def test_more_photos_make_a_longer_sheet() -> None:
    two = Image.open(io.BytesIO(compose_visit_sheet(LINES, _thumbnails(2), None)))
    five = Image.open(io.BytesIO(compose_visit_sheet(LINES, _thumbnails(5), None)))

    assert five.height > two.height


def _glyph(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> Image.Image:
    image = Image.new("L", (60, 60), 0)
    ImageDraw.Draw(image).text((5, 5), text, fill=255, font=font)
    return image


def test_chinese_labels_draw_real_glyphs_not_boxes() -> None:
    if not any(path.is_file() for path in FONT_CANDIDATES):
        import pytest

        pytest.skip("no CJK font in assets/fonts nor fonts-droid-fallback installed")
    font = load_cjk_font(40)

    hui, fang = _glyph(font, "回"), _glyph(font, "访")

    assert ImageChops.difference(hui, fang).getbbox() is not None  # missing glyphs look alike


def test_signature_keeps_its_transparency_on_the_sheet() -> None:
    signature = render_signature_png(check_signature_strokes(owner_signature()))

    sheet = Image.open(io.BytesIO(compose_visit_sheet([], [], signature))).convert("L")

    dark = sum(sheet.histogram()[:100])
    assert 0 < dark < sheet.width * sheet.height * 0.05  # ink lines, not a filled box


def test_digits_and_latin_letters_are_drawn_beside_chinese() -> None:
    def drawn(text: str) -> Image.Image:
        image = Image.new("L", (300, 60), 255)
        draw_mixed_text(ImageDraw.Draw(image), (5, 45), text, 32)
        return image

    assert ImageChops.difference(drawn("户号12"), drawn("户号34")).getbbox() is not None
    assert ImageChops.difference(drawn("AB"), drawn("CD")).getbbox() is not None


def test_a_signed_visit_prints_with_its_own_photos_and_signature() -> None:
    photos = [normalise_photo(pictures.jpeg(pictures.upright_scene())) for _ in range(2)]
    record = {**_record(), "photos": [p.photo.model_dump(mode="json") for p in photos]}
    signed = sign_visit(record, owner_signature(), datetime.now(UTC))
    blobs = {p.photo.sha256: p.jpeg for p in photos} | {sha256_hex(signed.png): signed.png}

    lines = visit_sheet_lines(signed.visit, household="3栋2单元1201", staff="李华")
    sheet = Image.open(io.BytesIO(sheet_for_visit(signed.visit, blobs.__getitem__)))

    assert lines[:3] == [
        "房号 3栋2单元1201  回访人 李华",
        f"维修回访 · 上门回访 · {signed.visit.started_at:%Y-%m-%d %H:%M}"
        f"-{signed.visit.ended_at:%H:%M}",
        "结果 满意 (5/5)",
    ]
    assert lines[3] == "业主意见 维修及时，满意"
    assert sheet.height > Image.open(io.BytesIO(compose_visit_sheet(lines, [], None))).height


def test_a_stored_picture_that_does_not_decode_prints_as_a_notice_not_an_error() -> None:
    broken = pictures.png_with_image_data(64, 48, b"not deflate data at all")
    assert check_image_bytes(broken) == "image/png"  # whole by structure, so the server keeps it

    sheet = Image.open(io.BytesIO(compose_visit_sheet(LINES, [broken], None))).convert("RGB")

    cell = sheet.crop((SHEET_MARGIN, sheet.height - 300, SHEET_MARGIN + 300, sheet.height - 60))
    assert (235, 235, 235) in {colour for _, colour in cell.getcolors(1 << 16) or []}
