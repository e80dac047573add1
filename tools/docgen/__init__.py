"""Renders srcodec's documentation pages from tracked result files (`docs/measured/`) and
the committed training logs (`training/*/log.jsonl`); `tools/make_docs.py` is its command.

A page is ordinary Markdown holding generated blocks:

    <!-- make_docs: bd_table run=docs/measured/kodak-ssimulacra2 metric=ssimulacra2 -->
    | ...the table, rewritten on every run... |
    <!-- /make_docs -->

The text around the blocks is written by hand; the blocks' content never is.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "measured"  # tracked result summaries the pages are made from
