"""The `cnn` family: the cnn upscaler (srcodec.upscale.cnn) on (HR, decoded LR) pairs.

    python tools/train_upscaler.py --run runs/cnn-x2 --hours 1.5         # train
    python tools/train_upscaler.py --run runs/cnn-x2 --hours 1.5 --resume
    python tools/export_cnn.py --run runs/cnn-x2                          # ship best.pt

(`python tools/train.py cnn ...` takes the same options.) Data: every image of --data
(never an evaluation set) is downsampled with the encoder's own `resample.downsample`, then
coded whole by each base codec at random qualities (avif 5-70, webp 5-80, jpeg 10-80) plus
a clean (png) copy. The decoded LR images are cached in <run>/cache (encoding is the slow
part, so it is done once). Batches are random aligned crops with flips/transposes; the
bicubic base of each crop is Pillow's, computed with a margin so it equals the whole-image
bicubic the decoder uses. Loss: L1 (PSNR-oriented), Adam, cosine learning-rate decay over
the --hours budget (or --steps): unlike the shared loop's EMA, this schedule needs its
budget up front. The last --val images (seeded shuffle) are held out: validation PSNR-RGB
on fixed codec/quality variants. Checkpoints (<run>/last.pt, best.pt) are plain state
dicts loaded with weights_only=True.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from srcodec import metrics, resample
from srcodec.base import BASE_CODECS
from srcodec.train.data import DEFAULT_DATA, nchw, refuse_evaluation_set
from srcodec.train.loop import save_atomically
from srcodec.upscale.cnn import build, condition, run

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

QUALITY_RANGE = {"avif": (5, 70), "webp": (5, 80), "jpeg": (10, 80)}
TRAIN_VARIANTS = {"avif": 5, "webp": 3, "jpeg": 3}  # random qualities per image, + clean png
VAL_VARIANTS = (("png", None), ("avif", 20), ("avif", 35), ("avif", 50), ("webp", 40), ("jpeg", 40))
MARGIN = 4  # LR context pixels around each training crop (bicubic support + net border)
COMMAND = "python tools/train_upscaler.py"  # the command line logs and the manifest record


def parse(argv: Sequence[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--run", type=Path, default=Path("runs/cnn-x2"))
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--layers", type=int, default=7)
    p.add_argument("--patch", type=int, default=48, help="LR crop side")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--loss", choices=("l1", "mse"), default="l1")
    p.add_argument("--hours", type=float, default=1.0, help="wall-clock budget (cosine LR)")
    p.add_argument("--steps", type=int, default=0, help="step budget (0: by --hours only)")
    p.add_argument("--val", type=int, default=4, help="images held out for validation")
    p.add_argument("--val-every", type=int, default=500, help="steps between validations")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


# ---------------------------------------------------------------- data cache


def _code(lr: np.ndarray, base: str, quality: int | None) -> np.ndarray:
    codec = BASE_CODECS.entry(base).get()
    payload = codec.encode(lr, quality)
    return codec.decode(payload, (lr.shape[1], lr.shape[0]), 3)


def build_cache(args: argparse.Namespace, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Returns one record per image: hr, role (train/val) and its decoded LR variants."""
    refuse_evaluation_set(args.data)
    files = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".png", ".jpg"))
    if len(files) <= args.val:
        msg = f"{args.data} has {len(files)} images; need more than --val {args.val}"
        raise SystemExit(msg)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(files))
    val_ids = set(order[len(files) - args.val :].tolist())
    cache = args.run / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    records = []
    started = time.time()
    for i, path in enumerate(files):
        role = "val" if i in val_ids else "train"
        if role == "val":
            variants = list(VAL_VARIANTS)
        else:
            variants = [("png", None)]
            for base, count in TRAIN_VARIANTS.items():
                lo, hi = QUALITY_RANGE[base]
                variants += [(base, int(q)) for q in rng.integers(lo, hi + 1, count)]
        stem = cache / f"{i:04d}"
        hr_file = stem.with_suffix(".hr.npy")
        if not hr_file.exists():
            with Image.open(path) as img:
                hr = np.asarray(img.convert("RGB"))
            np.save(hr_file, hr)
        hr = np.load(hr_file, mmap_mode="r")
        lr = None
        lrs = []
        for base, q in variants:
            f = cache / f"{i:04d}.{base}{q or 0}.npy"
            if not f.exists():
                if lr is None:
                    lr = resample.downsample(np.asarray(hr), args.scale)
                tmp = f.with_suffix(".tmp.npy")
                np.save(tmp, _code(lr, base, q))
                os.replace(tmp, f)
            lrs.append((base, q, np.load(f, mmap_mode="r")))
        records.append({"name": path.name, "role": role, "hr": hr, "lrs": lrs})
        if (i + 1) % 10 == 0:
            log(f"cache {i + 1}/{len(files)} images, {time.time() - started:.0f} s")
    return records


def batch(
    records: list[dict[str, Any]], args: argparse.Namespace, rng: np.random.Generator
) -> tuple[torch.Tensor, ...]:
    """(lr with margin, cond, bicubic base, hr) for one batch; tensors in [0, 1]."""
    s, p, m = args.scale, args.patch, MARGIN
    weights = np.array([r["hr"].shape[0] * r["hr"].shape[1] for r in records], np.float64)
    lrs, conds, bics, hrs = [], [], [], []
    for idx in rng.choice(len(records), args.batch, p=weights / weights.sum()):
        rec = records[idx]
        base, q, lr_img = rec["lrs"][rng.integers(len(rec["lrs"]))]
        hr_img = rec["hr"]
        h_max = min(lr_img.shape[0] - p - m, hr_img.shape[0] // s - p)
        w_max = min(lr_img.shape[1] - p - m, hr_img.shape[1] // s - p)
        y, x = int(rng.integers(m, h_max + 1)), int(rng.integers(m, w_max + 1))
        lr = np.asarray(lr_img[y - m : y + p + m, x - m : x + p + m])
        hr = np.asarray(hr_img[y * s : (y + p) * s, x * s : (x + p) * s])
        size = (lr.shape[1] * s, lr.shape[0] * s)
        bic = np.asarray(Image.fromarray(lr).resize(size, Image.Resampling.BICUBIC))
        bic = bic[m * s : (m + p) * s, m * s : (m + p) * s]
        if rng.integers(2):
            lr, hr, bic = lr[:, ::-1], hr[:, ::-1], bic[:, ::-1]
        if rng.integers(2):
            lr, hr, bic = lr[::-1], hr[::-1], bic[::-1]
        if rng.integers(2):
            lr, hr, bic = (a.transpose(1, 0, 2) for a in (lr, hr, bic))
        lrs.append(lr)
        hrs.append(hr)
        bics.append(bic)
        conds.append(condition(base, q))
    return nchw(lrs), torch.from_numpy(np.stack(conds)), nchw(bics), nchw(hrs)


def validate(net: torch.nn.Module, records: list[dict[str, Any]], scale: int) -> dict[str, Any]:
    """Mean PSNR-RGB of cnn and bicubic per validation variant (whole held-out images)."""
    from srcodec.upscale.classic import resize_bicubic

    net.eval()
    sums: dict[str, list[float]] = {}
    for rec in records:
        if rec["role"] != "val":
            continue
        hr = np.asarray(rec["hr"])
        for base, q, lr in rec["lrs"]:
            lr = np.asarray(lr)
            out = run(net, lr, condition(base, q))[: hr.shape[0], : hr.shape[1]]
            bic = resize_bicubic(lr, scale)[: hr.shape[0], : hr.shape[1]]
            key = f"{base}{q or ''}"
            acc = sums.setdefault(key, [0.0, 0.0, 0.0])
            acc[0] += metrics.psnr(out, hr)
            acc[1] += metrics.psnr(bic, hr)
            acc[2] += 1
    net.train()
    per = {k: (a / n, b / n) for k, (a, b, n) in sums.items()}
    return {
        "psnr": float(np.mean([v[0] for v in per.values()])),
        "bicubic": float(np.mean([v[1] for v in per.values()])),
        "per_variant": {k: [round(a, 3), round(b, 3)] for k, (a, b) in per.items()},
    }


# ---------------------------------------------------------------- training


def train(args: argparse.Namespace, command: str = COMMAND) -> dict[str, Any]:
    """Trains (or with args.resume continues) the run in args.run; returns its state.
    `command`: the command line prefix the log and the best checkpoint record."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.run.mkdir(parents=True, exist_ok=True)
    log_file = (args.run / "log.txt").open("a")

    def log(text: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    command = " ".join([command, shlex.join(args.argv)]).strip()
    log(f"command: {command}")
    records = build_cache(args, log)
    train_recs = [r for r in records if r["role"] == "train"]
    net = build(args.channels, args.layers, args.scale)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    state = {"step": 0, "elapsed": 0.0, "best": -math.inf, "curve": []}
    last = args.run / "last.pt"
    if args.resume and last.exists():
        ckpt = torch.load(last, weights_only=True)
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        state = json.loads(ckpt["state"])
        log(f"resumed at step {state['step']}, {state['elapsed'] / 3600:.2f} h")
    meta = {
        "arch": {"channels": args.channels, "layers": args.layers, "scale": args.scale},
        "params": sum(p.numel() for p in net.parameters()),
        "command": command,
        "data": f"{args.data.name}: {len(train_recs)} train / {args.val} val images",
        "data_tag": f"{args.data.name}{len(records)}",
        "loss": args.loss.upper(),
    }
    rng = np.random.default_rng(args.seed + state["step"])
    budget = args.hours * 3600
    t0 = time.time() - state["elapsed"]
    last_ckpt = time.time()
    running = 0.0
    while True:
        elapsed = time.time() - t0
        done = elapsed / budget if budget > 0 else 0.0
        if args.steps:
            done = max(done, state["step"] / args.steps)
        if done >= 1.0:
            break
        lr_now = args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * done)))
        for group in opt.param_groups:
            group["lr"] = lr_now
        lr_t, cond, bic, hr = batch(train_recs, args, rng)
        res = net(lr_t, cond)
        m = MARGIN * args.scale
        res = res[:, :, m:-m, m:-m]
        err = bic + res - hr
        # L1 by default; MSE for scale 1, where L1's median makes "change nothing" a strong
        # minimum against noise-like coding errors
        loss = err.abs().mean() if args.loss == "l1" else err.square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        state["step"] += 1
        running += loss.item()
        final = args.steps and state["step"] >= args.steps
        if state["step"] % args.val_every == 0 or final:
            val = validate(net, records, args.scale)
            state["elapsed"] = time.time() - t0
            point = {
                "step": state["step"],
                "hours": round(state["elapsed"] / 3600, 3),
                "lr": lr_now,
                "train_loss": running / args.val_every,
                "val_psnr": round(val["psnr"], 3),
                "val_bicubic": round(val["bicubic"], 3),
            }
            state["curve"].append(point)
            running = 0.0
            log(json.dumps(point) + " " + json.dumps(val["per_variant"]))
            if val["psnr"] > state["best"]:
                state["best"] = val["psnr"]
                best = {**meta, "val": val, "step": state["step"], "hours": point["hours"]}
                save_atomically(
                    {"model": net.state_dict(), "meta": json.dumps(best)}, args.run / "best.pt"
                )
        if time.time() - last_ckpt > 300 or final:
            state["elapsed"] = time.time() - t0
            ckpt = {"model": net.state_dict(), "opt": opt.state_dict(), "state": json.dumps(state)}
            save_atomically(ckpt, last)
            last_ckpt = time.time()
    state["elapsed"] = time.time() - t0
    ckpt = {"model": net.state_dict(), "opt": opt.state_dict(), "state": json.dumps(state)}
    save_atomically(ckpt, last)
    hours = state["elapsed"] / 3600
    log(f"done: {state['step']} steps, {hours:.2f} h, best val {state['best']:.3f}")
    log_file.close()
    return state


def main(argv: Sequence[str] | None = None, command: str = COMMAND) -> dict[str, Any]:
    """The cnn's command line (tools/train_upscaler.py); `command` names it in the log."""
    return train(parse(argv, prog=command.removeprefix("python ")), command)


# ---------------------------------------------------------------- export


def export(checkpoint: Path, name: str = "") -> tuple[Path, dict[str, Any]]:
    """A checkpoint's model as a shipped .npz (float32 arrays named like the torch state
    dict, no pickle, optimizer state dropped) named <name>-c<channels>l<layers>-<data>-<sha8>,
    registered under `name` (default cnn-x<scale>) with the arch, training command, hours,
    steps and validation PSNR; the file of that name before is removed. Returns (path,
    manifest entry)."""
    from srcodec.train.export import register_model, write_model
    from srcodec.upscale.cnn import arch_of, from_arrays

    ckpt = torch.load(checkpoint, weights_only=True)
    meta: dict[str, Any] = json.loads(ckpt["meta"]) if "meta" in ckpt else {}
    arrays = {k: v.detach().float().cpu().numpy() for k, v in ckpt["model"].items()}
    arch = arch_of(arrays)
    from_arrays(arrays)  # the exported arrays must rebuild the net (strict key check)
    name = name or f"cnn-x{arch['scale']}"
    data_tag = meta.get("data_tag", "train86")
    command = meta.get("command", "")
    if command.split(" ", 1)[0].endswith("/python"):  # some runs logged sys.executable
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
    return register_model(name, path, entry)


def export_main(argv: Sequence[str] | None = None) -> None:
    """tools/export_cnn.py: a cnn run's checkpoint -> models/ + manifest."""
    p = argparse.ArgumentParser(
        prog="tools/export_cnn.py", description="Export a cnn run as a shipped model."
    )
    p.add_argument("--run", type=Path, default=Path("runs/cnn-x2"))
    p.add_argument("--checkpoint", default="best.pt")
    p.add_argument("--name", default="", help="manifest name (default cnn-x<scale>)")
    args = p.parse_args(argv)
    path, entry = export(args.run / args.checkpoint, args.name)
    print(f"{path} ({path.stat().st_size} bytes) sha256 {entry['sha256'][:16]}...")


@dataclass
class CnnFamily:
    """`cnn`: trained by its own loop (cosine schedule), from its own command line."""

    name: str = "cnn"

    def main(self, argv: Sequence[str] | None = None) -> dict[str, Any]:
        return main(argv, command="python tools/train.py cnn")
