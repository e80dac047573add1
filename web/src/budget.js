// The information budget of ANS words (spec §6.1.1 **Budget**, §3.5 for chunk S's map);
// mirrors srcodec.entropy. constriction's empty stack decodes symbol 0 forever, so a few
// words could otherwise stand for any number of symbols. A symbol decoded with table count c
// costs log2(TOTAL / c) bits, counted in 1/COST_ONE bits rounded down; the symbols may cost at
// most (32 * words + SLACK_BITS) * MARGIN / (MARGIN - 1) bits, and no words hold no symbols.
// The comparison is in exact integers (BigInt), as the Python decoder's.

import { CorruptError } from './errors.js';

export const TOTAL = 1 << 16;
export const WORD_BITS = 32;
export const COST_ONE = 1 << 12; // cost units per bit
export const SLACK_BITS = 64; // the state's two words, and what ANS spends on the last symbols
export const MARGIN = 128; // the symbols' information may exceed the words' bits by 1/(MARGIN - 1)

/**
 * Cost units of each count of one table row: floor(log2(TOTAL / count) * COST_ONE - 1e-6),
 * at least 0, the Python decoder's float64 formula. Every count 1..TOTAL that is not a power
 * of two lands over 2e-6 away from a rounding edge, and log2 of a power of two is exact, so
 * any faithful log2 gives the same integers (the tests compare all 65536 counts).
 */
export function costUnits(counts) {
  return Int32Array.from(counts, (c) => Math.max(Math.floor(Math.log2(TOTAL / c) * COST_ONE - 1e-6), 0));
}

/** Rows of an int32 (rows x K) table {data, shape} -> one Int32Array of cost units per row. */
export function tableCosts(table) {
  const [rows, k] = table.shape;
  const out = [];
  for (let r = 0; r < rows; r++) out.push(costUnits(table.data.subarray(r * k, (r + 1) * k)));
  return out;
}

/** The cheapest entry of a row of cost units. */
export function cheapest(costs) {
  let low = Infinity;
  for (const v of costs) if (v < low) low = v;
  return low;
}

/** Can nWords ANS words hold symbols costing `units` (Number or BigInt)? Exact integers. */
export function fits(units, nWords) {
  const bits = BigInt(WORD_BITS) * BigInt(nWords) + BigInt(SLACK_BITS);
  return BigInt(units) * BigInt(MARGIN - 1) <= bits * BigInt(COST_ONE) * BigInt(MARGIN);
}

/**
 * CorruptError unless nWords can hold `symbols` symbols costing `units` (see fits); no
 * words hold no symbols. The Python decoder's messages, word for word.
 */
export function checkBudget(units, nWords, symbols) {
  if (symbols && !nWords) {
    throw new CorruptError(`entropy-coded data is empty but must hold ${symbols} symbols`);
  }
  if (!fits(units, nWords)) {
    const bits = BigInt(units) / BigInt(COST_ONE);
    throw new CorruptError(`entropy-coded data of ${nWords} words cannot hold its symbols (at least ${bits} bits)`);
  }
}
