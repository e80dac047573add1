"""The .srz bitstream: pure Python (stdlib only), the reference reader and writer.

Nothing in this package imports numpy, Pillow or torch, so `srcodec info` stays light and
the parser can be audited on its own. The normative text is bitstream_spec/SPEC.md; comments
cite its sections as `spec §N`.
"""

from __future__ import annotations

from srcodec.format.container import SIGNATURE, Stream, probe, read, write
from srcodec.format.header import Header

__all__ = ["SIGNATURE", "Header", "Stream", "probe", "read", "write"]
