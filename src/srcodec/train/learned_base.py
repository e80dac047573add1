"""The `learned-base` family: srcodec's own transform codec (srcodec.base.learned_arch),
trained by the shared loop on rate + lambda * distortion, exported with its entropy
models (per-channel tables and the context model of srcodec.train.context_model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from srcodec import metrics
from srcodec.train.cli import LoopFamily
from srcodec.train.data import device_of, hr_crops, nchw

if TYPE_CHECKING:
    from pathlib import Path

    from srcodec.base.learned_context import ContextModel
    from srcodec.train.data import Record, TrainPlan, Variant

TABLE_RADIUS = 40  # learned base: symbols -40..40 get their own table entry, others escape


@dataclass
class LearnedBaseFamily(LoopFamily):
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

        device = device_of(net)
        x = nchw(hr_crops(records, rng, self.batch, self.patch), device)
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
        """The context model counted on `data`'s training images (srcodec.train.context_model;
        `weighted`: fitted activity weights, else the plain sum)."""
        from srcodec.train.context_model import fit_on_images

        return fit_on_images(net, data, TABLE_RADIUS, weighted=weighted)

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
                self._jpeg[rec.name] = jpeg_anchor(hr, self.qualities)
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


def jpeg_anchor(hr: np.ndarray, qualities: tuple[int, ...]) -> tuple[list[float], list[float]]:
    """(bpp, PSNR-RGB) of Pillow JPEG on `hr` at `qualities`: the anchor curve validation
    scores the learned base against (computed once per held-out image)."""
    from srcodec.base.pillow import PILLOW_CODECS

    jpeg = PILLOW_CODECS["jpeg"]
    rates, psnrs = [], []
    for q in qualities:
        payload = jpeg.encode(hr, q)
        rates.append(len(payload) * 8 / (hr.shape[0] * hr.shape[1]))
        psnrs.append(metrics.psnr(jpeg.decode(payload, (hr.shape[1], hr.shape[0]), 3), hr))
    return rates, psnrs
