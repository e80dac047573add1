"""Device choice for torch-based tools: `device` auto | cpu | cuda[:N].

The one rule, applied by `check`, which every public entry point (encode, decode, enhance,
batch) calls before any work, whether or not a learned tool will end up running:

- "auto" (the default) and "cpu" are always accepted; "auto" runs learned tools on the
  GPU when torch sees one, else on the CPU, and never imports torch to find out unless a
  learned tool runs.
- "cuda" or "cuda:N" names a GPU: it must exist (torch installed, CUDA available, N below
  the device count), else BackendUnavailableError, even when the image or stream needs no
  learned tool, so asking for a GPU that is not there fails the same way every time.
- anything else (another string, a number, None) is a UsageError naming `device`.
"""

from __future__ import annotations

from srcodec.errors import BackendUnavailableError, UsageError


def _is_name(device: object) -> bool:
    if not isinstance(device, str):
        return False
    return device in ("auto", "cpu", "cuda") or (
        device.startswith("cuda:") and device[5:].isdigit()
    )


def check(device: object) -> str:
    """`device` checked by the rule above; returns it unchanged."""
    if not _is_name(device):
        shown = repr(device) if isinstance(device, str | int | float) else type(device).__name__
        msg = f"device must be auto, cpu or cuda[:N], got {shown}"
        raise UsageError(msg)
    name = str(device)
    if name.startswith("cuda"):
        _require_gpu(name)
    return name


def _require_gpu(device: str) -> None:
    try:
        import torch
    except ImportError:
        msg = f"device {device!r} needs torch, which is not installed"
        raise BackendUnavailableError(msg) from None
    if not torch.cuda.is_available():
        msg = f"device {device!r} requested but CUDA is not available (torch {torch.__version__})"
        raise BackendUnavailableError(msg)
    index = int(device[5:] or 0)
    if index >= torch.cuda.device_count():
        msg = f"device {device!r} requested but torch sees {torch.cuda.device_count()} GPU(s)"
        raise BackendUnavailableError(msg)


def pick(device: str = "auto") -> str:
    """The device a learned tool runs on: 'auto' -> 'cuda' when torch sees a GPU, else
    'cpu'; a named device after `check`."""
    check(device)
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"
