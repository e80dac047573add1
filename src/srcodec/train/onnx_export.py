"""Shipped model -> ONNX graph(s) beside its .npz, listed in the manifest (docs/onnx.md).

    python tools/export_onnx.py            # every shipped network
    python tools/export_onnx.py restore-x1

srcodec.runtime runs these graphs with ONNX Runtime at encode and decode time, so only
training needs torch. Each graph is checked against the torch module it came from on random
inputs before it is registered. The stream's model hash stays the first 4 bytes of the
.npz's SHA-256, so writing or rewriting a graph changes no stream.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from srcodec import weights

if TYPE_CHECKING:
    from collections.abc import Callable

OPSET = 17  # run by onnxruntime and onnxruntime-web 1.2x
TOLERANCE = 1e-4  # max abs difference from torch on random inputs, in [0, 1] pixel units


@dataclass(frozen=True)
class Graph:
    """One graph to export: the manifest key it is listed under, the file suffix, the
    module, its named example inputs and the output's name."""

    key: str
    suffix: str
    module: nn.Module
    inputs: dict[str, torch.Tensor]
    output: str
    dynamic: dict[str, dict[int, str]]


def _convolutional(
    key: str, suffix: str, module: nn.Module, inputs: dict[str, torch.Tensor], output: str
) -> Graph:
    """A Graph of a fully convolutional module: its first input (the image or latents, NCHW)
    and its output have dynamic height and width."""
    first = next(iter(inputs))
    dynamic = {first: {2: "height", 3: "width"}, output: {2: "out_height", 3: "out_width"}}
    return Graph(key, suffix, module, inputs, output, dynamic)


def _conditioned(net: nn.Module, cond_width: int) -> list[Graph]:
    """restore and cnn: image 1 x 3 x H x W, cond 1 x C -> residual."""
    image = torch.rand(1, 3, 36, 52)
    cond = torch.rand(1, cond_width)
    return [_convolutional("onnx", ".onnx", net, {"image": image, "cond": cond}, "residual")]


def _restore(arrays: dict[str, np.ndarray]) -> list[Graph]:
    from srcodec.upscale import restore

    net = restore.from_arrays(arrays)
    return _conditioned(net, net.cond_planes)


def _cnn(arrays: dict[str, np.ndarray]) -> list[Graph]:
    from srcodec.upscale import cnn

    net = cnn.from_arrays(arrays)
    return _conditioned(net, cnn.COND_PLANES)


class _Synthesis(nn.Module):
    """symbols (1, M, h, w), position (1,) -> image (1, 3, 16h, 16w) in [0, 1]."""

    def __init__(self, codec: nn.Module) -> None:
        super().__init__()
        self.codec = codec

    def forward(self, symbols: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        return self.codec.g_s(symbols / self.codec.gain(position))


class _Analysis(nn.Module):
    """image (1, 3, H, W) in [0, 1], position (1,) -> unrounded latents g_a(x) * gain."""

    def __init__(self, codec: nn.Module) -> None:
        super().__init__()
        self.codec = codec

    def forward(self, image: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        return self.codec.g_a(image) * self.codec.gain(position)


def _learned_base(arrays: dict[str, np.ndarray], params: dict[str, int]) -> list[Graph]:
    from srcodec.base import learned_context
    from srcodec.base.learned_arch import FactorizedCodec

    codec = FactorizedCodec(params["n"], params["m"], params["levels"])
    skip = ("tables", *learned_context.ALL_ARRAYS)
    codec.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items() if k not in skip})
    codec.eval()
    position = torch.tensor([2.3])
    symbols = torch.randint(-6, 7, (1, params["m"], 3, 4)).float()
    image = torch.rand(1, 3, 48, 64)
    decode_in = {"symbols": symbols, "position": position}
    encode_in = {"image": image, "position": position}
    return [
        _convolutional("onnx", ".onnx", _Synthesis(codec), decode_in, "image"),
        _convolutional("onnx_analysis", ".analysis.onnx", _Analysis(codec), encode_in, "latents"),
    ]


def graphs_of(name: str) -> list[Graph]:
    """The graphs of shipped model `name` ([] for models that are no network: raisr)."""
    entry = weights.entry(name)
    arrays = weights.load(name)
    family = str(entry.get("arch", "")).split("-")[0]
    builders: dict[str, Callable[[], list[Graph]]] = {
        "restore": lambda: _restore(arrays),
        "cnn": lambda: _cnn(arrays),
        "learned": lambda: _learned_base(arrays, entry["arch_params"]),
    }
    build = builders.get(family)
    return [] if build is None else build()


def onnx_bytes(graph: Graph) -> bytes:
    """The graph exported by torch.onnx (TorchScript exporter: deterministic, no onnx
    package needed), opset OPSET, height and width dynamic."""
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the exporter we choose on purpose
        torch.onnx.export(
            graph.module,
            tuple(graph.inputs.values()),
            buf,
            input_names=list(graph.inputs),
            output_names=[graph.output],
            dynamic_axes=graph.dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    return buf.getvalue()


def max_difference(blob: bytes, graph: Graph, seed: int = 0) -> float:
    """Max abs difference between ONNX Runtime and torch on random inputs of two sizes
    other than the export's (so the dynamic axes are exercised)."""
    import onnxruntime as ort

    session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    for grow in (1, 2):
        inputs = {}
        for key, example in graph.inputs.items():
            shape = list(example.shape)
            if example.dim() == 4 and key in graph.dynamic:
                shape[2] += 2 * grow
                shape[3] += 4 * grow
            if key == "symbols":
                value = torch.randint(-8, 9, shape, generator=gen).float()
            elif key == "position":
                value = torch.rand(shape, generator=gen) * 5
            else:
                value = torch.rand(shape, generator=gen)
            inputs[key] = value
        with torch.no_grad():
            expected = graph.module(*inputs.values()).numpy()
        got = session.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst


def export(name: str, tolerance: float = TOLERANCE) -> dict[str, Any]:
    """Writes model `name`'s graphs as models/<npz stem><suffix>, checks them against torch
    and lists them in its manifest entry; returns {graph key: max abs difference}."""
    entry = weights.entry(name)
    stem = entry["file"].removesuffix(".npz")
    checked: dict[str, Any] = {}
    refs: dict[str, dict[str, str]] = {}
    for graph in graphs_of(name):
        blob = onnx_bytes(graph)
        diff = max_difference(blob, graph)
        if diff > tolerance:
            msg = f"{name} {graph.key}: ONNX differs from torch by {diff:.2e} > {tolerance:.0e}"
            raise ValueError(msg)
        path = weights.MODELS_DIR / f"{stem}{graph.suffix}"
        path.write_bytes(blob)
        refs[graph.key] = {"file": path.name, "sha256": hashlib.sha256(blob).hexdigest()}
        checked[graph.key] = diff
    if refs:
        weights.update_entry(name, refs)
    return checked


def prune() -> list[str]:
    """Deletes the .onnx files in models/ that no manifest entry lists (those of a model an
    export replaced); returns their names."""
    listed = {
        ref["file"]
        for e in weights.manifest().values()
        for ref in e.values()
        if isinstance(ref, dict) and "file" in ref
    }
    dropped = sorted(p.name for p in weights.MODELS_DIR.glob("*.onnx") if p.name not in listed)
    for file in dropped:
        (weights.MODELS_DIR / file).unlink()
    return dropped


def export_all(names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Exports every shipped network (or `names`), then prunes unlisted .onnx files."""
    results = {name: export(name) for name in names or list(weights.manifest())}
    prune()
    return results


def main(argv: list[str] | None = None) -> int:
    """tools/export_onnx.py: shipped models -> ONNX graphs + manifest keys."""
    import argparse

    p = argparse.ArgumentParser(
        prog="tools/export_onnx.py",
        description="Export the shipped networks to ONNX beside their weights (docs/onnx.md).",
    )
    p.add_argument("names", nargs="*", help="manifest names (default: every shipped model)")
    args = p.parse_args(argv)
    for name, checked in export_all(args.names).items():
        if checked:
            diffs = ", ".join(f"{key} max |onnx - torch| {d:.1e}" for key, d in checked.items())
            print(f"{name}: {diffs}")
        else:
            print(f"{name}: no network (runs in numpy)")
    return 0
