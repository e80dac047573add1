"""`srcodec enhance`: run a learned restoration tool on an existing JPEG, WebP or AVIF file.

The tools are conditioned on how the image was coded, so the file's quality is needed:
JPEG carries it in its quantisation tables (matched against libjpeg's scaled standard
tables, as the IJG encoders used by Pillow and most software write them); WebP and AVIF do
not, so it is estimated by re-encoding the decoded pixels at candidate qualities (same chroma
layout) and taking the one whose file size matches the input's (a bisection on size). The
chroma layout is read from the file itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from srcodec.errors import FileError, UsageError

if TYPE_CHECKING:
    import os
    from collections.abc import Callable


def _never(data: bytes) -> bool:
    return False


@dataclass(frozen=True)
class SourceFormat:
    """What enhance needs to know about one input format."""

    label: str  # the format's name in messages
    base: str  # the base codec whose decodes the tools were trained on
    tool: str  # the default tool: the better one on held-out images (docs/restore.md)
    article: str  # "a"/"an" before the format's name in the provenance sentence
    layout_knob: bool  # the size match re-encodes with the file's chroma layout (knob)
    lossless: Callable[[bytes], bool] = _never  # a lossless file: nothing to restore


def _webp_lossless(data: bytes) -> bool:
    return data[12:16] == b"VP8L"


FORMATS = {
    "JPEG": SourceFormat("JPEG", "jpeg", "cnn", "a", layout_knob=False),
    "WEBP": SourceFormat(
        "WebP", "webp", "restore", "a", layout_knob=False, lossless=_webp_lossless
    ),
    "AVIF": SourceFormat("AVIF", "avif", "restore", "an", layout_knob=True),
}
_IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip


@dataclass
class Enhanced:
    image: Image.Image
    base: str
    quality: int
    quality_source: str  # "quantisation tables" or "size match"
    subsampled: bool
    tool: str
    provenance: str


def jpeg_quality(table: list[int]) -> int:
    """The IJG quality whose scaled standard luminance table is closest to `table`."""

    def scaled(q: int) -> np.ndarray:
        scale = 5000 / q if q < 50 else 200 - 2 * q
        return np.clip((np.array(_IJG_LUMA) * scale + 50) // 100, 1, 255)

    got = np.array(table[:64], np.float64)
    return min(range(1, 101), key=lambda q: float(np.abs(scaled(q) - got).sum()))


def _size_matched_quality(rgb: np.ndarray, fmt: SourceFormat, subsampled: bool, size: int) -> int:
    from srcodec.base import BASE_CODECS

    codec = BASE_CODECS.entry(fmt.base).get()
    options = {"subsampling": "4:2:0" if subsampled else "4:4:4"} if fmt.layout_knob else {}
    # AVIF at speed 6, Pillow's default (faster speeds change the size for a given quality)
    lo, hi = 0, 100
    while lo < hi:  # the smallest quality whose re-encode is at least as large
        mid = (lo + hi) // 2
        if len(codec.encode(rgb, mid, options)) >= size:
            hi = mid
        else:
            lo = mid + 1
    return lo


def luma_table(img: Image.Image) -> list[int]:
    """The quantisation table of a JPEG's first (luma) component: the table id its SOF
    names (Pillow's `layer`), else the lowest id present; the ids need not start at 0."""
    tables = img.quantization  # type: ignore[attr-defined]
    layers = getattr(img, "layer", None) or []
    wanted = layers[0][3] if layers and len(layers[0]) > 3 else None
    return list(tables[wanted] if wanted in tables else tables[min(tables)])


def _open(data: bytes, name: str) -> Image.Image:
    """The input decoded by Pillow; any failure on this untrusted file is one sentence
    naming `name`, never Pillow's message (it carries a Python repr of the buffer)."""
    from srcodec.format.container import MAGIC

    if data[: len(MAGIC)] == MAGIC:
        msg = f"{name} is an .srz stream; decode it with `srcodec decode`, not enhance"
        raise FileError(msg)
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except UnidentifiedImageError:
        msg = f"{name} does not decode as an image: not a format Pillow can read"
        raise FileError(msg) from None
    except Exception as exc:  # any Pillow failure on untrusted input
        msg = f"{name} does not decode as an image: {type(exc).__name__}"
        raise FileError(msg) from None
    return img


def enhance(
    data: bytes, tool: str = "auto", device: str = "auto", *, name: str = "input"
) -> Enhanced:
    """Restore the JPEG, WebP or AVIF file `data` (`name`: what messages call it)."""
    from srcodec import arguments, pipeline
    from srcodec.pipeline import Choice, Coded
    from srcodec.upscale import UPSCALERS

    if not isinstance(data, bytes | bytearray):
        msg = f"data must be the file's bytes, not {type(data).__name__}"
        raise UsageError(msg)
    arguments.check_choice("tool", tool, ("auto", *UPSCALERS.names()))
    arguments.check_device(device)
    img = _open(bytes(data), name)
    fmt = FORMATS.get(img.format or "")
    if fmt is None:
        msg = f"enhance takes JPEG, WebP or AVIF files, not {img.format}"
        raise FileError(msg)
    base = fmt.base
    if fmt.lossless(data):
        msg = f"this {fmt.label} file is lossless: there is nothing to restore"
        raise FileError(msg)
    icc, exif = img.info.get("icc_profile"), img.info.get("exif")
    alpha = np.asarray(img.getchannel("A")) if img.mode in ("RGBA", "LA") else None
    gray = img.mode in ("L", "LA")
    rgb = np.asarray(img.convert("L" if gray else "RGB"))
    pixels = rgb[..., None] if gray else rgb
    from srcodec.base import BASE_CODECS

    subsampled = BASE_CODECS.entry(base).get().subsampled(data)
    if getattr(img, "quantization", None):  # JPEG's quantisation tables
        quality, source = jpeg_quality(luma_table(img)), "quantisation tables"
    else:
        quality = _size_matched_quality(np.asarray(img.convert("RGB")), fmt, subsampled, len(data))
        source = "size match"
    name = fmt.tool if tool == "auto" else tool
    impl = UPSCALERS.entry(name).get()
    if 1 not in impl.scales():
        msg = f"{name} has no scale-1 model in this install"
        raise UsageError(msg)
    coded = Coded(Choice(1, base, quality), data, pixels, subsampled)
    out = pipeline.reconstruct(coded, name, (pixels.shape[1], pixels.shape[0]), device)
    digest = impl.model_hash(1, base)
    model = f" (model {digest.hex()})" if digest else ""
    text = (
        f"restored by the learned filter {name}{model} from {fmt.article} {base.upper()} file "
        f"(quality {quality} by {source}); the changes are a guess, not data from the file"
    )
    from srcodec import image_io

    result = image_io.to_pil(out, alpha)
    if icc:
        result.info["icc_profile"] = icc
    if exif:
        result.info["exif"] = exif
    return Enhanced(result, base, quality, source, subsampled, name, text)


def enhance_file(
    src: str | os.PathLike, dst: str | os.PathLike, tool: str = "auto", device: str = "auto"
) -> Enhanced:
    from srcodec import image_io
    from srcodec.printable import printable

    result = enhance(image_io.read_bytes(src), tool, device, name=printable(src))
    image_io.save_image(result.image, dst, text={"srcodec": result.provenance})
    return result
