"""Every vector in bitstream_spec/vectors decodes as expected.json says (spec §12)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from conftest import REPO
from PIL import Image

import srcodec

VECTORS = REPO / "bitstream_spec" / "vectors"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())


def sha(img: object) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(img)).tobytes()).hexdigest()


def test_every_vector_file_is_listed() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.srz")) == sorted(EXPECTED)
    refs = sorted(p.name.removesuffix(".lr.png") for p in VECTORS.glob("*.lr.png"))
    assert refs == sorted(n.removesuffix(".srz") for n in EXPECTED if "lr_tolerance" in EXPECTED[n])


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" not in EXPECTED[n]))
def test_valid_vector(name: str) -> None:
    data = (VECTORS / name).read_bytes()
    expected = EXPECTED[name]
    info = srcodec.info(data)
    for key, value in expected.items():
        hashes = ("lr_sha256", "decoded_sha256", "symbols_sha256", "strength_levels_sha256")
        if key not in (*hashes, "lr_tolerance"):
            assert info[key] == value, key
    lr = np.asarray(srcodec.decode(data, lr_only=True))
    if "strength_levels_sha256" in expected:  # chunk S, spec §3.5: the tile levels exactly
        from srcodec import format as fmt
        from srcodec.upscale import strength

        stream = fmt.read(data)
        assert stream.strength is not None
        h = stream.header
        levels = strength.read(stream.strength, h.width, h.height).levels
        assert sha(levels) == expected["strength_levels_sha256"]
    if "symbols_sha256" in expected:  # learned base, spec §6.1.1: symbols exact, pixels close
        from srcodec import format as fmt
        from srcodec.base.learned import decode_symbols

        stream = fmt.read(data)
        symbols = decode_symbols(stream.base_payload, stream.header.lr_size)[0]
        assert sha(symbols.astype(np.int64)) == expected["symbols_sha256"]
        ref = np.asarray(Image.open(VECTORS / name.replace(".srz", ".lr.png")))
        assert np.abs(lr.astype(int) - ref).max() <= expected["lr_tolerance"]
        return
    assert sha(lr) == expected["lr_sha256"]
    if "decoded_sha256" in expected:
        assert sha(srcodec.decode(data)) == expected["decoded_sha256"]


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" in EXPECTED[n]))
def test_bad_vector(name: str) -> None:
    data = (VECTORS / name).read_bytes()
    error = getattr(srcodec, EXPECTED[name]["error"])
    with pytest.raises(error):
        srcodec.decode(data)
