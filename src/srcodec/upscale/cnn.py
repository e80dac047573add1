"""`cnn`: a small conditioned CNN that upscales the decoded LR image (arch + inference only).

The network works in LR space, VDSR/ESPCN style, and predicts only the residual over
Pillow's bicubic (the `bicubic` upscaler), so an untrained net equals the reference:

    x = [lr/255 (3 planes), one-hot base (png, jpeg, webp, avif), quality/100]   (8 planes)
    r = conv3x3(8->C) ReLU, (L-2) x [conv3x3(C->C) ReLU], conv3x3(C->3*s*s), pixel shuffle(s)
    hr = round(bicubic(lr) + 255 * r)

The base codec and its quality are constant input planes, so one net learns to undo AVIF at
q 20 differently from JPEG at q 70 or a clean (png) LR image; an unconditioned net hurts at
high rates. Gray images run as RGB with equal planes; the output planes are averaged.

Training lives in tools/train_upscaler.py; weights ship as models/cnn-x<s>-*.npz (no pickle)
and describe themselves: channels, depth and scale are read off the array shapes. Inference
runs the ONNX graph exported beside each (srcodec.runtime, docs/onnx.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec import weights
from srcodec.errors import UnsupportedError
from srcodec.upscale.classic import resize_bicubic
from srcodec.upscale.conditioned import (
    add_residual_tiles,
    module_from_arrays,
    residual_fn,
    shipped_loader,
)
from srcodec.upscale.tiling import tiles

if TYPE_CHECKING:
    import torch

    from srcodec.upscale import SideInfo

BASES = ("png", "jpeg", "webp", "avif")  # order of the one-hot conditioning planes
COND_PLANES = len(BASES) + 1
MODEL_NAMES = {1: "cnn-x1", 2: "cnn-x2"}  # scale -> manifest name of the shipped model
TILE = 384  # LR tile side for inference; bounds memory whatever the image size
OVERLAP = 12  # LR pixels of context on each side of a tile; > the receptive radius (L)


def condition(base: str, quality: int | None) -> np.ndarray:
    """The conditioning vector (5 floats): one-hot base, then quality/100 (0 if lossless)."""
    if base not in BASES:
        msg = f"cnn is trained for bases {', '.join(BASES)}, not {base!r}"
        raise UnsupportedError(msg)
    cond = np.zeros(COND_PLANES, np.float32)
    cond[BASES.index(base)] = 1.0
    cond[-1] = 0.0 if quality is None else quality / 100.0
    return cond


def build(channels: int = 32, layers: int = 7, scale: int = 2) -> torch.nn.Module:
    """The network as a torch module (see the module docstring). layers >= 2."""
    import torch
    from torch import nn

    class CnnNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = scale
            self.head = nn.Conv2d(3 + COND_PLANES, channels, 3, padding=1)
            self.body = nn.ModuleList(
                nn.Conv2d(channels, channels, 3, padding=1) for _ in range(layers - 2)
            )
            self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)
            # He init keeps activations alive through the ReLU stack (torch's default init
            # shrinks them layer by layer, which stalls training); the tail starts near 0 so
            # the untrained net is bicubic and training only has to add gain.
            for conv in (self.head, *self.body):
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                nn.init.zeros_(conv.bias)
            nn.init.normal_(self.tail.weight, std=1e-3)
            nn.init.zeros_(self.tail.bias)

        def forward(self, lr: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
            """lr: N x 3 x h x w in [0, 1]; cond: N x 5. Returns the residual N x 3 x sh x sw
            in [0, 1] units (add it to the bicubic upscale)."""
            n, _, h, w = lr.shape
            planes = cond[:, :, None, None].expand(n, COND_PLANES, h, w).to(lr.dtype)
            x = torch.relu(self.head(torch.cat([lr, planes], 1)))
            for conv in self.body:
                x = torch.relu(conv(x))
            x = self.tail(x)
            return nn.functional.pixel_shuffle(x, self.scale) if self.scale > 1 else x

    return CnnNet()


def arch_of(arrays: dict[str, np.ndarray]) -> dict[str, int]:
    """channels, layers and scale read off the weight shapes (weights describe themselves)."""
    channels = int(arrays["head.weight"].shape[0])
    layers = 2 + sum(1 for k in arrays if k.startswith("body.") and k.endswith(".weight"))
    out = int(arrays["tail.weight"].shape[0])
    scale = round((out // 3) ** 0.5)
    if 3 * scale * scale != out:
        msg = f"cnn tail has {out} outputs, not 3*s*s"
        raise ValueError(msg)
    return {"channels": channels, "layers": layers, "scale": scale}


def from_arrays(arrays: dict[str, np.ndarray]) -> torch.nn.Module:
    """A float32 eval-mode module from exported arrays (float16 or float32)."""
    return module_from_arrays(build, arch_of(arrays), arrays)


# (name, device) -> the shipped model, cached: its ONNX Runtime session, or a torch module
_model = shipped_loader(from_arrays)


def scale_of(net: Any) -> int:
    """The upscale factor of a torch module or of an ONNX graph (probed on a 1 x 1 input)."""
    if hasattr(net, "scale"):
        return int(net.scale)
    probe = net(
        image=np.zeros((1, 3, 1, 1), np.float32), cond=np.zeros((1, COND_PLANES), np.float32)
    )
    return int(probe.shape[-1])


def run(
    net: Any,
    lr: np.ndarray,
    cond: np.ndarray,
    device: str = "cpu",
    tile: int = TILE,
    overlap: int = OVERLAP,
) -> np.ndarray:
    """uint8 h x w x 3 -> uint8 (h*s) x (w*s) x 3 with `net` (an ONNX Runtime network, or the
    torch module it was exported from), in LR tiles of `tile` px plus `overlap` px of
    context, so peak memory is bounded; the bicubic base is whole-image."""
    scale = scale_of(net)
    h, w, _ = lr.shape
    # writable uint8 copy; the net's residual is added tile by tile
    out = np.array(resize_bicubic(lr, scale))
    residual = residual_fn(net, cond, device)
    add_residual_tiles(out, lr, residual, tiles(h, w, tile, overlap), scale)
    return out


class Cnn:
    name = "cnn"
    synthesizes = True
    runs_network = True
    halo = OVERLAP
    band_bytes_per_pixel = 40
    preference = 2  # restore beats it at x1 and x2 (docs/restore.md)

    def scales(self) -> tuple[int, ...]:
        return tuple(sorted(MODEL_NAMES))

    def supports(self, base: str, scale: int) -> bool:
        return scale in MODEL_NAMES and base in BASES  # the conditioning's one-hot bases

    def model_hash(
        self, scale: int, base: str | None = None, metric: str | None = None
    ) -> bytes | None:
        # one model file per scale, so the stream names the one it was made for
        name = MODEL_NAMES.get(scale)
        return None if name is None else weights.stream_hash(name)

    def model_hashes(self, scale: int) -> set[bytes]:
        current = self.model_hash(scale)
        return set() if current is None else {current}

    def upscale(self, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        name = MODEL_NAMES.get(side.scale)
        if name is None:
            have = ", ".join(f"x{s}" for s in MODEL_NAMES)
            msg = (
                f"cnn has no model for scale {side.scale} (has {have}); "
                "decode with --upscaler bicubic"
            )
            raise UnsupportedError(msg)
        cond = condition(side.base, side.quality)
        gray = lr.shape[2] == 1
        rgb = np.repeat(lr, 3, axis=2) if gray else lr
        hr = run(_model(name, device), rgb, cond, device)
        if gray:
            hr = np.floor(hr.astype(np.float32).mean(axis=2, keepdims=True) + 0.5).astype(np.uint8)
        return hr
