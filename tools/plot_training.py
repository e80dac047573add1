"""Plot a training run's curve: cumulative CPU-hours vs validation gain (dB).

    python tools/plot_training.py training/restore-x1 --out docs/img/restore-x1-training.png

Reads <run>/log.jsonl (one line per validation, written by srcodec.train.loop) and prints
the table of what each extra hour bought.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--score-label",
        default="validation PSNR-RGB gain over the plain decode (dB)",
        help="y axis label: what the run's score_db measures",
    )
    args = p.parse_args(argv)
    points = [json.loads(line) for line in (args.run / "log.jsonl").read_text().splitlines()]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = [pt["cpu_hours"] for pt in points]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(hours, [pt["score_db"] for pt in points], "o-", label="score")
    for key in _variant_curves(points):
        ax.plot(hours, [pt["per_variant"].get(key) for pt in points], "--", lw=0.8, label=key)
    ax.set_xlabel("cumulative CPU-hours")
    ax.set_ylabel(args.score_label)
    ax.set_title(f"{args.run.name}: 5 held-out training-folder images")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print("| CPU-h | step | val gain dB |\n|---|---|---|")
    for pt in points:
        print(f"| {pt['cpu_hours']:.2f} | {pt['step']} | {pt['score_db']:+.3f} |")


def _variant_curves(points: list[dict]) -> list[str]:
    """Per-variant dB gains worth a curve of their own: scalars only (the learned base logs
    lists of bpp/PSNR per quality), not percentages, not a copy of the score."""
    last = points[-1]["per_variant"]
    return [
        key
        for key in sorted(last)
        if isinstance(last[key], (int, float))
        and not key.endswith("_pct")
        and any(abs(pt["per_variant"].get(key, 0) - pt["score_db"]) > 2e-3 for pt in points[1:])
    ]


if __name__ == "__main__":
    main()
