"""The searches proper. Quality and metric targets: per configuration, the lowest quality
whose decode reaches the goal (plain decode first, the learned tool buys steps below);
size targets: per configuration, the highest quality that fits, then the best score. A
quality target's budget may take a rescue (one speed slower) or the best score that fits."""

from __future__ import annotations

import math
from typing import Any

from srcodec import pipeline
from srcodec.base import BASE_CODECS, DEFAULT_BASE
from srcodec.errors import UsageError
from srcodec.format.header import SCALES
from srcodec.metrics.scoring import scoring
from srcodec.pipeline import Choice, Coded
from srcodec.search.bracket import bracket_search
from srcodec.search.explanation import Trial
from srcodec.search.session import Config, Search
from srcodec.upscale import PLAIN

RESCUE_SPEED_STEP = 1  # how much slower the rescue re-encodes (the base's speed knob)


def _rescue(
    s: Search, cfg: Config, quality: int, goal: float, budget: int
) -> tuple[int, Coded, str] | None:
    """The lowest passing level of `cfg` is over the byte budget: a slower speed codes
    the same quality in fewer bytes (a few %, about what one quantizer level is worth), so
    re-encode that level one speed slower, and the level below while the goal holds but
    the budget does not. Tried only when nothing else fits."""
    knob = BASE_CODECS.entry(cfg.base).get().speed_knob
    speed = None if knob is None else dict(cfg.options).get(knob)
    if knob is None or not isinstance(speed, int) or speed <= 0:
        return None
    slow = cfg.with_options(dict(cfg.options) | {knob: speed - RESCUE_SPEED_STEP})
    for i in range(slow.levels.index(quality), max(-1, slow.levels.index(quality) - 2), -1):
        q = slow.levels[i]
        tool, score = slow.best_tool(q)
        size = s.size(slow.code(q).coded, tool)
        ok = score >= goal and size <= budget
        s.record(slow.code(q).coded, tool, score, ok, "rescue: one speed slower")
        if ok:
            return size, slow.code(q).coded, tool
        if score < goal:
            break
    return None


def _db(metric: str, value: float) -> float:
    """A score on a scale roughly linear in the AVIF quality index (scoring.linear)."""
    return scoring(metric).linear(value)


LOG2_BYTES_PER_LEVEL = 0.1  # prior slope of log2(bytes) vs quantizer index


def goal_of(s: Search) -> tuple[float, int]:
    """(score to reach, byte budget or 0) of a quality or metric target; a quality target
    codes the plain file it promises to match (recorded as the reference)."""
    t = s.target
    if t.kind != "quality":
        s.explain.goal, s.explain.budget = t.value, 0
        return t.value, 0
    if s.explain.reference is not None:  # coded already (a large image's second search)
        return s.explain.goal, s.explain.budget
    reference = BASE_CODECS.entry(DEFAULT_BASE).get().reference_options()
    ref_choice = Choice(1, DEFAULT_BASE, int(t.value), tuple(sorted(reference.items())))
    ref = pipeline.code_base(s.lr(1), ref_choice)
    budget = len(ref.payload)  # the plain file the stream must not exceed
    goal = s.evaluate(ref, PLAIN)
    s.explain.reference = Trial(ref_choice, f"{DEFAULT_BASE} file", budget, goal, True)
    s.explain.goal, s.explain.budget = goal, budget
    return goal, budget


def search_score(s: Search, configs: list[Config], options: dict[str, Any]) -> tuple[Coded, str]:
    """Quality and metric targets: the fewest bytes whose score reaches the goal."""
    t = s.target
    goal, budget = goal_of(s)
    # a quality target: the searched knobs (4:4:4, the metric's tune) reach the plain
    # file's score some qualities lower
    guess = max(0, int(t.value) - 8) if t.kind == "quality" else 50
    best: tuple[int, Coded, str] | None = None
    ceiling = {}
    for cfg in configs:
        if cfg.scale > 1 and math.isfinite(s.scoring.upscale_margin):
            if cfg.scale not in ceiling:
                ceiling[cfg.scale] = _bicubic_ceiling(s, cfg.scale)
            if goal > ceiling[cfg.scale] + s.scoring.upscale_margin:
                continue  # no coding at this scale can reach the goal
        limit = best[0] - 1 if best else (budget or None)
        found = _min_quality(s, cfg, goal, guess, limit)
        if found is None:
            continue
        q, tool = found
        size = s.size(cfg.code(q).coded, tool)
        if best is None or size < best[0]:
            best = (size, cfg.code(q).coded, tool)
        if cfg.scale == 1:
            guess = q
    speed_pinned = BASE_CODECS.entry(configs[0].base).get().speed_knob in options
    if best is not None and budget and best[0] > budget and not speed_pinned:
        cfg = next(
            c
            for c in configs
            if c.options == best[1].choice.options and c.scale == best[1].choice.scale
        )
        best = _rescue(s, cfg, best[1].choice.quality, goal, budget) or best
    if best is None or (budget and best[0] > budget):
        return _fallback(s, configs, goal, budget, best)
    return best[1], best[2]


def _bicubic_ceiling(s: Search, scale: int) -> float:
    """The score of bicubic from the uncoded LR: with the metric's `upscale_margin` for a
    learned upscaler, an upper bound of what any stream at this scale reaches."""
    from srcodec.upscale.classic import resize_bicubic

    h, w = s.src.pixels.shape[:2]
    return s.score(s.sampled(resize_bicubic(s.lr(scale), scale)[:h, :w]))


def _min_quality(
    s: Search, cfg: Config, goal: float, guess: int, limit: int | None
) -> tuple[int, str] | None:
    """Lowest quality of `cfg` whose decode reaches `goal`, or None when none does within
    `limit` bytes. Scale 1: searched with the plain decode (cheap), then the learned tool
    buys steps below while it still passes. Scale > 1: first the highest quality under
    `limit` (encode only); if even that misses the goal, nothing cheaper can reach it."""
    metric = s.target.metric
    goal_db = _db(metric, goal)
    tool = cfg.tools[-1] if cfg.scale == 1 else cfg.tools[0]
    levels = cfg.levels
    if cfg.scale > 1 and limit:
        top = _max_fitting(s, cfg, limit)
        if top is None:
            return None
        score = cfg.scored(top, tool)
        ok = score >= goal
        s.record(cfg.code(top).coded, tool, score, ok, "best under the byte limit")
        if not ok:
            return None
        levels = levels[: levels.index(top) + 1]
        # the first probe below: the prior slope's prediction from `top`, not scale 1's answer
        steps = (_db(metric, score) - goal_db) / s.scoring.per_level
        guess = levels[max(0, len(levels) - 1 - math.floor(steps))]

    def passes(q: int) -> tuple[bool, float]:
        score = cfg.scored(q, tool)
        ok = score >= goal
        s.record(cfg.code(q).coded, tool, score, ok)
        return ok, _db(metric, score)

    q = bracket_search(levels, passes, guess, goal_db, s.scoring.per_level)
    if q is None:
        return None
    learned = [t for t in cfg.tools if t != tool]
    if cfg.scale == 1 and learned:
        q, tool = _learned_steps(s, cfg, levels, q, tool, learned[0], goal)
    return q, tool


def _learned_steps(
    s: Search, cfg: Config, levels: list[int], q: int, plain: str, learned: str, goal: float
) -> tuple[int, str]:
    """Below the plain decode's answer `q`, the learned tool may still reach the goal: try
    it one level down (already encoded by the bracket), and further while the margin over
    the goal exceeds a level's worth of score."""
    metric = s.target.metric
    idx = levels.index(q)
    best = (q, plain)
    slope = s.scoring.per_level
    if idx > 0 and levels[idx - 1] in cfg.points:
        below = _db(metric, cfg.scored(levels[idx - 1], plain))
        slope = max(0.05, _db(metric, cfg.scored(q, plain)) - below)
    while idx > 0:
        lower = levels[idx - 1]
        score = cfg.scored(lower, learned)
        ok = score >= goal
        s.record(cfg.code(lower).coded, learned, score, ok, "learned tool")
        if not ok:
            break
        best = (lower, learned)
        idx -= 1
        if _db(metric, score) - _db(metric, goal) < 0.6 * slope:
            break  # one more level down would most likely miss
    if best[1] == plain:
        # the learned tool may still beat the plain decode at q itself (same bytes + 4)
        score = cfg.scored(q, learned)
        if score > cfg.scored(q, plain):
            s.record(cfg.code(q).coded, learned, score, True, "learned tool at q")
    return best


def _max_fitting(s: Search, cfg: Config, budget: int) -> int | None:
    """The highest quality of `cfg` whose stream fits in `budget` bytes (encodes only)."""
    plain = cfg.tools[-1]

    def too_big(q: int) -> tuple[bool, float]:
        p = cfg.code(q)
        s.record(p.coded, plain, math.nan, p.bytes <= budget, "size probe")
        return p.bytes > budget, math.log2(p.bytes)

    guess = cfg.levels[len(cfg.levels) // 2]
    first_over = bracket_search(cfg.levels, too_big, guess, math.log2(budget), LOG2_BYTES_PER_LEVEL)
    idx = len(cfg.levels) if first_over is None else cfg.levels.index(first_over)
    return None if idx == 0 else cfg.levels[idx - 1]


def _fallback(
    s: Search,
    configs: list[Config],
    goal: float,
    budget: int,
    best: tuple[int, Coded, str] | None,
) -> tuple[Coded, str]:
    """No candidate reaches the goal within the budget: with a budget (quality target),
    the best score that fits; else the highest quality tried."""
    if budget:
        try:
            return search_size(s, configs, budget)
        except UsageError:
            pass  # tiny images: the container alone outweighs the plain file's savings
    if best is not None:
        return best[1], best[2]
    top = max(
        (t for t in s.explain.trials if not math.isnan(t.score)),
        key=lambda t: t.score,
        default=None,
    )
    reached = f" (best tried: {top.score:.4g} at {top.choice.describe()})" if top else ""
    msg = f"{s.target.describe()} is not reachable on this image{reached}"
    raise UsageError(msg)


def search_size(s: Search, configs: list[Config], budget: int) -> tuple[Coded, str]:
    """Size targets: per configuration the highest quality that fits, then the best score."""
    s.explain.budget = budget
    best: tuple[float, Coded, str] | None = None
    smallest: int | None = None
    tried = {c.scale for c in configs}
    # below what the configured scales can reach, larger scales are the only way down
    extra = [
        Config(
            s,
            sc,
            configs[0].base,
            dict(configs[0].options),
            pipeline.upscaler_candidates(sc, None, configs[0].base),
        )
        for sc in SCALES
        if sc not in tried and sc > max(tried)
    ]
    for cfg in [*sorted(configs, key=lambda c: c.scale), *extra]:
        if best is not None and cfg in extra:
            break
        q = _max_fitting(s, cfg, budget)
        if q is None:  # even the lowest quality is too big at this scale
            low = cfg.points[cfg.levels[0]].bytes
            smallest = low if smallest is None else min(smallest, low)
            continue
        coded = cfg.code(q).coded
        for tool in cfg.tools:
            if s.size(coded, tool) > budget:
                continue
            score = cfg.scored(q, tool)
            s.record(coded, tool, score, True)
            if best is None or score > best[0]:
                best = (score, coded, tool)
    if best is None:
        msg = (
            f"target of {budget} bytes is below the smallest stream srcodec can make for "
            f"this image ({smallest} bytes at the largest scale and lowest quality)"
        )
        raise UsageError(msg)
    return best[1], best[2]
