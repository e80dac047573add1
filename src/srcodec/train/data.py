"""Training data: images, their coded variants and random aligned crops.

Every image of the training folder (never an evaluation set) is downsampled with the
encoder's own `resample.downsample` when scale > 1 and coded whole by the real base codecs
with the knobs the encoder uses (AVIF 4:4:4 tune=psnr as well as Pillow's defaults), at
seeded random qualities. Coding is the slow part, so decoded variants are cached as .npy
under <cache>/; the cache is a pure function of (images, seed, variant plan, codec
versions), so a fresh machine rebuilds the same one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from srcodec import resample
from srcodec.base import BASE_CODECS

if TYPE_CHECKING:
    from collections.abc import Callable

    import torch

FORBIDDEN = ("kodak", "set5", "set14")  # evaluation sets: never train on them
DEFAULT_DATA = Path("../shared/datasets/train")  # the training images, beside the checkout


@dataclass(frozen=True)
class Variant:
    """How one LR image was coded: base, quality, encoder knobs."""

    base: str
    quality: int | None
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def tag(self) -> str:
        opts = "".join(f"-{k}{str(v).replace(':', '')}" for k, v in self.options)
        return f"{self.base}{self.quality if self.quality is not None else ''}{opts}"


@dataclass
class Coded:
    variant: Variant
    pixels: np.ndarray  # decoded LR, uint8 h x w x 3 (memory-mapped)
    subsampled: bool


@dataclass
class Record:
    name: str
    role: str  # "train" or "val"
    hr: np.ndarray
    coded: list[Coded]


# (base, quality range, count, options) per training image; plus one clean png copy at x2+
TrainPlan = list[tuple[str, tuple[int, int], int, dict[str, Any]]]


def refuse_evaluation_set(folder: Path) -> None:
    """SystemExit if `folder` looks like an evaluation set (every family checks its data)."""
    if any(name in str(folder).lower() for name in FORBIDDEN):
        msg = f"{folder} looks like an evaluation set; train on ../shared/datasets/train"
        raise SystemExit(msg)


def training_files(folder: Path) -> list[Path]:
    refuse_evaluation_set(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".webp"))
    if not files:
        msg = f"no training images in {folder}"
        raise SystemExit(msg)
    return files


def code(lr: np.ndarray, variant: Variant) -> tuple[np.ndarray, bool]:
    codec = BASE_CODECS.entry(variant.base).get()
    payload = codec.encode(lr, variant.quality, dict(variant.options))
    decoded = codec.decode(payload, (lr.shape[1], lr.shape[0]), 3)
    return decoded, codec.subsampled(payload)


def held_out(folder: Path, val_count: int = 5, seed: int = 0) -> list[Path]:
    """The validation images `build` sets aside with these settings (tools/train.py's
    defaults): never trained on, so tools may tune or evaluate on them."""
    files = training_files(folder)
    order = np.random.default_rng(seed).permutation(len(files))
    return [files[i] for i in sorted(order[len(files) - val_count :].tolist())]


def default_cache(name: str, scale: int, plan: TrainPlan, root: Path = Path("runs/cache")) -> Path:
    """runs/cache/<family>-x<scale>, plus the learned base's model hash when the plan codes
    with it: a new export codes different pixels, so it must not reuse the old ones."""
    folder = f"{name}-x{scale}"
    if any(base == "learned" for base, *_ in plan):
        from srcodec import weights

        folder += "-base" + weights.entry("learned-base")["sha256"][:8]
    return root / folder


def build(
    folder: Path,
    cache: Path,
    scale: int,
    plan: TrainPlan,
    val_variants: list[Variant],
    val_count: int,
    seed: int,
    log: Callable[[str], None],
) -> list[Record]:
    """One Record per image: its HR pixels and decoded LR variants (cached)."""
    files = training_files(folder)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(files))  # also advances rng, as the crops' qualities expect
    val_ids = set(order[len(files) - val_count :].tolist())
    cache.mkdir(parents=True, exist_ok=True)
    records = []
    started = time.time()
    for i, path in enumerate(files):
        role = "val" if i in val_ids else "train"
        variants = list(val_variants) if role == "val" else []
        if role == "train":
            if scale > 1:
                variants.append(Variant("png", None))
            for base, (lo, hi), count, opts in plan:
                qs = rng.integers(lo, hi + 1, count)
                variants += [Variant(base, int(q), tuple(sorted(opts.items()))) for q in qs]
        hr_file = cache / f"{i:04d}.hr.npy"
        if not hr_file.exists():
            with Image.open(path) as img:
                _save(hr_file, np.asarray(img.convert("RGB")))
        hr = np.load(hr_file, mmap_mode="r")
        lr = None
        coded = []
        for variant in variants:
            f = cache / f"{i:04d}.x{scale}.{variant.tag}.npy"
            if not f.exists():
                if lr is None:
                    lr = resample.downsample(np.asarray(hr), scale)
                pixels, sub = code(lr, variant)
                _save(f, pixels)
                _save(f.with_suffix(".sub.npy"), np.array(sub))
            coded.append(
                Coded(variant, np.load(f, mmap_mode="r"), bool(np.load(f.with_suffix(".sub.npy"))))
            )
        records.append(Record(path.name, role, hr, coded))
        if (i + 1) % 10 == 0:
            log(f"data {i + 1}/{len(files)} images, {time.time() - started:.0f} s")
    return records


def _save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    os.replace(tmp, path)


def crops(
    records: list[Record],
    rng: np.random.Generator,
    count: int,
    size: int,
    scale: int,
    align: int,
) -> list[tuple[np.ndarray, np.ndarray, Coded]]:
    """`count` random (LR crop, HR crop, variant) triples, picked in proportion to image
    area, LR crops `size` px with offsets on multiples of `align` (the base codec's block
    grid stays where the decoder will see it), randomly flipped and transposed."""
    area = np.array([r.hr.shape[0] * r.hr.shape[1] for r in records], np.float64)
    out = []
    for idx in rng.choice(len(records), count, p=area / area.sum()):
        rec = records[idx]
        coded = rec.coded[rng.integers(len(rec.coded))]
        lr_img, hr_img = coded.pixels, rec.hr
        h_max = min(lr_img.shape[0], hr_img.shape[0] // scale) - size
        w_max = min(lr_img.shape[1], hr_img.shape[1] // scale) - size
        y = int(rng.integers(0, h_max // align + 1)) * align
        x = int(rng.integers(0, w_max // align + 1)) * align
        lr = np.asarray(lr_img[y : y + size, x : x + size])
        hr = np.asarray(hr_img[y * scale : (y + size) * scale, x * scale : (x + size) * scale])
        if rng.integers(2):
            lr, hr = lr[:, ::-1], hr[:, ::-1]
        if rng.integers(2):
            lr, hr = lr[::-1], hr[::-1]
        if rng.integers(2):
            lr, hr = lr.transpose(1, 0, 2), hr.transpose(1, 0, 2)
        out.append((lr, hr, coded))
    return out


def hr_crops(
    records: list[Record], rng: np.random.Generator, count: int, size: int
) -> list[np.ndarray]:
    """`count` random size x size crops of the clean images, picked in proportion to image
    area, randomly flipped and transposed."""
    area = np.array([r.hr.shape[0] * r.hr.shape[1] for r in records], np.float64)
    out = []
    for idx in rng.choice(len(records), count, p=area / area.sum()):
        hr = records[idx].hr
        y = int(rng.integers(0, hr.shape[0] - size + 1))
        x = int(rng.integers(0, hr.shape[1] - size + 1))
        crop = np.asarray(hr[y : y + size, x : x + size])
        if rng.integers(2):
            crop = crop[:, ::-1]
        if rng.integers(2):
            crop = crop[::-1]
        if rng.integers(2):
            crop = crop.transpose(1, 0, 2)
        out.append(crop)
    return out


def device_of(net: torch.nn.Module) -> torch.device:
    """Where the network being trained lives: batches are built there."""
    return next(net.parameters()).device


def nchw(arrays: list[np.ndarray], device: torch.device | None = None) -> torch.Tensor:
    """HWC uint8 crops -> NCHW float in [0, 1], built on `device` (default the CPU): on an
    accelerator the bytes travel and the float conversion runs there (the same values)."""
    import torch

    if device is None or device.type == "cpu":
        x = np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2))
        return torch.from_numpy(x).float().div_(255.0)
    x = torch.from_numpy(np.stack(arrays)).to(device).permute(0, 3, 1, 2)
    return x.float().div_(255.0).contiguous()
