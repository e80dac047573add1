"""Code one image with srcodec's auto encoder and each peer at matched size, and score them.

The byte budget is the srcodec stream's size, or `target_bpp` x pixels / 8 when given (then
srcodec itself is encoded to that size too). Every codec sees the same RGB pixels (alpha is
dropped, gray is expanded), as `srcodec rd` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from srcodec import metrics
from srcodec.compare.select import DEFAULT_PEERS, Decoded, decode_srz, matched
from srcodec.errors import FileError, SrcodecError, UsageError
from srcodec.rd.spec import CodecSpec, parse
from srcodec.search.effort import DEFAULT_EFFORT

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

SRCODEC_LABEL = "srcodec auto"


@dataclass(frozen=True)
class Panel:
    decoded: Decoded
    bpp: float
    psnr: float
    ms_ssim: float
    ssimulacra2: float


@dataclass
class Comparison:
    name: str  # the image's file name
    original: np.ndarray  # uint8 HxWx3
    budget: int  # bytes
    budget_source: str  # why this budget, for the page's summary line
    panels: list[Panel] = field(default_factory=list)  # srcodec first, then the peers

    @property
    def size(self) -> tuple[int, int]:
        return self.original.shape[1], self.original.shape[0]


def load_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    if not path.is_file():
        msg = f"{path} is a folder, not an image" if path.is_dir() else f"{path}: no such file"
        raise FileError(msg)
    try:
        with Image.open(path) as img:
            return np.array(img.convert("RGB"))
    except OSError as exc:  # Pillow's UnidentifiedImageError is an OSError
        msg = f"{path}: not an image Pillow can read ({exc})"
        raise SrcodecError(msg) from None


def budget_for(target_bpp: float, width: int, height: int) -> int:
    if not math.isfinite(target_bpp) or target_bpp <= 0:
        msg = f"--target-bpp must be a positive number, got {target_bpp}"
        raise UsageError(msg)
    return int(target_bpp * width * height / 8)


def parse_specs(texts: Sequence[str] | None) -> list[CodecSpec]:
    specs = [parse(t) for t in (texts or DEFAULT_PEERS)]
    seen = {SRCODEC_LABEL: "srcodec's own auto encode"}
    for spec in specs:
        if spec.name in seen:
            msg = (
                f"codec specs {seen[spec.name]!r} and {spec.text!r} share the name "
                f"{spec.name!r}; rename one with name=..."
            )
            raise UsageError(msg)
        seen[spec.name] = spec.text
    return specs


def build(
    path: Path,
    specs: Sequence[CodecSpec],
    *,
    target_bpp: float | None = None,
    quality: int | None = None,
    effort: int = DEFAULT_EFFORT,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Code `path` with srcodec (auto) and each of `specs` at matched size."""
    import srcodec

    rgb = load_rgb(path)
    h, w = rgb.shape[:2]
    say = progress or (lambda _text: None)
    if target_bpp is not None:
        if quality is not None:
            msg = "--quality and --target-bpp are exclusive: the budget is one or the other"
            raise UsageError(msg)
        budget = budget_for(target_bpp, w, h)
        data = srcodec.encode(rgb, target_size=budget, effort=effort)
        how = f"auto, best PSNR in {budget} B"
        source = f"--target-bpp {target_bpp:g}"
    else:
        data = srcodec.encode(rgb, quality=quality, effort=effort)
        budget = len(data)
        q = 60 if quality is None else quality
        how = f"auto, as good as AVIF q{q}"
        source = "the srcodec stream's size"
    ours = decode_srz(data, SRCODEC_LABEL)
    ours = replace(ours, settings=f"{how}: {ours.settings}")
    say(f"{SRCODEC_LABEL}: {ours.num_bytes} B ({ours.settings})")
    comparison = Comparison(path.name, rgb, budget, source)
    comparison.panels.append(score(rgb, ours))
    for spec in specs:
        decoded = matched(rgb, spec, budget)
        say(f"{spec.name}: {decoded.num_bytes} B ({decoded.settings})")
        comparison.panels.append(score(rgb, decoded))
    return comparison


def score(original: np.ndarray, decoded: Decoded) -> Panel:
    h, w = original.shape[:2]
    pixels = np.array(decoded.pixels)  # writable: torch warns on read-only arrays
    return Panel(
        decoded,
        metrics.bpp(decoded.num_bytes, w, h),
        metrics.psnr(original, pixels),
        metrics.ms_ssim_any(original, pixels),
        metrics.ssimulacra2(original, pixels),
    )
