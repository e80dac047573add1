"""Quality-bpp plots, one per BD metric of srcodec.rd.metrics (matplotlib, Agg: no display).

Measured curves are solid with markers; published ones dashed, labelled "(published)".
The x axis is logarithmic (low rates, where downsampling codecs compete, stay readable) and
spans the measured rates, so published curves that run to 3-4 bpp do not squeeze the
measured range; the legend sits outside the axes. MS-SSIM is shown in dB,
-10 log10(1 - MS-SSIM), as CompressAI's plots do, because values near 1 are unreadable.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from PIL import Image

from srcodec.image_io import write_atomic
from srcodec.rd.metrics import rd_metric

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from srcodec.rd.curve import Curve


_TICKS = (0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8)


def _points(curve: Curve, metric: str) -> tuple[list[float], list[float]]:
    to_bd = rd_metric(metric).to_bd
    xs, ys = [], []
    for x, y in zip(curve.series("bpp"), curve.series(metric), strict=False):
        if y is not None and math.isfinite(y):
            y = to_bd(y)
        if x is not None and y is not None and math.isfinite(x) and math.isfinite(y):
            xs.append(x)
            ys.append(y)
    order = sorted(range(len(xs)), key=xs.__getitem__)
    return [xs[i] for i in order], [ys[i] for i in order]


def plot(
    curves: Sequence[Curve], metric: str, path: Path, *, title: str = "", dpi: int = 110
) -> Path:
    """One figure of `metric` (a key of srcodec.rd.metrics) against bpp."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    shown = [c for c in curves if not c.published] or list(curves)
    rates = [x for c in shown for x in _points(c, metric)[0] if x > 0]
    xmin, xmax = (min(rates) / 1.15, max(rates) * 1.15) if rates else (None, None)
    fig, ax = plt.subplots(figsize=(10, 5.6))
    # measured: strong tab10 colours; published: the muted Set2/Dark2 ones, dashed
    strong = plt.get_cmap("tab10").colors
    muted = plt.get_cmap("Dark2").colors + plt.get_cmap("Set2").colors
    counts = {False: 0, True: 0}
    ymin, ymax = math.inf, -math.inf
    for curve in curves:
        xs, ys = _points(curve, metric)
        if not xs:
            continue
        palette = muted if curve.published else strong
        color = palette[counts[curve.published] % len(palette)]
        counts[curve.published] += 1
        style = (
            {"linestyle": "--", "linewidth": 1.1, "marker": None, "alpha": 0.85}
            if curve.published
            else {"linestyle": "-", "linewidth": 1.6, "marker": "o", "markersize": 3}
        )
        ax.plot(xs, ys, color=color, label=curve.label, **style)
        visible = [y for x, y in zip(xs, ys, strict=True) if xmax is None or xmin <= x <= xmax]
        ymin, ymax = min(ymin, *visible, math.inf), max(ymax, *visible, -math.inf)
    ax.set_xscale("log")
    if xmin is not None:
        ax.set_xlim(xmin, xmax)
        ax.set_xticks([t for t in _TICKS if xmin <= t <= xmax])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if math.isfinite(ymin) and math.isfinite(ymax):
        pad = 0.03 * (ymax - ymin or 1)
        ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_xlabel("bits per pixel (log scale)")
    ax.set_ylabel(rd_metric(metric).label or metric)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    else:  # e.g. MS-SSIM of images below its 161 px minimum
        ax.text(0.5, 0.5, "no finite points", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    # a 256-colour palette PNG: a third of the size, small enough to commit next to a README
    small = io.BytesIO()
    with Image.open(buf) as img:
        img.convert("RGB").quantize(256).save(small, format="PNG", optimize=True)
    write_atomic(path, lambda f: f.write(small.getvalue()))
    return path
