"""What an auto encode aims at: a quality, a metric value or a byte budget (`Target`),
parsed from the keywords of `srcodec.encode` (`parse_target`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from srcodec.base import DEFAULT_BASE
from srcodec.errors import UsageError
from srcodec.metrics.scoring import SCORINGS, scoring

if TYPE_CHECKING:
    from collections.abc import Mapping

METRICS = tuple(SCORINGS)
DEFAULT_QUALITY = 60  # the default target "AVIF at quality 60", as avifenc's default -q


@dataclass(frozen=True)
class Target:
    kind: str  # "quality", "size", a metric name (a score to reach) or "pinned"
    value: float  # Q, bytes or the score (pinned: unused)
    metric: str  # what the encoder scores candidates with

    def describe(self) -> str:
        if self.kind == "pinned":
            return f"the given coding, decoder tool by {self.metric}"
        if self.kind == "quality":
            plain = f"plain {DEFAULT_BASE.upper()} q{int(self.value)}"
            return f"{self.metric} of {plain}, no more bytes"
        if self.kind == "size":
            return f"best {self.metric} within {int(self.value)} bytes"
        return f"{self.kind} >= {self.value:g}{scoring(self.kind).unit}"


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
