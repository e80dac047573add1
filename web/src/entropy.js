// Integer-table entropy decoding of the learned base's latents (payload version 0) and the
// escape values, within the words' information budget (budget.js); mirrors srcodec.entropy.

import { AnsDecoder, ansWords, categoricalCdf } from './ans.js';
import { checkBudget, cheapest, tableCosts } from './budget.js';
import { CorruptError } from './errors.js';

export const MAX_ESCAPE = 1 << 15;

/** Rows of an int32 (rows x K) table -> one constriction-equal cdf per row. */
export function tableCdfs(table) {
  const [rows, k] = table.shape;
  const out = [];
  for (let r = 0; r < rows; r++) out.push(categoricalCdf(table.data.subarray(r * k, (r + 1) * k)));
  return out;
}

/** Runs run(decoder) over checked words (ansWords); words left over are CorruptError. */
export function decoding(run, words) {
  const decoder = new AnsDecoder(words);
  run(decoder);
  if (!decoder.isEmpty()) throw new CorruptError('learned entropy-coded data has words left after the last symbol');
}

/** The zigzag LEB128 escape values, exactly `count` of them. */
export function unzigzag(data, count) {
  const values = new Int32Array(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let z = 0;
    let shift = 0;
    for (;;) {
      if (pos >= data.length) throw new CorruptError('truncated: learned escape values end early');
      const byte = data[pos++];
      z += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) break;
      if (shift > 21) throw new CorruptError('learned escape value too long');
    }
    const v = z % 2 ? -(z + 1) / 2 : z / 2;
    if (Math.abs(v) > MAX_ESCAPE) throw new CorruptError(`learned escape value ${v} outside +-${MAX_ESCAPE}`);
    values[i] = v;
  }
  if (pos !== data.length) throw new CorruptError(`${data.length - pos} bytes after the learned escape values`);
  return values;
}

/** Table indices (Int32Array, channel-major) -> values; escapes in the same order. */
export function fromIndices(index, escapes, radius) {
  let count = 0;
  const escape = 2 * radius + 1;
  for (let i = 0; i < index.length; i++) if (index[i] === escape) count++;
  const escaped = unzigzag(escapes, count);
  const values = new Int32Array(index.length);
  let e = 0;
  for (let i = 0; i < index.length; i++) values[i] = index[i] === escape ? escaped[e++] : index[i] - radius;
  return values;
}

/**
 * Version 0: channel c with table row c, each channel in raster order -> values (C * n).
 * Before anything is allocated, the words are checked and must hold each channel's cheapest
 * symbol at every position; while decoding, the symbols so far after each channel (the
 * Python decoder's checks, in its order).
 */
export function decodeChannels(bytes, escapes, table, n) {
  const words = ansWords(bytes);
  const costs = tableCosts(table);
  const least = costs.reduce((sum, row) => sum + cheapest(row), 0);
  checkBudget(BigInt(n) * BigInt(least), words.length, costs.length * n);
  const cdfs = tableCdfs(table);
  const index = new Int32Array(cdfs.length * n);
  decoding((decoder) => {
    let spent = 0; // below 2^53: at most 16 * COST_ONE per allocated symbol
    for (let c = 0; c < cdfs.length; c++) {
      const cdf = cdfs[c];
      const cost = costs[c];
      for (let i = 0; i < n; i++) {
        const symbol = decoder.decode(cdf);
        index[c * n + i] = symbol;
        spent += cost[symbol];
      }
      checkBudget(spent, words.length, n); // as soon as a channel overspends
    }
  }, words);
  return fromIndices(index, escapes, (table.shape[1] - 2) / 2);
}
