"""Blocks for the SSIMULACRA 2 page: the metric against the reference C++, the per-image
promise check and what the perceptual restore filters buy on their own."""

from __future__ import annotations

import json
import statistics

from docgen import REPO


def ssimulacra2_validation(file: str) -> str:
    """Ours minus the reference C++ score, by distortion kind (the JSON `make_docs.py
    --measure-ssimulacra2` writes: one row per shared reference pair)."""
    pairs = json.loads((REPO / file).read_text())
    by_kind: dict[str, list[float]] = {}
    for pair in pairs:
        by_kind.setdefault(pair["kind"], []).append(pair["ours"] - pair["reference"])
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


def _promise_rows(file: str) -> list[dict]:
    rows = json.loads((REPO / file).read_text())
    for r in rows:  # the promise, from the numbers themselves
        r["kept"] = (
            r["srcodec_bytes"] <= r["avif_bytes"]
            and r["srcodec"]["ssimulacra2"] >= r["avif"]["ssimulacra2"]
        )
    return rows


def promise_kept(file: str) -> str:
    """The promise's count, e.g. "71 of 72", for a sentence."""
    rows = _promise_rows(file)
    return f"{sum(r['kept'] for r in rows)} of {len(rows)}"


def promise(file: str) -> str:
    """The promise per (image, quality) pair: how often it held, bytes and points, time."""
    rows = _promise_rows(file)
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
    opinions = []
    for side in ("psnr", "butteraugli"):
        values = [
            (r["srcodec"][side], r["avif"][side])
            for r in rows
            if r["srcodec"][side] is not None and r["avif"][side] is not None
        ]
        if values:
            better = sum((a >= b) if side == "psnr" else (a <= b) for a, b in values)
            opinions.append(f"{side}: at least as good on {better} of {len(values)}")
    if opinions:
        text += "Second opinions (not promised): " + "; ".join(opinions) + ".\n"
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


def restore_tool(file: str) -> str:
    """BD-rate of each restore model against the plain decode, per AVIF setting (the JSON
    `tools/eval_restore_perceptual.py --json` writes)."""
    from srcodec.rd.bd import BDUndefinedError, bd_rate

    curves = json.loads((REPO / file).read_text())
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
