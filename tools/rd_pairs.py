"""Per quality, what curve B adds to curve A on the same images of an `srcodec rd` run:
mean bytes, mean PSNR-RGB change (and the worst image), how many images got bigger.

python tools/rd_pairs.py results/kodak-x2-low/rows.csv "srcodec avif x2 auto strength=0" \
    "srcodec avif x2 auto"
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path


def table(rows_csv: Path, a: str, b: str) -> list[str]:
    rows: dict[tuple[str, int], dict[str, dict[str, str]]] = defaultdict(dict)
    with rows_csv.open() as f:
        for r in csv.DictReader(f):
            rows[(r["codec"], int(r["quality"]))][r["image"]] = r
    out = [
        f"| q | bytes of {a} | bytes added | PSNR of {a} | PSNR added (worst image) "
        "| images with more bytes |",
        "|---|---|---|---|---|---|",
    ]
    for q in sorted({q for c, q in rows if c == a}):
        first, second = rows[(a, q)], rows[(b, q)]
        images = sorted(set(first) & set(second))
        if not images:
            continue
        n = len(images)
        size = [int(first[i]["bytes"]) for i in images]
        added = [int(second[i]["bytes"]) - int(first[i]["bytes"]) for i in images]
        psnr = [float(first[i]["psnr-rgb"]) for i in images]
        gain = [float(second[i]["psnr-rgb"]) - float(first[i]["psnr-rgb"]) for i in images]
        more = sum(d > 0 for d in added)
        out.append(
            f"| {q} | {sum(size) / n:.0f} | {sum(added) / n:+.1f} | {sum(psnr) / n:.2f} "
            f"| {sum(gain) / n:+.4f} ({min(gain):+.4f}) | {more}/{n} |"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rows", type=Path, help="rows.csv of an srcodec rd run")
    p.add_argument("a", help="curve name (the reference)")
    p.add_argument("b", help="curve name (what is compared)")
    args = p.parse_args(argv)
    print("\n".join(table(args.rows, args.a, args.b)))


if __name__ == "__main__":
    main()
