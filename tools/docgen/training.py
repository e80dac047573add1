"""Blocks made from the committed training logs: `training/<run>/log.jsonl`, one JSON line
per validation, written by srcodec.train.loop (step, cpu_hours, score_db, per_variant)."""

from __future__ import annotations

import json
import math

from docgen import REPO


def read_log(run: str) -> list[dict]:
    path = REPO / run / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _cell(value: object, signed: bool) -> str:
    """A number as the tables show it; a list (one value per quality) joined with " / "."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, list):
        return " / ".join(_cell(v, False) for v in value)
    if isinstance(value, float):
        return f"{value:+.3f}" if signed else f"{value:.2f}"
    return str(value)


def history(run: str, score: str = "validation score", skip: str = "") -> str:
    """Every validation of a run: CPU-hours, step, the score and each per-variant value
    (a column per key, in log order; keys listed comma-separated in `skip` are left out),
    and the log's note where one is written."""
    points = read_log(run)
    skipped = set(filter(None, skip.split(",")))
    keys: list[str] = []
    for point in points:
        keys += [k for k in point.get("per_variant", {}) if k not in keys and k not in skipped]
    notes = any(point.get("note") for point in points)
    head = ["CPU-h", "step", score, *keys, *(["note"] if notes else [])]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for point in points:
        per = point.get("per_variant", {})
        signed = [not isinstance(per.get(k), list) for k in keys]
        cells = [
            f"{point['cpu_hours']:.2f}",
            str(point["step"]),
            _cell(point.get("score_db"), True),
            *(_cell(per.get(k), s) for k, s in zip(keys, signed, strict=True)),
        ]
        if notes:
            cells.append(point.get("note", ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def perceptual_history(run: str) -> str:
    """A perceptual run: SSIMULACRA 2 points gained per variant, and the PSNR gain of the
    same variants (logged as `<variant>-psnr`) in the last column."""
    points = read_log(run)
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


def latest(run: str, field: str = "score_db") -> str:
    """The last logged value of `field` (cpu_hours, step or score_db), for a sentence."""
    value = read_log(run)[-1][field]
    return f"{value:+.3f}" if field == "score_db" else _cell(value, False)
