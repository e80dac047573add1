"""Export the EMA weights of a loop training run as a shipped model (srcodec.train.export)."""

from __future__ import annotations

from srcodec.train.export import main

if __name__ == "__main__":
    main()
