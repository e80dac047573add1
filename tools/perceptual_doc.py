"""Write docs/perceptual.md from result files: the SSIMULACRA 2 validation, Kodak RD in
SSIMULACRA 2 (PSNR and Butteraugli beside), the per-image promise check and the
perceptual restore filter's training history. Nothing in the page is typed by hand.

    python tools/perceptual_doc.py --rd results/kodak-ssimulacra2 \
        --promise results/promise-kodak.json --tool results/restore-perceptual-kodak.json \
        --effort6 results/kodak-ssimulacra2-effort6 \
        --training training/restore-perceptual training/restore-x2-perceptual \
        --out docs/perceptual.md

The commands that made each input are in the page, next to what they made.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec import metrics
from srcodec.rd import reference, report
from srcodec.rd.curve import find
from srcodec.rd.metrics import BD_METRICS

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def validation_section() -> str:
    """SSIMULACRA 2 against the reference C++ scores, by distortion kind (computed now)."""
    root = SHARED / "reference" / "ssimulacra2"
    if not (root / "scores.csv").exists():
        return "(../shared/reference/ssimulacra2 is not beside the checkout)\n"
    by_kind: dict[str, list[float]] = {}
    with (root / "scores.csv").open() as f:
        for row in csv.DictReader(f):
            with Image.open(SHARED / "datasets" / row["original"]) as im:
                a = np.asarray(im.convert("RGB"))
            with Image.open(root / row["distorted"]) as im:
                b = np.asarray(im.convert("RGB"))
            kind = row["distorted"].split("-")[1]
            diff = metrics.ssimulacra2(a, b) - float(row["ssimulacra2"])
            by_kind.setdefault(kind, []).append(diff)
    lines = ["| distortion | pairs | mean difference | largest difference |", "|---|---|---|---|"]
    for kind, diffs in sorted(by_kind.items()):
        lines.append(
            f"| {kind} | {len(diffs)} | {statistics.mean(diffs):+.3f} | "
            f"{max(diffs, key=abs):+.3f} |"
        )
    every = [d for ds in by_kind.values() for d in ds]
    lines.append(
        f"| all | {len(every)} | {statistics.mean(every):+.3f} | {max(every, key=abs):+.3f} |"
    )
    return "\n".join(lines) + "\n"


def rd_section(folder: Path) -> str:
    curves = [reference.load_file(p) for p in sorted(folder.glob("*.json"))]
    for c in curves:
        c.published = False  # measured here: `srcodec rd` wrote them
    anchor = find(curves, "avif")
    anchors = [("avif", anchor)]
    out = ""
    keys = [m.key for m in BD_METRICS if any(c.series(m.key) for c in curves)][:2]
    for key in keys:
        out += f"\n{report.bd_table(curves, anchors, key)}"
    return out


def butteraugli_section(folder: Path) -> str:
    """Butteraugli 3-norm per quality point of each curve that has it (lower is better)."""
    lines = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        values = data["results"].get("butteraugli-3norm")
        if values:
            lines.append(f"| {data['name']} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
    if not lines:
        return "(no Butteraugli column: butteraugli_main was not installed)\n"
    grid = json.loads(next(folder.glob("*.json")).read_text())["quality"]
    head = "| curve | " + " | ".join(f"Q{q}" for q in grid) + " |"
    return "\n".join([head, "|---|" + "---|" * len(grid), *lines]) + "\n"


def tool_section(path: Path) -> str:
    """BD-rate of each restore model against the plain decode, per AVIF setting."""
    from srcodec.rd.bd import BDUndefinedError, bd_rate

    curves = json.loads(path.read_text())
    lines = [
        "| AVIF setting | model | BD-rate, SSIMULACRA 2 | BD-rate, PSNR | Butteraugli 3-norm, "
        "plain -> model |",
        "|---|---|---|---|---|",
    ]
    for setting, per in curves.items():
        plain = per["plain"]
        for name, curve in per.items():
            if name == "plain":
                continue
            cells = []
            for key in ("ssimulacra2", "psnr"):
                try:
                    value = bd_rate(plain["bpp"], plain[key], curve["bpp"], curve[key])
                    cells.append(f"{value:+.2f} %")
                except BDUndefinedError as exc:
                    cells.append(str(exc))
            ba = " ".join(
                f"{a:.2f}->{b:.2f}"
                for a, b in zip(plain["butteraugli"], curve["butteraugli"], strict=True)
            )
            lines.append(f"| {setting} | {name} | {cells[0]} | {cells[1]} | {ba or '-'} |")
    return "\n".join(lines) + "\n"


def promise_section(path: Path) -> str:
    rows = json.loads(path.read_text())
    for r in rows:  # the promise, from the numbers themselves
        r["kept"] = (
            r["srcodec_bytes"] <= r["avif_bytes"]
            and r["srcodec"]["ssimulacra2"] >= r["avif"]["ssimulacra2"]
        )
    kept = sum(r["kept"] for r in rows)
    saved = [1 - r["srcodec_bytes"] / r["avif_bytes"] for r in rows]
    gained = [r["srcodec"]["ssimulacra2"] - r["avif"]["ssimulacra2"] for r in rows]
    ratio = [r["srcodec_seconds"] / r["avif_seconds"] for r in rows]
    times = [r["srcodec_seconds"] for r in rows]
    text = (
        f"Kept on **{kept} of {len(rows)}** (image, quality) pairs. Bytes saved against the "
        f"AVIF file: median {statistics.median(saved):.1%} (range {min(saved):.1%} to "
        f"{max(saved):.1%}); SSIMULACRA 2 above it: median {statistics.median(gained):+.2f} "
        f"(range {min(gained):+.2f} to {max(gained):+.2f}). Encode time: median "
        f"{statistics.median(times):.2f} s per image, {statistics.median(ratio):.1f}x "
        "Pillow AVIF's in the same run.\n"
    )
    by_quality = sorted({r["quality"] for r in rows})
    text += (
        "Encode time per image by quality (warm process except the first image): "
        + "; ".join(
            f"Q{q} mean {statistics.mean(t):.2f} s, max {max(t):.2f} s"
            for q in by_quality
            for t in [[r["srcodec_seconds"] for r in rows if r["quality"] == q]]
        )
        + ".\n"
    )
    worse = []
    for side in ("psnr", "butteraugli"):
        values = [
            (r["srcodec"][side], r["avif"][side])
            for r in rows
            if r["srcodec"][side] is not None and r["avif"][side] is not None
        ]
        if not values:
            continue
        better = sum((a >= b) if side == "psnr" else (a <= b) for a, b in values)
        worse.append(f"{side}: at least as good on {better} of {len(values)}")
    if worse:
        text += "Second opinions (not promised): " + "; ".join(worse) + ".\n"
    misses = [r for r in rows if not r["kept"]]
    if misses:
        text += "\n| image | Q | AVIF bytes | srcodec bytes | AVIF S2 | srcodec S2 |\n"
        text += "|---|---|---|---|---|---|\n"
        for r in misses:
            text += (
                f"| {r['image']} | {r['quality']} | {r['avif_bytes']} | {r['srcodec_bytes']} | "
                f"{r['avif']['ssimulacra2']:.2f} | {r['srcodec']['ssimulacra2']:.2f} |\n"
            )
    return text


def training_section(run: Path) -> str:
    log = run / "log.jsonl"
    if not log.exists():
        return "(no training log)\n"
    points = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    keys = sorted({k for p in points for k in p.get("per_variant", {}) if not k.endswith("-psnr")})
    head = "| CPU-h | step | mean SSIMULACRA 2 gain | " + " | ".join(keys) + " | PSNR gain, same |"
    lines = [head, "|" + "---|" * (len(keys) + 4)]
    for p in points:
        per = p.get("per_variant", {})
        psnr = [per.get(f"{k}-psnr") for k in keys]
        psnr_text = " / ".join("-" if v is None else f"{v:+.2f}" for v in psnr)
        cells = ["-" if per.get(k) is None else f"{per[k]:+.2f}" for k in keys]
        lines.append(
            f"| {p['cpu_hours']:.2f} | {p['step']} | {p['score_db']:+.3f} | "
            + " | ".join(cells)
            + f" | {psnr_text} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rd", type=Path, required=True)
    p.add_argument("--promise", type=Path, required=True)
    p.add_argument("--tool", type=Path, required=True, help="eval_restore_perceptual.py JSON")
    p.add_argument("--effort6", type=Path, help="an rd folder with effort 6 on a subset")
    p.add_argument("--training", type=Path, nargs="+", required=True, help="run folders")
    p.add_argument("--out", type=Path, default=Path("docs/perceptual.md"))
    args = p.parse_args(argv)
    template = (Path(__file__).with_name("perceptual_doc.md")).read_text()
    page = template.format(
        validation=validation_section(),
        rd=rd_section(args.rd),
        promise=promise_section(args.promise),
        butteraugli=butteraugli_section(args.rd),
        tool=tool_section(args.tool),
        effort6=rd_section(args.effort6) if args.effort6 else "(not measured)\n",
        training="\n".join(f"`{run}`:\n\n{training_section(run)}" for run in args.training),
    )
    args.out.write_text(page)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
