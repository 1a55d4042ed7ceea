"""The server's check of upload bytes (issue 4 item 3): whole JPEG or PNG within the pixel limit."""

from __future__ import annotations

import io

import pytest

from sync.media import MAX_UPLOAD_PIXELS, NotAnImageError, normalise_photo
from sync.upload_check import check_image_bytes
from tests.media import pictures


def test_a_normalised_photo_passes_as_jpeg() -> None:
    photo = normalise_photo(pictures.jpeg(pictures.upright_scene()))

    assert check_image_bytes(photo.jpeg) == "image/jpeg"


def test_a_signature_png_passes_as_png() -> None:
    assert check_image_bytes(pictures.png(pictures.upright_scene())) == "image/png"


def _webp() -> bytes:
    out = io.BytesIO()
    pictures.upright_scene().save(out, "WEBP")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some text that a client sent as an image\n",
        pictures.jpeg(pictures.detailed_photo((800, 600)))[:20_000],
        pictures.png(pictures.detailed_photo((400, 300)))[:30_000],
        _webp(),
        pictures.png_claiming_size(30_000, 30_000),
        pytest.param(
            pictures.png_claiming_size(10_000, 10_000),
            marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
        ),
    ],
    ids=["empty", "text", "truncated-jpeg", "truncated-png", "webp", "bomb", "bomb-warning-range"],
)
def test_bytes_that_are_not_a_whole_jpeg_or_png_are_refused(data: bytes) -> None:
    with pytest.raises(NotAnImageError) as caught:
        check_image_bytes(data)

    assert caught.value.code == "not_an_image"


def test_a_real_png_over_the_upload_pixel_limit_is_refused_before_decoding() -> None:
    side = int(MAX_UPLOAD_PIXELS**0.5) + 10
    data = pictures.solid_png(side, side)
    assert len(data) < 1_000_000  # small on the wire, huge in memory

    with pytest.raises(NotAnImageError):
        check_image_bytes(data)


def test_a_jpeg_with_garbage_after_its_header_is_refused() -> None:
    data = bytearray(pictures.jpeg(pictures.detailed_photo((400, 300))))
    data[600:] = b"\x00" * (len(data) - 600)

    with pytest.raises(NotAnImageError):
        check_image_bytes(bytes(data))


def test_a_jpeg_cut_just_before_its_end_marker_is_refused() -> None:
    data = normalise_photo(pictures.jpeg(pictures.upright_scene())).jpeg
    assert data.endswith(b"\xff\xd9")

    with pytest.raises(NotAnImageError, match="truncated"):
        check_image_bytes(data[:-2])


def test_a_png_with_one_byte_changed_in_its_image_data_is_refused() -> None:
    data = bytearray(pictures.png(pictures.detailed_photo((400, 300))))
    idat = data.index(b"IDAT")
    data[idat + 100] ^= 0x01

    with pytest.raises(NotAnImageError, match="CRC"):
        check_image_bytes(bytes(data))
