"""Bjøntegaard deltas (VCEG-M33) with monotone piecewise-cubic (PCHIP) interpolation.

BD-rate: the average rate difference, in percent, of `test` against `anchor` at equal
quality. Both curves are read as log(rate) against PSNR, interpolated with PCHIP (as in
the later VCEG/JVET practice, instead of M33's cubic polynomial fit, which can oscillate),
and integrated over the PSNR range both curves cover. Negative = `test` needs fewer bits.

BD-PSNR: the average PSNR difference in dB at equal rate: PSNR against log(rate),
integrated over the log-rate range both curves cover. Positive = `test` is better.

Points are cleaned first (`monotone`): non-finite values dropped, sorted by rate, and a
point kept only if its PSNR is strictly above every cheaper kept point. A dropped point
costs more bits for no better quality than a cheaper one (a codec's quality knob that
stops helping, or noise at the top end): it is not on the RD frontier, and keeping it
would make log-rate a non-function of PSNR.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence


class BDUndefinedError(ValueError):
    """The delta does not exist: the curves do not overlap, or one has < 2 usable points."""


def monotone(
    rate: Sequence[float | None], quality: Sequence[float | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier points: finite, rate > 0, sorted by rate, quality strictly increasing."""
    pairs = sorted(
        (float(r), float(q))
        for r, q in zip(rate, quality, strict=True)
        if r is not None and q is not None and math.isfinite(r) and math.isfinite(q) and r > 0
    )
    kept: list[tuple[float, float]] = []
    for r, q in pairs:
        if not kept or q > kept[-1][1]:
            if kept and r == kept[-1][0]:  # same rate, better quality: replace
                kept[-1] = (r, q)
            else:
                kept.append((r, q))
    arr = np.array(kept, dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _integral(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    from scipy.interpolate import PchipInterpolator

    return float(PchipInterpolator(x, y).integrate(lo, hi))


def _prepare(
    rate: Sequence[float | None], psnr: Sequence[float | None], which: str
) -> tuple[np.ndarray, np.ndarray]:
    r, p = monotone(rate, psnr)
    if len(r) < 2:
        msg = f"{which} curve has {len(r)} usable point(s); BD needs at least 2"
        raise BDUndefinedError(msg)
    return np.log(r), p


def overlap(
    anchor_rate: Sequence[float | None],
    anchor_psnr: Sequence[float | None],
    test_rate: Sequence[float | None],
    test_psnr: Sequence[float | None],
    axis: str,
) -> tuple[float, float] | None:
    """The range BD integrates over: PSNR in dB (axis "psnr", BD-rate) or bpp (axis
    "rate", BD-PSNR) that both cleaned curves cover; None when empty or undefined."""
    ra, pa = monotone(anchor_rate, anchor_psnr)
    rt, pt = monotone(test_rate, test_psnr)
    if len(ra) < 2 or len(rt) < 2:
        return None
    a, t = (pa, pt) if axis == "psnr" else (ra, rt)
    lo, hi = max(a[0], t[0]), min(a[-1], t[-1])
    return (float(lo), float(hi)) if hi > lo else None


def _mean_difference(
    anchor_rate: Sequence[float | None],
    anchor_psnr: Sequence[float | None],
    test_rate: Sequence[float | None],
    test_psnr: Sequence[float | None],
    axis: str,
) -> float:
    """The mean of test minus anchor over the range both cleaned curves cover: of log rate
    against PSNR (axis "psnr", BD-rate) or of PSNR against log rate (axis "rate", BD-PSNR).
    Raises BDUndefinedError without overlap."""
    la, pa = _prepare(anchor_rate, anchor_psnr, "anchor")
    lt, pt = _prepare(test_rate, test_psnr, "test")
    # x: the axis integrated over; y: the quantity averaged
    (xa, ya), (xt, yt) = ((pa, la), (pt, lt)) if axis == "psnr" else ((la, pa), (lt, pt))
    lo, hi = max(xa[0], xt[0]), min(xa[-1], xt[-1])
    if hi <= lo:
        if axis == "psnr":
            msg = (
                f"no overlap: anchor PSNR {xa[0]:.2f}-{xa[-1]:.2f} dB, "
                f"test {xt[0]:.2f}-{xt[-1]:.2f} dB"
            )
        else:
            msg = (
                f"no overlap: anchor {math.exp(xa[0]):.3f}-{math.exp(xa[-1]):.3f} bpp, "
                f"test {math.exp(xt[0]):.3f}-{math.exp(xt[-1]):.3f} bpp"
            )
        raise BDUndefinedError(msg)
    return (_integral(xt, yt, lo, hi) - _integral(xa, ya, lo, hi)) / (hi - lo)


def bd_rate(
    anchor_rate: Sequence[float | None],
    anchor_psnr: Sequence[float | None],
    test_rate: Sequence[float | None],
    test_psnr: Sequence[float | None],
) -> float:
    """BD-rate of test vs anchor, in percent. Raises BDUndefinedError without overlap."""
    diff = _mean_difference(anchor_rate, anchor_psnr, test_rate, test_psnr, "psnr")
    return (math.exp(diff) - 1) * 100


def bd_psnr(
    anchor_rate: Sequence[float | None],
    anchor_psnr: Sequence[float | None],
    test_rate: Sequence[float | None],
    test_psnr: Sequence[float | None],
) -> float:
    """BD-PSNR of test vs anchor, in dB. Raises BDUndefinedError without overlap."""
    return _mean_difference(anchor_rate, anchor_psnr, test_rate, test_psnr, "rate")


def rate_ratio(
    anchor_rate: Sequence[float | None],
    anchor_psnr: Sequence[float | None],
    test_rate: Sequence[float | None],
    test_psnr: Sequence[float | None],
    at: float,
) -> float | None:
    """Rate of test over rate of anchor at quality `at` (PCHIP of log rate vs quality on
    each cleaned curve), in percent change; None when `at` is outside either curve."""
    from scipy.interpolate import PchipInterpolator

    ra, pa = monotone(anchor_rate, anchor_psnr)
    rt, pt = monotone(test_rate, test_psnr)
    if len(ra) < 2 or len(rt) < 2 or not (pa[0] <= at <= pa[-1] and pt[0] <= at <= pt[-1]):
        return None
    la = float(PchipInterpolator(pa, np.log(ra))(at))
    lt = float(PchipInterpolator(pt, np.log(rt))(at))
    return (math.exp(lt - la) - 1) * 100
