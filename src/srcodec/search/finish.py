"""After the search proper: the lossless stream tried where it could win (`lossless`), the winner
re-encoded at the effort's final speed (`refine`), and the chosen coding written as a
stream, with chunk S where it pays for its bytes (`write`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from srcodec import pipeline
from srcodec.base import BASE_CODECS
from srcodec.errors import UnsupportedError
from srcodec.pipeline import Choice, Coded
from srcodec.search.session import quality_levels
from srcodec.upscale import PLAIN, UPSCALERS

if TYPE_CHECKING:
    from srcodec.search.session import Config, Search

LOSSLESS_PIXELS = 1 << 16  # images this small are always also tried losslessly
# chunk S is fitted by least squares (upscale.strength): it serves this metric only
STRENGTH_METRIC = "psnr"


def lossless(s: Search, best: tuple[Coded, str]) -> tuple[Coded, str]:
    """The lossless stream where it is no bigger than the lossy winner or, for a size
    target, wherever it fits the budget: lossless meets every quality target. Tried where
    it could win (`_could_win_losslessly`)."""
    if not _could_win_losslessly(s, best):
        return best
    base = next(entry.name for entry in BASE_CODECS if entry.get().lossless)
    coded = pipeline.code_base(s.lr(1), Choice(1, base, None))
    size = s.size(coded, PLAIN)
    if s.target.kind == "size":
        wins = size <= s.target.value
    else:
        wins = size <= s.size(*best)
    s.record(coded, PLAIN, s.scoring.perfect, wins, "lossless")
    return (coded, PLAIN) if wins else best


def _could_win_losslessly(s: Search, best: tuple[Coded, str]) -> bool:
    """Small images (icons, thumbnails, flat graphics), where lossless often wins; any
    image whose lossy winner is the base's top quality (the budget or the goal asks for
    all a lossy coding gives); a size budget over the raw pixel bytes."""
    height, width, channels = s.src.pixels.shape
    if width * height <= LOSSLESS_PIXELS:
        return True
    choice = best[0].choice
    if choice.quality is not None and choice.quality >= max(quality_levels(choice.base)):
        return True
    return s.target.kind == "size" and s.target.value >= width * height * channels


def refine(s: Search, configs: list[Config], best: tuple[Coded, str]) -> tuple[Coded, str]:
    """Slower speeds code the same quality better: re-encode the winner's quality
    neighbourhood at the effort's final speed and keep what improves on the winner (fewer
    bytes reaching the goal, or a better score within the budget)."""
    coded, tool = best
    choice = coded.choice
    knob = BASE_CODECS.entry(choice.base).get().speed_knob
    cfg = next(
        (c for c in configs if c.options == choice.options and c.scale == choice.scale), None
    )
    if cfg is None or knob is None:  # a rescue's slower re-encode won: it is already slow
        return best
    slow = cfg.with_options(dict(choice.options) | {knob: s.effort.final_speed})
    idx = slow.levels.index(choice.quality)
    goal, budget = s.explain.goal, s.explain.budget
    win_bytes = s.size(coded, tool)
    win_score = cfg.scored(choice.quality, tool)

    if s.target.kind == "size":
        for i in (idx + 1, idx):
            if i >= len(slow.levels):
                continue
            p = slow.code(slow.levels[i])
            if p.bytes > budget:
                s.record(p.coded, slow.tools[-1], math.nan, False, "final speed: too big")
                continue
            name, score = slow.best_tool(slow.levels[i])
            better = score > win_score
            s.record(p.coded, name, score, better, "final speed")
            if better:
                return p.coded, name
        return best
    found: tuple[Coded, str] | None = None
    for i in (idx - 1, idx - 2) if idx >= 1 else (idx,):
        if i < 0:
            break
        q = slow.levels[i]
        name, score = slow.best_tool(q)
        p = slow.code(q)
        size = s.size(p.coded, name)
        ok = score >= goal and size < win_bytes and (not budget or size <= budget)
        s.record(p.coded, name, score, ok, "final speed")
        if not ok:
            break
        found, win_bytes = (p.coded, name), size
    if found is None and idx >= 1:
        name, score = slow.best_tool(choice.quality)
        p = slow.code(choice.quality)
        size = s.size(p.coded, name)
        ok = score >= goal and size < win_bytes and (not budget or size <= budget)
        s.record(p.coded, name, score, ok, "final speed")
        if ok:
            found = (p.coded, name)
    return found or best


def write(s: Search, coded: Coded, tool: str, tools: list[str], keep_metadata: bool) -> bytes:
    """The stream of `coded` decoded with `tool`, with chunk S (spec §3.5) for the learned
    candidate `tools[0]` where the plan fits it (`Effort.strength`, scoring PSNR) and it
    pays for its bytes within the budget. `Effort.strength_over_plain`: also where the
    plain decode won alone, if the tool with S then beats it net of the chunk's bytes."""
    stream = s.stream(coded, tool, keep_metadata)
    learned = tools[0] if s.effort.strength_over_plain else tool
    fits = s.effort.strength and s.target.metric == STRENGTH_METRIC
    if not fits or not UPSCALERS.entry(learned).get().synthesizes:
        return stream
    try:
        outputs = {name: s.reconstruct(coded, name) for name in (learned, PLAIN)}
    except UnsupportedError:  # a tool not trained for this base
        return stream
    plain_bytes = len(stream if learned == tool else s.stream(coded, learned, keep_metadata))
    picked = pipeline.choose_strength(s.src, coded, learned, plain_bytes, outputs)
    if picked.chunk is None:
        s.explain.strength = "not written (no tile size paid for its bytes)"
        return stream
    longer = s.stream(coded, learned, keep_metadata, strength=picked.chunk)
    if learned != tool:  # the plain decode won alone: S must beat it net of its bytes
        from srcodec.metrics import psnr
        from srcodec.upscale.strength import net_gain

        gain = psnr(s.src.pixels, outputs[learned]) + picked.gain_db
        gain -= psnr(s.src.pixels, s.reconstruct(coded, tool))
        if net_gain(gain, len(longer) - len(stream), len(stream)) <= 0:
            s.explain.strength = "not written (the plain decode wins net of its bytes)"
            return stream
    if s.explain.budget and len(longer) > s.explain.budget:
        s.explain.strength = f"not written ({len(longer)} B would exceed the budget)"
        return stream
    s.explain.strength = (
        f"+{picked.gain_db:.4f} dB for {picked.chunk_bytes} B, "
        f"{picked.chunk.tile}-pixel tiles, gains {'/'.join(map(str, picked.chunk.gains))}/32"
    )
    return longer
