"""Checks for the arguments of srcodec's public functions (encode, decode, info, enhance,
the Pillow plugin): each check raises UsageError naming the argument, so a wrong type or
value never surfaces as an AttributeError or TypeError from deep inside, and a string such
as 'no' is never taken as true.

Every check returns the value it accepted, so a caller can write
`max_pixels = check_int("max_pixels", max_pixels, low=1)`. The names in messages are the
Python keywords; the CLI rewrites them to its flags (srcodec.cli.arguments.as_flags).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, TypeVar

from srcodec.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

T = TypeVar("T")


def natural_list(values: Iterable[object]) -> str:
    """'0, 1, 2, 10, iq, psnr': values sorted the way people count (numbers by value,
    digit runs inside text by value), joined by commas, for messages that list choices."""

    def key(value: object) -> tuple[Any, ...]:
        text = str(value)
        parts = re.split(r"(\d+)", text)
        return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)

    return ", ".join(str(v) for v in sorted(values, key=key))


def _refuse(name: str, want: str, value: object) -> None:
    msg = f"{name} must be {want}, got {_shown(value)}"
    raise UsageError(msg)


def _shown(value: object) -> str:
    """A value for a message: short, and a type name for objects whose repr is noise."""
    if value is None or isinstance(value, bool | int | float | str):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__}"


def check_bool(name: str, value: object) -> bool:
    """True or False only: `keep_metadata='no'` is refused, not read as true."""
    if not isinstance(value, bool):
        _refuse(name, "True or False", value)
    return bool(value)


def check_int(
    name: str, value: object, *, low: int, high: int | None = None, optional: bool = False
) -> int | None:
    """An integer (not a bool) in [low, high]; None too when `optional`."""
    if value is None and optional:
        return None
    span = f"an integer >= {low}" if high is None else f"an integer {low}-{high}"
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or value < low or (high is not None and value > high):  # type: ignore[operator]
        _refuse(name, span, value)
    return value  # type: ignore[return-value]


def check_number(name: str, value: object, *, optional: bool = False) -> float | None:
    """A finite int or float (not a bool); None too when `optional`. Ranges that depend
    on the metric are checked where the metric is known."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _refuse(name, "a finite number", value)
    return value  # type: ignore[return-value]


def check_choice(
    name: str, value: T, choices: Collection[T], *, optional: bool = False
) -> T | None:
    """One of `choices` (listed in natural order when refused); None too when `optional`."""
    if value is None and optional:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or value not in choices:
        _refuse(name, f"one of {natural_list(choices)}", value)
    return value


def check_callable(name: str, value: object, *, optional: bool = True) -> Any:
    """A function (None too when `optional`)."""
    if value is None and optional:
        return None
    if not callable(value):
        _refuse(name, "a function", value)
    return value


def check_dict(name: str, value: object, *, optional: bool = True) -> dict[str, Any] | None:
    """A dict with string keys (None too when `optional`)."""
    if value is None and optional:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        _refuse(name, "a dict with string keys", value)
    return value  # type: ignore[return-value]


def check_device(value: object) -> str:
    """`device`: srcodec.device.check's one rule (a name, and a named GPU must exist)."""
    from srcodec import device

    return device.check(value)


def check_decode(
    device: object,
    lr_only: object,
    upscaler: object,
    max_pixels: object,
    max_memory: object,
    progress: object,
) -> None:
    """The keywords of srcodec.decode, decode_with_report and decode_to_file, checked
    before the stream is read; an unknown upscaler name gets the registry's message."""
    from srcodec.upscale import UPSCALERS

    check_device(device)
    check_bool("lr_only", lr_only)
    if upscaler is not None:
        if not isinstance(upscaler, str):
            check_choice("upscaler", upscaler, UPSCALERS.names())
        UPSCALERS.entry(str(upscaler))
    check_int("max_pixels", max_pixels, low=1)
    check_int("max_memory", max_memory, low=1, optional=True)
    check_callable("progress", progress)
