// RAISR's gradient hash (srcodec.upscale.raisr_numpy.hash_plane): each pixel's structure
// tensor, summed over a Gaussian window, gives an angle, a strength and a coherence, cut
// into ANGLES x STRENGTHS x COHERENCES buckets. Every step rounds to float32 where numpy's
// float32 arrays do (Math.fround), in the same order, so a bucket can differ from the
// Python decoder's only where numpy's float32 arctan2 rounds differently from
// fround(Math.atan2) and the angle sits on a bin edge.

export const ANGLES = 24;
export const STRENGTHS = 3;
export const COHERENCES = 3;
export const BUCKETS = ANGLES * STRENGTHS * COHERENCES;
const SIGMA = 2.0;
const RADIUS = 4;
export const MARGIN = RADIUS + 1; // context the hash needs on each side of the pixels it hashes
const f32 = Math.fround;
const EPS = f32(1e-6);
const PI = f32(Math.PI);
const ANGLE_SCALE = f32(ANGLES / Math.PI);

/** The blur's taps as float32, normalised in double as raisr_numpy.gauss. */
const GAUSS = (() => {
  const w = [];
  for (let i = -RADIUS; i <= RADIUS; i++) w.push(Math.exp(-(i * i) / (2 * SIGMA * SIGMA)));
  const sum = w.reduce((a, b) => a + b, 0);
  return Float32Array.from(w, (v) => v / sum);
})();

/** Separable 'valid' Gaussian of an h x w float32 plane: (h - 2 RADIUS) x (w - 2 RADIUS). */
function blur(plane, h, w) {
  const taps = GAUSS.length;
  const ow = w - taps + 1;
  const oh = h - taps + 1;
  const rows = new Float32Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const at = y * w + x;
      let acc = f32(plane[at] * GAUSS[0]);
      for (let i = 1; i < taps; i++) acc = f32(acc + f32(plane[at + i] * GAUSS[i]));
      rows[y * ow + x] = acc;
    }
  }
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const at = y * ow + x;
      let acc = f32(rows[at] * GAUSS[0]);
      for (let i = 1; i < taps; i++) acc = f32(acc + f32(rows[at + i * ow] * GAUSS[i]));
      out[at] = acc;
    }
  }
  return out;
}

/** np.remainder(v, PI) for float32 v in [-pi/2, pi/2]: fmod, then + PI where the sign differs. */
function remainderPi(v) {
  const mod = v % PI;
  if (mod === 0) return 0;
  return mod < 0 ? f32(mod + PI) : mod;
}

/**
 * Bucket index (angle-major: (angle * 3 + strength) * 3 + coherence) of each pixel of an
 * h x w image, from its luma padded by MARGIN on every side ((h + 2 MARGIN) x (w + 2 MARGIN)
 * float32, row-major). thresholds: [strength_lo, strength_hi, coherence_lo, coherence_hi].
 */
export function hashPlane(ypad, h, w, thresholds) {
  const pw = w + 2 * MARGIN;
  const gh = h + 2 * RADIUS; // gradients over the padded plane less one pixel each side
  const gw = w + 2 * RADIUS;
  const xx = new Float32Array(gh * gw);
  const xy = new Float32Array(gh * gw);
  const yy = new Float32Array(gh * gw);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const at = (y + 1) * pw + x + 1;
      const gx = f32(f32(ypad[at + 1] - ypad[at - 1]) * 0.5);
      const gy = f32(f32(ypad[at + pw] - ypad[at - pw]) * 0.5);
      const i = y * gw + x;
      xx[i] = f32(gx * gx);
      xy[i] = f32(gx * gy);
      yy[i] = f32(gy * gy);
    }
  }
  const a = blur(xx, gh, gw);
  const b = blur(xy, gh, gw);
  const c = blur(yy, gh, gw);
  const idx = new Int32Array(h * w);
  for (let i = 0; i < h * w; i++) {
    const halfTrace = f32(f32(a[i] + c[i]) * 0.5);
    const d = f32(f32(a[i] - c[i]) * 0.5);
    const disc = f32(Math.sqrt(f32(f32(d * d) + f32(b[i] * b[i]))));
    const s1 = f32(Math.sqrt(f32(halfTrace + disc)));
    const low = f32(halfTrace - disc);
    const s2 = f32(Math.sqrt(low > 0 ? low : 0));
    const angle = remainderPi(f32(0.5 * f32(Math.atan2(f32(2 * b[i]), f32(a[i] - c[i])))));
    const coherence = f32(f32(s1 - s2) / f32(f32(s1 + s2) + EPS));
    const bin = Math.min(Math.max(Math.trunc(f32(angle * ANGLE_SCALE)), 0), ANGLES - 1);
    let k = bin * STRENGTHS * COHERENCES;
    for (let t = 0; t < STRENGTHS - 1; t++) if (s1 >= thresholds[t]) k += COHERENCES;
    for (let t = 0; t < COHERENCES - 1; t++) if (coherence >= thresholds[STRENGTHS - 1 + t]) k += 1;
    idx[i] = k;
  }
  return idx;
}
