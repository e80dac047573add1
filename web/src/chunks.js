// One chunk: type byte, LEB128 length, data, CRC-32 (spec §3.1); mirrors srcodec.format.chunks.

import { ChecksumError, CorruptError, LimitError, TruncatedError } from './errors.js';

const CRC_BYTES = 4;
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as zlib and PNG) of bytes[start:end]. */
export function crc32(bytes, start = 0, end = bytes.length) {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const isChunkType = (v) => (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a);
export const isCritical = (v) => v >= 0x41 && v <= 0x5a;

/** A minimal LEB128 at buf[pos]; returns [value, newPos] (spec §1). */
export function decodeVarint(buf, pos, maxBytes, what) {
  let value = 0;
  for (let i = 0; i < maxBytes; i++) {
    if (pos + i >= buf.length) {
      throw new TruncatedError(
        `truncated: ${what}: the stream ends inside a length field at byte ${pos + i}`);
    }
    const byte = buf[pos + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) {
      if (byte === 0 && i > 0) throw new CorruptError(`${what}: non-minimal varint encoding at byte ${pos}`);
      return [value, pos + i + 1];
    }
  }
  throw new LimitError(`${what}: varint longer than ${maxBytes} bytes at byte ${pos}`);
}

/** The chunk at buf[pos]: {type, data}, and the position after its CRC. Bounds first. */
export function decodeChunk(buf, pos) {
  const start = pos;
  const type = buf[pos];
  if (!isChunkType(type)) {
    throw new CorruptError(
      `byte ${pos}: 0x${type.toString(16).padStart(2, '0')} is not a chunk type (ASCII letter expected)`);
  }
  const name = String.fromCharCode(type);
  let length;
  [length, pos] = decodeVarint(buf, pos + 1, 4, `chunk ${name}`);
  const remaining = buf.length - pos;
  if (length + CRC_BYTES > remaining) {
    throw new TruncatedError(
      `truncated: chunk ${name} at byte ${start} declares ${length} bytes + CRC, ${Math.max(remaining, 0)} remain`);
  }
  const end = pos + length;
  const stored = ((buf[end] << 24) | (buf[end + 1] << 16) | (buf[end + 2] << 8) | buf[end + 3]) >>> 0;
  if (crc32(buf, start, end) !== stored) {
    throw new ChecksumError(`chunk ${name} at byte ${start}: CRC-32 mismatch (damaged stream)`);
  }
  return [{ type, name, data: buf.subarray(pos, end) }, end + CRC_BYTES];
}
