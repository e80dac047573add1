"""What a restore filter alone buys on AVIF decodes, in SSIMULACRA 2 (PSNR and Butteraugli
beside): the learned-tool target of issue 28.

    python tools/eval_restore_perceptual.py ../shared/datasets/kodak \
        --model restore-x1 --model restore-x1-perceptual \
        --options subsampling=4:2:0,tune=iq --options subsampling=4:4:4,tune=ssimulacra2

For each AVIF setting (speed 6; Pillow's defaults are 4:2:0 tune=iq) and quality, every
image is coded once and decoded plainly and through each model (shipped manifest names, or
training runs given as folders: their EMA weights). The curves share their rates (a stream
with the tool is 4 bytes longer, counted), so each model's BD-rate against the plain
decode is what the tool alone is worth at those AVIF settings.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from srcodec import metrics
from srcodec.base.pillow import PILLOW_CODECS
from srcodec.metrics import butteraugli
from srcodec.metrics.ssimulacra2_np import Reference
from srcodec.rd.bd import BDUndefinedError, bd_rate, overlap
from srcodec.upscale import restore

TOOL_BYTES = 4  # the model hash a stream with a learned tool carries


def _net(model: str) -> Any:
    path = Path(model)
    if path.is_dir():  # a training run: its EMA weights
        import torch

        from srcodec.train import compact

        saved = torch.load(path / "checkpoint.pt", weights_only=True)
        arch = json.loads(saved["state"])["arch"]
        net = restore.build(**arch)
        net.load_state_dict(compact.unpack_weights(saved["ema"]))
        return net.eval()
    return restore.from_arrays(restore.weights.load(model))


def _options(text: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in text.split(",") if kv)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset", type=Path)
    p.add_argument("--model", action="append", required=True, help="manifest name or run")
    p.add_argument("--options", action="append", default=None, help="AVIF knobs, k=v,...")
    p.add_argument("--qualities", type=int, nargs="+", default=[20, 35, 50, 65, 80])
    p.add_argument("--limit", type=int)
    p.add_argument("--json", type=Path, help="write the curves here")
    args = p.parse_args(argv)
    settings = args.options or ["subsampling=4:2:0,tune=iq"]
    images = sorted(x for x in args.dataset.iterdir() if x.suffix.lower() == ".png")
    images = images[: args.limit]
    nets = {m: _net(m) for m in args.model}
    curves: dict[str, dict[str, dict[str, list[float]]]] = {}
    for setting in settings:
        opts = _options(setting)
        advanced = {"tune": opts["tune"]} if "tune" in opts else {}
        per = {name: {"bpp": [], "ssimulacra2": [], "psnr": [], "butteraugli": []}
               for name in ["plain", *nets]}  # fmt: skip
        for q in args.qualities:
            sums: dict[str, dict[str, list[float]]] = {n: {} for n in per}
            for path in images:
                with Image.open(path) as im:
                    rgb = np.asarray(im.convert("RGB"))
                buf = io.BytesIO()
                Image.fromarray(rgb).save(
                    buf, "AVIF", quality=q, speed=6, subsampling=opts.get("subsampling", "4:2:0"),
                    advanced=advanced,
                )  # fmt: skip
                payload = buf.getvalue()
                with Image.open(io.BytesIO(payload)) as im:
                    plain = np.asarray(im.convert("RGB"))
                cond = restore.condition("avif", q, PILLOW_CODECS["avif"].subsampled(payload))
                ref = Reference(rgb)
                outs = {"plain": plain}
                outs |= {name: restore.run(net, plain, cond) for name, net in nets.items()}
                pixels = rgb.shape[0] * rgb.shape[1]
                for name, out in outs.items():
                    extra = 0 if name == "plain" else TOOL_BYTES
                    row = sums[name]
                    row.setdefault("bpp", []).append((len(payload) + extra) * 8 / pixels)
                    row.setdefault("ssimulacra2", []).append(ref.score(out))
                    row.setdefault("psnr", []).append(metrics.psnr(rgb, out))
                    if butteraugli.missing() is None:
                        ba = butteraugli.butteraugli(rgb, out).pnorm3
                        row.setdefault("butteraugli", []).append(ba)
            for name, row in sums.items():
                for key, values in row.items():
                    per[name][key].append(statistics.mean(values))
        curves[setting] = per
        print(f"\nAVIF speed 6, {setting}; {len(images)} images, qualities {args.qualities}")
        print("tool                         BD-rate SSIMULACRA 2 (range)     BD-rate PSNR")
        base = per["plain"]
        for name in nets:
            cells = []
            for key in ("ssimulacra2", "psnr"):
                try:
                    value = bd_rate(base["bpp"], base[key], per[name]["bpp"], per[name][key])
                    span = overlap(base["bpp"], base[key], per[name]["bpp"], per[name][key], "psnr")
                    lo, hi = span or (float("nan"), float("nan"))
                    cells.append(f"{value:+6.2f} % ({lo:.1f}-{hi:.1f})")
                except BDUndefinedError as exc:
                    cells.append(str(exc))
            print(f"{name:<28} {cells[0]:<32} {cells[1]}")
        for name in per:
            gains = [
                a - b for a, b in zip(per[name]["ssimulacra2"], base["ssimulacra2"], strict=True)
            ]
            ba = per[name]["butteraugli"]
            print(
                f"  {name:<26} mean SSIMULACRA 2 gain per quality "
                + " ".join(f"{g:+.2f}" for g in gains)
                + ("" if not ba else "; Butteraugli 3-norm " + " ".join(f"{v:.2f}" for v in ba))
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(curves, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
