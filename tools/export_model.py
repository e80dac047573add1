"""Export the EMA weights of a training run (srcodec.train) as a shipped model.

python tools/export_model.py --run training/restore-x1 --name restore-x1
"""

from __future__ import annotations

import argparse
from pathlib import Path

from srcodec.train.export import DEFAULT_DATA, export


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--name", required=True, help="manifest name, e.g. restore-x1")
    p.add_argument("--tag", default="c32l8-train86")
    p.add_argument(
        "--keep-previous",
        action="store_true",
        help="keep the model it replaces as NAME@<sha8>, so streams made with it still decode",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="training images, for statistics an export counts (learned-base: context model)",
    )
    args = p.parse_args(argv)
    path, entry = export(args.run, args.name, args.tag, args.keep_previous, args.data)
    print(
        f"{path} ({path.stat().st_size} bytes) sha256 {entry['sha256'][:16]}..., "
        f"{entry['steps']} steps, {entry['cpu_hours']} CPU-h"
    )


if __name__ == "__main__":
    main()
