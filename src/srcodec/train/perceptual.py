"""`restore-perceptual`: the restore network trained for what people see.

Same network, conditioning and crops as `restore` (srcodec.train.restore.RestoreFamily),
on the AVIF settings the perceptual (SSIMULACRA 2) search codes with: libaom tune=iq and
tune=ssimulacra2, 4:2:0 and 4:4:4, plus JPEG and WebP for `enhance`. The loss is the
differentiable SSIMULACRA 2 of the restored crop mixed with the L1 error of the residual:
SSIMULACRA 2 alone lets a network trade colour accuracy it does not weigh for the structure
it does; L1 keeps it honest (PSNR and Butteraugli are checked at validation and export).
Validation scores SSIMULACRA 2 points gained over the plain decode on whole held-out
images, and logs the PSNR gain beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec import metrics
from srcodec.train.data import Variant
from srcodec.train.restore import RestoreFamily

if TYPE_CHECKING:
    import torch

    from srcodec.train.data import Record, TrainPlan

SSIMULACRA2_444 = {"subsampling": "4:4:4", "tune": "ssimulacra2"}
IQ_444 = {"subsampling": "4:4:4", "tune": "iq"}
SSIMULACRA2_420 = {"tune": "ssimulacra2"}


def _plan() -> TrainPlan:
    return [
        ("avif", (15, 90), 3, SSIMULACRA2_444),
        ("avif", (15, 90), 2, {}),  # Pillow's defaults: 4:2:0, tune=iq
        ("avif", (15, 90), 1, IQ_444),
        ("avif", (15, 90), 1, SSIMULACRA2_420),
        ("jpeg", (10, 90), 1, {}),
        ("webp", (5, 90), 1, {}),
    ]


def _val_variants() -> list[Variant]:
    s2 = tuple(sorted(SSIMULACRA2_444.items()))
    return [
        *(Variant("avif", q, s2) for q in (30, 60, 80)),
        Variant("avif", 30),
        Variant("avif", 60),
        Variant("jpeg", 40),
    ]


@dataclass
class PerceptualRestoreFamily(RestoreFamily):
    name: str = "restore-perceptual"
    # L1 (0..1 units) beside (100 - SSIMULACRA 2) / 100: at a PSNR-trained start the
    # SSIMULACRA 2 gradient is ~70x the L1 one; this weight leaves it ~7x, so it leads
    l1_weight: float = 10.0
    plan: TrainPlan = field(default_factory=_plan)
    val_variants: list[Variant] = field(default_factory=_val_variants)

    def loss(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> torch.Tensor:
        from srcodec.metrics.ssimulacra2_torch import ssimulacra2_loss

        x, y, cond = self.batch_of(net, records, rng)
        m = self.margin
        out = (x + net(x, cond))[..., m:-m, m:-m]
        target = y[..., m:-m, m:-m]
        perceptual = ssimulacra2_loss(target, out.clamp(0.0, 1.0), aligned=True)
        return perceptual + self.l1_weight * (out - target).abs().mean()

    def validate(self, net: torch.nn.Module, records: list[Record]) -> dict[str, Any]:
        """Mean SSIMULACRA 2 gain (points) over the plain decode per variant, and the PSNR
        gain (dB) beside it, on whole held-out images."""
        gains: dict[str, list[float]] = {}
        psnr_gains: dict[str, list[float]] = {}
        for tag, hr, plain, out in self.val_outputs(net, records):
            gains.setdefault(tag, []).append(
                metrics.ssimulacra2(hr, out) - metrics.ssimulacra2(hr, plain)
            )
            psnr_gains.setdefault(tag, []).append(metrics.psnr(out, hr) - metrics.psnr(plain, hr))
        per = {k: round(float(np.mean(g)), 4) for k, g in gains.items()}
        per_psnr = {f"{k}-psnr": round(float(np.mean(g)), 4) for k, g in psnr_gains.items()}
        return {"score": float(np.mean(list(per.values()))), "per_variant": per | per_psnr}


def restore_x2_perceptual() -> PerceptualRestoreFamily:
    """`restore-x2-perceptual`: the same at scale 2 (the network on Pillow's bicubic upscale
    of the decoded LR), on LR coded at the low qualities where the encoder picks scale 2:
    Pillow's default AVIF first (the search's x2 configurations code the LR with it), then
    tune=ssimulacra2 4:4:4, JPEG, WebP and the clean LR; warm-started from restore-x2."""
    s2 = tuple(sorted(SSIMULACRA2_444.items()))
    return PerceptualRestoreFamily(
        name="restore-x2-perceptual",
        scale=2,
        plan=[
            ("avif", (10, 75), 4, {}),
            ("avif", (10, 75), 2, SSIMULACRA2_444),
            ("jpeg", (10, 90), 1, {}),
            ("webp", (5, 90), 1, {}),
        ],
        val_variants=[
            Variant("avif", 20),
            Variant("avif", 40),
            Variant("avif", 60),
            Variant("avif", 40, s2),
            Variant("jpeg", 40),
        ],
    )
