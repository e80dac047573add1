"""What each quality metric means to the encoder's search and its callers.

One table, so the search, the CLI, batch and the Pillow plugin name no metric: a metric's
score function, the value identical images get, how a target value is checked, a scale on
which scores grow about linearly with AVIF's quantizer index (for the secant search) and a
prior slope on it. Adding a metric is one row here (plus its function); the base codecs
say which of their knobs serve it (BaseCodec.search_knobs).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from srcodec.errors import UsageError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    import numpy as np


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    from srcodec.metrics import psnr

    return psnr(a, b)


def _ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    from srcodec.metrics import ms_ssim_any

    return ms_ssim_any(a, b)


def _ssimulacra2(a: np.ndarray, b: np.ndarray) -> float:
    from srcodec.metrics.ssimulacra2_np import ssimulacra2

    return ssimulacra2(a, b)


def _ssimulacra2_against(reference: np.ndarray) -> Callable[[np.ndarray], float]:
    from srcodec.metrics.ssimulacra2_np import Reference

    return Reference(reference).score


@dataclass(frozen=True)
class Scoring:
    name: str  # CLI/API name: --metric NAME, --target-NAME
    score: Callable[[np.ndarray, np.ndarray], float]  # (original, decoded) -> higher is better
    perfect: float  # the score of a lossless decode
    low: float  # targets must be > low ...
    high: float  # ... and <= high
    unit: str  # printed after a target value
    per_level: float  # prior slope of `linear(score)` per AVIF quantizer step
    linear: Callable[[float], float]  # score -> a scale roughly linear in quantizer index
    # what a learned x2+ tool adds at most over bicubic of the clean LR image: a scale whose
    # bicubic ceiling plus this misses the goal is skipped (inf: never skipped)
    upscale_margin: float = math.inf
    # prepares one original for scoring many decodes of it; None: `score` each time
    prepare: Callable[[np.ndarray], Callable[[np.ndarray], float]] | None = None

    @property
    def target_keyword(self) -> str:
        return "target_" + self.name.replace("-", "_")

    def against(self, reference: np.ndarray) -> Callable[[np.ndarray], float]:
        """decoded -> score against `reference`, for a search that scores many decodes."""
        if self.prepare is not None:
            return self.prepare(reference)
        return functools.partial(self.score, reference)

    def check_target(self, value: float) -> float:
        if not self.low < value <= self.high:
            bounds = f"({self.low:g}, {self.high:g}]{self.unit}"
            msg = f"target-{self.name} must be in {bounds}, got {value}"
            raise UsageError(msg)
        return float(value)


def _capped(value: float) -> float:
    return 0.0 if math.isnan(value) else min(value, 100.0)  # identical images: PSNR inf


def _ms_ssim_db(value: float) -> float:
    """-10 log10(1 - MS-SSIM), as `srcodec rd` plots it."""
    return 0.0 if math.isnan(value) else -10 * math.log10(max(1e-10, 1 - value))


SCORINGS: dict[str, Scoring] = {
    s.name: s
    for s in (
        # SSIMULACRA 2 first: the default, the metric that tracks what people see
        Scoring("ssimulacra2", _ssimulacra2, 100.0, -math.inf, 100.0, "", 1.6, _capped,
                upscale_margin=10.0, prepare=_ssimulacra2_against),
        Scoring("psnr", _psnr, math.inf, 0.0, 99.0, " dB", 0.35, _capped, upscale_margin=1.5),
        Scoring("ms-ssim", _ms_ssim, 1.0, 0.0, 1.0 - 1e-12, "", 0.35, _ms_ssim_db),
    )
}  # fmt: skip
DEFAULT_METRIC = "ssimulacra2"


def scoring(name: str) -> Scoring:
    try:
        return SCORINGS[name]
    except KeyError:
        msg = f"metric must be one of {', '.join(SCORINGS)}, got {name!r}"
        raise UsageError(msg) from None


def add_target_flags(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--target-NAME for every metric (dest: its `target_keyword`), for encode and batch."""
    for spec in SCORINGS.values():
        group.add_argument(
            f"--target-{spec.name}",
            dest=spec.target_keyword,
            type=float,
            metavar="DB" if spec.unit else "X",
            help=f"smallest stream whose {spec.name} >= this",
        )
