"""Write a sweep's outputs: one CompressAI-format JSON per curve, a CSV of every per-image
row, and bd.md, the BD-rate/BD-PSNR table against the anchors."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any

from srcodec.image_io import write_atomic
from srcodec.rd.bd import BDUndefinedError, bd_psnr, bd_rate, monotone, overlap
from srcodec.rd.metrics import BD_METRICS, QUALITY_KEYS, TIME_KEYS, rd_metric

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from srcodec.rd.curve import Curve

CSV_COLUMNS = (
    "codec",
    "kind",
    "settings",
    "quality",
    "image",
    "width",
    "height",
    "bytes",
    "bpp",
    *QUALITY_KEYS,
    *TIME_KEYS,
)


def slug(name: str) -> str:
    """A file name for a curve: "srcodec avif x2 bicubic" -> "srcodec-avif-x2-bicubic"."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.") or "curve"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no inf/NaN: lossless PSNR, MS-SSIM of tiny images
    return value


def write_json(curve: Curve, rows: Sequence[dict[str, Any]], folder: Path) -> Path:
    """CompressAI's layout (`name`, `description`, `results`), plus `quality` (the knob per
    point), `images` and `per_image` (this curve's rows). Loadable back as a reference."""
    data = {
        "name": curve.name,
        "description": curve.description,
        "quality": curve.qualities,
        "images": curve.images,
        "results": {k: [_clean(v) for v in vals] for k, vals in curve.results.items()},
        "per_image": [
            {k: _clean(v) for k, v in row.items()} for row in rows if row["codec"] == curve.name
        ],
    }
    path = folder / f"{slug(curve.name)}.json"
    return _write_text(path, json.dumps(data, indent=2) + "\n")


def _write_text(path: Path, text: str) -> Path:
    """Atomically (temp file + rename): an interrupted run never leaves half a file."""
    blob = text.encode()
    write_atomic(path, lambda f: f.write(blob))
    return path


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _clean(row.get(k)) for k in CSV_COLUMNS})
    return _write_text(path, buf.getvalue())


def quality_series(curve: Curve, metric: str) -> list[float | None]:
    """The y values BD works on (the metric's `to_bd`): PSNR and SSIMULACRA 2 as they are;
    MS-SSIM in dB, -10 log10(1 - MS-SSIM), the usual way to make it roughly linear in
    log-rate near 1."""
    to_bd = rd_metric(metric).to_bd
    return [None if v is None else to_bd(v) for v in curve.series(metric)]


def _cell(fn: Callable[..., float], anchor: Curve | None, curve: Curve, metric: str) -> str:
    """BD value plus the range it integrates over, e.g. "-62.0 % (24.0–28.6 dB)"."""
    if anchor is None:
        return "-"
    if anchor is curve:
        return "anchor"
    args = (anchor.series("bpp"), quality_series(anchor, metric))
    args += (curve.series("bpp"), quality_series(curve, metric))
    try:
        value = fn(*args)
    except BDUndefinedError as exc:
        return "no overlap" if str(exc).startswith("no overlap") else "too few points"
    unit = rd_metric(metric).unit
    if fn is bd_rate:
        lo, hi = overlap(*args, axis="psnr") or (math.nan, math.nan)
        return f"{value:+.1f} % ({lo:.1f}–{hi:.1f} {unit})"
    lo, hi = overlap(*args, axis="rate") or (math.nan, math.nan)
    return f"{value:+.2f} {unit} ({lo:.2f}–{hi:.2f} bpp)"


def _points(curve: Curve, metric: str) -> str:
    total = sum(1 for v in quality_series(curve, metric) if v is not None)
    kept = len(monotone(curve.series("bpp"), quality_series(curve, metric))[0])
    return str(total) if kept == total else f"{kept} of {total}"


def _span(values: Sequence[float | None], fmt: str) -> str:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    return f"{min(vals):{fmt}}–{max(vals):{fmt}}" if vals else "-"


def bd_table(
    curves: Sequence[Curve],
    anchors: Sequence[tuple[str, Curve | None]],
    metric: str = "psnr-rgb",
) -> str:
    """Markdown: one row per curve (curves without `metric` skipped); BD-rate and the BD
    quality delta of `metric` (a BD metric of srcodec.rd.metrics) against each anchor."""
    quality, delta = rd_metric(metric).label, rd_metric(metric).delta
    head = ["curve", "points", "bpp", quality]
    for label, anchor in anchors:
        shown = anchor.label if anchor else f"{label} (absent)"
        head += [f"BD-rate vs {shown}", f"{delta} vs {shown}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for curve in curves:
        if not any(v is not None for v in quality_series(curve, metric)):
            continue
        cells = [
            curve.label,
            _points(curve, metric),
            _span(curve.series("bpp"), ".3f"),
            _span(quality_series(curve, metric), ".2f"),
        ]
        for _, anchor in anchors:
            cells += [_cell(fn, anchor, curve, metric) for fn in (bd_rate, bd_psnr)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _matched(measured: Curve, published: Curve, tolerance: float) -> bool:
    a, b = measured.series("bpp"), published.series("bpp")
    return len(a) == len(b) > 0 and all(
        x is not None and y is not None and abs(x - y) <= tolerance * y
        for x, y in zip(sorted(a, key=_num), sorted(b, key=_num), strict=True)
    )


def _num(value: float | None) -> float:
    return math.inf if value is None else value


def _deltas(m: Curve, p: Curve, metric: str, relative: bool = False) -> list[float]:
    """`metric` of m minus p, point by point with both curves in rate order; % if relative."""
    om = sorted(range(len(m.series("bpp"))), key=lambda i: _num(m.series("bpp")[i]))
    op = sorted(range(len(p.series("bpp"))), key=lambda i: _num(p.series("bpp")[i]))
    mv, pv = m.series(metric), p.series(metric)
    if len(mv) != len(om) or len(pv) != len(op):
        return []
    out = []
    for i, j in zip(om, op, strict=True):
        x, y = mv[i], pv[j]
        if x is not None and y is not None:
            out.append((x - y) / y * 100 if relative else x - y)
    return out


def method_check(curves: Sequence[Curve], tolerance: float = 0.02) -> str:
    """Markdown: each measured curve whose points match a published curve's rates within
    `tolerance` (the same codec and quality grid), compared point by point in rate order.
    This is how the harness is checked against published figures (e.g. Pillow JPEG
    q=5..95 against CompressAI's jpeg.json)."""
    lines = []
    for m in (c for c in curves if not c.published):
        for p in (c for c in curves if c.published and _matched(m, c, tolerance)):
            dr = _deltas(m, p, "bpp", relative=True)
            dp = _deltas(m, p, "psnr-rgb")
            ds = _deltas(m, p, "ms-ssim-rgb")
            mean_p = f"{sum(dp) / len(dp):+.3f} dB" if dp else "-"
            worst_p = f"{max(dp, key=abs):+.3f} dB" if dp else "-"
            worst_s = f"{max(ds, key=abs):+.4f}" if ds else "-"
            worst_r = max(map(abs, dr))
            lines.append(
                f"| {m.label} | {p.label} | {len(dr)} | {worst_r:.2f} % | {mean_p} | "
                f"{worst_p} | {worst_s} |"
            )
    if not lines:
        return ""
    head = (
        "| measured | published | points | max abs Δbpp | mean ΔPSNR-RGB | "
        "largest ΔPSNR-RGB | largest ΔMS-SSIM |\n|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


BD_NOTES = """\
BD-rate: average bitrate change at equal quality (negative = fewer bits than the anchor);
BD-PSNR (BD-SSIMULACRA2, ...): average quality change at equal bitrate (positive = better).
Bjøntegaard deltas with monotone piecewise-cubic (PCHIP) interpolation of log(bpp) vs the
metric over the range both curves cover, shown in brackets: the metric's range for BD-rate,
bpp for BD-PSNR. The two can disagree in sign
when those ranges are narrow or differ. "no overlap": the curves share no range.
"points: k of n": n-k points were dropped because they cost more bits than a cheaper point
of the same curve without a higher PSNR. "(published)" curves are figures read from
reference JSON files, not measured here.
"""


RATIO_PSNR = (26.0, 28.0, 30.0, 32.0, 35.0, 38.0)


def ratio_table(curves: Sequence[Curve], anchor: Curve | None, metric: str = "psnr-rgb") -> str:
    """Rate change vs `anchor` at fixed PSNR (RATIO_PSNR), one row per measured curve;
    "-" where the PSNR is outside either curve."""
    if anchor is None:
        return ""
    from srcodec.rd.bd import rate_ratio

    head = "| curve | " + " | ".join(f"{p:g} dB" for p in RATIO_PSNR) + " |"
    lines = [head, "|---|" + "---|" * len(RATIO_PSNR)]
    a_rate, a_q = anchor.series("bpp"), anchor.series(metric)
    for curve in curves:
        if curve.published or curve is anchor:
            continue
        cells = []
        for at in RATIO_PSNR:
            r = rate_ratio(a_rate, a_q, curve.series("bpp"), curve.series(metric), at)
            cells.append("-" if r is None else f"{r:+.1f} %")
        lines.append(f"| {curve.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_bd_md(
    curves: Sequence[Curve],
    anchors: Sequence[tuple[str, Curve | None]],
    path: Path,
    title: str = "",
) -> Path:
    """bd.md: one section per BD metric (SSIMULACRA 2 first), then the rate table at fixed
    PSNR and the check against published curves."""
    text = f"# {title or 'BD-rate table'}\n"
    for metric in BD_METRICS:
        text += f"\n## {metric.label}\n\n{metric.note}\n\n{bd_table(curves, anchors, metric.key)}"
    text += f"\n{BD_NOTES}"
    second = anchors[-1][1] if anchors else None
    table = ratio_table(curves, second)
    if table:
        text += (
            f"\n## Rate at fixed PSNR-RGB vs {second.label}\n\nRate change at each PSNR "
            "(PCHIP of log bpp vs PSNR on each curve; negative = fewer bits):\n\n" + table
        )
    check = method_check(curves)
    if check:
        text += (
            "\n## Same grid as a published curve\n\nMeasured curves whose rates match a "
            "published curve's within 2 % at every point (same codec, same quality grid), "
            "compared point by point (measured minus published):\n\n" + check
        )
    return _write_text(path, text)
