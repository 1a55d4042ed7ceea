"""A visit on one page: text lines, photo thumbnails and the owner's signature in a PNG.

For the monthly workbook and a printable visit record (issue 4 item 4). Chinese labels need the
CJK font that ships in ``assets/fonts`` (DESIGN.md); without it Pillow's default font draws boxes
for CJK, but the sheet is still made.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from sync.media import MediaError, decode_fitted, open_photo
from sync.models import Method, Outcome, Visit, VisitKind

FONT_CANDIDATES = (
    Path(__file__).resolve().parent.parent / "assets" / "fonts" / "DroidSansFallbackFull.ttf",
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
SHEET_WIDTH = 1240
SHEET_MARGIN = 40
SHEET_GAP = 16
SHEET_COLUMNS = 3
FONT_SIZE = 28
SIGNATURE_BOX = (560, 220)
SIGNATURE_LABEL = "业主签名 Owner's signature"


CJK_START = 0x2E80  # CJK radicals onwards: ideographs, CJK punctuation, full-width forms
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def load_cjk_font(size: int) -> Font:
    """The CJK font of assets/ (DESIGN.md); Pillow's default font if it is missing (no CJK)."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _text_runs(text: str) -> list[tuple[bool, str]]:
    """Split into (is_cjk, run): Droid Sans Fallback has no Latin letters, digits or '·'."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        cjk = ord(char) >= CJK_START
        if runs and runs[-1][0] == cjk:
            runs[-1] = (cjk, runs[-1][1] + char)
        else:
            runs.append((cjk, char))
    return runs


def draw_mixed_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int
) -> None:
    """Chinese in the CJK font, the rest in Pillow's own font, on one baseline (``xy`` is its
    left end): one font alone would draw boxes for the other script."""
    x, y = xy
    for cjk, run in _text_runs(text):
        font = load_cjk_font(size) if cjk else ImageFont.load_default(size)
        draw.text((x, y), run, fill="black", font=font, anchor="ls")
        x += font.getlength(run)


UNREADABLE_LABEL = "图片无法显示 Unreadable picture"


def _open_for_sheet(data: bytes, box: tuple[int, int]) -> Image.Image:
    """The picture fitted to ``box``; a grey notice in its place when its bytes do not decode.

    The server's upload check reads a blob's structure, not every pixel, so a stored blob can
    still fail to decode here; the rest of the record is worth printing all the same.
    """
    try:
        return _decode_for_sheet(data, box)
    except (MediaError, OSError, SyntaxError, ValueError):
        notice = Image.new("RGBA", box, (235, 235, 235, 255))
        draw_mixed_text(ImageDraw.Draw(notice), (12, box[1] // 2), UNREADABLE_LABEL, FONT_SIZE)
        return notice


def _decode_for_sheet(data: bytes, box: tuple[int, int]) -> Image.Image:
    with open_photo(data) as image:
        fitted = decode_fitted(image, max(box))
        ImageOps.exif_transpose(fitted, in_place=True)
        fitted = fitted.convert("RGBA")
    fitted.thumbnail(box, Image.Resampling.LANCZOS)
    return fitted


Cell = tuple[int, int, int, int]


def _paste_centered(sheet: Image.Image, picture: Image.Image, cell: Cell) -> None:
    x = cell[0] + (cell[2] - picture.width) // 2
    y = cell[1] + (cell[3] - picture.height) // 2
    sheet.paste(picture, (x, y), picture)


def compose_visit_sheet(
    lines: Sequence[str], photos: Sequence[bytes], signature_png: bytes | None
) -> bytes:
    """One PNG with a visit's text lines, photo grid and signature, for the workbook and print.

    ``lines`` are ready-made labels (e.g. "户号 3-2-1201", "结果 满意"); ``photos`` are JPEG
    bytes (thumbnails are enough). An unreadable picture leaves a notice in its cell, never a gap.
    """
    line_height = FONT_SIZE + 12
    cell_w = (SHEET_WIDTH - 2 * SHEET_MARGIN - (SHEET_COLUMNS - 1) * SHEET_GAP) // SHEET_COLUMNS
    cell_h = cell_w * 3 // 4
    rows = math.ceil(len(photos) / SHEET_COLUMNS)
    photos_top = SHEET_MARGIN + len(lines) * line_height + SHEET_GAP
    signature_top = photos_top + rows * (cell_h + SHEET_GAP)
    height = signature_top + (line_height + SIGNATURE_BOX[1] if signature_png else 0) + SHEET_MARGIN
    sheet = Image.new("RGB", (SHEET_WIDTH, height), "white")
    draw = ImageDraw.Draw(sheet)
    for index, text in enumerate(lines):
        draw_mixed_text(
            draw, (SHEET_MARGIN, SHEET_MARGIN + (index + 0.8) * line_height), text, FONT_SIZE
        )
    for index, data in enumerate(photos):
        row, column = divmod(index, SHEET_COLUMNS)
        left = SHEET_MARGIN + column * (cell_w + SHEET_GAP)
        cell: Cell = (left, photos_top + row * (cell_h + SHEET_GAP), cell_w, cell_h)
        _paste_centered(sheet, _open_for_sheet(data, (cell_w, cell_h)), cell)
    if signature_png:
        draw_mixed_text(
            draw, (SHEET_MARGIN, signature_top + 0.8 * line_height), SIGNATURE_LABEL, FONT_SIZE
        )
        box: Cell = (SHEET_MARGIN, signature_top + line_height, *SIGNATURE_BOX)
        _paste_centered(sheet, _open_for_sheet(signature_png, SIGNATURE_BOX), box)
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    return out.getvalue()


# Same words as the app's zh-CN catalogue (mobile/i18n), which sync/ may not import.
KIND_LABELS = {
    VisitKind.COMPLAINT_FOLLOWUP: "投诉回访",
    VisitKind.REPAIR_FOLLOWUP: "维修回访",
    VisitKind.EVENT_FOLLOWUP: "社区活动回访",
    VisitKind.RELATIONSHIP: "客户关系拜访",
    VisitKind.MOVE_IN: "入住回访",
    VisitKind.HOLIDAY: "节日拜访",
    VisitKind.EMERGENCY_FOLLOWUP: "突发事件回访",
}
METHOD_LABELS = {Method.ON_SITE: "上门回访", Method.PHONE: "电话回访"}
OUTCOME_LABELS = {
    Outcome.SATISFIED: "满意",
    Outcome.UNSATISFIED: "不满意",
    Outcome.UNREACHABLE: "未联系上",
    Outcome.REFUSED: "业主拒绝",
}
COMMENT_WIDTH = 36
COMMENT_LINES = 4


def visit_sheet_lines(visit: Visit, household: str = "", staff: str = "") -> list[str]:
    """The sheet's text for a visit, times as the phone recorded them (its own UTC offset).

    ASCII punctuation only: the CJK font has no Latin glyphs and the fallback has no en dash.
    """
    when = f"{visit.started_at:%Y-%m-%d %H:%M}-{visit.ended_at:%H:%M}"
    score = f" ({visit.satisfaction}/5)" if visit.satisfaction else ""
    lines = [
        f"房号 {household or visit.household_id}  回访人 {staff or visit.staff_id}",
        f"{KIND_LABELS[visit.kind]} · {METHOD_LABELS[visit.method]} · {when}",
        f"结果 {OUTCOME_LABELS[visit.outcome]}{score}",
    ]
    comment = textwrap.wrap(f"业主意见 {visit.owner_comment}", COMMENT_WIDTH)
    return lines + comment[:COMMENT_LINES] if visit.owner_comment else lines


def sheet_for_visit(
    visit: Visit, read_blob: Callable[[str], bytes], household: str = "", staff: str = ""
) -> bytes:
    """The printable record of a stored visit; ``read_blob`` gives a blob's bytes by SHA-256
    (``BlobStore.read`` on the server, the store's media on the phone)."""
    photos = [read_blob(photo.sha256) for photo in visit.photos]
    signature = read_blob(visit.signature.png_sha256) if visit.signature else None
    return compose_visit_sheet(visit_sheet_lines(visit, household, staff), photos, signature)
