"""RAISR upscaler (Romano, Isidoro, Milanfar 2016): bicubic, then a learned filter per pixel.

The decoded LR image is upscaled with the same Pillow bicubic as the `bicubic` upscaler. Each
output pixel then gets a residual from a k x k filter applied to the bicubic luma around it;
the filter is picked by the pixel's gradient hash (raisr_hash: angle x strength x coherence)
and its phase with respect to the LR grid (scale^2 pixel types). Filters are ridge
least-squares fits of HR - bicubic (tools/train_raisr.py), so they also undo some of the
artefacts of the base codec they were trained on. Each bank stores its filters as
coefficients over R shared basis filters (rank 8 of 11 x 11): one R-channel convolution per
tile replaces a per-pixel filter gather, ~4x faster on a CPU and no less accurate.

Banks. One model file (weights.load(MODEL)) holds a filter bank per scale and per base-codec
quality band ("x2.avif-low", ...) plus a "clean" bank per scale for lossless bases. The bank
comes from the stream's SideInfo (base, quality): see bank_name(). A band without its own bank
uses the clean bank of that scale; a scale without any bank raises UnsupportedError (decode
with --upscaler bicubic). Scale 1 returns the decoded image unchanged.

Colour. The residual is computed on luma Y = 0.299 R + 0.587 G + 0.114 B and added to R, G
and B alike, which changes Y only (chroma stays bicubic); mode "rgb" instead runs the same
filter on each channel (docs/raisr.md compares the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec import weights
from srcodec.errors import UnsupportedError, UsageError
from srcodec.upscale.classic import resize_bicubic

if TYPE_CHECKING:
    import torch

    from srcodec.upscale import SideInfo

# Decoding runs in numpy (raisr_numpy); torch is imported only by the torch twin below
# (`residual`, `pad`), which training and the tests use as the reference.

MODEL = "raisr"  # manifest name of the shipped banks
MODES = ("luma", "rgb")
LUMA = (0.299, 0.587, 0.114)
TILE_VALUES = 1 << 20  # conv outputs per row tile (x4 bytes): bounds memory, fits caches

# Quality bands per lossy base: (highest quality in the band, band name). Lossless bases,
# a missing quality and bases not listed here use the "clean" bank.
BANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "avif": ((39, "low"), (69, "mid"), (100, "high")),
    "webp": ((29, "low"), (69, "mid"), (100, "high")),
    "jpeg": ((29, "low"), (69, "mid"), (100, "high")),
}


def bank_name(base: str, quality: int | None) -> str:
    """'clean' or '<base>-<band>', e.g. bank_name('avif', 30) == 'avif-low'."""
    if quality is None or base not in BANDS:
        return "clean"
    for top, band in BANDS[base]:
        if quality <= top:
            return f"{base}-{band}"
    return f"{base}-{BANDS[base][-1][1]}"


def band_range(base: str, band: str) -> tuple[int, int]:
    """Inclusive quality range of a band (the training tool draws qualities from it)."""
    low = 0
    for top, name in BANDS[base]:
        if name == band:
            return low, top
        low = top + 1
    msg = f"{base} has no quality band {band!r}"
    raise UsageError(msg)


def luma(x: Any) -> Any:
    """float C x H x W (C = 1 or 3) -> H x W luma; a torch tensor or a numpy array."""
    if x.shape[0] == 1:
        return x[0]
    return x[0] * LUMA[0] + x[1] * LUMA[1] + x[2] * LUMA[2]


def pad(x: torch.Tensor, width: int) -> torch.Tensor:
    """Edge-replicate an H x W or C x H x W tensor by `width` on every side."""
    import torch.nn.functional as F

    if x.dim() == 2:
        return F.pad(x[None, None], (width,) * 4, mode="replicate")[0, 0]
    return F.pad(x[None], (width,) * 4, mode="replicate")[0]


def residual(
    y: torch.Tensor,
    planes: torch.Tensor | None,
    basis: torch.Tensor,
    coef: torch.Tensor,
    thresholds: torch.Tensor,
    scale: int,
) -> torch.Tensor:
    """The filtered residual of each plane, C x H x W.

    y: H x W luma to hash; planes: C x H x W to filter, None to filter y (luma mode).
    The filter of pixel type t and bucket b is sum_r coef[t * BUCKETS + b, r] * basis[r]:
    basis float32 R x 1 x k x k, coef float32 (scale^2 * BUCKETS) x R. So each tile costs one
    dense R-channel convolution, one row gather and a length-R dot per pixel, instead of a
    k x k patch gather per pixel (several times slower on a CPU)."""
    import torch
    import torch.nn.functional as F

    from srcodec.upscale.raisr_hash import BUCKETS, MARGIN, hash_plane, pixel_types

    k = basis.shape[-1]
    half = k // 2
    border = max(MARGIN, half)
    height, width = y.shape
    ypad = pad(y, border)
    ppad = ypad[None] if planes is None else pad(planes, border)
    channels = ppad.shape[0]
    out = torch.empty((channels, height, width), dtype=torch.float32, device=y.device)
    rows = max(1, TILE_VALUES // max(1, width * basis.shape[0] * channels))
    for r0 in range(0, height, rows):
        r1 = min(height, r0 + rows)
        hy = ypad[
            r0 + border - MARGIN : r1 + border + MARGIN, border - MARGIN : width + border + MARGIN
        ]
        idx = hash_plane(hy, thresholds)
        idx += (pixel_types(r1 - r0, width, scale, r0) * BUCKETS).to(idx.device)
        src = ppad[
            :, r0 + border - half : r1 + border + half, border - half : width + border + half
        ]
        resp = F.conv2d(src[:, None], basis)  # C x R x rows x W
        out[:, r0:r1] = torch.einsum("crhw,hwr->chw", resp, F.embedding(idx, coef))
    return out


class Raisr:
    name = "raisr"
    synthesizes = True
    runs_network = False  # numpy on the CPU
    halo = 8  # filter + hash reach (5 HR px) plus the bicubic support
    band_bytes_per_pixel = 64
    preference = 3  # covers x3/x4, where the CNN tools have no model

    def __init__(self, model: str = MODEL, mode: str = "luma") -> None:
        if mode not in MODES:
            msg = f"raisr mode must be one of {MODES}, got {mode!r}"
            raise UsageError(msg)
        self.model = model
        self.mode = mode
        self._arrays: dict[str, tuple[np.ndarray, ...]] = {}

    def scales(self) -> tuple[int, ...]:
        """Scales with at least a clean bank (scale 1 has none: nothing to upscale)."""
        keys = weights.load(self.model)
        return tuple(s for s in (2, 3, 4) if f"x{s}.clean.coef" in keys)

    def supports(self, base: str, scale: int) -> bool:
        return scale in self.scales()  # a base without its own banks uses the clean bank

    def model_hash(
        self, scale: int, base: str | None = None, metric: str | None = None
    ) -> bytes | None:
        return weights.stream_hash(self.model)

    def model_hashes(self, scale: int) -> set[bytes]:
        return {weights.stream_hash(self.model)}

    def bank_key(self, side: SideInfo) -> str:
        """The npz key prefix of the bank used for `side`, e.g. 'x2.avif-low'."""
        arrays = weights.load(self.model)
        key = f"x{side.scale}.{bank_name(side.base, side.quality)}"
        if f"{key}.coef" in arrays:
            return key
        clean = f"x{side.scale}.clean"
        if f"{clean}.coef" in arrays:
            return clean
        msg = (
            f"raisr model {self.model!r} has no filters for scale {side.scale}; "
            "decode with --upscaler bicubic"
        )
        raise UnsupportedError(msg)

    def bank(self, key: str) -> tuple[np.ndarray, ...]:
        """(basis R x k x k, coef, thresholds) of bank `key`, float32, layout checked."""
        from srcodec.upscale.raisr_numpy import BUCKETS

        if key not in self._arrays:
            arrays = weights.load(self.model)
            scale = int(key.split(".")[0][1:])
            basis, coef, thr = (arrays[f"{key}.{part}"] for part in ("basis", "coef", "thresholds"))
            rank = basis.shape[0]
            if (
                basis.ndim != 3
                or basis.shape[1] != basis.shape[2]
                or coef.shape != (scale * scale * BUCKETS, rank)
                or thr.shape != (4,)
            ):
                msg = (
                    f"raisr bank {key} has basis {basis.shape}, coef {coef.shape}: "
                    "not this decoder's layout"
                )
                raise UnsupportedError(msg)
            self._arrays[key] = tuple(a.astype(np.float32) for a in (basis, coef, thr))
        return self._arrays[key]

    def upscale(self, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        """bicubic + the bank's filtered residual, in numpy (`device` is not used)."""
        from srcodec.upscale import raisr_numpy

        if side.scale == 1:
            return lr.copy()
        basis, coef, thresholds = self.bank(self.bank_key(side))
        x = resize_bicubic(lr, side.scale).transpose(2, 0, 1).astype(np.float32)
        y = np.ascontiguousarray(luma(x))
        planes = None if self.mode == "luma" or x.shape[0] == 1 else x
        x += raisr_numpy.residual(y, planes, basis, coef, thresholds, side.scale)
        out = np.clip(np.round(x), 0, 255).astype(np.uint8).transpose(1, 2, 0)
        return np.ascontiguousarray(out)
