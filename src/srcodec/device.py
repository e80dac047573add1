"""Device choice for the learned tools: `device` auto | cpu | cuda[:N].

The tools run on ONNX Runtime (srcodec.runtime): "cuda" means its CUDA execution provider,
present in the onnxruntime-gpu build. Nothing here imports torch. The one rule, applied by
`check`, which every public entry point (encode, decode, enhance, batch) calls before any
work, whether or not a learned tool will end up running:

- "auto" (the default) and "cpu" are always accepted; "auto" runs learned tools on the
  GPU when ONNX Runtime has its CUDA provider, else on the CPU.
- "cuda" or "cuda:N" names a GPU: ONNX Runtime's CUDA provider must be there, else
  BackendUnavailableError, even when the image or stream needs no learned tool, so asking
  for a GPU that is not there fails the same way every time.
- anything else (another string, a number, None) is a UsageError naming `device`.
"""

from __future__ import annotations

from srcodec.errors import BackendUnavailableError, UsageError

CUDA_PROVIDER = "CUDAExecutionProvider"


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
    from srcodec.runtime import available_providers

    if CUDA_PROVIDER not in available_providers():
        msg = (
            f"device {device!r} requested but ONNX Runtime has no CUDA provider here "
            "(install onnxruntime-gpu instead of onnxruntime)"
        )
        raise BackendUnavailableError(msg)


def pick(device: str = "auto") -> str:
    """The device a learned tool runs on: 'auto' -> 'cuda' when ONNX Runtime has its CUDA
    provider, else 'cpu'; a named device after `check`."""
    check(device)
    if device != "auto":
        return device
    from srcodec.runtime import available_providers

    return "cuda" if CUDA_PROVIDER in available_providers() else "cpu"
