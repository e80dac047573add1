"""Model families: what each learned tool adds to the shared data and loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from srcodec import metrics
from srcodec.train.data import Variant, held_out, training_files

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from srcodec.base.learned_context import ContextModel
    from srcodec.train.data import Record, TrainPlan

PSNR_TUNE = {"subsampling": "4:4:4", "tune": "psnr"}


@dataclass
class RestoreFamily:
    """`restore`: luma+chroma artefact removal, MSE on the residual over the plain decode
    (scale 1) or over Pillow's bicubic upscale of the decoded LR (scale 2: the same network
    on the bicubic image, srcodec.upscale.restore). Crops are aligned to the 8 px block
    grid of the LR; the loss skips a `margin` so zero padding at crop borders is not
    learned as image content."""

    channels: int = 32
    layers: int = 8
    bases: int = 4  # conditioning: the first `bases` of restore.BASES (5: + learned)
    patch: int = 96
    margin: int = 8
    batch: int = 16
    name: str = "restore"
    scale: int = 1
    plan: TrainPlan = field(
        default_factory=lambda: [
            ("avif", (10, 90), 4, PSNR_TUNE),  # what the auto encoder uses most
            ("avif", (10, 85), 2, {}),  # Pillow's defaults: 4:2:0, tune=iq
            ("avif", (10, 85), 1, {"tune": "psnr"}),
            ("jpeg", (10, 90), 1, {}),
            ("webp", (5, 90), 1, {}),
        ]
    )
    val_variants: list[Variant] = field(
        default_factory=lambda: (
            [Variant("avif", q, tuple(sorted(PSNR_TUNE.items()))) for q in (25, 45, 65)]
            + [Variant("avif", 30), Variant("avif", 60), Variant("jpeg", 40)]
        )
    )

    @property
    def arch(self) -> dict[str, Any]:
        arch: dict[str, Any] = {"channels": self.channels, "layers": self.layers}
        if self.bases != 4:  # runs from before the learned base have no "bases" key
            arch["bases"] = self.bases
        return arch

    def build(self) -> torch.nn.Module:
        from srcodec.upscale.restore import build

        return build(self.channels, self.layers, self.bases)

    def widen(self, weights: dict[str, torch.Tensor], arch: dict[str, Any]) -> dict[str, Any]:
        """Weights of a run that knew fewer bases, for a warm start: the new bases' planes
        start at zero weight (the same function on the old bases)."""
        from srcodec.upscale.restore import widen_bases

        same = {k: v for k, v in arch.items() if k != "bases"}
        if same != {"channels": self.channels, "layers": self.layers}:
            msg = f"cannot widen arch {arch} to {self.arch}"
            raise SystemExit(msg)
        return {**weights, "head.weight": widen_bases(weights["head.weight"], self.bases)}

    def batch_of(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One batch drawn with `rng`: (the decoded or upscaled crops the net refines,
        their originals, the conditioning), on the net's device."""
        from srcodec.train.data import crops
        from srcodec.upscale.restore import base_image, condition

        picked = crops(records, rng, self.batch, self.patch // self.scale, self.scale, align=8)
        device = _device(net)
        x = _nchw([base_image(c[0], self.scale) for c in picked], device)
        y = _nchw([c[1] for c in picked], device)
        cond = torch.from_numpy(
            np.stack(
                [
                    condition(c.variant.base, c.variant.quality, c.subsampled, self.bases)
                    for *_, c in picked
                ]
            )
        ).to(device)
        return x, y, cond

    def loss(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> torch.Tensor:
        x, y, cond = self.batch_of(net, records, rng)
        m = self.margin
        err = (x + net(x, cond) - y)[..., m:-m, m:-m]
        return err.square().mean()

    def val_outputs(
        self, net: torch.nn.Module, records: list[Record]
    ) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """(variant tag, original, plain decode, restored) for every coded variant of the
        whole held-out images; both outputs cropped to the original's size."""
        from srcodec.upscale.restore import base_image, condition, run

        for rec in records:
            if rec.role != "val":
                continue
            hr = np.asarray(rec.hr)
            h, w = hr.shape[:2]
            for coded in rec.coded:
                v = coded.variant
                plain = base_image(np.asarray(coded.pixels), self.scale)
                out = run(net, plain, condition(v.base, v.quality, coded.subsampled, self.bases))
                yield v.tag, hr, plain[:h, :w], out[:h, :w]

    def validate(self, net: torch.nn.Module, records: list[Record]) -> dict[str, Any]:
        """Mean PSNR-RGB gain over the plain decode, per variant, on whole held-out images."""
        gains: dict[str, list[float]] = {}
        for tag, hr, plain, out in self.val_outputs(net, records):
            gains.setdefault(tag, []).append(metrics.psnr(out, hr) - metrics.psnr(plain, hr))
        per = {k: round(float(np.mean(g)), 4) for k, g in gains.items()}
        return {"score": float(np.mean(list(per.values()))), "per_variant": per}


def restore_x2() -> RestoreFamily:
    """`restore-x2`: the restore network at scale 2, on LR coded mostly at the low
    qualities where the encoder picks scale 2 (AVIF 4:4:4 tune=psnr first, as the auto
    encoder codes it), plus Pillow's default AVIF, JPEG, WebP and the clean LR."""
    return RestoreFamily(
        name="restore-x2",
        scale=2,
        plan=[
            ("avif", (5, 75), 4, PSNR_TUNE),
            ("avif", (5, 75), 2, {}),
            ("jpeg", (10, 90), 1, {}),
            ("webp", (5, 90), 1, {}),
        ],
        val_variants=(
            [Variant("avif", q, tuple(sorted(PSNR_TUNE.items()))) for q in (20, 40, 60)]
            + [Variant("avif", 30), Variant("jpeg", 40)]
        ),
    )


def restore_x2_learned() -> RestoreFamily:
    """`restore-x2-learned`: restore-x2 that also knows srcodec's learned base (issue 15):
    the same plan plus LR coded by the shipped learned-base model; warm-started from a
    restore-x2 run (`--init`, the new base's planes start at zero)."""
    family = restore_x2()
    family.name = "restore-x2-learned"
    family.bases = 5
    family.plan = [*family.plan, ("learned", (10, 90), 2, {})]
    family.val_variants = [*family.val_variants, Variant("learned", 30), Variant("learned", 60)]
    return family


def restore_x1_learned() -> RestoreFamily:
    """`restore-x1-learned`: the scale-1 restore network for srcodec's learned base only
    (restore picks a model per base), on whole images coded by the shipped learned-base
    model at random qualities; warm-started from restore-x1 (`--init`)."""
    return RestoreFamily(
        name="restore-x1-learned",
        bases=5,
        plan=[("learned", (0, 100), 3, {})],
        val_variants=[Variant("learned", q) for q in (20, 50, 80)],
    )


def _device(net: torch.nn.Module) -> torch.device:
    """Where the network being trained lives: batches are built there."""
    return next(net.parameters()).device


def _nchw(arrays: list[np.ndarray], device: torch.device | None = None) -> torch.Tensor:
    """HWC uint8 crops -> NCHW float in [0, 1], built on `device` (default the CPU): on an
    accelerator the bytes travel and the float conversion runs there (the same values)."""
    if device is None or device.type == "cpu":
        x = np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2))
        return torch.from_numpy(x).float().div_(255.0)
    x = torch.from_numpy(np.stack(arrays)).to(device).permute(0, 3, 1, 2)
    return x.float().div_(255.0).contiguous()


TABLE_RADIUS = 40  # learned base: symbols -40..40 get their own table entry, others escape
CONTEXT_CROP = 512  # learned base: side of the central crops the context model is counted on


@dataclass
class LearnedBaseFamily:
    """`learned-base` (scale 1): the factorized-prior transform codec of
    srcodec.base.learned_arch, rate + lambda * 255^2 * MSE with one random rate level per
    crop (gain units). Validation really codes the held-out images (integer tables made
    from the current density, constriction) at 5 qualities and scores BD-PSNR in dB
    against Pillow JPEG on the same images (and logs BD-rate when the curves overlap)."""

    n: int = 64
    m: int = 96
    patch: int = 64  # small crops: ~4x more steps per CPU-hour than 128 px
    batch: int = 8
    name: str = "learned-base"
    scale: int = 1
    plan: TrainPlan = field(default_factory=list)
    val_variants: list[Variant] = field(default_factory=list)
    qualities: tuple[int, ...] = (10, 30, 50, 70, 90)
    _jpeg: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    @property
    def arch(self) -> dict[str, Any]:
        from srcodec.base.learned_arch import LAMBDAS

        return {"n": self.n, "m": self.m, "levels": len(LAMBDAS)}

    def build(self) -> torch.nn.Module:
        from srcodec.base.learned_arch import FactorizedCodec

        return FactorizedCodec(self.n, self.m)

    def loss(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> torch.Tensor:
        from srcodec.base.learned_arch import LAMBDAS

        device = _device(net)
        x = _nchw(hr_crops(records, rng, self.batch, self.patch), device)
        level = torch.from_numpy(rng.integers(0, len(LAMBDAS), self.batch)).to(device)
        x_hat, likelihood = net(x, level)
        lam = torch.tensor(LAMBDAS, device=device)[level]
        mse = (x_hat - x).square().mean((1, 2, 3))
        bpp = -torch.log2(likelihood).sum((1, 2, 3)) / (self.patch * self.patch)
        return (lam * 255**2 * mse + bpp).mean()

    def tables(self, net: torch.nn.Module) -> np.ndarray:
        """The per-channel integer tables of payload version 0 (srcodec.entropy)."""
        from srcodec import entropy

        return entropy.quantize_pmf(net.density.pmf(TABLE_RADIUS).numpy())

    def export_arrays(self, net: torch.nn.Module, data: Path) -> dict[str, np.ndarray]:
        """Both entropy models the codec codes with: the per-channel tables, and the
        context model (srcodec.base.learned_context) counted from the latents of the
        training images of `data` (not the held-out ones), at 11 qualities."""
        return {"tables": self.tables(net), **self.context_model(net, data).arrays()}

    def context_model(
        self, net: torch.nn.Module, data: Path, weighted: bool = True
    ) -> ContextModel:
        """The context model counted on the central crops of `data`'s training images
        (`weighted`: fitted activity weights, else the plain sum; learned_context.fit)."""
        from PIL import Image

        from srcodec.base.learned import analyse
        from srcodec.base.learned_context import fit

        held = set(held_out(data))
        latents = []
        for path in training_files(data):
            if path in held:
                continue
            with Image.open(path) as im:
                rgb = np.asarray(im.convert("RGB"))
            h, w = rgb.shape[:2]  # a central crop bounds the time; contexts are local
            top, left = max(0, (h - CONTEXT_CROP) // 2), max(0, (w - CONTEXT_CROP) // 2)
            crop = rgb[top : top + CONTEXT_CROP, left : left + CONTEXT_CROP]
            latents += [analyse(net, crop, q) for q in range(0, 101, 10)]
        return fit(latents, TABLE_RADIUS, weighted=weighted)

    def validate(self, net: torch.nn.Module, records: list[Record]) -> dict[str, Any]:
        from srcodec import entropy
        from srcodec.base.learned import analyse, synthesize
        from srcodec.rd.bd import BDUndefinedError, bd_psnr, bd_rate

        tables = self.tables(net)
        rates: dict[int, list[float]] = {q: [] for q in self.qualities}
        psnrs: dict[int, list[float]] = {q: [] for q in self.qualities}
        jpeg_r: list[list[float]] = []
        jpeg_p: list[list[float]] = []
        for rec in records:
            if rec.role != "val":
                continue
            hr = np.asarray(rec.hr)
            for q in self.qualities:
                y = analyse(net, hr, q)
                words, esc = entropy.encode(y.reshape(len(y), -1), tables)
                out = synthesize(net, y, q, (hr.shape[1], hr.shape[0]), None)
                rates[q].append((len(words) + len(esc) + 7) * 8 / (hr.shape[0] * hr.shape[1]))
                psnrs[q].append(metrics.psnr(out, hr))
            if rec.name not in self._jpeg:
                self._jpeg[rec.name] = _jpeg_curve(hr, self.qualities)
            jpeg_r.append(self._jpeg[rec.name][0])
            jpeg_p.append(self._jpeg[rec.name][1])
        r = [float(np.mean(rates[q])) for q in self.qualities]
        p = [float(np.mean(psnrs[q])) for q in self.qualities]
        jr, jp = np.mean(jpeg_r, 0).tolist(), np.mean(jpeg_p, 0).tolist()
        try:
            score = bd_psnr(jr, jp, r, p)
        except BDUndefinedError:
            score = float("nan")
        try:
            rate = round(bd_rate(jr, jp, r, p), 2)
        except BDUndefinedError:
            rate = None
        per = {
            "bpp": [round(v, 4) for v in r],
            "psnr": [round(v, 3) for v in p],
            "bd_psnr_vs_jpeg_db": round(score, 3),
            "bd_rate_vs_jpeg_pct": rate,
        }
        return {"score": score, "per_variant": per}


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


def _jpeg_curve(hr: np.ndarray, qualities: tuple[int, ...]) -> tuple[list[float], list[float]]:
    from srcodec.base.pillow import PILLOW_CODECS

    jpeg = PILLOW_CODECS["jpeg"]
    rates, psnrs = [], []
    for q in qualities:
        payload = jpeg.encode(hr, q)
        rates.append(len(payload) * 8 / (hr.shape[0] * hr.shape[1]))
        psnrs.append(metrics.psnr(jpeg.decode(payload, (hr.shape[1], hr.shape[0]), 3), hr))
    return rates, psnrs


def _perceptual() -> RestoreFamily:
    from srcodec.train.perceptual import PerceptualRestoreFamily

    return PerceptualRestoreFamily()


def _perceptual_x2() -> RestoreFamily:
    from srcodec.train.perceptual import restore_x2_perceptual

    return restore_x2_perceptual()


FAMILIES = {
    "restore": RestoreFamily,
    "restore-x2": restore_x2,
    "restore-x2-learned": restore_x2_learned,
    "restore-x1-learned": restore_x1_learned,
    "learned-base": LearnedBaseFamily,
    "restore-perceptual": _perceptual,
    "restore-x2-perceptual": _perceptual_x2,
}
