"""Small checkpoints: the training state at 6 bytes per parameter instead of 16.

A checkpoint holds the weights, their EMA and Adam's two moments. Stored as float32 that is
16 bytes per parameter (12 MB for the 0.76 M-parameter learned base), too big to commit after
every session. Stored here:

- weights and EMA as float16 (rounding error ~5e-4 relative, below one Adam step);
- Adam's first moment as a sign and a 7-bit log2 magnitude (1/4-octave steps, 32 octaves);
- Adam's second moment as an 8-bit log2 code (1/8-octave steps, 32 octaves; values below
  the range are raised to its floor, never to 0, so no update divides by Adam's eps alone).

The trainer applies the same rounding to its live state whenever it writes a checkpoint, so
a run that is stopped and resumed on another machine continues bit for bit like one that
was not stopped. Checkpoints written in float32 by older versions still load.
"""

from __future__ import annotations

from typing import Any

import torch

FIRST_STEPS = 4  # codes per octave, Adam's exp_avg
SECOND_STEPS = 8  # codes per octave, Adam's exp_avg_sq


def pack_weights(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.half() if v.dtype == torch.float32 else v for k, v in state.items()}


def unpack_weights(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.float() if v.dtype == torch.float16 else v for k, v in state.items()}


def _log_code(magnitude: torch.Tensor, steps: int, levels: int) -> tuple[torch.Tensor, float]:
    """Codes 1..levels for nonzero magnitudes (top of the range = the largest), 0 for 0."""
    nonzero = magnitude > 0
    if not bool(nonzero.any()):
        return torch.zeros_like(magnitude, dtype=torch.int16), 0.0
    exact = torch.log2(magnitude.double().clamp_min(1e-300)) * steps
    top = float(exact[nonzero].max().round())
    code = (exact.round() - top + levels).clamp(1, levels).to(torch.int16)
    return torch.where(nonzero, code, torch.zeros_like(code)), top


def _log_value(code: torch.Tensor, top: float, steps: int, levels: int) -> torch.Tensor:
    value = torch.exp2((code.double() + top - levels) / steps).float()
    return torch.where(code > 0, value, torch.zeros_like(value))


def pack_first(t: torch.Tensor) -> dict[str, torch.Tensor]:
    code, top = _log_code(t.abs(), FIRST_STEPS, 127)
    signed = torch.where(t < 0, -code, code).to(torch.int8)
    return {"code": signed, "top": torch.tensor(top, dtype=torch.float64)}


def unpack_first(packed: dict[str, torch.Tensor]) -> torch.Tensor:
    code = packed["code"].to(torch.int16)
    value = _log_value(code.abs(), float(packed["top"]), FIRST_STEPS, 127)
    return torch.where(code < 0, -value, value)


def pack_second(t: torch.Tensor) -> dict[str, torch.Tensor]:
    code, top = _log_code(t, SECOND_STEPS, 255)
    return {"code": code.to(torch.uint8), "top": torch.tensor(top, dtype=torch.float64)}


def unpack_second(packed: dict[str, torch.Tensor]) -> torch.Tensor:
    return _log_value(packed["code"].to(torch.int16), float(packed["top"]), SECOND_STEPS, 255)


_MOMENTS = {"exp_avg": (pack_first, unpack_first), "exp_avg_sq": (pack_second, unpack_second)}


def pack_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    """Adam's state_dict with its moments packed (other entries, e.g. `step`, kept)."""
    packed = {}
    for index, entry in state["state"].items():
        packed[index] = {
            k: _MOMENTS[k][0](v) if k in _MOMENTS and v.dtype == torch.float32 else v
            for k, v in entry.items()
        }
    return {"state": packed, "param_groups": state["param_groups"]}


def unpack_optimizer(state: dict[str, Any]) -> dict[str, Any]:
    unpacked = {}
    for index, entry in state["state"].items():
        unpacked[index] = {
            k: _MOMENTS[k][1](v) if k in _MOMENTS and isinstance(v, dict) else v
            for k, v in entry.items()
        }
    return {"state": unpacked, "param_groups": state["param_groups"]}
