"""The entry points: `encode` (search, then write the chosen stream) and `encode_manual`,
manual mode, which is the same search with every dimension pinned."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from srcodec import image_io, pipeline
from srcodec.base import BASE_CODECS, DEFAULT_BASE
from srcodec.search import proxy
from srcodec.search.core import search_score, search_size
from srcodec.search.effort import DEFAULT_EFFORT, Effort, check_effort, pinned
from srcodec.search.finish import STRENGTH_METRIC, lossless, refine, write
from srcodec.search.session import Config, Search, configs
from srcodec.search.targets import Target
from srcodec.upscale import PLAIN

if TYPE_CHECKING:
    from collections.abc import Callable

    from srcodec.pipeline import Coded
    from srcodec.search.explanation import Explanation


def _decide(
    s: Search,
    scale: int | None,
    base: str | None,
    upscaler: str | None,
    options: dict[str, Any] | None,
) -> tuple[Coded, str]:
    """The chosen coded LR and its decoder tool; `s.explain` records why."""
    started = time.perf_counter()
    cfgs = configs(s, scale, base, upscaler, options or {})
    if s.target.kind == "size":
        best = search_size(s, cfgs, int(s.target.value))
    else:
        best = search_score(s, cfgs, options or {})
    unpinned = base is None and not options and scale in (None, 1)
    if unpinned and upscaler in (None, "auto", PLAIN):
        best = lossless(s, best)
    knob = BASE_CODECS.entry(best[0].choice.base).get().speed_knob
    pinned_speed = options is not None and knob in options
    if s.effort.final_speed is not None and not pinned_speed:
        best = refine(s, cfgs, best)
    s.explain.seconds = time.perf_counter() - started
    coded, tool = best
    s.explain.chosen = next(
        t for t in reversed(s.explain.trials) if t.choice == coded.choice and t.upscaler == tool
    )
    return best


def encode(
    image: image_io.ImageLike | image_io.SourceImage,
    target: Target,
    *,
    effort: int = DEFAULT_EFFORT,
    scale: int | None = None,
    base: str | None = None,
    upscaler: str | None = None,
    options: dict[str, Any] | None = None,
    keep_metadata: bool = True,
    device: str = "auto",
    progress: Callable[[int], None] | None = None,
) -> tuple[bytes, Explanation]:
    """Search for `target`, then write the chosen stream; returns it with the explanation.
    `scale`, `base`, `upscaler` and `options` pin those dimensions of the search;
    `progress(n)` is called after each of the n candidates tried."""
    plan = check_effort(effort)
    src = image if isinstance(image, image_io.SourceImage) else image_io.load(image)
    pins = {"scale": scale, "base": base, "upscaler": upscaler, "options": options}
    if proxy.applies(src, target.kind, plan.strength):
        return _encode_large(src, target, plan, effort, device, progress, keep_metadata, pins)
    s = Search(src, target, plan, device, progress, level=effort, model_metric=target.metric)
    coded, tool = _decide(s, **pins)
    return write(s, coded, tool, [tool], keep_metadata), s.explain


def _encode_large(
    src: image_io.SourceImage,
    target: Target,
    plan: Effort,
    effort: int,
    device: str,
    progress: Callable[[int], None] | None,
    keep_metadata: bool,
    pins: dict[str, Any],
) -> tuple[bytes, Explanation]:
    """The search on the proxy (srcodec.search.proxy), its winner confirmed at full size
    scored on the proxy's strips; where that misses, the search at full size, scored so."""
    sample = proxy.Sample.of(*src.pixels.shape[:2])
    p = Search(sample.source(src), target, plan, device, progress, level=effort,
               model_metric=target.metric)  # fmt: skip
    choice = _decide(p, **pins)[0].choice
    s = Search(src, target, plan, device, progress, level=effort, model_metric=target.metric,
               sample=sample)  # fmt: skip
    s.explain.trials = [replace(t, note=f"proxy {t.note}".strip()) for t in p.explain.trials]
    tools = pipeline.upscaler_candidates(choice.scale, pins["upscaler"], choice.base)
    if not plan.learned and pins["upscaler"] in (None, "auto"):
        tools = tools[-1:]
    started = time.perf_counter()
    confirmed = proxy.confirm(s, choice, tools)
    if confirmed is None:
        coded, tool = _decide(s, **pins)
    else:
        coded, tool = confirmed
        s.explain.chosen = s.explain.trials[-1]
    s.explain.seconds = p.explain.seconds + time.perf_counter() - started
    return write(s, coded, tool, [tool], keep_metadata), s.explain


def encode_manual(
    image: image_io.ImageLike | image_io.SourceImage,
    *,
    scale: int = 1,
    base: str = DEFAULT_BASE,
    quality: int | None = None,
    upscaler: str | None = None,
    options: dict[str, Any] | None = None,
    keep_metadata: bool = True,
    strength: bool | None = None,
    device: str = "auto",
) -> bytes:
    """Code one given configuration: the search with scale, base, quality and knobs pinned.
    `upscaler=None` or "auto": the encoder, which has the original, scores the best shipped
    learned tool for the scale against the plain decode by PSNR and records the winner, so
    a learned tool is switched off on images where it loses; the stream names the tool's
    default model. A named upscaler is recorded as given. `strength` (default: on with
    auto): also fit the learned tool's strength per channel and tile (chunk S) where that
    pays for its bytes."""
    base, quality = pipeline.check_choice(scale, base, quality)
    tools = pipeline.upscaler_candidates(scale, upscaler, base)
    src = image if isinstance(image, image_io.SourceImage) else image_io.load(image)
    fit = upscaler in (None, "auto") if strength is None else strength
    target = Target("pinned", 0, STRENGTH_METRIC)
    s = Search(src, target, pinned(scale, fit), device, level=0, model_metric=None)
    cfg = Config(s, scale, base, dict(options or {}), tools)
    tool = cfg.best_tool(quality)[0] if len(tools) > 1 else tools[0]
    return write(s, cfg.code(quality).coded, tool, tools, keep_metadata)
