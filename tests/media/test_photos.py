"""Photos leave the phone small, upright and private (issue 4 item 1), made from real images."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from sync.media import MAX_SIDE, PhotoError, normalise_photo, sha256_hex
from tests.media import pictures

SHANGHAI = timezone(timedelta(hours=8))


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 150 and pixel[2] < 100


def test_photo_rotated_by_exif_comes_out_upright() -> None:
    upright = pictures.upright_scene((300, 400))
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor wrote it
    data = pictures.jpeg(stored_sideways, pictures.phone_exif(orientation=6))

    result = normalise_photo(data)

    image = _open(result.jpeg).convert("RGB")
    assert image.size == (300, 400)
    assert (result.photo.width, result.photo.height) == (300, 400)
    assert _is_red(image.getpixel((150, 20)))  # type: ignore[arg-type]
    assert not _is_red(image.getpixel((150, 380)))  # type: ignore[arg-type]


def test_gps_and_all_other_exif_are_gone_from_the_output() -> None:
    data = pictures.jpeg(pictures.upright_scene(), pictures.phone_exif())
    assert b"Exif\x00\x00" in data

    result = normalise_photo(data)

    image = _open(result.jpeg)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    assert b"Exif\x00\x00" not in result.jpeg
    assert b"Exif\x00\x00" not in result.thumbnail


def test_comments_and_xmp_that_may_name_people_or_places_are_gone() -> None:
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF exif:GPSLatitude="31,14.5N"/></x:xmpmeta>'
    comment = "业主王 31.2N 121.4E".encode()
    pictures.upright_scene().save(out, "JPEG", comment=comment, xmp=xmp)
    assert comment in out.getvalue() and b"GPSLatitude" in out.getvalue()

    result = normalise_photo(out.getvalue())

    for output in (result.jpeg, result.thumbnail):
        assert comment not in output and b"GPSLatitude" not in output
    assert "comment" not in _open(result.jpeg).info


def test_capture_time_is_kept_in_the_photo_record() -> None:
    data = pictures.jpeg(pictures.upright_scene(), pictures.phone_exif(offset="+08:00"))

    taken = normalise_photo(data).photo.taken_at

    assert taken == datetime(2026, 11, 20, 14, 5, 9, tzinfo=SHANGHAI)


def test_capture_time_without_offset_is_read_in_the_phones_zone() -> None:
    data = pictures.jpeg(pictures.upright_scene(), pictures.phone_exif(offset=None))

    taken = normalise_photo(data, local_tz=SHANGHAI).photo.taken_at

    assert taken == datetime(2026, 11, 20, 6, 5, 9, tzinfo=UTC)


def test_capture_time_from_a_wrong_camera_clock_is_dropped_not_refused() -> None:
    data = pictures.jpeg(pictures.upright_scene(), pictures.phone_exif(taken="2031:01:01 08:00:00"))
    now = datetime(2026, 11, 22, tzinfo=UTC)

    result = normalise_photo(data, now=now)

    assert result.photo.taken_at is None


def test_twelve_megapixel_photo_comes_out_at_most_1600_px_and_much_smaller() -> None:
    data = pictures.jpeg(pictures.detailed_photo((4000, 3000)), pictures.phone_exif())

    result = normalise_photo(data)

    image = _open(result.jpeg)
    assert image.size == (1600, 1200)
    assert max(result.photo.width, result.photo.height) <= MAX_SIDE
    assert result.photo.bytes == len(result.jpeg)
    assert len(result.jpeg) < len(data) / 5
    assert image.info.get("progressive") == 1
    assert max(_open(result.thumbnail).size) <= 320


def test_same_input_gives_the_same_hash_twice() -> None:
    data = pictures.jpeg(pictures.detailed_photo((1200, 900)), pictures.phone_exif())

    first, second = normalise_photo(data), normalise_photo(data)

    assert first.photo.sha256 == second.photo.sha256 == sha256_hex(first.jpeg)
    assert first.jpeg == second.jpeg


def test_small_photo_is_not_enlarged() -> None:
    result = normalise_photo(pictures.jpeg(pictures.upright_scene((640, 480))))

    assert (result.photo.width, result.photo.height) == (640, 480)


def test_heic_from_an_iphone_is_accepted() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    out = io.BytesIO()
    pillow_heif.from_pillow(pictures.upright_scene((240, 320))).save(out, quality=80)

    result = normalise_photo(out.getvalue())

    image = _open(result.jpeg)
    assert (image.format, image.size) == ("JPEG", (240, 320))
    assert _is_red(image.convert("RGB").getpixel((120, 10)))  # type: ignore[arg-type]


def test_transparent_png_becomes_a_jpeg_on_white() -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))

    result = normalise_photo(pictures.png(image))

    assert _open(result.jpeg).convert("RGB").getpixel((100, 50)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is a text file, not a photo\n" * 10, "photo_unreadable"),
        (pictures.jpeg(pictures.upright_scene((800, 600)))[:3000], "photo_unreadable"),
        (pictures.png_claiming_size(30_000, 30_000), "photo_too_large"),
        pytest.param(
            pictures.png_claiming_size(10_000, 10_000),
            "photo_too_large",
            marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
        ),
    ],
    ids=["text", "truncated", "bomb", "bomb-in-warning-range"],
)
def test_photo_that_cannot_be_used_gives_a_message_the_app_can_show(data: bytes, code: str) -> None:
    with pytest.raises(PhotoError) as caught:
        normalise_photo(data)

    assert caught.value.code == code
    assert caught.value.message_zh and caught.value.message_en


def test_gif_is_refused_as_unsupported() -> None:
    out = io.BytesIO()
    pictures.upright_scene().save(out, "GIF")

    with pytest.raises(PhotoError) as caught:
        normalise_photo(out.getvalue())

    assert caught.value.code == "photo_unsupported"
