"""Export a `cnn` training checkpoint to a shipped model file + manifest entry.

    python tools/export_cnn.py --run runs/cnn-x2            # best.pt -> models/cnn-x2-*.npz

The file is a plain .npz (float32 arrays named like the torch state dict, no pickle), named
<name>-c<channels>l<layers>-<data>-<sha8>.npz; the manifest entry records the arch, the
training command, hours, steps and validation PSNR. Optimizer state is dropped. A previous
file of the same manifest name is removed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch

from srcodec import weights
from srcodec.train.export import write_model
from srcodec.upscale.cnn import arch_of, from_arrays


def export(checkpoint: Path, name: str = "") -> tuple[Path, dict]:
    """Writes the model into weights.MODELS_DIR and registers it; returns (path, entry)."""

    ckpt = torch.load(checkpoint, weights_only=True)
    meta: dict[str, Any] = json.loads(ckpt["meta"]) if "meta" in ckpt else {}
    arrays = {k: v.detach().float().cpu().numpy() for k, v in ckpt["model"].items()}
    arch = arch_of(arrays)
    from_arrays(arrays)  # the exported arrays must rebuild the net (strict key check)
    name = name or f"cnn-x{arch['scale']}"
    data_tag = meta.get("data_tag", "train86")
    command = meta.get("command", "")
    if command.split(" ", 1)[0].endswith("/python"):  # older runs logged sys.executable
        command = "python " + command.split(" ", 1)[1]
    path = write_model(name, f"{name}-c{arch['channels']}l{arch['layers']}-{data_tag}", arrays)
    val = meta.get("val", {})
    entry = {
        "arch": "cnn",
        "arch_params": arch,
        "params": int(sum(a.size for a in arrays.values())),
        "dtype": "float32",
        "train_data": meta.get("data", ""),
        "command": command,
        "export_command": f"python tools/export_cnn.py --run {checkpoint.parent}",
        "hours": meta.get("hours"),
        "steps": meta.get("step"),
        "loss": meta.get("loss", ""),
        "val_psnr_rgb": round(val["psnr"], 3) if val else None,
        "val_bicubic_psnr_rgb": round(val["bicubic"], 3) if val else None,
        "val_per_variant": val.get("per_variant"),
    }
    weights.register(name, path, entry)
    weights.load.cache_clear()
    return path, weights.entry(name)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", type=Path, default=Path("runs/cnn-x2"))
    p.add_argument("--checkpoint", default="best.pt")
    p.add_argument("--name", default="", help="manifest name (default cnn-x<scale>)")
    args = p.parse_args(argv)
    path, entry = export(args.run / args.checkpoint, args.name)
    print(f"{path} ({path.stat().st_size} bytes) sha256 {entry['sha256'][:16]}...")


if __name__ == "__main__":
    main()
