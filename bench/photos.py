"""Photo pipeline benchmark: ours (draft-mode decode) against a naive full decode, same run.

Makes realistic 12 MP phone JPEGs (4000x3000, gradients, shapes, sensor noise, EXIF orientation
and GPS, quality 92), then times, photo by photo and alternating so both see the same machine
state, a naive pipeline (full decode, exif_transpose, resize to ≤ 1600 px, save q80) and
``sync.media.normalise_photo``. Prints speedup (naive time / ours), size_ratio (our output bytes
/ input bytes) and our milliseconds per photo. Targets: speedup ≥ 2.0, size_ratio ≤ 0.10.

    .venv/bin/python bench/photos.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync.media import JPEG_QUALITY, MAX_SIDE, fit_size, normalise_photo

PHOTO_SIZE = (4000, 3000)
INPUT_QUALITY = 92


def make_phone_photo(seed: int) -> bytes:
    """A 12 MP JPEG with the detail and noise of a real photo (so its size is realistic)."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = red.rotate(90 + seed * 30).resize((width, height))
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(40, 900), rng.randrange(40, 700)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour, outline=(0, 0, 0), width=rng.randrange(1, 6))
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.line((x, y, x + rng.randrange(-300, 300), y + rng.randrange(-300, 300)), width=2)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 9) for _ in range(3)])
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)
    return _save_with_exif(image, seed)


def _save_with_exif(image: Image.Image, seed: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6 if seed % 2 else 1  # half of them rotated, as phones do
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 14:05:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=INPUT_QUALITY, exif=exif)
    return out.getvalue()


def naive_pipeline(data: bytes, resample: Image.Resampling = Image.Resampling.BICUBIC) -> bytes:
    """What one writes first: decode everything, rotate, resize (Pillow's default filter), save.

    The output settings are ours (q80, progressive), so the ratio measures the pipeline.
    """
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
    image = image.resize(fit_size(image.size, MAX_SIDE), resample)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return out.getvalue()


def naive_same_filter(data: bytes) -> bytes:
    """The naive pipeline with our Hamming filter: shows what draft decoding alone buys."""
    return naive_pipeline(data, Image.Resampling.HAMMING)


def _ours(data: bytes) -> bytes:
    return normalise_photo(data).jpeg


PIPELINES: dict[str, Callable[[bytes], bytes]] = {
    "naive": naive_pipeline,
    "naive_hamming": naive_same_filter,
    "ours": _ours,
}


def _time_all(inputs: list[bytes], rounds: int) -> tuple[dict[str, list[float]], int]:
    """Each photo through every pipeline in turn, ``rounds`` times; per pipeline and photo the
    best round is kept (other processes only ever add time), so a busy machine slows both alike
    and the ratio stays true. Returns those best times and our output bytes (one round)."""
    best: dict[str, list[float]] = {name: [math.inf] * len(inputs) for name in PIPELINES}
    our_bytes = 0
    for round_number in range(rounds):
        for index, data in enumerate(inputs):
            for name, pipeline in PIPELINES.items():
                start = time.perf_counter()
                output = pipeline(data)
                best[name][index] = min(best[name][index], time.perf_counter() - start)
                if name == "ours" and round_number == 0:
                    our_bytes += len(output)
    return best, our_bytes


def run(photo_count: int, rounds: int) -> None:
    print(f"making {photo_count} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} at q{INPUT_QUALITY}")
    inputs = [make_phone_photo(seed) for seed in range(photo_count)]
    print(f"input sizes MB: {[round(len(d) / 1e6, 2) for d in inputs]}")
    best, our_bytes = _time_all(inputs, rounds)
    ms = {name: statistics.mean(values) * 1e3 for name, values in best.items()}
    print(f"ms/photo (best of {rounds} rounds, mean over photos): ", end="")
    print(", ".join(f"{name} {value:.0f}" for name, value in ms.items()))
    same_filter = ms["naive_hamming"] / ms["ours"]
    print(f"speedup against the naive pipeline with our filter: {same_filter:.2f}")
    size_ratio = our_bytes / sum(len(d) for d in inputs)
    speedup = ms["naive"] / ms["ours"]
    print(
        f"photos: speedup={speedup:.2f} size_ratio={size_ratio:.3f} ms_per_photo={ms['ours']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 photos, 3 rounds")
    args = parser.parse_args()
    run(3, 3) if args.quick else run(8, 5)


if __name__ == "__main__":
    main()
