// Base codec 4, `learned` (spec §6.1.1): the payload header, the symbols from the model
// file's integer tables (constriction-exact, entropy.js / context.js) and the synthesis
// network through ONNX; mirrors srcodec.base.learned.

import { decodeVarint } from './chunks.js';
import { decodeContext } from './context.js';
import { decodeChannels } from './entropy.js';
import { CorruptError, UnsupportedError } from './errors.js';
import { hex } from './header.js';
import { asInt32 } from './npz.js';

const STRIDE = 16;
const FAMILY = ['learned-base'];
const CONTEXT_ARRAYS = ['ctx_edges', 'ctx_classes', 'ctx_tables'];

/** payload -> {version, modelHash, quality, words, escapes}. */
export function unpack(payload) {
  if (payload.length < 7) {
    throw new CorruptError(`truncated: learned base payload is ${payload.length} bytes, under its 7-byte header`);
  }
  if (payload[0] > 1) throw new UnsupportedError(`learned base payload version ${payload[0]}; this decoder knows 0 and 1`);
  const quality = payload[5];
  if (quality > 100) throw new CorruptError(`learned base quality ${quality} outside 0-100`);
  const [escLen, pos] = decodeVarint(payload, 6, 4, 'learned escape length');
  if (escLen > payload.length - pos) {
    throw new CorruptError(`truncated: learned escapes declare ${escLen} bytes, ${payload.length - pos} remain`);
  }
  return {
    version: payload[0],
    modelHash: hex(payload.subarray(1, 5)),
    quality,
    escapes: payload.subarray(pos, pos + escLen),
    words: payload.subarray(pos + escLen),
  };
}

async function modelFor(runtime, modelHash) {
  const entry = await runtime.find(FAMILY, modelHash);
  if (entry === null) {
    const have = (await runtime.hashes(FAMILY)).join(', ') || 'none';
    throw new UnsupportedError(
      `learned base model ${modelHash} is not shipped with this build (it has ${have}); decode it with the srcodec version that wrote it`);
  }
  return entry;
}

/**
 * The latents of a payload for an LR image of `size` [W, H]: {symbols (Int32Array,
 * channel-major M x h x w), shape, quality, entry}. Integer arithmetic only.
 */
export async function decodeSymbols(runtime, payload, [width, height]) {
  const { version, modelHash, quality, words, escapes } = unpack(payload);
  const entry = await modelFor(runtime, modelHash);
  const arrays = await runtime.arrays(entry, ['tables', ...CONTEXT_ARRAYS, 'ctx_weights']);
  const tables = asInt32(arrays.tables);
  const h = Math.ceil(height / STRIDE);
  const w = Math.ceil(width / STRIDE);
  const shape = [tables.shape[0], h, w];
  if (version === 0) return { symbols: decodeChannels(words, escapes, tables, h * w), shape, quality, entry };
  if (!CONTEXT_ARRAYS.every((name) => arrays[name])) {
    throw new CorruptError(`learned base payload version 1, but model ${modelHash} has no context model`);
  }
  const model = {
    edges: asInt32(arrays.ctx_edges),
    classes: asInt32(arrays.ctx_classes),
    tables: asInt32(arrays.ctx_tables),
    weights: arrays.ctx_weights ? { data: Float64Array.from(arrays.ctx_weights.data, Number) } : null,
  };
  return { symbols: decodeContext(words, escapes, model, shape), shape, quality, entry };
}

/** Round half to even, as torch.round. */
function roundHalfEven(v) {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The LR image (interleaved uint8, `channels` 1 or 3) the payload decodes to. */
export async function decodeLearned(runtime, payload, [width, height], channels) {
  const { symbols, shape, quality, entry } = await decodeSymbols(runtime, payload, [width, height]);
  const levels = entry.arch_params?.levels ?? 6;
  const session = await runtime.session(entry);
  const outputs = await runtime.run(session, {
    symbols: [Float32Array.from(symbols), [1, ...shape]],
    position: [new Float32Array([(quality / 100) * (levels - 1)]), [1]],
  });
  const image = outputs[session.outputNames[0]].data;
  const plane = shape[1] * STRIDE * shape[2] * STRIDE;
  const rowLength = shape[2] * STRIDE;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * rowLength + x;
      const rgb = [0, 1, 2].map((c) => {
        const v = roundHalfEven(Math.fround(image[c * plane + at] * 255));
        return v < 0 ? 0 : v > 255 ? 255 : v;
      });
      if (channels === 3) out.set(rgb, (y * width + x) * 3);
      else out[y * width + x] = Math.floor((rgb[0] + rgb[1] + rgb[2] + 1) / 3);
    }
  }
  return out;
}
