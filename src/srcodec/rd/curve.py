"""An RD curve: per-quality-point metrics averaged over images, measured or published."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from srcodec.rd.metrics import QUALITY_KEYS, TIME_KEYS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from srcodec.rd.spec import CodecSpec

# JSON result keys, CompressAI's names; the per-image mean of each is one curve point
METRICS = ("bpp", *QUALITY_KEYS, *TIME_KEYS)


@dataclass
class Curve:
    name: str
    description: str
    results: dict[str, list[float | None]]  # metric -> one value per point
    published: bool = False  # a figure read from a reference JSON, not measured here
    qualities: list[int] = field(default_factory=list)
    kind: str = ""  # spec kind for measured curves ("jpeg", "srcodec", ...)
    images: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} (published)" if self.published else self.name

    def series(self, metric: str) -> list[float | None]:
        return self.results.get(metric, [])


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean; None if any value is not finite (JSON has no inf/NaN)."""
    vals = list(values)
    if not vals or not all(math.isfinite(v) for v in vals):
        return None
    return math.fsum(vals) / len(vals)


def from_rows(spec: CodecSpec, rows: Sequence[dict[str, Any]], description: str) -> Curve:
    """Average `rows` of this spec per quality, as CompressAI does (PSNR per image, then
    the mean of the dB values). A quality is a point only when every image has a row."""
    by_quality: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["codec"] == spec.name:
            by_quality[row["quality"]].append(row)
    images = max((len(v) for v in by_quality.values()), default=0)
    qualities = [q for q in spec.qualities if len(by_quality.get(q, ())) == images and images]
    results = {
        m: [mean(r[m] for r in by_quality[q]) for q in qualities]
        for m in METRICS
        if all(r.get(m) is not None for q in qualities for r in by_quality[q])
    }
    return Curve(spec.name, description, results, False, qualities, spec.kind, images)


def find(curves: Sequence[Curve], name: str) -> Curve | None:
    """The curve `name` refers to, measured curves first: an exact (case-insensitive) name
    or label, else the shortest name that starts with `name` as a word ("jpeg" finds
    "jpeg subsampling=4:4:4" or "JPEG (published)", never "jpeg2000")."""
    key = name.lower()
    for published in (False, True):
        group = [c for c in curves if c.published == published]
        for curve in group:
            if key in (curve.name.lower(), curve.label.lower()):
                return curve
        hits = [c for c in group if c.name.lower().startswith(f"{key} ")]
        if hits:
            return min(hits, key=lambda c: len(c.name))
    return None
