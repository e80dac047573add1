"""Large images: search on a proxy, confirm once at full size.

The search's cost grows with the pixels it codes, decodes, restores and scores at each of
its probes. On an image of at least LARGE_PIXELS the search instead runs on a proxy: evenly
spaced full-width strips of the image, stacked into one image of about PROXY_PIXELS (real
pixels at full resolution, so the codec sees the image's own texture at its own scale).
The proxy's winner (scale, base, knobs, quality, tool) is then coded once at full size and
confirmed there: its stream's bytes exactly, its decode scored on the same strips of the
full-size decode (`Sample`: the decoder tool runs on those strips only, with the context
rows it needs), against the plain file's full-size stream scored the same way. A miss
steps the quality up, then falls back to the search at full size, scored on the strips.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from srcodec import image_io, pipeline
from srcodec.search.core import goal_of
from srcodec.search.session import Config
from srcodec.upscale import UPSCALERS

if TYPE_CHECKING:
    from srcodec.pipeline import Choice, Coded
    from srcodec.search.session import Search

PROXY_PIXELS = 1 << 20  # the proxy search codes about this many pixels
LARGE_PIXELS = 4 * PROXY_PIXELS  # images this large are searched on a proxy
STRIP_ROWS = 48  # rows per strip; strips start on multiples of ALIGN
ALIGN = 24  # every scale divides it with an even quotient (restore's 2x2 phase)
CONFIRM_STEPS = 2  # quality levels stepped up when the full-size check misses


@dataclass(frozen=True)
class Sample:
    """Full-width row strips [y0, y1) of an image `width` pixels wide, stacked into one."""

    rows: tuple[tuple[int, int], ...]
    width: int

    @classmethod
    def of(cls, height: int, width: int) -> Sample:
        """About PROXY_PIXELS of evenly spaced strips, aligned to ALIGN rows."""
        last = (height - STRIP_ROWS) // ALIGN * ALIGN  # the lowest aligned strip start
        count = max(1, min(PROXY_PIXELS // (width * STRIP_ROWS), last // ALIGN + 1))
        starts = sorted({round(i * last / max(1, count - 1) / ALIGN) * ALIGN for i in range(count)})
        return cls(tuple((y, y + STRIP_ROWS) for y in starts), width)

    def stack(self, image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([image[y0:y1] for y0, y1 in self.rows]))

    def source(self, src: image_io.SourceImage) -> image_io.SourceImage:
        """The proxy: the strips of the pixels (and alpha), with the source's metadata."""
        alpha = None if src.alpha is None else self.stack(src.alpha)
        return replace(src, pixels=self.stack(src.pixels), alpha=alpha)

    def reconstruct(self, coded: Coded, tool: str, device: str, metric: str | None) -> np.ndarray:
        """The strips of what the decoder outputs for `coded` with `tool`: each strip's LR
        rows upscaled with the tool's `halo` rows of context (as the decoder's bands), so
        they equal the full-size output's rows."""
        scale = coded.choice.scale
        halo = UPSCALERS.entry(tool).get().halo
        halo += halo % 2
        strips = []
        for y0, y1 in self.rows:
            ly0, ly1 = y0 // scale, -(-y1 // scale)
            r0, r1 = max(ly0 - halo, 0), min(ly1 + halo, coded.lr.shape[0])
            part = replace(coded, lr=coded.lr[r0:r1])
            hr = pipeline.reconstruct(part, tool, (self.width, (r1 - r0) * scale), device, metric)
            top = y0 - r0 * scale
            strips.append(hr[top : top + y1 - y0])
        return np.ascontiguousarray(np.concatenate(strips))


def applies(src: image_io.SourceImage, kind: str, strength: bool) -> bool:
    """Large images with a quality or metric target; not where chunk S is fitted (it
    needs the whole decode)."""
    height, width = src.pixels.shape[:2]
    return height * width >= LARGE_PIXELS and kind not in ("size", "pinned") and not strength


def confirm(s: Search, choice: Choice, tools: list[str]) -> tuple[Coded, str] | None:
    """The proxy's `choice` coded at full size on the sampled search `s`: the first of
    its quality and CONFIRM_STEPS levels above whose best tool reaches the goal within the
    budget; None: none does."""
    goal, budget = goal_of(s)
    if choice.quality is None:  # lossless: every score target holds
        coded = pipeline.code_base(s.lr(choice.scale), choice)
        size = s.size(coded, tools[-1])
        ok = not budget or size <= budget
        s.record(coded, tools[-1], s.scoring.perfect, ok, "full size")
        return (coded, tools[-1]) if ok else None
    cfg = Config(s, choice.scale, choice.base, dict(choice.options), tools)
    start = cfg.levels.index(choice.quality) if choice.quality in cfg.levels else 0
    for q in cfg.levels[start : start + CONFIRM_STEPS + 1]:
        tool, score = cfg.best_tool(q)
        coded = cfg.code(q).coded
        size = s.size(coded, tool)
        ok = score >= goal and (not budget or size <= budget)
        s.record(coded, tool, score, ok, "full size")
        if ok:
            return coded, tool
        if budget and size > budget:
            return None  # a higher quality is only bigger
    return None
