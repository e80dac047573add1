"""The browser decoder's timing table (docs/browser.md), from tools/bench_browser.py's JSON."""

from __future__ import annotations

import json
from typing import Any

from docgen import REPO


def browser_table(file: str) -> str:
    """How the run was made, then its table (`rows_table`)."""
    result = json.loads((REPO / file).read_text())
    return (
        f"Measured with `{result['command']}`: {result['browser']}, WASM, "
        f"{result['threads']} threads, {result['machine']}; models: {result['models']}. "
        f"WebGPU: {result['webgpu']}.\n\n" + rows_table(result)
    )


def rows_table(result: dict[str, Any]) -> str:
    """One row per stream: warm and cold decode in the browser, the Python decoder's warm time
    and the browser's own AVIF decode, all from the same run (tools/bench_browser.py prints
    it too)."""
    lines = [
        "| stream (Kodak) | size | .srz bytes | browser, warm (in the networks) | browser, cold "
        "| Python decoder, warm | browser's AVIF decode (AVIF bytes) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        w, h = row["size"]
        lines.append(
            f"| {row['case']} | {w}x{h} | {row['stream_bytes']:,} | {row['warm_ms']:.0f} ms "
            f"({row['network_ms']:.0f} ms) | {row['cold_ms']:.0f} ms | {row['python_ms']:.0f} ms "
            f"| {row['avif_ms']:.0f} ms ({row['avif_bytes']:,}) |"
        )
    return "\n".join(lines) + "\n"
