// Chunk S (spec §3.5): the tile levels (ANS with a 4-symbol integer model) and the exact
// integer blend of the tool's output T with the plain reconstruction P; mirrors
// srcodec.upscale.strength. The map's words must hold its levels (budget.js, via
// decodeChannels), so a short map cannot stand for a huge one.

import { CorruptError } from './errors.js';
import { decodeChannels } from './entropy.js';

const FULL = 2;

/** Tile levels (Uint8Array, rows x cols of tiles) of a parsed chunk for a W x H output. */
export function strengthLevels(chunk, width, height) {
  const tile = 1 << chunk.tileLog2;
  const cols = Math.ceil(width / tile);
  const rows = Math.ceil(height / tile);
  if (!chunk.hasMap) return { cols, rows, levels: new Uint8Array(rows * cols).fill(FULL) };
  const full = 255 - chunk.qOff - chunk.qHalf;
  const table = { data: new Int32Array([chunk.qOff * 256, chunk.qHalf * 256, full * 256, 256]), shape: [1, 4] };
  let values;
  try {
    values = decodeChannels(chunk.words, new Uint8Array(0), table, rows * cols);
  } catch (err) {
    if (err instanceof CorruptError) throw new CorruptError(`chunk 'S': tile map does not decode (${err.message})`);
    throw err;
  }
  return { cols, rows, levels: Uint8Array.from(values, (v) => v + 1) };
}

/**
 * out = clip(P + floor((k (T - P) + 32) / 64)), k = level * gain[c], over interleaved
 * (W x H x channels) uint8 images; writes into `tool`.
 */
export function applyStrength(tool, plain, width, height, channels, chunk, map) {
  const t = chunk.tileLog2;
  for (let y = 0; y < height; y++) {
    const ty = Math.min(y >> t, map.rows - 1);
    for (let x = 0; x < width; x++) {
      const level = map.levels[ty * map.cols + Math.min(x >> t, map.cols - 1)];
      const at = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const k = level * chunk.gains[Math.min(c, 2)];
        const p = plain[at + c];
        const v = p + Math.floor((k * (tool[at + c] - p) + 32) / 64);
        tool[at + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return tool;
}
