"""Model families: what each learned tool adds to the shared data and loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from srcodec import metrics
from srcodec.train.data import Variant

if TYPE_CHECKING:
    from srcodec.train.data import Record, TrainPlan

PSNR_TUNE = {"subsampling": "4:4:4", "tune": "psnr"}


@dataclass
class RestoreFamily:
    """`restore` (scale 1): luma+chroma artefact removal, MSE on the residual over the
    plain decode. Crops are aligned to the 8 px block grid; the loss skips a `margin` so
    zero padding at crop borders is not learned as image content."""

    channels: int = 32
    layers: int = 8
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
        return {"channels": self.channels, "layers": self.layers}

    def build(self) -> torch.nn.Module:
        from srcodec.upscale.restore import build

        return build(self.channels, self.layers)

    def loss(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> torch.Tensor:
        from srcodec.train.data import crops
        from srcodec.upscale.restore import condition

        picked = crops(records, rng, self.batch, self.patch, 1, align=8)
        x = _nchw([c[0] for c in picked])
        y = _nchw([c[1] for c in picked])
        cond = torch.from_numpy(
            np.stack(
                [condition(c.variant.base, c.variant.quality, c.subsampled) for *_, c in picked]
            )
        )
        m = self.margin
        err = (x + net(x, cond) - y)[..., m:-m, m:-m]
        return err.square().mean()

    def validate(self, net: torch.nn.Module, records: list[Record]) -> dict[str, Any]:
        """Mean PSNR-RGB gain over the plain decode, per variant, on whole held-out images."""
        from srcodec.upscale.restore import condition, run

        gains: dict[str, list[float]] = {}
        for rec in records:
            if rec.role != "val":
                continue
            hr = np.asarray(rec.hr)
            for coded in rec.coded:
                v = coded.variant
                lr = np.asarray(coded.pixels)
                out = run(net, lr, condition(v.base, v.quality, coded.subsampled))
                gain = metrics.psnr(out, hr) - metrics.psnr(lr, hr)
                gains.setdefault(v.tag, []).append(gain)
        per = {k: round(float(np.mean(g)), 4) for k, g in gains.items()}
        return {"score": float(np.mean(list(per.values()))), "per_variant": per}


def _nchw(arrays: list[np.ndarray]) -> torch.Tensor:
    x = np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2))
    return torch.from_numpy(x).float().div_(255.0)


FAMILIES = {"restore": RestoreFamily}
