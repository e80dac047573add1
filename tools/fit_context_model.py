"""Refit a shipped learned-base model's context model (srcodec.train.context_model; the same
as `tools/train.py context-model`)."""

from __future__ import annotations

from srcodec.train.context_model import main

if __name__ == "__main__":
    main()
