"""Blocks for the encoder's cost on large photos (tools/bench_encode_large.py)."""

from __future__ import annotations

import json

from docgen import REPO


def encode_large(file: str) -> str:
    """Per image: default-encode time against Pillow AVIF q60's in the same child process,
    peak memory and what was chosen; one table per run in the file (before/after)."""
    runs = json.loads((REPO / file).read_text())
    text = ""
    for label, run in runs.items():
        text += (
            f"\n{label} (`{run['command']}`; {run['cpus']} CPUs shared, 1-minute load "
            f"{run['load_average_1min_at_end']} at the end):\n\n"
            "| image | size | srcodec s | AVIF q60 s | ratio | peak RSS MiB | warm RSS MiB "
            "| bytes | AVIF q60 bytes | chosen |\n|---|---|---|---|---|---|---|---|---|---|\n"
        )
        for r in run["rows"]:
            text += (
                f"| {r['image']} | {r['size']} | {r['srcodec_s']:.1f} | {r['avif_q60_s']:.1f} "
                f"| {r['ratio']:.1f}x | {r['peak_rss_mib']} | {r['warm_rss_mib']} "
                f"| {r['srcodec_bytes']} | {r['avif_q60_bytes']} | {r['chosen']} |\n"
            )
    return text.lstrip("\n")
