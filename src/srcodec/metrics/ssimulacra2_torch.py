"""SSIMULACRA 2 in torch: the differentiable twin of `srcodec.metrics.ssimulacra2_np`, for
training losses. Same colour space, scales, blur kernel, maps, weights and score mapping;
the only changes are guards that keep gradients finite (a 4th root and the final power are
taken of values clamped just above zero, which moves no score by more than 1e-6)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from srcodec.metrics import ssimulacra2_params as ref

_TINY = 1e-30


def _srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x.clamp_min(0.04045) + 0.055) / 1.055) ** 2.4)


def _to_xyb(linear: torch.Tensor) -> torch.Tensor:
    opsin = linear.new_tensor(ref.OPSIN)
    mixed = torch.einsum("oc,bchw->bohw", opsin, linear) + ref.OPSIN_BIAS
    cone = mixed.clamp_min(0.0) ** (1.0 / 3.0) - ref.OPSIN_BIAS ** (1.0 / 3.0)
    lum, med, short = cone.unbind(1)
    x = 0.5 * (lum - med)
    y = 0.5 * (lum + med)
    return torch.stack([x * 14.0 + 0.42, y + 0.01, (short - y) + 0.55], dim=1)


def _downsample(linear: torch.Tensor) -> torch.Tensor:
    h, w = linear.shape[-2:]
    if h % 2 or w % 2:  # an odd edge is averaged with a copy of itself, as the reference
        linear = F.pad(linear, (0, w % 2, 0, h % 2), mode="replicate")
    return F.avg_pool2d(linear, 2)


def _blur(x: torch.Tensor) -> torch.Tensor:
    kernel = x.new_tensor(ref.blur_kernel())
    radius = len(kernel) // 2
    b, c, h, w = x.shape
    flat = x.reshape(b * c, 1, h, w)
    flat = F.conv2d(flat, kernel.view(1, 1, 1, -1), padding=(0, radius))
    flat = F.conv2d(flat, kernel.view(1, 1, -1, 1), padding=(radius, 0))
    return flat.reshape(b, c, h, w)


def _root4(x: torch.Tensor) -> torch.Tensor:
    return x.clamp_min(_TINY).sqrt().sqrt()


def _scale_features(img1: torch.Tensor, img2: torch.Tensor) -> torch.Tensor:
    """Bx3(channel)x2(norm)x3(map) features of one scale."""
    mu1, mu2 = _blur(img1), _blur(img2)
    s11, s22, s12 = _blur(img1 * img1), _blur(img2 * img2), _blur(img1 * img2)
    num_m = 1.0 - (mu1 - mu2) ** 2
    num_s = 2.0 * (s12 - mu1 * mu2) + ref.SSIM_C2
    den_s = (s11 - mu1 * mu1) + (s22 - mu2 * mu2) + ref.SSIM_C2
    ssim_err = F.relu(1.0 - num_m * num_s / den_s)
    ratio = (1.0 + (img2 - mu2).abs()) / (1.0 + (img1 - mu1).abs()) - 1.0
    maps = torch.stack([ssim_err, F.relu(ratio), F.relu(-ratio)], dim=2)  # B,3,3maps,H,W
    flat = maps.flatten(3)
    l1 = flat.mean(-1)
    l4 = _root4((flat**4).mean(-1))
    return torch.stack([l1, l4], dim=2)  # B,3,2,3


def ssimulacra2(
    reference: torch.Tensor, distorted: torch.Tensor, aligned: bool = False
) -> torch.Tensor:
    """Per-image SSIMULACRA 2 of Bx3xHxW sRGB tensors in 0..1 (higher is better).

    On images under 256 px a side fewer than six scales are scored; the reference then
    reads its weights in order over the scales present, so channel Y's features meet
    weights fitted for channel X's coarse scales. `aligned=True` gives each feature its
    own (channel, scale) weight instead: what a training loss on small crops should use;
    the default matches the reference."""
    if reference.shape != distorted.shape or reference.dim() != 4 or reference.shape[1] != 3:
        msg = f"expected two Bx3xHxW tensors of one shape, got {reference.shape}, {distorted.shape}"
        raise ValueError(msg)
    lin1, lin2 = _srgb_to_linear(reference.float()), _srgb_to_linear(distorted.float())
    per_scale = []
    for scale in range(ref.NUM_SCALES):
        if min(lin1.shape[-2:]) < ref.MIN_SIDE:
            break
        if scale:
            lin1, lin2 = _downsample(lin1), _downsample(lin2)
        per_scale.append(_scale_features(_to_xyb(lin1), _to_xyb(lin2)))
    features = torch.stack(per_scale, dim=2)  # B, channel, scale, norm, map
    count = features.shape[2]
    table = ref.WEIGHTS[:, :count] if aligned else ref.WEIGHTS.reshape(-1)[: features[0].numel()]
    weights = features.new_tensor(np.ascontiguousarray(table).reshape(-1))
    total = (features.abs().flatten(1) * weights).sum(1) * ref.SCORE_SCALE
    a, b, c = ref.SCORE_POLY
    s = a * total + b * total**2 + c * total**3
    return 100.0 - 10.0 * s.clamp_min(1e-12) ** ref.SCORE_EXPONENT


def ssimulacra2_loss(
    reference: torch.Tensor, distorted: torch.Tensor, aligned: bool = False
) -> torch.Tensor:
    """Mean of (100 - SSIMULACRA 2) / 100 over the batch: 0 for identical images."""
    return ((100.0 - ssimulacra2(reference, distorted, aligned)) / 100.0).mean()
