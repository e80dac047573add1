"""The whole `srcodec rd` job as a library call: sweep, average, compare, write outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from srcodec.errors import UsageError
from srcodec.rd import curve as curves_mod
from srcodec.rd import report
from srcodec.rd.metrics import BD_METRICS
from srcodec.rd.spec import CodecSpec, parse

if TYPE_CHECKING:
    from collections.abc import Sequence

    from srcodec.rd.curve import Curve

# The Kodak grid of the fixed-configuration results (docs/history.md): every curve
# spans about 0.05-1.5 bpp.
DEFAULT_SPECS = (
    "jpeg:quality=5/10/15/20/30/40/50/60/75/85",
    "webp:quality=0/5/10/20/30/45/60/75/85/92",
    "avif:quality=5/10/20/30/40/50/60/70/80",
    "jpeg2000:quality=24:40:2",
    "srcodec:base=avif,scale=2,upscaler=bicubic,quality=10/20/30/40/50/60/70/80/90/95",
    "srcodec:base=webp,scale=2,upscaler=bicubic,quality=0/10/20/30/40/50/60/70/80/90/95",
    "srcodec:base=jpeg,scale=2,upscaler=bicubic,quality=10/20/30/40/50/60/70/80/90/95",
)
SECOND_ANCHOR = "avif"


@dataclass
class RDOutcome:
    curves: list[Curve] = field(default_factory=list)  # measured, then published
    files: list[Path] = field(default_factory=list)
    computed: int = 0
    cached: int = 0
    anchors: list[tuple[str, Curve | None]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # unreadable images


def describe(spec: CodecSpec, images: int, dataset: str) -> str:
    import PIL
    from PIL import features

    from srcodec import __version__
    from srcodec.rd.codecs import pillow_options

    lib = {
        "jpeg": "libjpeg_turbo",
        "webp": "webp",
        "avif": "avif",
        "jpeg2000": "jpg_2000",
        "png": "zlib",
    }
    if spec.kind == "srcodec":
        base = spec.params["base"]
        how = (
            f"srcodec {__version__} pipeline.encode/decode, bpp from the whole .srz file; "
            f"base layer via Pillow {PIL.__version__} ({base} "
            f"{features.version(lib.get(base, base))})"
        )
        settings = spec.settings()
    elif spec.kind == "auto":
        how = (
            f"srcodec {__version__} auto encoder (srcodec.encode), bpp from the whole .srz "
            f"file; AVIF via Pillow {PIL.__version__} (libavif {features.version('avif')})"
        )
        settings = spec.settings()
    else:
        version = features.version(lib[spec.kind])
        how = f"Pillow {PIL.__version__} ({spec.kind} library {version}), full resolution"
        opts = pillow_options(spec, 0)
        shown = {k: v for k, v in opts.items() if k not in ("quality", "quality_layers")}
        settings = ", ".join(f"{k}={v}" for k, v in shown.items())
    grid = "/".join(map(str, spec.qualities))
    if spec.kind == "jpeg2000":
        grid += " (dB target)" if spec.params["mode"] == "dB" else " (compression ratio)"
    return (
        f"{spec.name}. {how}; settings: {settings or 'defaults'}; "
        f"quality {grid}; {images} images of {dataset}"
    )


def _anchors(
    all_curves: Sequence[Curve], anchor: str, explicit: bool
) -> list[tuple[str, Curve | None]]:
    first = curves_mod.find(all_curves, anchor)
    if first is None and explicit:
        names = ", ".join(c.label for c in all_curves)
        msg = f"--anchor {anchor!r} matches no curve; curves: {names}"
        raise UsageError(msg)
    out = [(anchor, first)]
    measured = [c for c in all_curves if not c.published]
    second = curves_mod.find(measured, SECOND_ANCHOR)
    if second is not None and second is not first:
        out.append((SECOND_ANCHOR, second))
    return out


def run_rd(
    dataset: Path,
    out: Path,
    specs: Sequence[CodecSpec | str] = DEFAULT_SPECS,
    *,
    jobs: int = 1,
    limit: int | None = None,
    reference: Path | None = None,
    anchor: str | None = None,
    progress: bool = False,
    plots: bool = True,
    html: bool = False,
) -> RDOutcome:
    """Measure `specs` on the images in `dataset`; write JSON/CSV/plots/bd.md into `out`.
    `anchor` (default "jpeg") names the BD reference curve by name or name prefix; BD is also
    given against the measured "avif" curve when there is one. `plots=False` skips the PNGs;
    `html=True` also writes report.html, the plots and BD tables as one self-contained page."""
    from srcodec.rd import plot, sweep
    from srcodec.rd import reference as ref

    dataset, out = Path(dataset), Path(out)
    parsed = [parse(s) if isinstance(s, str) else s for s in specs]
    if not parsed:
        msg = "no codec specs given"
        raise UsageError(msg)
    seen: dict[str, str] = {}
    for spec in parsed:
        if spec.name in seen:
            msg = f"codec specs {seen[spec.name]!r} and {spec.text!r} share the name {spec.name!r}"
            raise UsageError(msg)
        seen[spec.name] = spec.text
    published = ref.load(reference) if reference is not None else []
    placeholders = [curves_mod.Curve(s.name, "", {}, kind=s.kind) for s in parsed]
    _anchors([*placeholders, *published], anchor or "jpeg", anchor is not None)  # fail early
    images, skipped = sweep.readable(sweep.list_images(dataset, limit))
    if not images:
        msg = f"no image in {dataset} could be read ({skipped[0][0].name}: {skipped[0][1]})"
        raise UsageError(msg)
    out.mkdir(parents=True, exist_ok=True)
    result = sweep.run(images, parsed, out / ".cache", jobs=jobs, progress=progress)
    name = Path(dataset).resolve().name
    measured = [
        curves_mod.from_rows(s, result.rows, describe(s, len(images), name)) for s in parsed
    ]
    all_curves = [*measured, *published]
    outcome = RDOutcome(all_curves, [], result.computed, result.cached, skipped=skipped)
    outcome.anchors = _anchors(all_curves, anchor or "jpeg", anchor is not None)
    files = outcome.files
    files += [report.write_json(c, result.rows, out) for c in measured]
    files.append(report.write_csv(result.rows, out / "rows.csv"))
    title = f"{name} ({len(images)} images)"
    pngs = []
    if plots:
        pngs += [plot.plot(all_curves, m.key, out / m.plot_file, title=title) for m in BD_METRICS]
    files += pngs
    bd_md = report.write_bd_md(all_curves, outcome.anchors, out / "bd.md", title)
    files.append(bd_md)
    if html:
        from srcodec.rd.html_report import write_html

        files.append(write_html(bd_md, pngs, all_curves, title, out / "report.html"))
    return outcome
