"""The `restore` families: one artefact-removal network over the decoded (scale 1) or
bicubic-upscaled (scale 2) base image, trained by the shared loop (srcodec.train.loop).

`restore`, `restore-x2`, `restore-x2-learned` and `restore-x1-learned` differ only in
scale, conditioning width and the coded variants they train on; the perceptual variants
(srcodec.train.perceptual) change the loss and validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from srcodec import metrics
from srcodec.train.cli import LoopFamily
from srcodec.train.data import Variant, crops, device_of, nchw

if TYPE_CHECKING:
    from collections.abc import Iterator

    from srcodec.train.data import Record, TrainPlan

PSNR_TUNE = {"subsampling": "4:4:4", "tune": "psnr"}


@dataclass
class RestoreFamily(LoopFamily):
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
        from srcodec.upscale.restore import base_image, condition

        picked = crops(records, rng, self.batch, self.patch // self.scale, self.scale, align=8)
        device = device_of(net)
        x = nchw([base_image(c[0], self.scale) for c in picked], device)
        y = nchw([c[1] for c in picked], device)
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
