"""Fit RAISR filter banks (srcodec.train.raisr; the same as `tools/train.py raisr`)."""

from __future__ import annotations

from srcodec.train.raisr import main

if __name__ == "__main__":
    raise SystemExit(main())
