"""Export a `cnn` training checkpoint as a shipped model (srcodec.train.cnn.export)."""

from __future__ import annotations

from srcodec.train.cnn import export_main

if __name__ == "__main__":
    export_main()
