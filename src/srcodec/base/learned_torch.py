"""The learned base's torch reference: the module its ONNX graphs were exported from, and
analysis and synthesis run with it (training, context-model fitting, and the tests that
compare ONNX Runtime with it). Imported only where torch is wanted."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from srcodec import weights
from srcodec.base import learned_context
from srcodec.base.learned import STRIDE, position, strips
from srcodec.base.learned_arch import FactorizedCodec


def torch_net(name: str) -> FactorizedCodec:
    """Model `name` as an eval-mode float32 FactorizedCodec."""
    arrays = weights.load(name)
    params = weights.entry(name)["arch_params"]
    net = FactorizedCodec(params["n"], params["m"], params["levels"])
    entropy_arrays = ("tables", *learned_context.ALL_ARRAYS)
    state = {k: torch.from_numpy(v) for k, v in arrays.items() if k not in entropy_arrays}
    net.load_state_dict(state)
    return net.eval()


def analyse(net: Any, padded: np.ndarray, quality: int) -> np.ndarray:
    """Edge-padded uint8 H x W x 3 -> int64 latents (M, H/16, W/16)."""
    x = torch.from_numpy(np.ascontiguousarray(padded.transpose(2, 0, 1))).float()[None]
    with torch.no_grad():
        pos = torch.tensor([position(quality, int(net.log_gain.shape[0]))])
        y = net.g_a(x / 255.0) * net.gain(pos)
    return torch.round(y)[0].to(torch.int64).numpy()


def synthesize(
    net: Any, symbols: np.ndarray, quality: int, size: tuple[int, int], dtype: Any
) -> np.ndarray:
    """int latents (M, h, w) -> uint8 H x W x 3 cropped to size (W, H), strip by strip, in
    `dtype` (float32 when None)."""
    dtype = dtype or torch.float32
    if dtype != torch.float32:  # a copy: the cached float32 model is shared
        net = copy.deepcopy(net).to(dtype)
    width, height = size
    out = np.empty((height, width, 3), np.uint8)
    with torch.no_grad():
        g = net.gain(torch.tensor([position(quality, int(net.log_gain.shape[0]))], dtype=dtype))
        for r0, r1, c0, c1 in strips(symbols.shape[1], symbols.shape[2]):
            y = torch.from_numpy(symbols[:, r0:r1]).to(dtype)[None]
            x = net.g_s(y / g)
            del y
            top, bottom = c0 * STRIDE, min(c1 * STRIDE, height)  # image rows of this core
            core = x[0, :, top - r0 * STRIDE : bottom - r0 * STRIDE, :width]
            pixels = (core * 255).round().clamp(0, 255).to(torch.uint8)
            del x, core
            out[top:bottom] = pixels.permute(1, 2, 0).numpy()
    return out
