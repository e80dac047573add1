"""Export every shipped network to ONNX beside its weights (srcodec.train.onnx_export)."""

from __future__ import annotations

import sys

from srcodec.train.onnx_export import main

if __name__ == "__main__":
    sys.exit(main())
