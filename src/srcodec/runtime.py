"""Runs the shipped networks with ONNX Runtime: no torch at encode or decode time.

Each learned model's manifest entry carries the ONNX file of its network beside the weights
(`"onnx": {"file", "sha256"}`; the learned base adds `"onnx_analysis"` for its encoder half;
docs/onnx.md lists every graph's inputs and outputs). A file is loaded only after its SHA-256
matches the manifest, as weights.load does for the .npz. Sessions are cached per (model,
graph, device): the CPU execution provider, or CUDA's for a `cuda[:N]` device (the
onnxruntime-gpu build; device.pick says whether it is there).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from srcodec import weights

if TYPE_CHECKING:
    import numpy as np

GRAPH = "onnx"  # manifest key of a model's main graph (the learned base's synthesis)


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError:
        msg = "the learned tools need the Python package 'onnxruntime' (pip install onnxruntime)"
        raise weights.ModelError(msg) from None
    return onnxruntime


def available_providers() -> list[str]:
    """ONNX Runtime's execution providers in this install ([] without onnxruntime)."""
    try:
        return list(_import_ort().get_available_providers())
    except weights.ModelError:
        return []


def providers(device: str) -> list[Any]:
    """Execution providers for a picked device: 'cpu' or 'cuda[:N]' (CPU as fallback)."""
    if device.startswith("cuda"):
        index = int(device[5:]) if device.startswith("cuda:") else 0
        return [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def has_graph(name: str, graph: str = GRAPH) -> bool:
    """Whether model `name`'s manifest entry lists `graph` (models registered by hand, e.g.
    a test's, may list none: their tools then fall back to torch)."""
    return graph in weights.entry(name)


def graph_bytes(name: str, graph: str = GRAPH) -> bytes:
    """The ONNX file of model `name`'s `graph`, after checking its SHA-256."""
    ref = weights.entry(name).get(graph)
    if ref is None:
        msg = f"model {name!r} has no {graph!r} graph; run python tools/export_onnx.py"
        raise weights.ModelError(msg)
    return weights.checked_file(ref)


class Network:
    """One ONNX graph in an inference session: call it with numpy arrays by input name."""

    def __init__(self, name: str, graph: str, device: str) -> None:
        ort = _import_ort()
        weights.verified_bytes(name)  # the weights the stream names, as weights.load checks
        options = ort.SessionOptions()
        options.log_severity_level = 3  # warnings about unused providers are not errors here
        # idle threads sleep instead of spinning: calls come one tile at a time, between
        # them numpy and the image codecs need the cores
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        threads = os.environ.get("OMP_NUM_THREADS", "")
        if threads.isdigit() and int(threads) > 0:  # a batch worker's share of the cores
            options.intra_op_num_threads = int(threads)
        self.name = name
        self.session = ort.InferenceSession(
            graph_bytes(name, graph), options, providers=providers(device)
        )
        self.inputs = {i.name: i.shape for i in self.session.get_inputs()}

    def input_width(self, input_name: str) -> int:
        """The fixed size of an input's last axis (e.g. a restore model's `cond` width)."""
        return int(self.inputs[input_name][-1])

    def __call__(self, **inputs: np.ndarray) -> np.ndarray:
        """The graph's first output for the given inputs."""
        return self.session.run(None, inputs)[0]


def network(name: str, device: str = "cpu", graph: str = GRAPH) -> Network:
    """The session of model `name`'s `graph` on a picked device, cached per models folder
    and file hashes (so a replaced or moved model is loaded, and checked, afresh)."""
    ref = weights.entry(name)
    return _network(
        name, device, graph, str(weights.MODELS_DIR), ref["sha256"], str(ref.get(graph))
    )


@cache
def _network(name: str, device: str, graph: str, *identity: str) -> Network:
    return Network(name, graph, device)


def clear_cache() -> None:
    """Drop every cached session (after an export rewrote models/)."""
    _network.cache_clear()
