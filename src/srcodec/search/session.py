"""One search's state (`Search`): the source and its downsampled versions, the trials;
the candidate configurations it covers (`configs`), each probed by quality (`Config`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from srcodec import image_io, pipeline
from srcodec.base import BASE_CODECS, DEFAULT_BASE
from srcodec.errors import UnsupportedError, UsageError
from srcodec.format.header import SCALES
from srcodec.metrics.scoring import scoring
from srcodec.pipeline import Choice, Coded
from srcodec.search.explanation import Explanation, Trial

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from srcodec.format.strength import StrengthChunk
    from srcodec.search.effort import Effort
    from srcodec.search.proxy import Sample
    from srcodec.search.targets import Target

MIN_SIDE = 32  # auto mode downsamples by s only images at least MIN_SIDE * s on each side


class Search:
    """State of one search: the source, its downsampled versions and the trials.
    `model_metric`: the metric recorded for the tool's model (None: its default model);
    `sample`: score only these strips of each full-size decode (a large image's check)."""

    def __init__(
        self,
        src: image_io.SourceImage,
        target: Target,
        effort: Effort,
        device: str,
        progress: Callable[[int], None] | None = None,
        *,
        level: int,
        model_metric: str | None,
        sample: Sample | None = None,
    ) -> None:
        self.src, self.target, self.effort, self.device = src, target, effort, device
        self.progress = progress
        self.model_metric = model_metric
        self.scoring = scoring(target.metric)
        self.sample = sample
        self.score = self.scoring.against(self.sampled(src.pixels))
        self.explain = Explanation(target, level)
        self.alpha = None if src.alpha is None else image_io.png_bytes_of(src.alpha)
        self._lr: dict[int, np.ndarray] = {}
        # the reconstructions of the latest coded choice, by tool (chunk S reuses them)
        self._outputs: tuple[Choice | None, dict[str, np.ndarray]] = (None, {})

    def sampled(self, image: np.ndarray) -> np.ndarray:
        """What is scored of a full-size image: all of it, or the sample's strips."""
        return image if self.sample is None else self.sample.stack(image)

    def lr(self, scale: int) -> np.ndarray:
        if scale not in self._lr:
            self._lr[scale] = pipeline.downsample(self.src, scale)
        return self._lr[scale]

    def stream(
        self,
        coded: Coded,
        upscaler: str,
        keep_metadata: bool = True,
        strength: StrengthChunk | None = None,
    ) -> bytes:
        """The .srz stream of `coded` decoded with `upscaler` (`strength`: chunk S)."""
        return pipeline.assemble(
            self.src,
            coded,
            upscaler,
            keep_metadata,
            alpha_png=self.alpha,
            strength=strength,
            metric=self.model_metric,
        )

    def size(self, coded: Coded, upscaler: str) -> int:
        return len(self.stream(coded, upscaler))

    def reconstruct(self, coded: Coded, upscaler: str) -> np.ndarray:
        """What the decoder outputs for `coded` with `upscaler`, or the sample's strips of it
        (UnsupportedError: a tool not trained for this base)."""
        choice, outputs = self._outputs
        if choice != coded.choice:
            outputs = {}
            self._outputs = (coded.choice, outputs)
        if upscaler in outputs:
            return outputs[upscaler]
        if self.sample is None:
            outputs[upscaler] = pipeline.reconstruct(
                coded, upscaler, self.src.size, self.device, metric=self.model_metric
            )
        else:
            outputs[upscaler] = self.sample.reconstruct(
                coded, upscaler, self.device, self.model_metric
            )
        return outputs[upscaler]

    def evaluate(self, coded: Coded, upscaler: str) -> float:
        """The score of `coded` decoded with `upscaler`; -inf where the tool cannot decode it."""
        try:
            return self.score(self.reconstruct(coded, upscaler))
        except UnsupportedError:
            return -math.inf

    def record(
        self, coded: Coded, upscaler: str, score: float, passed: bool, note: str = ""
    ) -> Trial:
        trial = Trial(coded.choice, upscaler, self.size(coded, upscaler), score, passed, note)
        self.explain.trials.append(trial)
        if self.progress is not None:
            self.progress(len(self.explain.trials))
        return trial


@dataclass
class Point:
    quality: int
    coded: Coded
    bytes: int


def quality_levels(base: str) -> list[int]:
    """The qualities of `base` worth probing (BaseCodec.levels)."""
    return BASE_CODECS.entry(base).get().levels()


class Config:
    """One configuration (scale, base, knobs, decoder tools) and its probes by quality."""

    def __init__(
        self, search: Search, scale: int, base: str, options: dict[str, Any], tools: list[str]
    ) -> None:
        self.search, self.scale, self.base = search, scale, base
        self.options = tuple(sorted(options.items()))
        self.tools = tools  # learned tool first (if any), plain last
        self.levels = quality_levels(base)
        self.points: dict[int, Point] = {}
        self._scores: dict[tuple[int, str], float] = {}

    def code(self, quality: int) -> Point:
        if quality not in self.points:
            choice = Choice(self.scale, self.base, quality, self.options)
            coded = pipeline.code_base(self.search.lr(self.scale), choice)
            plain = self.tools[-1]
            self.points[quality] = Point(quality, coded, self.search.size(coded, plain))
        return self.points[quality]

    def scored(self, quality: int, tool: str) -> float:
        """Score at `quality` with `tool` (cached per tool)."""
        key = (quality, tool)
        if key not in self._scores:
            self._scores[key] = self.search.evaluate(self.code(quality).coded, tool)
        return self._scores[key]

    def best_tool(self, quality: int) -> tuple[str, float]:
        """The tool that scores best at `quality` (the first of a tie) and its score."""
        scores = {tool: self.scored(quality, tool) for tool in self.tools}
        name = max(scores, key=lambda tool: scores[tool])
        return name, scores[name]

    def with_options(self, options: dict[str, Any]) -> Config:
        """The same configuration with other knobs (e.g. a slower speed)."""
        return Config(self.search, self.scale, self.base, options, self.tools)


def configs(
    s: Search, scale: int | None, base: str | None, upscaler: str | None, options: dict[str, Any]
) -> list[Config]:
    """The configurations the effort covers: per scale, the base codec's knob settings for
    the metric (BaseCodec.search_knobs) at the effort's speed, with `options` pinned."""
    if scale is not None and (
        isinstance(scale, bool) or not isinstance(scale, int) or scale not in SCALES
    ):
        msg = f"scale must be one of {', '.join(map(str, SCALES))}, got {scale!r}"
        raise UsageError(msg)
    entry = BASE_CODECS.entry(base or DEFAULT_BASE)
    codec = entry.get()
    scales = [scale] if scale else list(s.effort.scales)
    if scale is None:  # downscaling a tiny image saves nothing: the container dominates
        height, width = s.src.pixels.shape[:2]
        scales = [sc for sc in scales if sc == 1 or min(width, height) >= MIN_SIDE * sc]
    speed = {}
    if codec.speed_knob is not None and s.effort.speed is not None:
        speed = {codec.speed_knob: s.effort.speed}
    out: list[Config] = []
    for sc in scales:
        tools = pipeline.upscaler_candidates(sc, upscaler, entry.name)
        if not s.effort.learned and upscaler in (None, "auto"):
            tools = tools[-1:]
        for knobs in codec.search_knobs(s.target.metric, s.effort.breadth, sc):
            cfg = Config(s, sc, entry.name, speed | knobs | options, tools)
            if all((c.scale, c.options) != (cfg.scale, cfg.options) for c in out):
                out.append(cfg)  # a pinned option can make two settings one
    return out
