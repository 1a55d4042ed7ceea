"""Real pictures made in the tests: scenes with known colours, EXIF tags, and broken files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageChops, ImageDraw

RED = (220, 20, 20)
BLUE = (20, 40, 220)
ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def upright_scene(size: tuple[int, int] = (300, 400)) -> Image.Image:
    """Red on top, blue at the bottom: which way is up is visible in the pixels."""
    image = Image.new("RGB", size, BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, size[0], size[1] // 3), fill=RED)
    return image


def detailed_photo(size: tuple[int, int] = (4000, 3000)) -> Image.Image:
    """Gradients, shapes and sensor-like noise, so the JPEG is as large as a phone's."""
    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (red, green, red.transpose(Image.Transpose.ROTATE_180)))
    draw = ImageDraw.Draw(image)
    for n in range(30):
        x, y = (n * 379) % width, (n * 211) % height
        draw.ellipse((x, y, x + 400, y + 300), fill=((n * 47) % 256, (n * 91) % 256, 128))
    noise = Image.effect_noise(size, 10).convert("RGB")
    return ImageChops.add(image, noise, scale=1.0, offset=-128)


def phone_exif(
    orientation: int = 1, taken: str | None = "2026:11:20 14:05:09", offset: str | None = "+08:00"
) -> Image.Exif:
    """EXIF as a phone writes it: orientation, capture time and GPS position."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    if taken:
        exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = taken
    if offset:
        exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = offset
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 1.0)})
    return exif


def jpeg(image: Image.Image, exif: Image.Exif | None = None, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif if exif is not None else b"")
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A few hundred bytes whose header declares a huge image: the classic decompression bomb.

    The IDAT holds a little deflate data of zero rows; a decoder that trusted the header would
    allocate width x height pixels before noticing anything.
    """
    return png_with_image_data(width, height, zlib.compress(b"\x00" * (width + 1) * 4, 9))


def png_with_image_data(width: int, height: int, image_data: bytes) -> bytes:
    """A greyscale PNG with the given IDAT bytes, every chunk's CRC correct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", image_data)
        + chunk(b"IEND", b"")
    )


def solid_png(width: int, height: int) -> bytes:
    """A real, whole PNG of one colour: tiny on disk, large in memory."""
    return png(Image.new("L", (width, height), 255))
