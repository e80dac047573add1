"""Mutation fuzzer for the decoder: only documented srcodec errors may escape.

    python tools/fuzz_decode.py --inputs 100000 [--seed 0] [--timeout 5] [--crashes DIR]

A development tool kept in the package (not imported by encode or decode) so that the
command line, the test suite (tests/test_fuzz.py) and long fuzz runs share one
implementation without path tricks.

Seeds are valid streams of every base codec and every available upscaler (plus alpha, ICC,
EXIF and odd sizes). Each input is a seed mutated by one to three of: bit flips, random
bytes, insertions, deletions, truncation, splicing two seeds, chunk duplication/reordering;
half of the mutants get their chunk CRCs recomputed so the damage reaches the header, base
payload and upscaler code instead of stopping at the checksum. Each input runs `info` and
`decode` (and `decode(lr_only=True)`); an exception that is not a SrcodecError is a crash,
an input over --timeout seconds is a hang. Crashers are saved for regression tests.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import signal
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

import srcodec
from srcodec import decoder, image_io
from srcodec.base import BASE_CODECS
from srcodec.format.chunks import encode_varint
from srcodec.upscale import UPSCALERS, bands

MAX_PIXELS = 1 << 20  # keep hostile headers from making each input slow
STREAMED_ONE_IN = 4  # inputs that also take the banded, streamed-PNG path


class Hang(Exception):
    """An input ran past the timeout."""


def seeds() -> list[bytes]:
    """Valid streams of every base codec x available upscaler, plus alpha, ICC, gray, the
    learned base's payload versions and a chunk S tile map."""
    rng = np.random.default_rng(0)
    out = []
    upscalers = [e for e in UPSCALERS if e.missing() is None]
    for i, base in enumerate(BASE_CODECS.names()):
        for j, entry in enumerate(upscalers):
            scales = entry.get().scales()
            if not scales:  # a learned tool whose model is not shipped yet
                continue
            scale = 2 if 2 in scales else scales[0]
            w, h = (24, 16) if (i + j) % 2 else (13, 7)
            img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            quality = None if base == "png" else 40
            if not entry.get().supports(base, scale):  # the encoder refuses it
                continue
            try:
                out.append(
                    srcodec.encode(
                        img, scale=scale, base=base, quality=quality, upscaler=entry.name
                    )
                )
            except srcodec.UnsupportedError:  # a tool not trained for this base (restore)
                continue
    rgba = Image.fromarray(rng.integers(0, 256, (9, 11, 4), dtype=np.uint8))
    rgba.info["icc_profile"] = b"icc" * 20
    out.append(srcodec.encode(rgba, scale=1, base="png"))
    gray = rng.integers(0, 256, (10, 10), dtype=np.uint8)
    out.append(srcodec.encode(gray, scale=3, base="jpeg", quality=30))
    # learned base (spec §6.1.1): gray, an odd size off the 16 px grid, a high quality
    # (escapes); the loop above already adds one learned seed per upscaler
    out.append(
        srcodec.encode(gray[:, :7], scale=1, base="learned", quality=100, upscaler="bicubic")
    )
    from srcodec import format as fmt
    from srcodec.base import learned

    stream = fmt.read(out[-1])  # and the same latents as payload version 0
    stream.base_payload = learned.to_version_0(stream.base_payload, stream.header.lr_size)
    out.append(fmt.write(stream))
    # chunk S (spec §3.5) with a coded tile map, on a raisr stream (no torch needed)
    from srcodec.upscale import strength

    small = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)  # 4 x 4 tiles of 16 px
    stream = fmt.read(srcodec.encode(small, scale=2, base="png", upscaler="raisr"))
    levels = rng.integers(0, 3, (4, 4)).astype(np.uint8)
    stream.strength = strength.write(strength.Strength(4, (20, 32, 40), levels))
    out.append(fmt.write(stream))
    return out + list(crafted().values())


def crafted(lr_size: tuple[int, int] = (1024, 1024)) -> dict[str, bytes]:
    """Valid containers around entropy-coded data whose words cannot hold the symbols they
    decode to (constriction's empty ANS stack decodes symbol 0 without end; spec §6.1.1,
    §3.5): a learned base of `lr_size` with no words; a small one whose one word decodes a
    single symbol and then that free run; chunk S with an empty map; chunk S whose one word
    codes the first tile and leaves 63 "off" tiles free. Decoders refuse each."""
    from srcodec import entropy, weights
    from srcodec import format as fmt
    from srcodec.base import learned, learned_context
    from srcodec.format import ids
    from srcodec.format.strength import StrengthChunk
    from srcodec.upscale import strength

    model_hash = weights.stream_hash(learned.MODEL)

    def learned_stream(size: tuple[int, int], words: bytes) -> bytes:
        head = fmt.Header(*size, scale=1, base=ids.BASE_LEARNED, quality=50)
        return fmt.write(fmt.Stream(head, learned.pack(1, model_hash, 50, words, b"")))

    out = {"learned-empty-words": learned_stream(lr_size, b"")}
    m = learned.model()
    if m.context is not None:  # -R everywhere (table index 0) but the first symbol decoded
        symbols = np.full((len(m.tables), 4, 4), -m.context.radius, np.int64)
        symbols[0, 0, 0] += 1
        words, _ = learned_context.encode(symbols, m.context)
        out["learned-free-run"] = learned_stream((64, 64), words)
    image = np.full((128, 128, 3), 90, np.uint8)  # 8 x 8 output tiles of 16 px
    raisr = fmt.read(srcodec.encode(image, scale=2, base="png", upscaler="raisr"))
    raisr.strength = StrengthChunk(4, (32, 32, 32), 10, 10, b"")
    out["strength-empty-map"] = fmt.write(raisr)
    levels = np.zeros(64, np.int64)
    levels[0] = strength.FULL
    words, _ = entropy.encode(levels[None] - 1, strength._table(10, 10))
    raisr.strength = StrengthChunk(4, (32, 32, 32), 10, 10, words)
    out["strength-free-run"] = fmt.write(raisr)
    return out


def split_chunks(data: bytes) -> list[tuple[int, bytes]] | None:
    """Lenient chunk split (no CRC check) so mutants can be re-sealed."""
    pos, chunks = 4, []
    while pos < len(data):
        ctype, pos = data[pos], pos + 1
        length, shift = 0, 0
        while pos < len(data) and shift < 28:
            byte = data[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if pos + length + 4 > len(data):
            return None
        chunks.append((ctype, data[pos : pos + length]))
        pos += length + 4
    return chunks


def seal(signature: bytes, chunks: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(signature)
    for ctype, body in chunks:
        head = bytes([ctype]) + encode_varint(len(body)) + body
        out += head + zlib.crc32(head).to_bytes(4, "big")
    return bytes(out)


def mutate(data: bytes, pool: list[bytes], rnd: random.Random) -> bytes:
    """`data` damaged by one to three random operations, half of them re-sealed."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(8)
        if not buf:
            buf = bytearray(rnd.choice(pool))
        pos = rnd.randrange(len(buf))
        if op == 0:
            buf[pos] ^= 1 << rnd.randrange(8)
        elif op == 1:
            buf[pos] = rnd.randrange(256)
        elif op == 2:
            buf[pos:pos] = rnd.randbytes(rnd.randint(1, 8))
        elif op == 3:
            del buf[pos : pos + rnd.randint(1, 16)]
        elif op == 4:
            del buf[pos:]
        elif op == 5:
            other = rnd.choice(pool)
            buf = buf[:pos] + other[rnd.randrange(len(other)) :]
        elif op == 6:
            buf[pos : pos + 4] = rnd.choice([b"\xff\xff\xff\x7f", b"\x00\x00", b"\x80\x80\x80\x01"])
        else:
            chunks = split_chunks(bytes(buf))
            if chunks and len(chunks) > 1:
                i = rnd.randrange(len(chunks))
                if rnd.random() < 0.5:
                    chunks.insert(rnd.randrange(len(chunks) + 1), chunks[i])
                else:
                    j = rnd.randrange(len(chunks))
                    chunks[i], chunks[j] = chunks[j], chunks[i]
                buf = bytearray(seal(bytes(buf[:4]), chunks))
    if rnd.random() < 0.5:
        chunks = split_chunks(bytes(buf))
        if chunks:
            buf = bytearray(seal(bytes(buf[:4]), chunks))
    return bytes(buf)


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def exercise(data: bytes, out: Path) -> None:
    """What `srcodec info` and `srcodec decode` do: the whole-image path with Pillow's PNG
    writer and the banded path with the streaming PNG writer (small bands, so fuzzed
    streams cross band edges)."""
    srcodec.info(data, max_pixels=MAX_PIXELS)
    srcodec.decode(data, lr_only=True, max_pixels=MAX_PIXELS)
    img, report = srcodec.decode_with_report(data, device="cpu", max_pixels=MAX_PIXELS)
    image_io.save_image(img, out, text={"srcodec": report.provenance})
    if zlib.crc32(data) % STREAMED_ONE_IN == 0:  # a fixed share, so a seed's run is reproducible
        decoder.decode_to_file(data, out, device="cpu", max_pixels=MAX_PIXELS)


def error_kind(exc: BaseException) -> str:
    """Class plus message with numbers stripped: 'distinct errors' for the summary."""
    text = re.sub(r"\d+|0x[0-9a-f]+|'[^']*'", "#", str(exc))[:60]
    return f"{type(exc).__name__}: {text}"


def run(inputs: int, seed: int, timeout: float, crash_dir: Path | None, progress: bool) -> dict:
    """Fuzzes `inputs` mutants drawn with `seed`; a summary dict (crashes, hangs, errors).
    The decoder's band size and streaming threshold are lowered while it runs (so every
    multi-row stream is banded and streamed) and restored after, as is SIGALRM's handler."""
    saved = bands.BAND_PIXELS, decoder.STREAM_ABOVE, signal.getsignal(signal.SIGALRM)
    bands.BAND_PIXELS = 64  # bands of a few rows: every multi-row stream is banded
    decoder.STREAM_ABOVE = 0  # decode_to_file always streams its PNG
    try:
        return _run(inputs, seed, timeout, crash_dir, progress)
    finally:
        bands.BAND_PIXELS, decoder.STREAM_ABOVE = saved[:2]
        signal.signal(signal.SIGALRM, saved[2])


def _run(inputs: int, seed: int, timeout: float, crash_dir: Path | None, progress: bool) -> dict:
    rnd = random.Random(seed)
    pool = seeds()
    kinds: collections.Counter[str] = collections.Counter()
    crashes, hangs, ok = [], [], 0
    signal.signal(signal.SIGALRM, _alarm)
    out = Path(tempfile.mkdtemp(prefix="srcodec-fuzz-")) / "out.png"
    start = time.monotonic()
    for n in range(inputs):
        data = mutate(rnd.choice(pool), pool, rnd)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            exercise(data, out)
            ok += 1
        except srcodec.SrcodecError as exc:
            kinds[error_kind(exc)] += 1
        except Hang:
            hangs.append(data)
        except Exception as exc:  # a crash: anything undocumented escaping
            crashes.append((data, f"{type(exc).__name__}: {exc}"))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if progress and n and n % 5000 == 0:
            rate = n / (time.monotonic() - start)
            print(
                f"{n} inputs, {len(crashes)} crashes, {len(hangs)} hangs, {rate:.0f}/s",
                file=sys.stderr,
            )
    if crash_dir and (crashes or hangs):
        crash_dir.mkdir(parents=True, exist_ok=True)
        for i, (data, _) in enumerate(crashes):
            (crash_dir / f"crash-{seed}-{i}.srz").write_bytes(data)
        for i, data in enumerate(hangs):
            (crash_dir / f"timeout-{seed}-{i}.srz").write_bytes(data)
    return {
        "inputs": inputs,
        "decoded_ok": ok,
        "distinct_errors": len(kinds),
        "error_classes": dict(
            collections.Counter(k.split(":")[0] for k in kinds.elements()).most_common()
        ),
        "error_counts": dict(kinds.most_common()),
        "crashes": [msg for _, msg in crashes],
        "hangs": len(hangs),
        "seconds": time.monotonic() - start,
        "seeds": len(pool),
    }


def main(argv: list[str] | None = None) -> None:
    """tools/fuzz_decode.py: exits 1 if any crash or hang was found."""
    parser = argparse.ArgumentParser(
        prog="tools/fuzz_decode.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args(argv)
    result = run(args.inputs, args.seed, args.timeout, args.crashes, progress=True)
    print(
        f"inputs tried     {result['inputs']} from {result['seeds']} seed streams "
        f"in {result['seconds']:.0f} s"
    )
    print(f"decoded fine     {result['decoded_ok']}")
    print(f"distinct errors  {result['distinct_errors']} (documented srcodec errors)")
    print("error classes    " + ", ".join(f"{k} {v}" for k, v in result["error_classes"].items()))
    print("most frequent messages (numbers and quoted names folded):")
    for kind, count in list(result["error_counts"].items())[:15]:
        print(f"  {count:7d}  {kind}")
    print(f"crashes          {len(result['crashes'])}")
    for msg in sorted(set(result["crashes"]))[:20]:
        print(f"  {msg}")
    print(f"hangs (> {args.timeout:g} s) {result['hangs']}")
    sys.exit(1 if result["crashes"] or result["hangs"] else 0)
