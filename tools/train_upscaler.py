"""Train the `cnn` upscaler (srcodec.train.cnn; the same as `tools/train.py cnn`)."""

from __future__ import annotations

from srcodec.train.cnn import main

if __name__ == "__main__":
    main()
