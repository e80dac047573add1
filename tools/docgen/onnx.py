"""Blocks for docs/onnx.md: the torch-free runtime's targets against today's torch decoder
(the JSON tools/bench_onnx.py writes)."""

from __future__ import annotations

import json
from typing import Any

from docgen import REPO


def targets_table(result: dict[str, Any]) -> str:
    """One row per target: the torch side, the ONNX Runtime side, their ratio, the target."""
    size, bare = result["size_bytes"], result["bare_venv_bytes"]
    rows = [
        (
            "install size (du of a fresh venv)",
            f"{size['torch'] / 2**20:.0f} MiB",
            f"{size['ort'] / 2**20:.0f} MiB",
            f"{size['ort'] / size['torch']:.2f}x",
            "<= 0.20x",
        ),
        (
            f"install size above a bare venv ({bare / 2**20:.0f} MiB: pip, setuptools)",
            f"{(size['torch'] - bare) / 2**20:.0f} MiB",
            f"{(size['ort'] - bare) / 2**20:.0f} MiB",
            f"{(size['ort'] - bare) / (size['torch'] - bare):.2f}x",
            "<= 0.20x",
        ),
    ]
    for kind, target in (("cold_decode_s", "<= 0.5 s"), ("warm_decode_s", "<= 0.70x")):
        for label in sorted({k.rsplit(" ", 1)[0] for k in result[kind]}):
            t, o = result[kind][f"{label} torch"], result[kind][f"{label} ort"]
            what = f"{kind.split('_')[0]} decode, {label}"
            rows.append((what, f"{t:.3f} s", f"{o:.3f} s", f"{o / t:.2f}x", target))
    for kind in ("cold_encode_s", "warm_encode_s"):
        t, o = result[kind]["torch"], result[kind]["ort"]
        what = f"{kind.split('_')[0]} default encode"
        rows.append((what, f"{t:.3f} s", f"{o:.3f} s", f"{o / t:.2f}x", "<= 1.00x"))
    lines = ["| measure | torch (today) | ONNX Runtime | ratio | target |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    load = result["load_average"]
    lines.append("")
    lines.append(
        f"{result['image']}, {result['threads']} threads; median of {result['rounds']} rounds "
        f"that alternate the two sides (warm decode: median of {result['repeat']} decodes after "
        f"one warm-up per process; warm encode: one encode after one warm-up); load average "
        f"{load['before']:.1f} before, {load['after']:.1f} after: {result['note']}. torch "
        "imported by the ONNX Runtime side: "
        + ("never" if not any(v for k, v in result["torch_imported"].items() if k.endswith("ort"))
           else "yes")
        + ". Command: `" + result["command"] + "`."
    )  # fmt: skip
    return "\n".join(lines) + "\n"


def targets(file: str) -> str:
    return targets_table(json.loads((REPO / file).read_text()))
