"""What restore and cnn share: a conditioned residual network, run with ONNX Runtime (a
srcodec.runtime.Network) or with the torch module it was exported from (training, and the
reference the tests compare with), loaded from a shipped model and added tile by tile."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import numpy as np
    import torch

# one tile: (y0, y1, x0, x1) read with context, (cy0, cy1, cx0, cx1) kept (srcodec.upscale.tiling)
Tile = tuple[tuple[int, int, int, int], tuple[int, int, int, int]]


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


def module_from_arrays(
    build: Callable[..., torch.nn.Module], arch: dict[str, int], arrays: dict[str, np.ndarray]
) -> torch.nn.Module:
    """A float32 eval-mode `build(**arch)` holding exported arrays (float16 or float32)."""
    import numpy as np
    import torch

    net = build(**arch)
    state = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()}
    net.load_state_dict(state, strict=True)  # names missing or unexpected keys
    return net.eval()


def shipped_loader(
    from_arrays: Callable[[dict[str, np.ndarray]], torch.nn.Module],
) -> Callable[[str, str], Any]:
    """A cached (name, device) -> shipped model: the ONNX Runtime session of `name`
    (srcodec.runtime), or the torch module `from_arrays` builds for an entry without an ONNX
    graph (one registered by hand), which needs torch."""

    @cache
    def shipped_network(name: str, device: str) -> Any:
        from srcodec import runtime, weights

        if not runtime.has_graph(name):
            return from_arrays(weights.load(name)).to(device)
        return runtime.network(name, device)

    return shipped_network


def add_residual_tiles(
    out: np.ndarray,
    src: np.ndarray,
    residual: Callable[[np.ndarray], np.ndarray],
    tiles: Iterable[Tile],
    scale: int = 1,
) -> None:
    """Add the net's residual of uint8 `src` (h x w x 3) into uint8 `out` ((h*scale) x
    (w*scale) x 3) in place, tile by tile: each tile is read with its context and only its
    kept part is written, rounded and clipped to 0-255."""
    import numpy as np

    for (y0, y1, x0, x1), (cy0, cy1, cx0, cx1) in tiles:
        patch = src[y0:y1, x0:x1].transpose(2, 0, 1)[None].astype(np.float32)
        patch /= 255.0
        res = residual(patch)[0, :, cy0 * scale : cy1 * scale, cx0 * scale : cx1 * scale]
        res = res.transpose(1, 2, 0) * 255.0
        oy, ox = (y0 + cy0) * scale, (x0 + cx0) * scale
        view = out[oy : oy + res.shape[0], ox : ox + res.shape[1]]
        view[...] = np.clip(np.floor(view + res + 0.5), 0, 255)
