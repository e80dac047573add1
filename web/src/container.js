// Stream <-> parts: signature, version, chunk order, the critical/ancillary policy, chunk S's
// structure and the ICC limit (spec §2-§4, §8); mirrors srcodec.format.container.

import {
  CorruptError, LimitError, NotSrzError, TruncatedError, UnsupportedError,
} from './errors.js';
import { decodeChunk, isCritical } from './chunks.js';
import { parseHeader } from './header.js';
import { CHUNK, UPSCALER_BICUBIC } from './ids.js';

export const MAGIC = [0x89, 0x53, 0x5a];
export const VERSION_MAJOR = 1;
export const DEFAULT_MAX_PIXELS = 178956970; // Pillow's decompression-bomb error threshold
export const MAX_ICC_BYTES = 16 << 20;
const KNOWN = new Set(Object.values(CHUNK));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** True if `prefix` (>= 3 bytes) starts like an .srz stream of any version. */
export const probe = (prefix) => MAGIC.every((b, i) => prefix[i] === b);

/** Parse and validate a whole stream (Uint8Array). Throws a FormatError subclass (spec §9). */
export async function readStream(data, { maxPixels = DEFAULT_MAX_PIXELS } = {}) {
  if (data.length < 4) {
    if (data.length && MAGIC.slice(0, Math.min(3, data.length)).every((b, i) => data[i] === b)) {
      throw new TruncatedError(`truncated: the stream is ${data.length} bytes, shorter than its 4-byte signature`);
    }
    throw new NotSrzError('not an .srz stream (empty or too short)');
  }
  if (!probe(data)) {
    throw new NotSrzError(`not an .srz stream (signature ${hex(data.subarray(0, 4))}, expected 89535a13)`);
  }
  const major = data[3] >> 4;
  const minor = data[3] & 0xf;
  if (major !== VERSION_MAJOR) {
    throw new UnsupportedError(`stream version ${major}.${minor}; this decoder reads ${VERSION_MAJOR}.x`);
  }
  let pos = 4;
  const seen = new Map();
  const extra = [];
  let header = null;
  for (;;) {
    if (pos >= data.length) {
      const what = header === null ? 'HEAD' : 'base chunk B';
      throw new TruncatedError(`truncated: the stream ends at byte ${pos}, before ${what}`);
    }
    let chunk;
    [chunk, pos] = decodeChunk(data, pos);
    if (header === null) {
      if (chunk.type !== CHUNK.HEAD) throw new CorruptError(`first chunk is '${chunk.name}', HEAD 'H' must come first`);
      header = parseHeader(chunk.data, maxPixels);
      continue;
    }
    if (seen.has(chunk.type) || chunk.type === CHUNK.HEAD) {
      throw new CorruptError(`chunk '${chunk.name}' appears twice`);
    }
    if (!KNOWN.has(chunk.type)) {
      if (isCritical(chunk.type)) {
        throw new UnsupportedError(`unknown critical chunk '${chunk.name}' (needs a newer decoder)`);
      }
      extra.push(chunk);
      continue;
    }
    seen.set(chunk.type, chunk.data);
    if (chunk.type === CHUNK.BASE) break;
  }
  if (pos !== data.length) {
    throw new CorruptError(`${data.length - pos} bytes after the base chunk B, which must be last`);
  }
  let strength = null;
  if (seen.has(CHUNK.STRENGTH)) {
    if (header.upscaler === UPSCALER_BICUBIC) {
      throw new CorruptError("chunk 'S' (learned tool strength) in a stream whose upscaler is bicubic");
    }
    strength = parseStrength(seen.get(CHUNK.STRENGTH));
  }
  return {
    header,
    basePayload: seen.get(CHUNK.BASE),
    alpha: seen.get(CHUNK.ALPHA) ?? null,
    icc: seen.has(CHUNK.ICC) ? await inflateIcc(seen.get(CHUNK.ICC)) : null,
    exif: seen.get(CHUNK.EXIF) ?? null,
    strength,
    extra,
    version: [major, minor],
  };
}

/** Chunk S's fixed part and map words, checked (spec §3.5); srcodec.format.strength. */
export function parseStrength(data) {
  if (data.length < 6) {
    throw new CorruptError(`chunk 'S' is ${data.length} bytes, shorter than its 6-byte fixed part`);
  }
  const [tileLog2, g0, g1, g2, qOff, qHalf] = data;
  const words = data.subarray(6);
  if (tileLog2 < 4 || tileLog2 > 10) throw new CorruptError(`chunk 'S': tile log2 ${tileLog2} outside 4..10`);
  if (Math.max(g0, g1, g2) > 64) {
    throw new CorruptError(`chunk 'S': gain bytes ${g0}, ${g1}, ${g2}; each must be 0..64`);
  }
  if (qOff === 0 && qHalf === 0) {
    if (words.length) throw new CorruptError(`chunk 'S': ${words.length} map bytes after a header that says no map`);
  } else if (Math.min(qOff, qHalf) < 1 || qOff + qHalf > 254) {
    throw new CorruptError(`chunk 'S': map probabilities ${qOff}, ${qHalf} out of range`);
  } else if (words.length % 4) {
    throw new CorruptError(`chunk 'S': map of ${words.length} bytes is not a whole number of 4-byte words`);
  } else if (!words.length) { // the empty ANS stack holds no levels (it decodes "off" forever)
    throw new CorruptError("chunk 'S': the header says there is a map, but the map is empty");
  }
  return { tileLog2, gains: [g0, g1, g2], qOff, qHalf, words, hasMap: qOff + qHalf > 0 };
}

/** Inflate the zlib ICC chunk with a cap, so a small chunk cannot expand into gigabytes. */
async function inflateIcc(blob) {
  const reader = new Blob([blob]).stream().pipeThrough(new DecompressionStream('deflate')).getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_ICC_BYTES) {
        reader.cancel().catch(() => {});
        throw new LimitError(`chunk 'i': ICC profile inflates beyond ${MAX_ICC_BYTES} bytes`);
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof LimitError) throw err;
    throw new CorruptError(`chunk 'i': ICC profile does not inflate (${err.message})`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
