"""Render every documentation page (README.md, docs/*.md) from the tracked result files in
docs/measured/ and the committed training logs; nothing in a generated block is typed by hand.

    python tools/make_docs.py                 # rewrite the generated blocks of every page
    python tools/make_docs.py --check         # exit 1 if a page is not what it renders to
    python tools/make_docs.py --plots         # also redraw the figures (docs/img/)
    python tools/make_docs.py --import-rd results/kodak-ssimulacra2 \
        --import-file results/promise-kodak.json   # take in a new measurement
    python tools/make_docs.py --measure-ssimulacra2   # the metric vs the reference C++

Each page says, next to each block, the command that measured what the block shows. Edit
the text around a block by hand; a block's arguments are in its opening marker.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docgen import REPO, blocks, browser, encode, importing, onnx, perceptual, rd, training

# block name -> renderer; a page names these in its `<!-- make_docs: NAME ... -->` markers
RENDERERS: dict[str, blocks.Renderer] = {
    "bd_table": rd.bd_table,
    "browser_table": browser.browser_table,
    "encode_large": encode.encode_large,
    "bd_value": rd.bd_value,
    "onnx_targets": onnx.targets,
    "per_quality": rd.per_quality,
    "promise": perceptual.promise,
    "promise_kept": perceptual.promise_kept,
    "restore_tool": perceptual.restore_tool,
    "ssimulacra2_validation": perceptual.ssimulacra2_validation,
    "training_history": training.history,
    "perceptual_history": training.perceptual_history,
    "training_latest": training.latest,
}

# (result folder, metric, figure, title): redrawn by --plots with `srcodec rd`'s plot
RD_FIGURES = [
    (
        "docs/measured/kodak-ssimulacra2",
        "ssimulacra2",
        "docs/img/rd-kodak-ssimulacra2.png",
        "Kodak, 24 images: SSIMULACRA 2 against bpp",
    ),
]
# (training run, figure, y label): redrawn by --plots with tools/plot_training.py
TRAINING_FIGURES = [
    ("training/restore-x1", "docs/img/restore-x1-training.png", None),
    ("training/restore-x2", "docs/img/restore-x2-training.png", None),
    (
        "training/learned-base",
        "docs/img/learned-base-training.png",
        "validation BD-PSNR vs Pillow JPEG (dB)",
    ),
]


def pages() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def render_all(check: bool) -> list[Path]:
    """Render each page; write it (or, with `check`, only report it) where it changed."""
    changed = []
    for page in pages():
        text = page.read_text()
        new = blocks.render_page(text, RENDERERS, str(page.relative_to(REPO)))
        if new != text:
            changed.append(page)
            if not check:
                page.write_text(new)
    return changed


def draw_figures() -> None:
    import plot_training

    for run, metric, out, title in RD_FIGURES:
        rd.plot_run(run, metric, REPO / out, title)
    for run, out, label in TRAINING_FIGURES:
        extra = ["--score-label", label] if label else []
        plot_training.main([str(REPO / run), "--out", str(REPO / out), *extra])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 on a stale page")
    p.add_argument("--plots", action="store_true", help="redraw docs/img figures too")
    p.add_argument("--import-rd", type=Path, nargs="+", default=[], metavar="RD_FOLDER")
    p.add_argument("--import-file", type=Path, nargs="+", default=[], metavar="JSON")
    p.add_argument("--measure-ssimulacra2", action="store_true")
    p.add_argument("--shared", type=Path, default=importing.SHARED, help="datasets, references")
    args = p.parse_args(argv)
    for folder in args.import_rd:
        print(f"imported {importing.import_rd(folder).relative_to(REPO)}")
    for path in args.import_file:
        print(f"imported {importing.import_file(path).relative_to(REPO)}")
    if args.measure_ssimulacra2:
        print(f"wrote {importing.measure_ssimulacra2(args.shared).relative_to(REPO)}")
    changed = render_all(args.check)
    for page in changed:
        verb = "stale" if args.check else "wrote"
        print(f"{verb} {page.relative_to(REPO)}")
    if args.plots and not args.check:
        draw_figures()
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
