"""Matched-size selection: for each codec spec, the setting whose file is closest to a byte
budget without going over.

A spec's quality grid is searched by bisection, assuming the file size grows with quality
(true of Pillow's JPEG, WebP and AVIF up to a few bytes of noise), so a 101-point grid
costs about 7 encodes instead of 101. When even the smallest setting is over the budget,
that setting is kept and flagged `over_budget`, so the page still shows the codec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from srcodec.errors import UsageError

if TYPE_CHECKING:
    from srcodec.rd.spec import CodecSpec

# The default peers: a one-step quality grid, so the matched size is as close as each
# codec's knob allows. avif speed 6 and webp method 6 are srcodec's own base-layer settings.
DEFAULT_PEERS = (
    "avif:quality=0:100:1,speed=6",
    "webp:quality=0:100:1",
    "jpeg:quality=1:100:1",
)


@dataclass(frozen=True)
class Decoded:
    """One coded and decoded image, with what the page says about it."""

    label: str  # the curve name, e.g. "avif" or "srcodec auto"
    settings: str  # how it was coded, e.g. "quality 42, speed=6"
    num_bytes: int
    pixels: np.ndarray  # uint8 HxWx3
    over_budget: bool = False  # even the smallest setting is over the budget
    provenance: str = ""  # the srcodec decoder's sentence; "" for other codecs
    synthesized: bool = False  # a learned upscaler made detail above the transmitted size
    data: bytes = b""  # the coded file, where the page needs it (srcodec streams)
    quality: int | None = None  # the grid value a peer was coded at (to code it again)


def decode_srz(data: bytes, label: str, over_budget: bool = False) -> Decoded:
    """Decode a .srz stream and keep the decoder's provenance report."""
    from srcodec import decoder, stream_info

    img, report = decoder.decode_with_report(data)
    info = stream_info.info(data)
    quality = "" if info["quality"] is None else f" q{info['quality']}"
    if info["scale"] > 1:
        lr = f"{info['lr_width']}x{info['lr_height']} (1/{info['scale']})"
        settings = f"{info['base']}{quality} at {lr}, {report.upscaler} x{info['scale']}"
    else:
        tool = f", {report.upscaler} filter" if report.synthesized else ""
        settings = f"{info['base']}{quality} at full resolution{tool}"
    # only an upscale can invent detail the stream never carried; a learned filter at
    # scale 1 restores the transmitted image and is named in the provenance sentence
    synthesized = report.synthesized and report.header.scale > 1
    return Decoded(
        label,
        settings,
        len(data),
        np.asarray(img.convert("RGB")),
        over_budget,
        report.provenance,
        synthesized,
        data,
    )


def code_at(rgb: np.ndarray, spec: CodecSpec, quality: int) -> Decoded:
    """Code `rgb` with `spec` at one grid value."""
    from srcodec.rd.codecs import code, srcodec_stream

    try:
        if spec.kind in ("auto", "srcodec"):
            data = srcodec_stream(rgb, spec, quality)
            decoded = decode_srz(data, spec.name)
            where = "target" if spec.kind == "auto" else "quality"
            return replace(decoded, settings=f"{where} {quality}: {decoded.settings}")
        coded = code(rgb, spec, quality)
    except UsageError as exc:  # e.g. an auto target this image cannot reach
        msg = f"codec spec {spec.text!r} at quality {quality}: {exc}"
        raise UsageError(msg) from None
    settings = ", ".join([f"quality {quality}", *_params(spec)])
    return Decoded(spec.name, settings, coded.num_bytes, np.array(coded.decoded), quality=quality)


def _params(spec: CodecSpec) -> list[str]:
    return [f"{k}={v}" for k, v in sorted(spec.params.items())]


def matched(rgb: np.ndarray, spec: CodecSpec, budget: int) -> Decoded:
    """The grid point of `spec` with the largest file that is at most `budget` bytes."""
    grid = sorted(spec.qualities)
    tried: dict[int, Decoded] = {}

    def at(i: int) -> Decoded:
        if grid[i] not in tried:
            tried[grid[i]] = code_at(rgb, spec, grid[i])
        return tried[grid[i]]

    lo, hi = 0, len(grid) - 1
    if at(lo).num_bytes > budget:
        return replace(at(lo), over_budget=True)
    if at(hi).num_bytes <= budget:
        return at(hi)
    while hi - lo > 1:  # invariant: grid[lo] fits, grid[hi] does not
        mid = (lo + hi) // 2
        if at(mid).num_bytes <= budget:
            lo = mid
        else:
            hi = mid
    # bisection assumes monotone sizes; of all the points it tried, keep the best fit
    fits = [d for d in tried.values() if d.num_bytes <= budget]
    return max(fits, key=lambda d: d.num_bytes)
