"""`restore`: a luma+chroma restoration CNN for full-resolution (scale 1) streams, and at
scale 2 the same network applied to Pillow's bicubic upscale of the decoded LR image.

It removes coding artefacts from the decoded image (at scale 2 also the upscale's blur); all
three planes go in together, so chroma is restored with luma's help (AVIF 4:2:0 chroma is
upsampled by the base decoder, and the net sees the sharp luma edges next to it). To stay
cheap on a CPU it works at half resolution after a 2x2 pixel-unshuffle (4x fewer positions
per layer than a full-resolution net of the same width):

    x = unshuffle2(rgb/255) (12 planes) + cond (one-hot base, quality/100, chroma subsampled)
    r = conv3x3(18->C) ReLU, (L-2) x [conv3x3(C->C) ReLU], conv3x3(C->12), shuffle2
    out = round(decoded + 255 * r)

The conditioning says how the payload was made: png/jpeg/webp/avif (and, for models that
know it, srcodec's learned base), the quality, and whether its chroma was subsampled (read
from the payload itself, `BaseCodec.subsampled`). A model's conditioning width is read off its
first layer, so models trained before the learned base existed keep working (and refuse it).
Training: `python tools/train.py restore` and `restore-x2` (srcodec.train); weights ship as
models/restore-x1-*.npz and restore-x2-*.npz and describe themselves (channels, layers read
off the shapes); inference runs the ONNX graph exported beside each (srcodec.runtime,
docs/onnx.md), the torch module staying the training reference. A base whose decoded
images differ a lot from the Pillow codecs' (the learned base: blur and transform ringing,
not blocks) gets its own fine-tuned model per scale (BASE_MODEL_NAMES, e.g.
restore-x2-learned); the stream's model hash names whichever file was used, so the decoder
needs no extra field.
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

# order of the one-hot conditioning planes; a model knows the first `bases` of them (4 for
# models trained before the learned base, 5 after)
BASES = ("png", "jpeg", "webp", "avif", "learned")
PIXEL_BASES = 4  # png, jpeg, webp, avif: Pillow codecs
COND_EXTRA = 2  # + quality/100 + chroma-subsampled flag
COND_PLANES = PIXEL_BASES + COND_EXTRA  # the width of the shipped models
SHUFFLE = 2
MODEL_NAMES = {1: "restore-x1", 2: "restore-x2"}  # scale -> manifest name
# a model fine-tuned on one base's decoded LR, used for that base when it is shipped
BASE_MODEL_NAMES = {(1, "learned"): "restore-x1-learned", (2, "learned"): "restore-x2-learned"}
# a model trained for one metric, used by an encoder that scores with it (Pillow bases;
# a base's own model above wins) when it is shipped: srcodec.train.perceptual
METRIC_MODEL_NAMES = {
    (1, "ssimulacra2"): "restore-x1-perceptual",
    (2, "ssimulacra2"): "restore-x2-perceptual",
}
TILE = 512  # tile side in pixels (even) for inference; bounds memory for any image size
OVERLAP = 24  # context pixels per side (even); > the receptive radius 2 * (L + 1)


def base_image(img: np.ndarray, scale: int) -> np.ndarray:
    """What the network refines: the decoded image itself at scale 1 (no copy), its
    bicubic upscale (upscaler 0) at scale 2."""
    return img if scale == 1 else resize_bicubic(np.ascontiguousarray(img), scale)


def condition(
    base: str, quality: int | None, subsampled: bool, bases: int = PIXEL_BASES
) -> np.ndarray:
    """The conditioning vector of a model that knows the first `bases` BASES: one-hot base,
    quality/100 (0 if lossless), subsampled."""
    known = BASES[:bases]
    if base not in known:
        msg = f"this restore model is trained for bases {', '.join(known)}, not {base!r}"
        raise UnsupportedError(msg)
    cond = np.zeros(bases + COND_EXTRA, np.float32)
    cond[known.index(base)] = 1.0
    cond[-2] = 0.0 if quality is None else quality / 100.0
    cond[-1] = 1.0 if subsampled else 0.0
    return cond


def build(channels: int = 32, layers: int = 8, bases: int = PIXEL_BASES) -> torch.nn.Module:
    """The network (see the module docstring); forward takes even-sized N x 3 x H x W and
    N x (bases + 2) conditioning values."""
    import torch
    from torch import nn

    class RestoreNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            planes = 3 * SHUFFLE * SHUFFLE
            self.bases = bases
            self.cond_planes = bases + COND_EXTRA
            self.head = nn.Conv2d(planes + self.cond_planes, channels, 3, padding=1)
            self.body = nn.ModuleList(
                nn.Conv2d(channels, channels, 3, padding=1) for _ in range(layers - 2)
            )
            self.tail = nn.Conv2d(channels, planes, 3, padding=1)
            # He init keeps a plain ReLU stack trainable; the tail starts near zero so the
            # untrained net is the identity (plain decode) and training only adds gain.
            for conv in (self.head, *self.body):
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                nn.init.zeros_(conv.bias)
            nn.init.normal_(self.tail.weight, std=1e-3)
            nn.init.zeros_(self.tail.bias)

        def forward(self, img: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
            """img N x 3 x H x W in [0, 1] (H, W even), cond N x (bases + 2) -> the residual
            N x 3 x H x W in [0, 1] units."""
            x = nn.functional.pixel_unshuffle(img, SHUFFLE)
            n, _, h, w = x.shape
            planes = cond[:, :, None, None].expand(n, self.cond_planes, h, w).to(x.dtype)
            x = torch.relu(self.head(torch.cat([x, planes], 1)))
            for conv in self.body:
                x = torch.relu(conv(x))
            return nn.functional.pixel_shuffle(self.tail(x), SHUFFLE)

    return RestoreNet()


def arch_of(arrays: dict[str, np.ndarray]) -> dict[str, int]:
    """channels, layers and known bases read off the weight shapes."""
    channels, inputs = (int(n) for n in arrays["head.weight"].shape[:2])
    layers = 2 + sum(1 for k in arrays if k.startswith("body.") and k.endswith(".weight"))
    bases = inputs - 3 * SHUFFLE * SHUFFLE - COND_EXTRA
    return {"channels": channels, "layers": layers, "bases": bases}


def widen_bases(head_weight: torch.Tensor, bases: int) -> torch.Tensor:
    """The first layer of a model that knows fewer bases, given zero weights for the new
    bases' planes: the same function on the old bases, a start for training the new."""
    import torch

    old = head_weight.shape[1] - 3 * SHUFFLE * SHUFFLE - COND_EXTRA
    split = 3 * SHUFFLE * SHUFFLE + old
    extra = head_weight.new_zeros(head_weight.shape[0], bases - old, *head_weight.shape[2:])
    return torch.cat([head_weight[:, :split], extra, head_weight[:, split:]], 1)


def from_arrays(arrays: dict[str, np.ndarray]) -> torch.nn.Module:
    """A float32 eval-mode module from exported arrays."""
    return module_from_arrays(build, arch_of(arrays), arrays)


# (name, device) -> the shipped model, cached: its ONNX Runtime session, or a torch module
_model = shipped_loader(from_arrays)


def bases_of(net: Any) -> int:
    """How many BASES a model knows: a torch module's attribute, or read off an ONNX
    graph's conditioning width."""
    if hasattr(net, "bases"):
        return int(net.bases)
    return net.input_width("cond") - COND_EXTRA


def run(
    net: Any,
    img: np.ndarray,
    cond: np.ndarray,
    device: str = "cpu",
    tile: int = TILE,
    overlap: int = OVERLAP,
) -> np.ndarray:
    """uint8 H x W x 3 -> restored uint8 H x W x 3 with `net` (an ONNX Runtime network, or
    the torch module it was exported from), tile by tile (even tile offsets, so the 2x2
    unshuffle phase matches training); odd sizes are edge-padded by one pixel."""
    h, w, _ = img.shape
    ph, pw = h + h % 2, w + w % 2
    padded = img
    if (ph, pw) != (h, w):
        padded = np.pad(img, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
    out = np.array(padded)
    residual = residual_fn(net, cond, device)
    add_residual_tiles(out, padded, residual, tiles(ph, pw, tile, overlap))
    return out[:h, :w]


def model_name(scale: int, base: str | None = None, metric: str | None = None) -> str | None:
    """The shipped model used for streams of `base` at `scale` made by an encoder scoring
    with `metric`: the base's own fine-tuned model when there is one, else the metric's,
    else the scale's model; None: no model for that scale."""
    for special in (
        BASE_MODEL_NAMES.get((scale, base or "")),
        METRIC_MODEL_NAMES.get((scale, metric or "")),
    ):
        if special is not None and special in weights.manifest():
            return special
    return MODEL_NAMES.get(scale)


def _variants(scale: int) -> dict[bytes, str]:
    """Stream hash -> manifest name of every model kept for `scale`, any base."""
    names = [MODEL_NAMES.get(scale)]
    names += [n for (s, _), n in BASE_MODEL_NAMES.items() if s == scale]
    names += [n for (s, _), n in METRIC_MODEL_NAMES.items() if s == scale]
    found: dict[bytes, str] = {}
    for name in names:
        if name is not None and name in weights.manifest():
            found.update(weights.variants(name))
    return found


class Restore:
    name = "restore"
    synthesizes = True
    runs_network = True
    halo = OVERLAP  # LR rows: >= the net's reach at x1, and at x2 half of it + bicubic's 2
    band_bytes_per_pixel = 24
    preference = 1  # the best tool at x1 and x2 (docs/restore.md)

    def scales(self) -> tuple[int, ...]:
        return tuple(s for s, n in MODEL_NAMES.items() if n in weights.manifest())

    def supports(self, base: str, scale: int) -> bool:
        """The model used for `base` at `scale` knows that base (read off its weights)."""
        name = model_name(scale, base)
        if scale not in self.scales() or name is None:
            return False
        return base in BASES[: arch_of(weights.load(name))["bases"]]

    def model_hash(
        self, scale: int, base: str | None = None, metric: str | None = None
    ) -> bytes | None:
        name = model_name(scale, base, metric)
        return None if name is None else weights.stream_hash(name)

    def model_hashes(self, scale: int) -> set[bytes]:
        """Every model this install can decode streams of at `scale`: the current ones (per
        base) and the earlier ones kept as restore-x1@<sha8> (weights.variants)."""
        return set(_variants(scale))

    def upscale(self, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        if side.scale not in self.scales():
            have = ", ".join(map(str, self.scales()))
            msg = f"restore works at scale {have}, not {side.scale}; decode with bicubic"
            raise UnsupportedError(msg)
        name = model_name(side.scale, side.base) or MODEL_NAMES[side.scale]
        if side.model_hash is not None:  # the model the stream names, if this install has it
            name = _variants(side.scale).get(side.model_hash, name)
        net = _model(name, device)
        cond = condition(side.base, side.quality, side.subsampled, bases_of(net))
        gray = lr.shape[2] == 1
        rgb = np.repeat(lr, 3, axis=2) if gray else lr
        out = run(net, base_image(rgb, side.scale), cond, device)
        if gray:
            out = np.floor(out.astype(np.float32).mean(axis=2, keepdims=True) + 0.5)
            out = out.astype(np.uint8)
        return out
