"""Rate-distortion measurement: `srcodec rd` and its library API.

    >>> from srcodec.rd import run_rd
    >>> run_rd(Path("kodak"), Path("results"), ["jpeg:quality=10:90:10"], jobs=2)

Modules: spec (parse codec specs), codecs (code one image), sweep (pool + cache -> rows),
cache, curve (rows -> averaged curves), reference (published JSONs), bd (Bjøntegaard),
report (JSON, CSV, bd.md), plot, runner (all of it), command (argparse).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from srcodec.rd.runner import run_rd

__all__ = ["run_rd"]


def __getattr__(name: str) -> Any:  # lazy: `srcodec rd --help` must not import numpy/PIL
    if name == "run_rd":
        from srcodec.rd.runner import run_rd

        return run_rd
    msg = f"module 'srcodec.rd' has no attribute {name!r}"
    raise AttributeError(msg)
