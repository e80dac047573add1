"""Mutation fuzzer for the decoder (srcodec.fuzz): `python tools/fuzz_decode.py --help`."""

from __future__ import annotations

from srcodec.fuzz import main

if __name__ == "__main__":
    main()
