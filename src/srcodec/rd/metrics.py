"""The quality metrics `srcodec rd` measures: one row each, in the order tables show them.

A row says how to measure the metric on (original, decoded), the JSON/CSV key, and, for
metrics with BD tables and a plot, the scale BD works on and how to label it. The sweep,
the curves, bd.md, the plots and the HTML report all read this table, so adding a metric
is a row here (and its function in srcodec.metrics).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from srcodec import metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np


def _identity(value: float) -> float | None:
    return value


def _ms_ssim_db(value: float) -> float | None:
    """-10 log10(1 - MS-SSIM), CompressAI's way to make values near 1 readable."""
    return -10 * math.log10(1 - value) if 0 <= value < 1 else None


@dataclass(frozen=True)
class RdMetric:
    key: str  # JSON/CSV key (CompressAI's names where it has one)
    measure: Callable[[np.ndarray, np.ndarray], float | None]
    label: str = ""  # axis and table heading of the BD scale; "" : no BD table or plot
    delta: str = ""  # name of the BD quality delta, e.g. BD-PSNR
    unit: str = ""  # of the BD scale
    to_bd: Callable[[float], float | None] = _identity
    plot_file: str = ""
    note: str = ""  # what bd.md says about this metric's section

    @property
    def has_bd(self) -> bool:
        return bool(self.label)


def _butteraugli(a: np.ndarray, b: np.ndarray) -> float | None:
    from srcodec.metrics import butteraugli

    if butteraugli.missing() is not None:
        return None
    return butteraugli.butteraugli(a, b).pnorm3


def _psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    return metrics.psnr_y(a, b, shave=0)


RD_METRICS: tuple[RdMetric, ...] = (
    RdMetric(
        "ssimulacra2",
        metrics.ssimulacra2,
        "SSIMULACRA 2",
        "BD-SSIMULACRA2",
        "points",
        plot_file="ssimulacra2_bpp.png",
        note="SSIMULACRA 2 (srcodec.metrics, matches the reference C++ within 0.1 point): "
        "the perceptual metric, 100 = identical, ~70 high quality, ~50 medium, ~30 low. "
        "BD-rate at equal SSIMULACRA 2; BD-SSIMULACRA2 in points at equal rate.",
    ),
    RdMetric(
        "psnr-rgb",
        metrics.psnr,
        "PSNR-RGB (dB)",
        "BD-PSNR",
        "dB",
        plot_file="psnr_bpp.png",
        note="BD-rate at equal PSNR-RGB; BD-PSNR in dB at equal rate.",
    ),
    RdMetric("psnr-y", _psnr_y),
    RdMetric(
        "ms-ssim-rgb",
        metrics.ms_ssim,
        "MS-SSIM (dB)",
        "BD-MS-SSIM",
        "dB",
        _ms_ssim_db,
        "msssim_bpp.png",
        "The same on MS-SSIM-RGB in dB, -10 log10(1 - MS-SSIM): BD-rate at equal MS-SSIM, "
        "BD-MS-SSIM in dB at equal rate.",
    ),
    # libjxl's Butteraugli where butteraugli_main is installed (empty elsewhere); lower is
    # better, so it is a column and a second opinion, not a BD table
    RdMetric("butteraugli-3norm", _butteraugli),
)
BD_METRICS = tuple(m for m in RD_METRICS if m.has_bd)
QUALITY_KEYS = tuple(m.key for m in RD_METRICS)
TIME_KEYS = ("encoding_time", "decoding_time")


def rd_metric(key: str) -> RdMetric:
    return next(m for m in RD_METRICS if m.key == key)


def measured_here() -> str:
    """Which optional metrics this machine measures, for the row cache: a row cached
    without Butteraugli is measured again once it is installed."""
    from srcodec.metrics import butteraugli

    return "butteraugli" if butteraugli.missing() is None else ""
