"""The `raisr` family: RAISR filter banks, a closed-form ridge fit exported as one model file
(src/srcodec/models + manifest) through the same write path as every family.

For every bank (scale x base-codec quality band, or "clean"), each training image is cropped
(at most --crop px a side, to a multiple of 12 so every scale's pixel grid survives the 8
rotations/flips), transformed by each of the 8 dihedral maps, downsampled with the encoder's
own resample.downsample, coded and decoded by the base codec at a quality drawn from the band
(clean: not coded), upscaled with the decoder's bicubic and hashed exactly as the decoder does
(srcodec.upscale.raisr). Per hash bucket x pixel type, at most --cap random pixels per image
are kept (so flat buckets do not swamp rare ones), and their k x k luma patches and targets
(HR luma - bicubic luma) are summed into A^T A and A^T b. Filters are ridge solutions, shrunk
towards 0 = plain bicubic. Accumulators are cached under --acc-dir, so re-exporting with
another --kernel (<= --train-kernel) or --ridge costs seconds.

    python tools/train_raisr.py --out src/srcodec/models --register raisr
    python tools/train.py raisr --out src/srcodec/models --register raisr    (the same)
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from srcodec import resample, weights
from srcodec.base import BASE_CODECS
from srcodec.train.data import DEFAULT_DATA, refuse_evaluation_set
from srcodec.upscale.classic import resize_bicubic
from srcodec.upscale.raisr import BANDS, band_range, luma, pad
from srcodec.upscale.raisr_hash import BUCKETS, MARGIN, pixel_types, quantize, structure

if TYPE_CHECKING:
    from collections.abc import Sequence

SHIPPED = (
    ["x2.clean"] + [f"x2.{b}-{n}" for b in BANDS for _, n in BANDS[b]] + ["x3.clean", "x4.clean"]
)
COMMAND = "python tools/train_raisr.py"  # the command line the manifest records


def load_images(data: Path, limit: int | None) -> list[np.ndarray]:
    """The first `limit` training images of `data` (all if None), RGB."""
    refuse_evaluation_set(data)
    files = sorted(p for p in data.iterdir() if p.suffix.lower() in (".png", ".jpg", ".bmp"))
    return [np.asarray(Image.open(p).convert("RGB")) for p in files[:limit]]


def dihedral(img: np.ndarray, k: int) -> np.ndarray:
    """The k-th (0..7) rotation/flip of `img`."""
    out = np.rot90(img, k % 4)
    return np.ascontiguousarray(out[:, ::-1] if k >= 4 else out)


def crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random crop of at most `size` px a side, a multiple of 12 (every scale's grid)."""
    h, w = (min(n, size) // 12 * 12 for n in img.shape[:2])
    top = int(rng.integers(0, img.shape[0] - h + 1))
    left = int(rng.integers(0, img.shape[1] - w + 1))
    return img[top : top + h, left : left + w]


def make_lr(hr: np.ndarray, scale: int, bank: str, rng: np.random.Generator) -> np.ndarray:
    """The LR image the decoder sees for this bank: downsampled, then coded and decoded."""
    lr = resample.downsample(hr, scale)
    if bank == "clean":
        return lr
    base, band = bank.split("-")
    low, high = band_range(base, band)
    quality = int(rng.integers(max(low, 5), high + 1))
    codec = BASE_CODECS.entry(base).get()
    payload = codec.encode(lr, quality)
    return codec.decode(payload, (lr.shape[1], lr.shape[0]), lr.shape[2])


def features(hr: np.ndarray, lr: np.ndarray, scale: int, kernel: int) -> tuple[torch.Tensor, ...]:
    """(padded bicubic luma, strength, coherence, angle, target), as the decoder computes them."""
    bic = torch.from_numpy(np.array(resize_bicubic(lr, scale))).permute(2, 0, 1).float()
    y = luma(bic)
    border = max(MARGIN, kernel // 2)
    ypad = pad(y, border)
    off = border - MARGIN
    angle, strength, coherence = structure(
        ypad[off : ypad.shape[0] - off, off : ypad.shape[1] - off]
    )
    target = luma(torch.from_numpy(np.array(hr)).permute(2, 0, 1).float()) - y
    return ypad, angle, strength, coherence, target


class Accumulator:
    """Per-filter normal equations: A^T A, A^T b and sample counts."""

    def __init__(self, filters: int, taps: int) -> None:
        self.ata = np.zeros((filters, taps, taps))
        self.atb = np.zeros((filters, taps))
        self.count = np.zeros(filters, dtype=np.int64)

    def add(self, idx: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        order = np.argsort(idx, kind="stable")
        idx, a, b = idx[order], a[order].astype(np.float64), b[order].astype(np.float64)
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        ends = np.r_[starts[1:], len(idx)]
        for s, e in zip(starts, ends, strict=True):
            f = idx[s]
            self.ata[f] += a[s:e].T @ a[s:e]
            self.atb[f] += a[s:e].T @ b[s:e]
            self.count[f] += e - s


def thresholds(
    images: list[np.ndarray], scale: int, bank: str, args: argparse.Namespace
) -> np.ndarray:
    """Strength and coherence terciles over (a sample of) the bank's training pixels."""
    rng = np.random.default_rng([args.seed, zlib.crc32(f"thr{scale}{bank}".encode())])
    strengths, coherences = [], []
    for hr in images[:: max(1, len(images) // 30)]:
        hr = crop(hr, args.crop, rng)
        _, _, s, c, _ = features(hr, make_lr(hr, scale, bank, rng), scale, args.train_kernel)
        pick = rng.choice(s.numel(), min(s.numel(), 20000), replace=False)
        strengths.append(s.reshape(-1)[pick].numpy())
        coherences.append(c.reshape(-1)[pick].numpy())
    s, c = np.concatenate(strengths), np.concatenate(coherences)
    return np.r_[np.quantile(s, [1 / 3, 2 / 3]), np.quantile(c, [1 / 3, 2 / 3])].astype(np.float32)


def accumulate(
    images: list[np.ndarray], key: str, args: argparse.Namespace
) -> dict[str, np.ndarray]:
    """The normal equations of bank `key` (e.g. "x2.avif-low") over `images`."""
    scale, bank = int(key.split(".")[0][1:]), key.split(".", 1)[1]
    k = args.train_kernel
    half, border = k // 2, max(MARGIN, k // 2)
    thr = thresholds(images, scale, bank, args)
    acc = Accumulator(scale * scale * BUCKETS, k * k)
    dy, dx = np.divmod(np.arange(k * k), k)
    for i, hr0 in enumerate(images):
        for aug in range(args.augment):
            rng = np.random.default_rng([args.seed, zlib.crc32(key.encode()), i, aug])
            hr = dihedral(crop(hr0, args.crop, rng), aug)
            ypad, angle, strength, coherence, target = features(
                hr, make_lr(hr, scale, bank, rng), scale, k
            )
            h, w = target.shape
            bucket = quantize(angle, strength, coherence, torch.from_numpy(thr)).numpy()
            idx = (bucket + pixel_types(h, w, scale).numpy() * BUCKETS).reshape(-1)
            # keep at most args.cap random pixels of each filter index from this image
            perm = rng.permutation(idx.size)
            order = perm[np.argsort(idx[perm], kind="stable")]
            sorted_idx = idx[order]
            first = np.searchsorted(sorted_idx, sorted_idx, side="left")
            keep = order[np.arange(order.size) - first < args.cap]
            r, c = np.divmod(keep, w)
            yp = ypad.numpy()
            a = yp[(r + border - half)[:, None] + dy, (c + border - half)[:, None] + dx]
            acc.add(idx[keep], a, target.numpy().reshape(-1)[keep])
        if (i + 1) % 10 == 0:
            print(f"  {key}: {i + 1}/{len(images)} images, {acc.count.sum()} samples", flush=True)
    return {
        "ata": acc.ata,
        "atb": acc.atb,
        "count": acc.count,
        "thresholds": thr,
        "kernel": np.int64(k),
    }


def _subgrid(acc: dict[str, np.ndarray], kernel: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A^T A, A^T b and ridge weights restricted to the central kernel x kernel taps."""
    k0 = int(acc["kernel"])
    if not 1 <= kernel <= k0 or kernel % 2 == 0:
        msg = f"--kernel must be odd and <= the trained {k0}, got {kernel}"
        raise SystemExit(msg)
    off = (k0 - kernel) // 2
    grid = np.arange(k0 * k0).reshape(k0, k0)[off : off + kernel, off : off + kernel].reshape(-1)
    ata = acc["ata"][:, grid][:, :, grid]
    return ata, acc["atb"][:, grid], np.einsum("fii->f", ata) / len(grid)


def _ridge(ata: np.ndarray, atb: np.ndarray, lam: np.ndarray) -> np.ndarray:
    eye = np.eye(ata.shape[-1])
    return np.linalg.solve(ata + lam[:, None, None] * eye, atb[..., None])[..., 0]


def solve(
    acc: dict[str, np.ndarray], kernel: int, ridge: float, rank: int
) -> tuple[np.ndarray, np.ndarray]:
    """(basis R x kernel x kernel, coef filters x R): every bucket's filter is a combination of
    R shared basis filters (the decoder then runs one R-channel convolution). The basis is the
    top right-singular vectors of the full ridge filters (rows weighted by sqrt(samples));
    the coefficients are then refit by ridge least squares in that basis from the same
    A^T A, so they are optimal for it. Ridge weight: ridge * mean diag(A^T A) + 1 (the +1 keeps
    empty buckets at 0 = plain bicubic)."""
    ata, atb, diag = _subgrid(acc, kernel)
    lam = ridge * diag + 1.0
    full = _ridge(ata, atb, lam)
    weight = np.sqrt(acc["count"] + 1.0)[:, None]
    _, _, vt = np.linalg.svd(full * weight, full_matrices=False)
    basis = vt[:rank].T  # taps x R
    coef = _ridge(
        np.einsum("tr,fts,su->fru", basis, ata, basis, optimize=True),
        atb @ basis,
        lam,
    )
    return basis.T.reshape(rank, kernel, kernel), coef


def parse(argv: Sequence[str] | None, prog: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--limit", type=int, default=None, help="use only the first N images")
    p.add_argument(
        "--banks", default=",".join(SHIPPED), help="comma list, e.g. x2.clean,x2.avif-low"
    )
    p.add_argument("--train-kernel", type=int, default=11)
    p.add_argument("--kernel", type=int, default=11, help="exported support (<= --train-kernel)")
    p.add_argument("--rank", type=int, default=8, help="basis filters per bank")
    p.add_argument("--ridge", type=float, default=1e-4, help="relative to the mean A^T A diagonal")
    p.add_argument("--cap", type=int, default=16, help="max pixels per filter index per image")
    p.add_argument("--crop", type=int, default=480)
    p.add_argument("--augment", type=int, default=8, help="dihedral transforms used (1-8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--acc-dir", type=Path, default=Path("runs/raisr"))
    p.add_argument("--retrain", action="store_true", help="ignore cached accumulators")
    p.add_argument("--out", type=Path, required=True, help="folder for the exported .npz")
    p.add_argument("--register", default=None, help="manifest name to register it under")
    return p.parse_args(argv)


def _bank_accumulator(
    key: str, args: argparse.Namespace, images: list[np.ndarray] | None
) -> tuple[dict[str, np.ndarray], int, list[np.ndarray] | None]:
    """(accumulator, augmentations in it, images loaded so far) of bank `key`: the cached
    one with the most augmentation, whatever --augment says now, unless --retrain."""
    stem = f"acc-{key}-k{args.train_kernel}-c{args.cap}"
    cached = sorted(args.acc_dir.glob(f"{stem}-a*.npz"), key=lambda p: int(p.stem[len(stem) + 2 :]))
    if cached and not args.retrain:
        with np.load(cached[-1]) as npz:
            return dict(npz), int(cached[-1].stem[len(stem) + 2 :]), images
    if images is None:
        images = load_images(args.data, args.limit)
    t0 = time.perf_counter()
    acc = accumulate(images, key, args)
    np.savez(args.acc_dir / f"{stem}-a{args.augment}.npz", **acc)
    print(f"{key}: {acc['count'].sum()} samples in {time.perf_counter() - t0:.0f} s")
    return acc, args.augment, images


def fit(args: argparse.Namespace, command: str = COMMAND) -> Path:
    """Accumulates (or reuses) every bank of args.banks, solves it and writes the model
    file into args.out; with args.register, registers it there. Returns its path."""
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    images = None
    arrays: dict[str, np.ndarray] = {}
    augments: dict[str, int] = {}
    samples: dict[str, int] = {}
    args.acc_dir.mkdir(parents=True, exist_ok=True)
    for key in args.banks.split(","):
        acc, augments[key], images = _bank_accumulator(key, args, images)
        samples[key] = int(acc["count"].sum())
        basis, coef = solve(acc, args.kernel, args.ridge, args.rank)
        arrays[f"{key}.basis"] = basis.astype(np.float32)
        arrays[f"{key}.coef"] = coef.astype(np.float32)
        arrays[f"{key}.thresholds"] = acc["thresholds"]
    from srcodec.train.export import compressed_npz_bytes, write_model, write_npz

    args.out.mkdir(parents=True, exist_ok=True)
    scales = "".join(sorted({k.split(".")[0][1:] for k in arrays}))
    stem = f"raisr-x{scales}-k{args.kernel}r{args.rank}-train"
    if not args.register:
        final = write_npz(args.out, stem, arrays, compressed_npz_bytes)
        print(f"wrote {final} ({final.stat().st_size} bytes)")
        return final
    if args.out.resolve() != weights.MODELS_DIR.resolve():
        # an experiment folder: its own manifest (tools/bench_raisr.py --models-dir reads it)
        weights.MODELS_DIR = args.out
        weights.MANIFEST = args.out / "manifest.json"
    final = write_model(args.register, stem, arrays, compressed_npz_bytes)
    print(f"wrote {final} ({final.stat().st_size} bytes)")
    meta = {
        "arch": "raisr",
        "banks": sorted(k.rsplit(".", 1)[0] for k in arrays if k.endswith(".coef")),
        "kernel": args.kernel,
        "rank": args.rank,
        "augment": augments,
        "samples": samples,
        "cap": args.cap,
        "crop": args.crop,
        "seed": args.seed,
        "ridge": args.ridge,
        "train_data": f"{args.data.name} ({len(list(args.data.glob('*.png')))} png images)",
        "command": f"{command} {' '.join(args.argv)}",
    }
    weights.register(args.register, final, meta)
    print(f"registered {args.register!r} in {weights.MANIFEST}")
    return final


def main(argv: Sequence[str] | None = None, command: str = COMMAND) -> int:
    """The raisr command line (tools/train_raisr.py); `command` names it in the manifest."""
    args = parse(argv, prog=command.removeprefix("python "))
    args.argv = list(sys.argv[1:] if argv is None else argv)
    fit(args, command)
    return 0


@dataclass
class RaisrFamily:
    """`raisr`: a closed-form fit, run from its own command line."""

    name: str = "raisr"

    def main(self, argv: Sequence[str] | None = None) -> int:
        return main(argv, command="python tools/train.py raisr")
