"""The search's one algorithm: the lowest passing level of a monotone test, found by a
bracketed secant search. Pure: it knows levels and numbers, nothing about images."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def bracket_search(
    levels: list[int],
    probe: Callable[[int], tuple[bool, float]],
    guess: int,
    goal: float,
    slope: float,
) -> int | None:
    """The lowest level that passes a monotone test. `probe(level)` returns (passes, value)
    where value grows roughly linearly with the level index and crosses `goal` where the
    test flips; each next probe is the secant prediction of that crossing (`slope` per
    index until two points are measured), kept strictly inside the bracket, so every probe
    shrinks it. None: no level passes."""
    lo, hi = -1, len(levels)  # levels[lo] fails, levels[hi] passes (virtual ends)
    points: list[tuple[int, float]] = []
    i = min(range(len(levels)), key=lambda k: abs(levels[k] - guess))
    while True:
        ok, value = probe(levels[i])
        points.append((i, value))
        if ok:
            hi = i
        else:
            lo = i
        if hi - lo <= 1:
            break
        if len(points) >= 2:
            (i1, v1), (i2, v2) = sorted(points[-2:])
            if v2 != v1 and i2 != i1:
                slope = max((v2 - v1) / (i2 - i1), 1e-6)
        x = i + (goal - value) / slope
        nxt = math.ceil(x - 1e-9)
        i = min(max(nxt, lo + 1), hi - 1)
    return None if hi >= len(levels) else levels[hi]
