// The spec's bicubic (§5.2, upscaler 0): Pillow's BICUBIC resize, bit for bit. Pillow
// resamples in two passes (rows, then columns) with a Keys a = -0.5 kernel whose weights it
// normalises in double precision and rounds to 22-bit fixed point; each pass rounds its sums
// to 8 bits. The same integers here give the same bytes.

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 2 ** (PRECISION_BITS - 1);
const ONE = 2 ** PRECISION_BITS;
const SUPPORT = 2.0;

function cubic(x) {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/** Fixed-point taps of one axis, inSize -> outSize: {ksize, bounds (xmin, count), weights}. */
export function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1.0 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      k[x] = cubic((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax && ww !== 0.0 ? k[x] / ww : x < xmax ? k[x] : 0;
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

const clip8 = (v) => (v >= ONE * 256 ? 255 : v <= 0 ? 0 : Math.floor(v / ONE));

/**
 * Upscale an interleaved uint8 image (w x h x channels) by an integer scale with Pillow's
 * BICUBIC; each channel independently, as Pillow does for L and RGB images.
 */
export function resizeBicubic(src, w, h, channels, scale) {
  if (scale === 1) return src.slice();
  const outW = w * scale;
  const outH = h * scale;
  const horiz = coefficients(w, outW);
  const vert = coefficients(h, outH);
  // horizontal pass over every source row (Pillow reads rows ybox_first..ybox_last: all here)
  const temp = new Uint8Array(outW * h * channels);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < outW; xx++) {
      const xmin = horiz.bounds[2 * xx];
      const count = horiz.bounds[2 * xx + 1];
      const kOff = xx * horiz.ksize;
      for (let c = 0; c < channels; c++) {
        let ss = HALF;
        for (let x = 0; x < count; x++) ss += src[(y * w + xmin + x) * channels + c] * horiz.weights[kOff + x];
        temp[(y * outW + xx) * channels + c] = clip8(ss);
      }
    }
  }
  const out = new Uint8Array(outW * outH * channels);
  const rowBytes = outW * channels;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = vert.bounds[2 * yy];
    const count = vert.bounds[2 * yy + 1];
    const kOff = yy * vert.ksize;
    for (let i = 0; i < rowBytes; i++) {
      let ss = HALF;
      for (let y = 0; y < count; y++) ss += temp[(ymin + y) * rowBytes + i] * vert.weights[kOff + y];
      out[yy * rowBytes + i] = clip8(ss);
    }
  }
  return out;
}
