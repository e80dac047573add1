"""Effort levels 1-9 (like `cjxl -e` / `avifenc -s`): how much of the candidate space a
search covers, and how slowly its base codec encodes. The one place the default lives."""

from __future__ import annotations

from dataclasses import dataclass

from srcodec.errors import UsageError

DEFAULT_EFFORT = 4


@dataclass(frozen=True)
class Effort:
    speed: int | None  # the base codec's speed knob for the search's encodes (0: slowest)
    learned: bool  # try the learned decoder tools
    # how many of the base codec's knob settings are searched (BaseCodec.search_knobs):
    # 0 the metric's best one, 1 also the other chroma layouts, 2 every one serving it
    breadth: int
    scales: tuple[int, ...]  # scales tried (more only when the target needs them)
    final_speed: int | None = None  # re-encode the winner's neighbourhood at this speed
    strength: bool = False  # fit the learned tool's strength per channel and tile (chunk S)
    # also fit chunk S where the plain decode won alone, kept if it then wins net of bytes
    strength_over_plain: bool = False


def _thorough(scales: tuple[int, ...], final_speed: int) -> Effort:
    """Efforts 6-9: every knob setting, chunk S, and a slower final encode."""
    return Effort(6, True, 2, scales, final_speed, strength=True)


EFFORTS: dict[int, Effort] = {
    1: Effort(9, False, 0, (1,)),
    2: Effort(8, True, 0, (1,)),
    3: Effort(7, True, 0, (1, 2)),
    4: Effort(6, True, 0, (1, 2)),
    5: Effort(6, True, 1, (1, 2), strength=True),
    6: _thorough((1, 2), 4),
    7: _thorough((1, 2), 3),
    8: _thorough((1, 2, 3), 2),
    9: _thorough((1, 2, 3, 4), 1),
}


def pinned(scale: int, strength: bool) -> Effort:
    """Manual mode's plan: one scale, the base's knobs as given (no search speed), the
    learned tool against the plain decode, chunk S (when asked) also over the plain decode."""
    return Effort(None, True, 0, (scale,), strength=strength, strength_over_plain=True)


def check_effort(effort: int) -> Effort:
    if isinstance(effort, bool) or not isinstance(effort, int) or effort not in EFFORTS:
        msg = f"effort must be an integer 1-9, got {effort!r}"
        raise UsageError(msg)
    return EFFORTS[effort]
