"""The auto encoder: per image, the cheapest stream that reaches the quality asked.

`pipeline` codes one given choice; this package decides what to try. A target is one of

    quality Q       at least the quality (--metric) the default base's plain file (AVIF,
                    Pillow defaults, speed 6) reaches on this image at quality Q, and never
                    more bytes than that file
    a metric value  the smallest stream whose decoded image reaches it (ssimulacra2, psnr,
                    ms-ssim: srcodec.metrics.scoring)
    size            the best quality whose stream fits in the byte budget, never over

Candidates are configurations (scale, base, the knobs the base codec offers for the metric:
BaseCodec.search_knobs) x quality (BaseCodec.levels) x decoder tool (a learned
restoration/upscaler or the plain decode), bounded by an effort level 1-9 like `cjxl -e` /
`avifenc -s`. The quality of each configuration is found by a bracketed secant search on
the monotone quality -> score (or quality -> bytes) curve, with the cheap plain decode
first; the learned tool is tried last, to buy one or two quality steps back. Manual mode
(`encode_manual`) is the same search with every dimension pinned.

Modules, one job each: targets (what to reach), explanation (what was tried), bracket (the
pure bracketed search), effort (the plans 1-9 and manual mode's), session (one search's
state and its configurations), core (the score and size searches), finish (lossless,
final speed, chunk S and the stream), proxy (large images: the search on a sample of
strips, confirmed at full size), run (the entry points).
"""

from __future__ import annotations

from srcodec.search.effort import DEFAULT_EFFORT, EFFORTS, Effort
from srcodec.search.explanation import Explanation, Trial
from srcodec.search.run import encode, encode_manual
from srcodec.search.targets import DEFAULT_QUALITY, METRICS, Target, parse_target

__all__ = [
    "DEFAULT_EFFORT",
    "DEFAULT_QUALITY",
    "EFFORTS",
    "METRICS",
    "Effort",
    "Explanation",
    "Target",
    "Trial",
    "encode",
    "encode_manual",
    "parse_target",
]
