// Upscaler 1, RAISR (spec §6.2): the spec's bicubic, then a residual from a filter picked
// per pixel by its gradient hash (raisr_hash.js) and its phase on the LR grid, added to R, G
// and B alike; mirrors srcodec.upscale.raisr and raisr_numpy. The filters are a bank in the
// model's .npz (docs/onnx.md): basis R x k x k, coef (s² x BUCKETS) x R, thresholds (4), the
// bank chosen by the base and its quality band. No network: it runs in plain JavaScript.

import { UnsupportedError } from './errors.js';
import { BUCKETS, MARGIN, hashPlane } from './raisr_hash.js';
import { resizeBicubic } from './resample.js';

const LUMA = [0.299, 0.587, 0.114].map(Math.fround);
// Quality bands per lossy base, (highest quality in the band, name): raisr.BANDS
const BANDS = {
  avif: [[39, 'low'], [69, 'mid'], [100, 'high']],
  webp: [[29, 'low'], [69, 'mid'], [100, 'high']],
  jpeg: [[29, 'low'], [69, 'mid'], [100, 'high']],
};
const HALO = 8; // LR rows of context per band: filter + hash reach plus the bicubic support
const BAND_PIXELS = 1 << 22; // output pixels per band, as srcodec.memory.BAND_PIXELS

/** 'clean' or '<base>-<band>', as raisr.bank_name. */
export function bankName(base, quality) {
  const bands = BANDS[base];
  if (quality === null || !bands) return 'clean';
  const band = bands.find(([top]) => quality <= top) ?? bands[bands.length - 1];
  return `${base}-${band[1]}`;
}

/** {basis, coef, thresholds, rank, k} of the bank for `side`: its band's, else the clean one. */
async function loadBank(runtime, entry, side) {
  const own = `x${side.scale}.${bankName(side.base, side.quality)}`;
  const clean = `x${side.scale}.clean`;
  const parts = (key) => ['basis', 'coef', 'thresholds'].map((p) => `${key}.${p}`);
  const arrays = await runtime.arrays(entry, [...parts(own), ...parts(clean)]);
  const key = arrays[`${own}.coef`] ? own : arrays[`${clean}.coef`] ? clean : null;
  if (key === null) {
    throw new UnsupportedError(`raisr model 'raisr' has no filters for scale ${side.scale}; decode with upscaler 'bicubic'`);
  }
  const [basis, coef, thr] = parts(key).map((name) => arrays[name]);
  const rank = basis.shape[0];
  const floats = [basis, coef, thr].every((a) => a.data instanceof Float32Array);
  if (!floats || basis.shape.length !== 3 || basis.shape[1] !== basis.shape[2] ||
      coef.shape.join() !== [side.scale * side.scale * BUCKETS, rank].join() || thr.shape.join() !== '4') {
    throw new UnsupportedError(
      `raisr bank ${key} has basis (${basis.shape.join(', ')}), coef (${coef.shape.join(', ')}): not this decoder's layout`);
  }
  const k = basis.shape[1];
  const taps = Float64Array.from(basis.data); // R filters of k x k taps, row-major
  return { taps, coef: coef.data, thresholds: thr.data, rank, k };
}

/** h x w float32 plane edge-padded by `border` on every side. */
function edgePad(plane, h, w, border) {
  const pw = w + 2 * border;
  const out = new Float32Array((h + 2 * border) * pw);
  for (let y = 0; y < h + 2 * border; y++) {
    const row = Math.min(Math.max(y - border, 0), h - 1) * w;
    for (let x = 0; x < pw; x++) out[y * pw + x] = plane[row + Math.min(Math.max(x - border, 0), w - 1)];
  }
  return out;
}

/**
 * The filtered residual (float32 h x w) of the luma `y`, as raisr_numpy.residual in luma
 * mode: one R-channel correlation of the padded luma with the basis, then per pixel the dot
 * with the coef row of its (phase, bucket). Sums in double; numpy's BLAS sums float32 in its
 * own order, so the two differ by float rounding only.
 */
export function residual(y, h, w, bank, scale) {
  const { taps, coef, thresholds, rank, k } = bank;
  const half = k >> 1;
  const border = Math.max(MARGIN, half);
  const ypad = edgePad(y, h, w, border);
  const pw = w + 2 * border;
  const hashed = border === MARGIN ? ypad : edgePad(y, h, w, MARGIN);
  const idx = hashPlane(hashed, h, w, thresholds);
  const out = new Float32Array(h * w);
  const resp = new Float64Array(rank);
  const patch = new Float64Array(k * k);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      for (let ky = 0; ky < k; ky++) {
        const src = (row + border - half + ky) * pw + col + border - half;
        for (let kx = 0; kx < k; kx++) patch[ky * k + kx] = ypad[src + kx];
      }
      for (let r = 0; r < rank; r++) {
        let sum = 0;
        const t = r * k * k;
        for (let i = 0; i < k * k; i++) sum += patch[i] * taps[t + i];
        resp[r] = sum;
      }
      const type = (row % scale) * scale + (col % scale);
      const c = (type * BUCKETS + idx[row * w + col]) * rank;
      let acc = 0;
      for (let r = 0; r < rank; r++) acc += resp[r] * coef[c + r];
      out[row * w + col] = acc;
    }
  }
  return out;
}

/** np.round (half to even) of a float32 sum, clipped to 0..255. */
function toByte(v) {
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** One band: bicubic of LR rows (interleaved, `channels` 1 or 3) plus the residual, uint8. */
function upscaleRows(lr, w, h, channels, bank, scale) {
  const up = resizeBicubic(lr, w, h, channels, scale);
  const ow = w * scale;
  const oh = h * scale;
  const y = new Float32Array(ow * oh);
  for (let i = 0; i < ow * oh; i++) {
    if (channels === 1) y[i] = up[i];
    else {
      const at = 3 * i;
      y[i] = Math.fround(Math.fround(Math.fround(up[at] * LUMA[0]) + Math.fround(up[at + 1] * LUMA[1])) + Math.fround(up[at + 2] * LUMA[2]));
    }
  }
  const res = residual(y, oh, ow, bank, scale);
  for (let i = 0; i < ow * oh; i++) {
    for (let c = 0; c < channels; c++) up[i * channels + c] = toByte(Math.fround(up[i * channels + c] + res[i]));
  }
  return up;
}

/** LR rows per band core, as srcodec.upscale.bands.band_rows (even). */
function bandRows(width, scale, bandPixels) {
  const rows = Math.max(Math.floor(bandPixels / Math.max(1, width * scale * scale)), 8 * HALO, 2);
  return rows + (rows % 2);
}

/**
 * The RAISR output (interleaved, lr's channels) at LR size x scale, in full-width row bands
 * read with HALO rows of context (srcodec.upscale.bands), so its float planes stay bounded;
 * the core rows equal the whole image's (every step is local). `bandPixels`: output pixels
 * per band (at least 8 HALO LR rows).
 */
export async function runRaisr(runtime, entry, side, lr, w, h, channels, bandPixels = BAND_PIXELS) {
  const bank = await loadBank(runtime, entry, side);
  const s = side.scale;
  const rows = bandRows(w, s, bandPixels);
  const out = new Uint8Array(w * s * h * s * channels);
  const rowBytes = w * s * channels;
  for (let y0 = 0; y0 < h; y0 += rows) {
    const y1 = Math.min(y0 + rows, h);
    const r0 = Math.max(y0 - HALO, 0);
    const r1 = Math.min(y1 + HALO, h);
    const band = upscaleRows(lr.subarray(r0 * w * channels, r1 * w * channels), w, r1 - r0, channels, bank, s);
    out.set(band.subarray((y0 - r0) * s * rowBytes, (y1 - r0) * s * rowBytes), y0 * s * rowBytes);
  }
  return out;
}

/** The tool table's entry (tools.js): no network, a bank in the model's .npz. */
export const RAISR = {
  families: () => ['raisr'],
  scales: [2, 3, 4],
  network: false,
  run: runRaisr,
};
