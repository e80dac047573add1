"""Every vector in bitstream_spec/vectors decodes as expected.json says (spec §12)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from conftest import REPO

import srcodec

VECTORS = REPO / "bitstream_spec" / "vectors"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())


def sha(img: object) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(img)).tobytes()).hexdigest()


def test_every_vector_file_is_listed() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.srz")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" not in EXPECTED[n]))
def test_valid_vector(name: str) -> None:
    data = (VECTORS / name).read_bytes()
    expected = EXPECTED[name]
    info = srcodec.info(data)
    for key, value in expected.items():
        if key not in ("lr_sha256", "decoded_sha256"):
            assert info[key] == value, key
    assert sha(srcodec.decode(data, lr_only=True)) == expected["lr_sha256"]
    if "decoded_sha256" in expected:
        assert sha(srcodec.decode(data)) == expected["decoded_sha256"]


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" in EXPECTED[n]))
def test_bad_vector(name: str) -> None:
    data = (VECTORS / name).read_bytes()
    error = getattr(srcodec, EXPECTED[name]["error"])
    with pytest.raises(error):
        srcodec.decode(data)
