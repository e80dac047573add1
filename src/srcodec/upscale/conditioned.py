"""The call the tiled loops of restore and cnn make: a conditioned residual network, run
with ONNX Runtime (a srcodec.runtime.Network) or with the torch module it was exported from
(training, and the reference the tests compare with)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np


def residual_fn(net: Any, cond: np.ndarray, device: str) -> Callable[[np.ndarray], np.ndarray]:
    """patch 1 x 3 x h x w float32 in [0, 1] -> the net's residual as float32 numpy, for the
    conditioning vector `cond` (graph input names `image`, `cond`: docs/onnx.md)."""
    if not hasattr(net, "parameters"):
        return lambda x: net(image=x, cond=cond[None])
    import torch

    cond_t = torch.from_numpy(cond)[None].to(device)
    autocast = device.startswith("cuda")

    def torch_residual(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cuda", torch.float16, enabled=autocast):
            return net(torch.from_numpy(x).to(device), cond_t).float().cpu().numpy()

    return torch_residual
