"""The registry of model families: `python tools/train.py <family> ...` trains any of them.

Every family is an object with a `name` and a `main(argv)` that trains (or fits) it from
its own command line, and an export into src/srcodec/models through
srcodec.train.export.write_model + the manifest. The loop families (restore*,
learned-base) share srcodec.train.loop and its command line (srcodec.train.cli); `cnn`
keeps its own schedule; `raisr` and `context-model` are closed-form fits.

Families are built lazily by name, so listing them imports neither torch nor a family.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class FamilyEntry:
    """Where a family is built: `factory`, a zero-argument callable of module
    srcodec.train.<module>."""

    module: str
    factory: str
    summary: str

    def __call__(self) -> Any:
        return getattr(import_module(f"srcodec.train.{self.module}"), self.factory)()


FAMILIES: dict[str, FamilyEntry] = {
    "restore": FamilyEntry("restore", "RestoreFamily", "artefact removal at scale 1"),
    "restore-x2": FamilyEntry("restore", "restore_x2", "restore on the bicubic x2 upscale"),
    "restore-x2-learned": FamilyEntry(
        "restore", "restore_x2_learned", "restore-x2 that also knows the learned base"
    ),
    "restore-x1-learned": FamilyEntry(
        "restore", "restore_x1_learned", "scale-1 restore for the learned base"
    ),
    "restore-perceptual": FamilyEntry(
        "perceptual", "PerceptualRestoreFamily", "restore for SSIMULACRA 2 + L1"
    ),
    "restore-x2-perceptual": FamilyEntry(
        "perceptual", "restore_x2_perceptual", "restore-perceptual at scale 2"
    ),
    "learned-base": FamilyEntry("learned_base", "LearnedBaseFamily", "srcodec's own base codec"),
    "cnn": FamilyEntry("cnn", "CnnFamily", "the cnn upscaler (its own loop)"),
    "raisr": FamilyEntry("raisr", "RaisrFamily", "RAISR filter banks (closed-form fit)"),
    "context-model": FamilyEntry(
        "context_model", "ContextModelFamily", "learned-base context model (closed-form fit)"
    ),
}


def main(argv: Sequence[str] | None = None) -> Any:
    """`tools/train.py <family> [options]`: the family's own command line does the rest."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        listing = "\n".join(f"  {k:22} {e.summary}" for k, e in FAMILIES.items())
        p = argparse.ArgumentParser(
            prog="tools/train.py",
            description="Train a model family; `<family> --help` lists its options.",
            epilog=f"families:\n{listing}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("family", choices=sorted(FAMILIES))
        p.parse_args(argv)  # prints help or the error, and exits
    name, rest = argv[0], argv[1:]
    if name not in FAMILIES:
        msg = f"tools/train.py: unknown family {name!r}; one of {', '.join(sorted(FAMILIES))}"
        raise SystemExit(msg)
    return FAMILIES[name]().main(rest)
