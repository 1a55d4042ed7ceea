"""The server's check of an uploaded blob: a whole JPEG or PNG within the pixel limit.

Pillow opens the header (format, size, its decompression-bomb guard); the rest of the file is then
walked as a container instead of decoded. Decoding a JPEG, even at 1/8 scale, entropy-decodes every
byte: about 2.4 ms for a 250 KB photo, the largest server cost of an upload. Walking the markers
(JPEG) or the chunks with their CRCs (PNG) takes a few hundredths of that and still refuses what
the check exists for: text and other formats, a file cut short (no EOI / IEND), bytes overwritten
after the header, and a header promising more pixels than the limit. What it does not prove is
that every Huffman code decodes; the printable visit sheet draws a notice in place of a picture
that does not decode, rather than failing.
"""

from __future__ import annotations

import io
import re
import zlib

from PIL import Image, UnidentifiedImageError

from sync.media import MAX_UPLOAD_PIXELS, UPLOAD_TYPES, NotAnImageError

_JPEG_SOI = b"\xff\xd8"
_JPEG_EOI, _JPEG_SOS = 0xD9, 0xDA
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
"""In entropy-coded data a 0xFF is followed by a stuffed 0x00 or a restart marker; anything else
(after any 0xFF fill bytes) is the next segment's marker."""
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_image_bytes(data: bytes, max_pixels: int = MAX_UPLOAD_PIXELS) -> str:
    """The media type of a whole JPEG or PNG within ``max_pixels``, else ``NotAnImageError``.

    The pixel limit is tighter than Pillow's 89 MP: our photos are ≤ 1600 px and signatures
    ≤ 2000 px, and a 10 MB PNG of one colour would otherwise decode to 350 MB somewhere later.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
    except UnidentifiedImageError as exc:
        raise NotAnImageError("neither a JPEG nor a PNG") from exc
    except Exception as exc:  # bomb (DecompressionBombError), malformed header
        raise NotAnImageError(str(exc)) from exc
    with image:
        kind, width, height = image.format, image.width, image.height
    if kind not in UPLOAD_TYPES:
        raise NotAnImageError(f"format {kind}")
    if width * height > max_pixels:
        raise NotAnImageError(f"{width}x{height} exceeds the pixel limit")
    if kind == "PNG":
        require_whole_png(data)
    else:
        require_whole_jpeg(data)
    return UPLOAD_TYPES[kind]


def media_type_of(data: bytes) -> str:
    """The media type of bytes that already passed ``check_image_bytes``."""
    return UPLOAD_TYPES["PNG"] if data.startswith(_PNG_SIGNATURE) else UPLOAD_TYPES["JPEG"]


def require_whole_jpeg(data: bytes) -> None:
    """Every segment in bounds, a frame header before the first scan, and an EOI marker."""
    if not data.startswith(_JPEG_SOI):
        raise NotAnImageError("a JPEG starts with SOI")
    position, framed, scans = 2, False, 0
    while True:
        marker, position = _jpeg_marker_at(data, position)
        if marker == _JPEG_EOI:
            break
        if marker in _JPEG_STANDALONE:
            continue
        position = _jpeg_segment_end(data, position)
        framed = framed or marker in _JPEG_FRAMES
        if marker == _JPEG_SOS:
            if not framed:
                raise NotAnImageError("a JPEG scan before its frame header")
            scans += 1
            position = _jpeg_scan_end(data, position)
    if scans == 0:
        raise NotAnImageError("a JPEG with no image data")


def _jpeg_marker_at(data: bytes, position: int) -> tuple[int, int]:
    """The marker at ``position`` (after any 0xFF fill bytes) and where its segment starts."""
    start = position
    while position < len(data) and data[position] == 0xFF:
        position += 1
    if position >= len(data):
        raise NotAnImageError("the JPEG ends before its EOI marker (truncated)")
    if position == start or data[position] == 0x00:
        raise NotAnImageError(f"no JPEG marker at byte {position}")
    return data[position], position + 1


def _jpeg_segment_end(data: bytes, position: int) -> int:
    if position + 2 > len(data):
        raise NotAnImageError("the JPEG ends inside a segment header (truncated)")
    length = int.from_bytes(data[position : position + 2], "big")
    if length < 2 or position + length > len(data):
        raise NotAnImageError(f"a JPEG segment at byte {position} runs past the end (truncated)")
    return position + length


def _jpeg_scan_end(data: bytes, position: int) -> int:
    found = _JPEG_NEXT_MARKER.search(data, position)
    if found is None:
        raise NotAnImageError("the JPEG's image data has no end marker (truncated)")
    return found.start()


def require_whole_png(data: bytes) -> None:
    """IHDR first, every chunk in bounds with a matching CRC, image data, and IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        raise NotAnImageError("a PNG starts with its signature")
    view = memoryview(data)
    position, kinds = len(_PNG_SIGNATURE), list[bytes]()
    while not kinds or kinds[-1] != b"IEND":
        kind, position = _png_chunk_at(view, position)
        kinds.append(kind)
    if kinds[0] != b"IHDR" or b"IDAT" not in kinds:
        raise NotAnImageError("a PNG needs an IHDR chunk first and image data")


def _png_chunk_at(view: memoryview, position: int) -> tuple[bytes, int]:
    """The chunk type at ``position`` and where the next chunk starts; its CRC checked."""
    if position + 12 > len(view):
        raise NotAnImageError("the PNG ends before its IEND chunk (truncated)")
    length = int.from_bytes(view[position : position + 4], "big")
    end = position + 12 + length
    if end > len(view):
        raise NotAnImageError(f"a PNG chunk at byte {position} runs past the end (truncated)")
    expected = int.from_bytes(view[end - 4 : end], "big")
    if zlib.crc32(view[position + 4 : end - 4]) != expected:
        raise NotAnImageError(f"the PNG chunk at byte {position} fails its CRC")
    return bytes(view[position + 4 : position + 8]), end
