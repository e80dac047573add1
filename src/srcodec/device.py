"""Device choice for the learned tools: --device auto|cpu|cuda[:N].

The tools run on ONNX Runtime (srcodec.runtime): 'cuda' means its CUDA execution provider,
present in the onnxruntime-gpu build. Nothing here imports torch.
"""

from __future__ import annotations

from srcodec.errors import BackendUnavailableError, UsageError

CUDA_PROVIDER = "CUDAExecutionProvider"


def check(device: str) -> None:
    """A device name is checked up front, whether or not a learned tool will run."""
    ok = device in ("auto", "cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit())
    if not ok:
        msg = f"device must be auto, cpu or cuda[:N], got {device!r}"
        raise UsageError(msg)


def pick(device: str = "auto") -> str:
    """'auto' -> 'cuda' when ONNX Runtime has its CUDA provider, else 'cpu'; 'cuda' without
    it is an error."""
    check(device)
    if device == "cpu":
        return "cpu"
    from srcodec.runtime import available_providers

    if CUDA_PROVIDER in available_providers():
        return "cuda" if device == "auto" else device
    if device == "auto":
        return "cpu"
    msg = (
        f"device {device!r} requested but ONNX Runtime has no CUDA provider here "
        "(install onnxruntime-gpu instead of onnxruntime)"
    )
    raise BackendUnavailableError(msg)
