"""The shared loop's command line: what `python tools/train.py <family> ...` takes for every
family the loop trains (restore*, learned-base), resuming from <run>/checkpoint.pt.

    python tools/train.py restore --run training/restore-x1 --hours 2 --threads 2
    python tools/train.py restore --run training/restore-x1 --validate   # score only
    python tools/train.py restore-x2 --run training/restore-x2 --init training/restore-x1

Data: ../shared/datasets/train only (evaluation sets are refused); coded variants are
cached under runs/cache/<family>-x<scale>[-base<learned-base sha8>] (rebuilt identically
on a fresh machine). Export a shipped model with tools/export_model.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, cast

from srcodec.train import data
from srcodec.train.loop import Settings, Trainer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from srcodec.train.loop import Family


class LoopFamily:
    """Base of the families the shared loop trains: their command line is this module's."""

    name: str

    def main(self, argv: Sequence[str] | None = None) -> None:
        train_with_loop(cast("Family", self), argv)


def parser(name: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"tools/train.py {name}", description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--data", type=Path, default=data.DEFAULT_DATA)
    p.add_argument("--cache", type=Path, default=None)
    p.add_argument("--hours", type=float, default=1.0, help="wall-clock budget of this run")
    p.add_argument(
        "--until-cpu-hours",
        type=float,
        help="stop earlier, once the run's cumulative CPU time reaches this many hours",
    )
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=4e-4)
    p.add_argument(
        "--clip", type=float, help="clip the gradient's global norm to this (CompressAI uses 1)"
    )
    p.add_argument(
        "--device",
        default="cpu",
        help="cpu, or cuda[:N] when a GPU is lent (its time is logged as gpu_hours)",
    )
    p.add_argument("--batch", type=int, help="crops per step (default: the family's)")
    p.add_argument("--patch", type=int, help="crop size in pixels (default: the family's)")
    p.add_argument("--val", type=int, default=5, help="held-out training images")
    p.add_argument("--val-minutes", type=float, default=10.0)
    p.add_argument("--validate", action="store_true", help="validate the checkpoint, no training")
    p.add_argument(
        "--init", type=Path, help="a new run starts from this run's EMA weights (same arch)"
    )
    return p


def train_with_loop(family: Family, argv: Sequence[str] | None = None) -> None:
    """Parses the loop's options for `family`, builds its data and trains (or validates)."""
    args = parser(family.name).parse_args(argv)
    for knob in ("batch", "patch"):  # a GPU wants bigger batches than the CPU plan
        if getattr(args, knob) is not None:
            setattr(family, knob, getattr(args, knob))
    settings = Settings(
        lr=args.lr,
        threads=args.threads,
        val_minutes=args.val_minutes,
        clip=args.clip,
        device=_device(args.device),
    )
    if settings.device.startswith("cuda"):
        import torch

        torch.backends.cudnn.benchmark = True  # fixed crop shapes: let cuDNN pick kernels
    trainer = Trainer(family, args.run, settings)
    if args.init:
        trainer.warm_start(args.init)
    cache = args.cache or data.default_cache(family.name, family.scale, family.plan)
    records = data.build(
        args.data,
        cache,
        family.scale,
        family.plan,
        family.val_variants,
        args.val,
        settings.seed,
        trainer.log,
    )
    if args.validate:
        trainer.apply_threads()
        print(trainer.family.validate(trainer.ema, records))
        return
    trainer.train(records, args.hours, until_cpu_hours=args.until_cpu_hours)


def _device(name: str) -> str:
    """The decoder's own device check (a clear error without CUDA); no "auto": where a run
    trains decides how its hours are logged, so it is asked for explicitly."""
    from srcodec import device
    from srcodec.errors import SrcodecError

    if name == "auto":
        msg = "--device: name cpu or cuda[:N]"
        raise SystemExit(msg)
    try:
        return device.pick(name)
    except SrcodecError as err:
        msg = f"--device: {err}"
        raise SystemExit(msg) from None
