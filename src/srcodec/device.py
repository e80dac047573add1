"""Device choice for torch-based upscalers: --device auto|cpu|cuda[:N]."""

from __future__ import annotations

from srcodec.errors import BackendUnavailableError, UsageError


def check(device: str) -> None:
    """A device name is checked up front, whether or not a learned tool will run."""
    ok = device in ("auto", "cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit())
    if not ok:
        msg = f"device must be auto, cpu or cuda[:N], got {device!r}"
        raise UsageError(msg)


def pick(device: str = "auto") -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' without one is an error."""
    check(device)
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
