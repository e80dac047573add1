"""Train any model family: `python tools/train.py <family> --help` (srcodec.train.families)."""

from __future__ import annotations

from srcodec.train.families import main

if __name__ == "__main__":
    main()
