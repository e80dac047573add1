"""Give a shipped learned-base model a context model (learned payload version 1).

python tools/fit_context_model.py --name learned-base

The network is unchanged, so decoded pixels are identical and models fine-tuned on its
output (restore-x1-learned, restore-x2-learned) still match it; only the entropy coding of
the same latents changes. The context model is counted over the training images
(srcodec.base.learned_context.fit); the result is a new model file, with a new hash,
registered under NAME, and the model it replaces stays decodable as NAME@<sha8>.
tools/export_model.py does the same for a fresh export.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from srcodec import weights
from srcodec.base import learned
from srcodec.base.learned_context import ALL_ARRAYS
from srcodec.train.export import DEFAULT_DATA, write_model
from srcodec.train.families import LearnedBaseFamily


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", default=learned.MODEL, help="manifest name of the model")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training images")
    args = p.parse_args(argv)
    entry = weights.entry(args.name)
    if entry.get("arch") != learned.MODEL:
        msg = f"{args.name} is not a learned-base model"
        raise SystemExit(msg)
    arrays = {k: v for k, v in weights.load(args.name).items() if k not in ALL_ARRAYS}
    start = time.process_time()
    context = LearnedBaseFamily().context_model(learned.model(args.name).net, args.data)
    seconds = time.process_time() - start
    stem = entry["file"].rsplit("-", 1)[0]  # the file name without its -<sha8>.npz
    weights.keep_as_variant(args.name)
    path = write_model(args.name, stem, {**arrays, **context.arrays()})
    meta = {k: v for k, v in entry.items() if k not in ("file", "sha256")}
    meta["context_model"] = {
        "tables": len(context.tables),
        "buckets": int(context.edges.shape[1] + 1),
        "fit_cpu_seconds": round(seconds, 1),
        "command": f"python tools/fit_context_model.py --name {args.name}",
        "network_sha256": entry["sha256"],
    }
    weights.register(args.name, path, meta)
    weights.load.cache_clear()
    print(f"{path} ({path.stat().st_size} bytes), {len(context.tables)} tables, {seconds:.0f} s")


if __name__ == "__main__":
    main()
