"""Device choice for torch-based upscalers: --device auto|cpu|cuda[:N]."""

from __future__ import annotations

from srcodec.errors import BackendUnavailableError, UsageError


def pick(device: str = "auto") -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' without one is an error."""
    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        msg = f"device must be auto, cpu or cuda[:N], got {device!r}"
        raise UsageError(msg)
    if device == "cpu":
        return "cpu"
    try:
        import torch
    except ImportError:
        if device == "auto":
            return "cpu"
        msg = "device 'cuda' needs torch, which is not installed"
        raise BackendUnavailableError(msg) from None
    if torch.cuda.is_available():
        return "cuda" if device == "auto" else device
    if device == "auto":
        return "cpu"
    msg = f"device {device!r} requested but CUDA is not available (torch {torch.__version__})"
    raise BackendUnavailableError(msg)
