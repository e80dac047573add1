"""The auto encoder: per image, the cheapest stream that reaches the quality asked.

`pipeline` codes one given choice; this module decides what to try. A target is one of

    quality Q       at least the quality (--metric) plain AVIF (Pillow defaults, speed 6)
                    reaches on this image at quality Q, and never more bytes than that file
    a metric value  the smallest stream whose decoded image reaches it (ssimulacra2, psnr,
                    ms-ssim: srcodec.metrics.scoring)
    size            the best quality whose stream fits in the byte budget, never over

Candidates are configurations (scale, base, the base's own knobs such as AVIF speed,
subsampling and libaom tune) x quality x decoder tool (a learned restoration/upscaler or
the plain decode), bounded by an effort level 1-9 like `cjxl -e` / `avifenc -s`. The
quality of each configuration is found by a bracketed secant search on the monotone
quality -> score (or quality -> bytes) curve, with the cheap plain decode first; the
learned tool is tried last, to buy one or two quality steps back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from srcodec import image_io, pipeline
from srcodec.base import BASE_CODECS
from srcodec.errors import UsageError
from srcodec.format.header import SCALES
from srcodec.metrics.scoring import SCORINGS, scoring
from srcodec.pipeline import Choice, Coded

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np

METRICS = tuple(SCORINGS)
DEFAULT_QUALITY = 60  # the default target "AVIF at quality 60", as avifenc's default -q
DEFAULT_EFFORT = 4
REFERENCE_OPTIONS: dict[str, Any] = {"speed": 6}  # plain AVIF: Pillow's defaults at speed 6


@dataclass(frozen=True)
class Effort:
    speed: int  # AVIF speed of the search's encodes
    learned: bool  # try the learned decoder tools
    subsamplings: tuple[str, ...]  # AVIF chroma layouts tried at scale 1
    scales: tuple[int, ...]  # scales tried (more only when the target needs them)
    final_speed: int | None = None  # re-encode the winner's neighbourhood at this speed
    strength: bool = False  # fit the learned tool's strength per channel and tile (chunk S)
    all_tunes: bool = False  # every libaom tune that serves the metric, not just the best


def _thorough(scales: tuple[int, ...], final_speed: int) -> Effort:
    """Efforts 6-9: both chroma layouts, every tune, chunk S, and a slower final encode."""
    return Effort(6, True, ("4:4:4", "4:2:0"), scales, final_speed, strength=True, all_tunes=True)


EFFORTS = {
    1: Effort(9, False, ("4:4:4",), (1,)),
    2: Effort(8, True, ("4:4:4",), (1,)),
    3: Effort(7, True, ("4:4:4",), (1, 2)),
    4: Effort(6, True, ("4:4:4",), (1, 2)),
    5: Effort(6, True, ("4:4:4", "4:2:0"), (1, 2), strength=True),
    6: _thorough((1, 2), 4),
    7: _thorough((1, 2), 3),
    8: _thorough((1, 2, 3), 2),
    9: _thorough((1, 2, 3, 4), 1),
}


@dataclass(frozen=True)
class Target:
    kind: str  # "quality", "size" or a metric name (a score to reach)
    value: float  # Q, bytes or the score
    metric: str  # what the encoder scores candidates with

    def describe(self) -> str:
        if self.kind == "quality":
            return f"{self.metric} of plain AVIF q{int(self.value)}, no more bytes"
        if self.kind == "size":
            return f"best {self.metric} within {int(self.value)} bytes"
        return f"{self.kind} >= {self.value:g}{scoring(self.kind).unit}"


@dataclass
class Trial:
    """One candidate coded and scored."""

    choice: Choice
    upscaler: str
    stream_bytes: int
    score: float  # metric value, nan when not decoded
    passed: bool
    note: str = ""

    def row(self, metric: str) -> str:
        score = "-" if math.isnan(self.score) else f"{self.score:.4f}"
        mark = "ok" if self.passed else "--"
        return (
            f"{mark} {self.choice.describe():<40} {self.upscaler:<8} "
            f"{self.stream_bytes:>9} B  {metric} {score} {self.note}"
        )


@dataclass
class Explanation:
    """What the search tried and why it kept what it kept (`encode --explain`)."""

    target: Target
    effort: int
    goal: float = math.nan  # the score to reach (quality/psnr/ms-ssim targets)
    budget: int = 0  # the byte budget (size and quality targets)
    reference: Trial | None = None
    trials: list[Trial] = field(default_factory=list)
    chosen: Trial | None = None
    seconds: float = 0.0
    strength: str = ""  # what chunk S did (efforts 5-9)

    def lines(self) -> list[str]:
        m = self.target.metric
        out = [f"target: {self.target.describe()} (effort {self.effort})"]
        if self.reference is not None:
            r = self.reference
            out.append(
                f"reference: plain {r.choice.describe()}: {r.stream_bytes} B, {m} {r.score:.4f}"
            )
        if not math.isnan(self.goal):
            out.append(
                f"goal: {m} >= {self.goal:.4f}" + (f", <= {self.budget} B" if self.budget else "")
            )
        elif self.budget:
            out.append(f"goal: <= {self.budget} B")
        out.append(f"tried {len(self.trials)} candidates in {self.seconds:.2f} s:")
        out += ["  " + t.row(m) for t in self.trials]
        if self.chosen is not None:
            out.append("chosen: " + self.chosen.row(m)[3:].strip())
        if self.strength:
            out.append("strength (chunk S): " + self.strength)
        return out


def parse_target(
    *,
    quality: int | None,
    metric: str,
    scores: Mapping[str, float | None],
    target_size: int | None,
    target_bpp: float | None,
    pixels: int,
) -> Target:
    """The one target the keywords ask for (`scores`: metric name -> value to reach, or
    None); conflicting or impossible ones: UsageError."""
    scoring(metric)
    unknown = set(scores) - set(SCORINGS)
    if unknown:
        msg = f"no metric {', '.join(sorted(unknown))}; known: {', '.join(SCORINGS)}"
        raise UsageError(msg)
    given = {
        k: v
        for k, v in (
            *((SCORINGS[name].target_keyword, value) for name, value in scores.items()),
            ("target_size", target_size),
            ("target_bpp", target_bpp),
        )
        if v is not None
    }
    if len(given) > 1 or (given and quality is not None):
        names = [*given, *(["quality"] if quality is not None else [])]
        msg = f"give one target, not {' and '.join(names)}"
        raise UsageError(msg)
    if not given:
        q = DEFAULT_QUALITY if quality is None else quality
        if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= 100:
            msg = f"quality must be an integer 0-100, got {q!r}"
            raise UsageError(msg)
        return Target("quality", q, metric)
    key, value = next(iter(given.items()))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{key.replace('_', '-')} must be a number, got {value!r}"
        raise UsageError(msg)
    for name, spec in SCORINGS.items():
        if key == spec.target_keyword:
            return Target(name, spec.check_target(value), name)
    budget = value if key == "target_size" else value * pixels / 8
    if key == "target_size" and (not isinstance(value, int) or value <= 0):
        msg = f"target-size must be a positive whole number of bytes, got {value!r}"
        raise UsageError(msg)
    if budget <= 0:
        msg = f"target-bpp must be positive, got {value}"
        raise UsageError(msg)
    return Target("size", math.floor(budget), metric)


# ---------------------------------------------------------------- the search


class _Search:
    """State of one search: the source, its downsampled versions and the trials."""

    def __init__(
        self,
        src: image_io.SourceImage,
        target: Target,
        effort: int,
        device: str,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.src, self.target, self.device = src, target, device
        self.progress = progress
        self.effort = EFFORTS[effort]
        self.scoring = scoring(target.metric)
        self.score = self.scoring.against(src.pixels)
        self.explain = Explanation(target, effort)
        self._lr: dict[int, np.ndarray] = {}
        self._alpha = None if src.alpha is None else image_io.png_bytes_of(src.alpha)

    def lr(self, scale: int) -> np.ndarray:
        if scale not in self._lr:
            self._lr[scale] = pipeline.downsample(self.src, scale)
        return self._lr[scale]

    def size(self, coded: Coded, upscaler: str) -> int:
        return len(
            pipeline.assemble(
                self.src, coded, upscaler, alpha_png=self._alpha, metric=self.target.metric
            )
        )

    def evaluate(self, coded: Coded, upscaler: str) -> float:
        out = pipeline.reconstruct(
            coded, upscaler, self.src.size, self.device, metric=self.target.metric
        )
        return self.score(out)

    def record(
        self, coded: Coded, upscaler: str, score: float, passed: bool, note: str = ""
    ) -> Trial:
        trial = Trial(coded.choice, upscaler, self.size(coded, upscaler), score, passed, note)
        self.explain.trials.append(trial)
        if self.progress is not None:
            self.progress(len(self.explain.trials))
        return trial


@dataclass
class _Point:
    quality: int
    coded: Coded
    bytes: int
    score: float = math.nan
    upscaler: str = "bicubic"


def _levels(base: str) -> list[int]:
    """The qualities worth probing: AVIF maps 0-100 onto 64 quantizers (libavif:
    q = ((100 - quality) * 63 + 50) / 100), so one quality per quantizer."""
    if base != "avif":
        return list(range(101))
    seen: dict[int, int] = {}
    for q in range(100, -1, -1):
        seen[((100 - q) * 63 + 50) // 100] = q
    return sorted(seen.values())


class _Config:
    """One configuration (scale, base, knobs, decoder tools) and its probes by quality."""

    def __init__(
        self, search: _Search, scale: int, base: str, options: dict[str, Any], tools: list[str]
    ) -> None:
        self.search, self.scale, self.base = search, scale, base
        self.options = tuple(sorted(options.items()))
        self.tools = tools  # learned tool first (if any), plain last
        self.levels = _levels(base)
        self.points: dict[int, _Point] = {}
        self._scores: dict[tuple[int, str], float] = {}

    def code(self, quality: int) -> _Point:
        if quality not in self.points:
            choice = Choice(self.scale, self.base, quality, self.options)
            coded = pipeline.code_base(self.search.lr(self.scale), choice)
            plain = self.tools[-1]
            self.points[quality] = _Point(quality, coded, self.search.size(coded, plain))
        return self.points[quality]

    def scored(self, quality: int, tool: str) -> float:
        """Score at `quality` with `tool` (cached per tool)."""
        key = (quality, tool)
        if key not in self._scores:
            self._scores[key] = self.search.evaluate(self.code(quality).coded, tool)
        return self._scores[key]


def _bracket_search(
    levels: list[int],
    probe: Callable[[int], tuple[bool, float]],
    guess: int,
    goal: float,
    slope: float,
) -> int | None:
    """The lowest level that passes a monotone test. `probe(level)` returns (passes, value)
    where value grows roughly linearly with the level index and crosses `goal` where the
    test flips; each next probe is the secant prediction of that crossing (`slope` per
    index until two points are measured), kept strictly inside the bracket, so every probe
    shrinks it. None: no level passes."""
    lo, hi = -1, len(levels)  # levels[lo] fails, levels[hi] passes (virtual ends)
    points: list[tuple[int, float]] = []
    i = min(range(len(levels)), key=lambda k: abs(levels[k] - guess))
    while True:
        ok, value = probe(levels[i])
        points.append((i, value))
        if ok:
            hi = i
        else:
            lo = i
        if hi - lo <= 1:
            break
        if len(points) >= 2:
            (i1, v1), (i2, v2) = sorted(points[-2:])
            if v2 != v1 and i2 != i1:
                slope = max((v2 - v1) / (i2 - i1), 1e-6)
        x = i + (goal - value) / slope
        nxt = math.ceil(x - 1e-9)
        i = min(max(nxt, lo + 1), hi - 1)
    return None if hi >= len(levels) else levels[hi]


def search(
    src: image_io.SourceImage,
    target: Target,
    *,
    effort: int = DEFAULT_EFFORT,
    scale: int | None = None,
    base: str | None = None,
    upscaler: str | None = None,
    options: dict[str, Any] | None = None,
    device: str = "auto",
    progress: Callable[[int], None] | None = None,
) -> tuple[Coded, str, Explanation]:
    """Run the search; returns the chosen coded LR, its decoder tool and the explanation.
    `progress(n)` is called after each of the n candidates tried."""
    started = time.perf_counter()
    s = _Search(src, target, effort, device, progress)
    configs = _configs(s, scale, base, upscaler, options or {})
    if target.kind == "size":
        best = _search_size(s, configs, int(target.value))
    else:
        best = _search_score(s, configs, options or {})
    unpinned = base is None and not options and scale in (None, 1)
    if unpinned and upscaler in (None, "auto", "bicubic"):
        best = _lossless(s, best)
    pinned_speed = options is not None and "speed" in options
    if s.effort.final_speed is not None and not pinned_speed and best[0].choice.base == "avif":
        best = _refine(s, configs, best)
    s.explain.seconds = time.perf_counter() - started
    coded, tool = best
    chosen = next(
        t for t in reversed(s.explain.trials) if t.choice == coded.choice and t.upscaler == tool
    )
    s.explain.chosen = chosen
    return coded, tool, s.explain


MIN_SIDE = 32  # auto mode downsamples by s only images at least MIN_SIDE * s on each side
LOSSLESS_PIXELS = 1 << 16  # images this small are also tried as PNG: lossless often wins


def _lossless(s: _Search, best: tuple[Coded, str]) -> tuple[Coded, str]:
    """A small image (icons, thumbnails, flat graphics) takes its PNG stream where that is
    no bigger than the lossy winner, or, for a size target, wherever it fits the budget:
    lossless meets every quality target."""
    height, width = s.src.pixels.shape[:2]
    if width * height > LOSSLESS_PIXELS:
        return best
    coded = pipeline.code_base(s.lr(1), Choice(1, "png", None))
    size = s.size(coded, "bicubic")
    if s.target.kind == "size":
        wins = size <= s.target.value
    else:
        wins = size <= s.size(*best)
    s.record(coded, "bicubic", s.scoring.perfect, wins, "lossless")
    return (coded, "bicubic") if wins else best


def _refine(s: _Search, configs: list[_Config], best: tuple[Coded, str]) -> tuple[Coded, str]:
    """Slower AVIF speeds code the same quality better: re-encode the winner's quality
    neighbourhood at the effort's final speed and keep what improves on the winner (fewer
    bytes reaching the goal, or a better score within the budget)."""
    coded, tool = best
    choice = coded.choice
    cfg = next(
        (c for c in configs if c.options == choice.options and c.scale == choice.scale), None
    )
    if cfg is None:  # a rescue's slower re-encode won: it is already the slow encode
        return best
    opts = dict(choice.options) | {"speed": s.effort.final_speed}
    slow = _Config(s, choice.scale, choice.base, opts, cfg.tools)
    idx = slow.levels.index(choice.quality)
    goal, budget = s.explain.goal, s.explain.budget
    win_bytes = s.size(coded, tool)
    win_score = cfg.scored(choice.quality, tool)

    def best_tool(q: int) -> tuple[str, float]:
        scores = {t: slow.scored(q, t) for t in slow.tools}
        name = max(scores, key=lambda t: scores[t])
        return name, scores[name]

    if s.target.kind == "size":
        for i in (idx + 1, idx):
            if i >= len(slow.levels):
                continue
            p = slow.code(slow.levels[i])
            if p.bytes > budget:
                s.record(p.coded, slow.tools[-1], math.nan, False, "final speed: too big")
                continue
            name, score = best_tool(slow.levels[i])
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
        name, score = best_tool(q)
        p = slow.code(q)
        size = s.size(p.coded, name)
        ok = score >= goal and size < win_bytes and (not budget or size <= budget)
        s.record(p.coded, name, score, ok, "final speed")
        if not ok:
            break
        found, win_bytes = (p.coded, name), size
    if found is None and idx >= 1:
        name, score = best_tool(choice.quality)
        p = slow.code(choice.quality)
        size = s.size(p.coded, name)
        ok = score >= goal and size < win_bytes and (not budget or size <= budget)
        s.record(p.coded, name, score, ok, "final speed")
        if ok:
            found = (p.coded, name)
    return found or best


def _configs(
    s: _Search, scale: int | None, base: str | None, upscaler: str | None, options: dict[str, Any]
) -> list[_Config]:
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, int) or scale not in SCALES
    ):
        msg = f"scale must be one of {', '.join(map(str, SCALES))}, got {scale!r}"
        raise UsageError(msg)
    base_name = BASE_CODECS.entry(base).name if base else "avif"
    scales = [scale] if scale else list(s.effort.scales)
    if scale is None:  # downscaling a tiny image saves nothing: the container dominates
        height, width = s.src.pixels.shape[:2]
        scales = [sc for sc in scales if sc == 1 or min(width, height) >= MIN_SIDE * sc]
    out = []
    for sc in scales:
        tools = pipeline.upscaler_candidates(sc, upscaler)
        if not s.effort.learned and upscaler in (None, "auto"):
            tools = tools[-1:]
        if base_name == "avif":
            subs = (
                [options["subsampling"]]
                if "subsampling" in options
                else list(s.effort.subsamplings)
            )
            tunes = s.scoring.avif_tunes if s.effort.all_tunes else s.scoring.avif_tunes[:1]
            if sc > 1:
                subs, tunes = subs[:1], tunes[:1]
            for tune in tunes:
                for sub in subs:
                    opts = {"speed": s.effort.speed, "tune": tune, **options}
                    opts["subsampling"] = sub
                    if sc > 1:  # the x2-x4 tools were trained on Pillow's default AVIF
                        opts = {"speed": s.effort.speed, **options}
                    out.append(_Config(s, sc, base_name, opts, tools))
        else:
            out.append(_Config(s, sc, base_name, dict(options), tools))
    return out


RESCUE_SPEED_STEP = 1  # how much slower the rescue re-encodes (AVIF speed)


def _rescue(
    s: _Search, cfg: _Config, quality: int, goal: float, budget: int
) -> tuple[int, Coded, str] | None:
    """The lowest passing level of `cfg` is over the byte budget: a slower AVIF speed codes
    the same quality in fewer bytes (a few %, about what one quantizer level is worth), so
    re-encode that level one speed slower, and the level below while the goal holds but
    the budget does not. Tried only when nothing else fits."""
    speed = dict(cfg.options).get("speed")
    if cfg.base != "avif" or not isinstance(speed, int) or speed <= 0:
        return None
    opts = dict(cfg.options) | {"speed": speed - RESCUE_SPEED_STEP}
    slow = _Config(s, cfg.scale, cfg.base, opts, cfg.tools)
    for i in range(slow.levels.index(quality), max(-1, slow.levels.index(quality) - 2), -1):
        q = slow.levels[i]
        tool, score = max(((t, slow.scored(q, t)) for t in slow.tools), key=lambda ts: ts[1])
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


def _search_score(s: _Search, configs: list[_Config], options: dict[str, Any]) -> tuple[Coded, str]:
    """Quality and metric targets: the fewest bytes whose score reaches the goal."""
    t = s.target
    budget = 0
    if t.kind == "quality":
        ref_choice = Choice(1, "avif", int(t.value), tuple(sorted(REFERENCE_OPTIONS.items())))
        ref = pipeline.code_base(s.lr(1), ref_choice)
        budget = len(ref.payload)  # the plain AVIF file the stream must not exceed
        goal = s.evaluate(ref, "bicubic")
        s.explain.reference = Trial(ref_choice, "avif file", budget, goal, True)
        # the searched knobs (4:4:4, the metric's tune) reach it some qualities lower
        guess = max(0, int(t.value) - 8)
    else:
        goal = t.value
        guess = 50
    s.explain.goal, s.explain.budget = goal, budget
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
    if best is not None and budget and best[0] > budget and "speed" not in options:
        cfg = next(
            c
            for c in configs
            if c.options == best[1].choice.options and c.scale == best[1].choice.scale
        )
        best = _rescue(s, cfg, best[1].choice.quality, goal, budget) or best
    if best is None or (budget and best[0] > budget):
        return _fallback(s, configs, goal, budget, best)
    return best[1], best[2]


def _bicubic_ceiling(s: _Search, scale: int) -> float:
    """The score of bicubic from the uncoded LR: with the metric's `upscale_margin` for a
    learned upscaler, an upper bound of what any stream at this scale reaches."""
    from srcodec.upscale.classic import resize_bicubic

    h, w = s.src.pixels.shape[:2]
    return s.score(resize_bicubic(s.lr(scale), scale)[:h, :w])


def _min_quality(
    s: _Search, cfg: _Config, goal: float, guess: int, limit: int | None
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

    q = _bracket_search(levels, passes, guess, goal_db, s.scoring.per_level)
    if q is None:
        return None
    learned = [t for t in cfg.tools if t != tool]
    if cfg.scale == 1 and learned:
        q, tool = _learned_steps(s, cfg, levels, q, tool, learned[0], goal)
    return q, tool


def _learned_steps(
    s: _Search, cfg: _Config, levels: list[int], q: int, plain: str, learned: str, goal: float
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


def _max_fitting(s: _Search, cfg: _Config, budget: int) -> int | None:
    """The highest quality of `cfg` whose stream fits in `budget` bytes (encodes only)."""
    plain = cfg.tools[-1]

    def too_big(q: int) -> tuple[bool, float]:
        p = cfg.code(q)
        s.record(p.coded, plain, math.nan, p.bytes <= budget, "size probe")
        return p.bytes > budget, math.log2(p.bytes)

    guess = cfg.levels[len(cfg.levels) // 2]
    first_over = _bracket_search(
        cfg.levels, too_big, guess, math.log2(budget), LOG2_BYTES_PER_LEVEL
    )
    idx = len(cfg.levels) if first_over is None else cfg.levels.index(first_over)
    return None if idx == 0 else cfg.levels[idx - 1]


def _fallback(
    s: _Search,
    configs: list[_Config],
    goal: float,
    budget: int,
    best: tuple[int, Coded, str] | None,
) -> tuple[Coded, str]:
    """No candidate reaches the goal within the budget: with a budget (quality target),
    the best score that fits; else the highest quality tried."""
    if budget:
        try:
            return _search_size(s, configs, budget)
        except UsageError:
            pass  # tiny images: the container alone outweighs the AVIF file's savings
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


def _search_size(s: _Search, configs: list[_Config], budget: int) -> tuple[Coded, str]:
    """Size targets: per configuration the highest quality that fits, then the best score."""
    s.explain.budget = budget
    best: tuple[float, Coded, str] | None = None
    smallest: int | None = None
    tried = {c.scale for c in configs}
    # below what the configured scales can reach, larger scales are the only way down
    extra = [
        _Config(
            s, sc, configs[0].base, dict(configs[0].options), pipeline.upscaler_candidates(sc, None)
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


def encode(
    image: image_io.ImageLike | image_io.SourceImage,
    target: Target,
    *,
    effort: int = DEFAULT_EFFORT,
    keep_metadata: bool = True,
    **pins: Any,
) -> tuple[bytes, Explanation]:
    """Search (`pins`: the keywords of `search` but effort), then write the chosen stream."""
    if isinstance(effort, bool) or not isinstance(effort, int) or effort not in EFFORTS:
        msg = f"effort must be an integer 1-9, got {effort!r}"
        raise UsageError(msg)
    src = image if isinstance(image, image_io.SourceImage) else image_io.load(image)
    coded, tool, explanation = search(src, target, effort=effort, **pins)
    stream = pipeline.assemble(src, coded, tool, keep_metadata, metric=target.metric)
    if EFFORTS[effort].strength and target.metric == "psnr":
        stream = _with_strength(src, coded, tool, stream, explanation, keep_metadata, pins)
    return stream, explanation


def _with_strength(
    src: image_io.SourceImage,
    coded: Coded,
    tool: str,
    stream: bytes,
    explanation: Explanation,
    keep_metadata: bool,
    pins: dict[str, Any],
) -> bytes:
    """The stream with chunk S where it pays for its bytes and fits the byte budget."""
    from srcodec.upscale import UPSCALERS

    if not UPSCALERS.entry(tool).get().synthesizes:
        return stream
    device = pins.get("device", "auto")
    picked = pipeline.choose_strength(src, coded, tool, len(stream), device=device)
    if picked.chunk is None:
        explanation.strength = "not written (no tile size paid for its bytes)"
        return stream
    longer = pipeline.assemble(
        src, coded, tool, keep_metadata, strength=picked.chunk, metric=explanation.target.metric
    )
    if explanation.budget and len(longer) > explanation.budget:
        explanation.strength = f"not written ({len(longer)} B would exceed the budget)"
        return stream
    explanation.strength = (
        f"+{picked.gain_db:.4f} dB for {picked.chunk_bytes} B, "
        f"{picked.chunk.tile}-pixel tiles, gains {'/'.join(map(str, picked.chunk.gains))}/32"
    )
    return longer
