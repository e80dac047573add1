"""Blocks made from `srcodec rd` result folders (one CompressAI-format JSON per curve, as
`srcodec rd --out` writes them, per-image rows left out when copied into docs/measured)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from docgen import REPO
from srcodec.rd import reference, report
from srcodec.rd.bd import bd_rate
from srcodec.rd.curve import find

if TYPE_CHECKING:
    from pathlib import Path

    from srcodec.rd.curve import Curve


def load_run(run: str) -> list[Curve]:
    """Every curve of a result folder, sorted by file name, as measured curves."""
    curves = [reference.load_file(path) for path in sorted((REPO / run).glob("*.json"))]
    if not curves:
        msg = f"{run}: no curve JSON files"
        raise FileNotFoundError(msg)
    for curve in curves:
        curve.published = False  # `srcodec rd` measured them
    return curves


def _curve(curves: list[Curve], name: str, run: str) -> Curve:
    found = find(curves, name)
    if found is None:
        msg = f"{run}: no curve named {name!r}"
        raise KeyError(msg)
    return found


def bd_table(run: str, metric: str = "ssimulacra2", anchor: str = "avif") -> str:
    """Every curve's BD-rate and BD quality delta against `anchor`, at equal `metric`."""
    curves = load_run(run)
    return report.bd_table(curves, [(anchor, _curve(curves, anchor, run))], metric)


def bd_value(run: str, curve: str, metric: str = "ssimulacra2", anchor: str = "avif") -> str:
    """One BD-rate, e.g. "-12.6 %", for a sentence."""
    curves = load_run(run)
    base, other = _curve(curves, anchor, run), _curve(curves, curve, run)
    value = bd_rate(
        base.series("bpp"),
        report.quality_series(base, metric),
        other.series("bpp"),
        report.quality_series(other, metric),
    )
    return f"{value:+.1f} %"


def per_quality(run: str, metric: str = "butteraugli-3norm", digits: str = "2") -> str:
    """`metric` per quality point of each curve that has it (e.g. Butteraugli's 3-norm)."""
    files = sorted((REPO / run).glob("*.json"))
    rows, grid = [], []
    for path in files:
        data = json.loads(path.read_text())
        values = data["results"].get(metric)
        if values:
            grid = grid or data["quality"]
            cells = " | ".join("-" if v is None else f"{v:.{digits}f}" for v in values)
            rows.append(f"| {data['name']} | {cells} |")
    if not rows:
        return f"(no {metric} column in {run})\n"
    head = "| curve | " + " | ".join(f"Q{q}" for q in grid) + " |"
    return "\n".join([head, "|---|" + "---|" * len(grid), *rows]) + "\n"


def plot_run(run: str, metric: str, out: Path, title: str) -> Path:
    """The run's `metric`-vs-bpp figure, drawn by `srcodec rd`'s own plot."""
    from srcodec.rd.plot import plot

    return plot(load_run(run), metric, out, title=title)
