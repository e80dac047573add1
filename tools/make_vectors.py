"""Write bitstream_spec/vectors/*.srz and expected.json (spec §12).

Usage: python tools/make_vectors.py  (deterministic: fixed seeds, synthetic images)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

import srcodec
from srcodec import format as fmt
from srcodec.format import ids
from srcodec.format.chunks import Chunk, encode_chunk

if TYPE_CHECKING:
    from srcodec.format.strength import StrengthChunk

OUT = Path(__file__).resolve().parent.parent / "bitstream_spec" / "vectors"


def encode(image: object, **kwargs: object) -> bytes:
    """Vectors name their upscaler explicitly, so a new default never changes them."""
    return srcodec.encode(image, **{"upscaler": "bicubic", **kwargs})


def synthetic(w: int, h: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Smooth gradients plus a little noise, so every base codec has work to do."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    planes = [
        (x * 255 / max(w - 1, 1)),
        (y * 255 / max(h - 1, 1)),
        (128 + 100 * np.sin((x + y) / 3.0)),
    ][:channels]
    img = np.stack(planes, axis=-1) + rng.normal(0, 8, (h, w, channels))
    return np.clip(img, 0, 255).astype(np.uint8)


def sha(arr: np.ndarray | bytes) -> str:
    return hashlib.sha256(
        arr if isinstance(arr, bytes) else np.ascontiguousarray(arr).tobytes()
    ).hexdigest()


def exif_with_description() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "srcodec conformance vector"  # ImageDescription
    return exif.tobytes()


def learned_symbols(payload: bytes, size: tuple[int, int]) -> np.ndarray:
    from srcodec.base.learned import decode_symbols

    return decode_symbols(payload, size)[0].astype(np.int64)


def strength_chunk(
    tile_log2: int, gains: tuple[int, int, int], levels: list[list[int]]
) -> StrengthChunk:
    from srcodec.upscale import strength

    return strength.write(strength.Strength(tile_log2, gains, np.array(levels, np.uint8)))


def strength_levels(data: bytes) -> np.ndarray:
    from srcodec.upscale import strength

    stream = fmt.read(data)
    assert stream.strength is not None
    return strength.read(stream.strength, stream.header.width, stream.header.height).levels


def valid_vectors() -> dict[str, bytes]:
    v: dict[str, bytes] = {}
    v["png-gray-1x1-s1"] = encode(np.full((1, 1), 77, np.uint8), scale=1, base="png")
    v["png-rgb-7x5-s2"] = encode(synthetic(7, 5, seed=1), scale=2, base="png")
    v["jpeg-rgb-33x17-s3-q60"] = encode(synthetic(33, 17, seed=2), scale=3, base="jpeg", quality=60)
    v["webp-rgb-16x16-s2-q50"] = encode(synthetic(16, 16, seed=3), scale=2, base="webp", quality=50)
    v["avif-rgb-24x16-s4-q40"] = encode(synthetic(24, 16, seed=4), scale=4, base="avif", quality=40)
    v["avif-gray-20x12-s2-q60"] = encode(
        synthetic(20, 12, 1, seed=5), scale=2, base="avif", quality=60
    )
    rgba = np.concatenate(
        [synthetic(9, 6, seed=6), np.arange(54, dtype=np.uint8).reshape(6, 9, 1) * 4], axis=2
    )
    v["png-rgba-9x6-s2"] = encode(rgba, scale=2, base="png")
    img = Image.fromarray(synthetic(12, 8, seed=7))
    img.info["icc_profile"] = b"not-a-real-profile-but-carried-verbatim"
    base = encode(img, scale=2, base="png")
    stream = fmt.read(base)
    stream.exif = exif_with_description()
    stream.extra.append(Chunk(ord("z"), b"unknown ancillary chunk: decoders skip it"))
    v["png-rgb-12x8-s2-icc-exif-unknown-ancillary"] = fmt.write(stream)
    # A stream that names a learned upscaler; its LR must decode without the model.
    stream = fmt.read(encode(synthetic(10, 10, seed=8), scale=2, base="png"))
    h = stream.header
    stream.header = type(h)(
        **{**h.__dict__, "upscaler": ids.UPSCALER_RAISR, "model_hash": b"\x01\x02\x03\x04"}
    )
    v["png-rgb-10x10-s2-raisr-hash"] = fmt.write(stream)
    v["png-rgb-16x16-s2-raisr"] = encode(
        synthetic(16, 16, seed=10), scale=2, base="png", upscaler="raisr"
    )
    # 1.1: a full-resolution AVIF 4:4:4 stream naming the `restore` tool (id 3) with a
    # fixed model hash, so the vector does not change when the model is retrained.
    stream = fmt.read(
        encode(
            synthetic(32, 24, seed=11),
            scale=1,
            base="avif",
            quality=40,
            options={"subsampling": "4:4:4", "tune": "psnr"},
        )
    )
    h = stream.header
    stream.header = type(h)(
        **{**h.__dict__, "upscaler": ids.UPSCALER_RESTORE, "model_hash": b"\x05\x06\x07\x08"}
    )
    v["avif444-rgb-32x24-s1-q40-restore-hash"] = fmt.write(stream)
    # 1.3: chunk S (spec §3.5), the encoder-chosen strength of the learned tool: 16-pixel
    # tiles, a coded map of 2 x 2 levels, and a map-less chunk on a real raisr stream
    stream.strength = strength_chunk(4, (40, 28, 32), [[2, 0], [1, 2]])
    v["avif444-rgb-32x24-s1-q40-restore-strength"] = fmt.write(stream)
    stream = fmt.read(v["png-rgb-16x16-s2-raisr"])
    stream.strength = strength_chunk(4, (20, 32, 64), [[2, 2], [2, 2]])
    v["png-rgb-16x16-s2-raisr-strength"] = fmt.write(stream)
    # 1.2: the learned base (spec §6.1.1); symbols exact, pixels within lr_tolerance
    v["learned-rgb-40x24-s1-q50"] = encode(synthetic(40, 24, seed=12), scale=1, base="learned")
    v["learned-gray-21x13-s2-q30"] = encode(
        synthetic(21, 13, 1, seed=13), scale=2, base="learned", quality=30
    )
    from srcodec.base import learned

    # 1.3: learned payload version 1 (context model) is what the encoder writes; version 0
    # stays valid, so one vector pins it
    stream = fmt.read(v["learned-rgb-40x24-s1-q50"])
    stream.base_payload = learned.to_version_0(stream.base_payload, stream.header.lr_size)
    v["learned-v0-rgb-40x24-s1-q50"] = fmt.write(stream)
    return v


def bad_strength_vectors(raisr: bytes) -> dict[str, tuple[bytes, str]]:
    """Chunk S where it may not be, out of range, or with a map that does not decode."""
    stream = fmt.read(raisr)
    sig = fmt.SIGNATURE
    h, b = stream.header, stream.base_payload

    def with_s(header: fmt.Header, data: bytes) -> bytes:
        chunks = [
            Chunk(ids.CHUNK_HEAD, header.to_bytes()),
            Chunk(ids.CHUNK_STRENGTH, data),
            Chunk(ids.CHUNK_BASE, b),
        ]
        return sig + b"".join(encode_chunk(c) for c in chunks)

    bicubic = type(h)(**{**h.__dict__, "upscaler": ids.UPSCALER_BICUBIC, "model_hash": None})
    return {
        "bad-strength-on-bicubic": (with_s(bicubic, bytes([4, 32, 32, 32, 0, 0])), "CorruptError"),
        "bad-strength-gain": (with_s(h, bytes([4, 32, 65, 32, 0, 0])), "CorruptError"),
        "bad-strength-map": (with_s(h, bytes([4, 32, 32, 32, 10, 10, 1, 0, 0, 0])), "CorruptError"),
    }


def bad_entropy_vectors() -> dict[str, tuple[bytes, str]]:
    """ANS words that cannot hold the symbols they decode to (spec §6.1.1, §3.5): the
    fuzzer's crafted streams, the learned one declaring 13000 x 13000 in 31 bytes, and a
    learned payload whose words are not whole 4-byte words at that size."""
    from srcodec import fuzz
    from srcodec.base import learned

    crafted = fuzz.crafted((13000, 13000))
    stream = fmt.read(crafted["learned-empty-words"])
    model_hash = learned.unpack(stream.base_payload)[1]
    stream.base_payload = learned.pack(1, model_hash, 50, b"\x01\x02\x03", b"")
    out = {f"bad-{name}": (data, "CorruptError") for name, data in crafted.items()}
    return out | {"bad-learned-words-misaligned": (fmt.write(stream), "CorruptError")}


def bad_vectors(good: bytes) -> dict[str, tuple[bytes, str]]:
    sig = fmt.SIGNATURE
    head = fmt.read(good).header

    def with_chunks(*chunks: Chunk) -> bytes:
        return sig + b"".join(encode_chunk(c) for c in chunks)

    payload = fmt.read(good).base_payload
    H = Chunk(ids.CHUNK_HEAD, head.to_bytes())
    B = Chunk(ids.CHUNK_BASE, payload)
    flipped = bytearray(good)
    flipped[-6] ^= 0x01
    huge = fmt.Header(width=100_000, height=100_000, base=ids.BASE_PNG, quality=255)
    wrong_size = fmt.Header(width=30, height=30, scale=2, base=ids.BASE_PNG, quality=255)
    bad_id = type(head)(**{**head.__dict__, "base": 99})
    return {
        "bad-magic": (b"\x89PNG" + good[4:], "NotSrzError"),
        "bad-version-2.0": (good[:3] + b"\x20" + good[4:], "UnsupportedError"),
        "bad-truncated-in-base": (good[:-9], "TruncatedError"),
        "bad-truncated-before-base": (with_chunks(H), "TruncatedError"),
        "bad-truncated-signature": (sig[:3], "TruncatedError"),
        "bad-crc": (bytes(flipped), "ChecksumError"),
        "bad-unknown-critical-chunk": (
            with_chunks(H, Chunk(ord("Q"), b"?"), B),
            "UnsupportedError",
        ),
        "bad-enhancement-reserved": (
            with_chunks(H, Chunk(ids.CHUNK_ENHANCEMENT, b""), B),
            "UnsupportedError",
        ),
        "bad-head-not-first": (with_chunks(B, H), "CorruptError"),
        "bad-duplicate-head": (with_chunks(H, H, B), "CorruptError"),
        "bad-trailing-bytes": (good + b"\x00", "CorruptError"),
        "bad-oversize-pixels": (
            with_chunks(Chunk(ids.CHUNK_HEAD, huge.to_bytes()), B),
            "LimitError",
        ),
        "bad-base-size-mismatch": (
            with_chunks(Chunk(ids.CHUNK_HEAD, wrong_size.to_bytes()), B),
            "CorruptError",
        ),
        "bad-unknown-base-id": (
            with_chunks(Chunk(ids.CHUNK_HEAD, bad_id.to_bytes()), B),
            "UnsupportedError",
        ),
        "bad-head-length": (
            with_chunks(Chunk(ids.CHUNK_HEAD, head.to_bytes() + b"\x00"), B),
            "CorruptError",
        ),
        "bad-chunk-type": (sig + b"\x00" + good[4:], "CorruptError"),
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in [*OUT.glob("*.srz"), *OUT.glob("*.lr.png")]:
        old.unlink()
    expected: dict[str, dict] = {}
    good = valid_vectors()
    for name, data in good.items():
        (OUT / f"{name}.srz").write_bytes(data)
        lr = np.asarray(srcodec.decode(data, lr_only=True))
        entry = {
            k: v
            for k, v in srcodec.info(data).items()
            if k
            in (
                "version",
                "width",
                "height",
                "colour",
                "alpha",
                "scale",
                "lr_width",
                "lr_height",
                "base",
                "quality",
                "upscaler",
                "model_hash",
                "chroma",
                "strength",
                "icc_profile",
                "exif",
            )
        }
        if entry["base"] == "learned":
            # only the symbols are bit-exact everywhere; pixels pass through float maths
            h = fmt.read(data).header
            symbols = learned_symbols(fmt.read(data).base_payload, h.lr_size)
            entry["symbols_sha256"] = sha(symbols)
            entry["lr_tolerance"] = 1
            Image.fromarray(lr).save(OUT / f"{name}.lr.png")
        else:
            entry["lr_sha256"] = sha(lr)
        if fmt.read(data).strength is not None:
            entry["strength_levels_sha256"] = sha(strength_levels(data))
        if entry["upscaler"] == "bicubic" and entry["base"] != "learned":
            entry["decoded_sha256"] = sha(np.asarray(srcodec.decode(data)))
        expected[f"{name}.srz"] = entry
    bad = (
        bad_vectors(good["png-rgb-7x5-s2"])
        | bad_strength_vectors(good["png-rgb-16x16-s2-raisr"])
        | bad_entropy_vectors()
    )
    for name, (data, error) in bad.items():
        (OUT / f"{name}.srz").write_bytes(data)
        expected[f"{name}.srz"] = {"error": error}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(expected)} vectors to {OUT}")


if __name__ == "__main__":
    main()
