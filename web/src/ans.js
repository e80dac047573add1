// constriction's stack ANS decoder (AnsCoder<u32, u64>, 24-bit probabilities) and its
// Categorical(perfect=False) model, rebuilt from integer tables so the symbols are exactly
// constriction's (spec §6.1.1). The 64-bit state is two uint32 halves; every product is
// split so it stays below 2^53 and is exact in a double.

import { CorruptError } from './errors.js';

export const PRECISION = 24;
const ONE = 2 ** PRECISION;
const TWO32 = 2 ** 32;

/**
 * The cumulative table constriction builds for Categorical(counts / total, perfect=False):
 * its fast quantisation gives symbol i the left edge floor(C_i * (2^24 - K) / total) + i
 * (C_i the counts before i, K the symbols), exact here because total is a power of two
 * (the float64 products constriction forms are exact). Returns K + 1 edges ending at 2^24.
 */
export function categoricalCdf(counts, total = 1 << 16) {
  const k = counts.length;
  const free = ONE - k;
  const cdf = new Uint32Array(k + 1);
  let before = 0;
  for (let i = 0; i < k; i++) {
    cdf[i] = Math.floor((before * free) / total) + i;
    before += counts[i];
  }
  cdf[k] = ONE;
  return cdf;
}

/** An ANS stack over little-endian uint32 words, read from the end (constriction's order). */
export class AnsDecoder {
  constructor(words) {
    this.words = words; // Uint32Array
    this.pos = words.length;
    this.hi = 0;
    this.lo = 0;
    if (this.pos > 0) { // read_initial_state: words pop until the state holds >= 2^32
      const first = this.words[--this.pos];
      if (first === 0) throw new CorruptError('learned entropy-coded data ends in a zero word (not a sealed ANS stream)');
      if (this.pos > 0) {
        this.hi = first;
        this.lo = this.words[--this.pos];
      } else {
        this.lo = first;
      }
    }
  }

  isEmpty() {
    return this.hi === 0 && this.lo === 0;
  }

  /** One symbol with the model whose edges are `cdf` (categoricalCdf). */
  decode(cdf) {
    const quantile = this.lo & 0xffffff;
    // binary search: the last edge <= quantile among the K monotonic ones
    let low = 0;
    let high = cdf.length - 2;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (cdf[mid] <= quantile) low = mid;
      else high = mid - 1;
    }
    const left = cdf[low];
    const probability = cdf[low + 1] - left;
    const remainder = quantile - left;
    // state = (state >> 24) * probability + remainder, in 64 bits
    const sHi = this.hi >>> 24;
    const sLo = ((this.hi << 8) | (this.lo >>> 24)) >>> 0;
    const a = sLo >>> 16;
    const b = sLo & 0xffff;
    const t0 = b * probability + remainder; // < 2^41
    const m = a * probability; // < 2^40, times 2^16
    let lo = (t0 % TWO32) + (m % 65536) * 65536;
    let carry = Math.floor(t0 / TWO32) + Math.floor(m / 65536);
    if (lo >= TWO32) {
      lo -= TWO32;
      carry += 1;
    }
    let hi = sHi * probability + carry;
    if (hi === 0 && this.pos > 0) { // below 2^32: refill one word
      hi = lo;
      lo = this.words[--this.pos];
    }
    this.hi = hi;
    this.lo = lo;
    return low;
  }
}

/** Checked ANS words: a multiple of 4 bytes, not ending in a zero word. */
export function ansWords(bytes) {
  if (bytes.length % 4) {
    throw new CorruptError(`learned entropy-coded data is ${bytes.length} bytes, not a multiple of 4`);
  }
  const words = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(4 * i, true);
  if (words.length && words[words.length - 1] === 0) {
    throw new CorruptError('learned entropy-coded data ends in a zero word (not a sealed ANS stream)');
  }
  return words;
}
