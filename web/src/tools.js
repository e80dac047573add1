// The learned tools (spec §6.2). restore and cnn run as ONNX networks: each refines a base
// image (the LR image at scale 1, its bicubic upscale at scale 2) by a residual the network
// predicts, tile by tile as the Python decoder does (docs/onnx.md): same tiles, same float32
// rounding of base + 255 * residual. RAISR is a filter bank that runs in JavaScript (raisr.js).

import { UnsupportedError } from './errors.js';
import { RAISR } from './raisr.js';
import { resizeBicubic } from './resample.js';

const PIXEL_BASES = ['png', 'jpeg', 'webp', 'avif'];
const RESTORE_BASES = [...PIXEL_BASES, 'learned'];

/**
 * Tool name -> how to run it: model families per scale, the scales it has, and either
 * `run` (a tool that is no network) or the network's tiling and conditioning.
 */
export const TOOLS = {
  raisr: RAISR,
  restore: {
    families: (s) => [`restore-x${s}`, `restore-x${s}-learned`, `restore-x${s}-perceptual`],
    scales: [1, 2],
    tile: 512,
    overlap: 24,
    // cond: one-hot over the model's bases, quality/100, subsampled (bases read off its width)
    condition(side, width) {
      const bases = width - 2;
      const known = RESTORE_BASES.slice(0, bases);
      if (!known.includes(side.base)) {
        throw new UnsupportedError(`this restore model is trained for bases ${known.join(', ')}, not '${side.base}'`);
      }
      const cond = new Float32Array(width);
      cond[known.indexOf(side.base)] = 1;
      cond[width - 2] = side.quality === null ? 0 : side.quality / 100;
      cond[width - 1] = side.subsampled ? 1 : 0;
      return cond;
    },
  },
  cnn: {
    families: (s) => [`cnn-x${s}`],
    scales: [1, 2],
    tile: 384,
    overlap: 12,
    condition(side) {
      if (!PIXEL_BASES.includes(side.base)) {
        throw new UnsupportedError(`cnn is trained for bases ${PIXEL_BASES.join(', ')}, not '${side.base}'`);
      }
      const cond = new Float32Array(5);
      cond[PIXEL_BASES.indexOf(side.base)] = 1;
      cond[4] = side.quality === null ? 0 : side.quality / 100;
      return cond;
    },
  },
};

/** Tiles of `tile` px with `overlap` px of context, as srcodec.upscale.tiling.tiles. */
function* tiles(h, w, tile, overlap) {
  for (let ty = 0; ty < h; ty += tile) {
    for (let tx = 0; tx < w; tx += tile) {
      const ty1 = Math.min(ty + tile, h);
      const tx1 = Math.min(tx + tile, w);
      const y0 = Math.max(ty - overlap, 0);
      const x0 = Math.max(tx - overlap, 0);
      yield { y0, y1: Math.min(ty1 + overlap, h), x0, x1: Math.min(tx1 + overlap, w), ty, ty1, tx, tx1 };
    }
  }
}

/** Planar float32 1 x 3 x (y1-y0) x (x1-x0) of an interleaved RGB image / 255. */
function planar(rgb, width, { y0, y1, x0, x1 }) {
  const th = y1 - y0;
  const tw = x1 - x0;
  const out = new Float32Array(3 * th * tw);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const at = ((y0 + y) * width + x0 + x) * 3;
      for (let c = 0; c < 3; c++) out[(c * th + y) * tw + x] = rgb[at + c] / 255;
    }
  }
  return [out, [1, 3, th, tw]];
}

/** base + 255 * residual in float32, rounded half up and clipped, as the numpy caller. */
function addResidual(base, residual) {
  const v = Math.floor(Math.fround(Math.fround(base + Math.fround(residual * 255)) + 0.5));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function edgePad(rgb, w, h, pw, ph) {
  if (pw === w && ph === h) return rgb.slice();
  const out = new Uint8Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const from = (Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3;
      out.set(rgb.subarray(from, from + 3), (y * pw + x) * 3);
    }
  }
  return out;
}

/** restore: the network on the base image (even-padded), tile by tile. */
async function runRestore(runtime, session, cond, rgb, w, h) {
  const pw = w + (w % 2);
  const ph = h + (h % 2);
  const padded = edgePad(rgb, w, h, pw, ph);
  const out = padded.slice();
  for (const box of tiles(ph, pw, TOOLS.restore.tile, TOOLS.restore.overlap)) {
    const outputs = await runtime.run(session, { image: planar(padded, pw, box), cond: [cond, [1, cond.length]] });
    const residual = outputs[session.outputNames[0]].data;
    const th = box.y1 - box.y0;
    const tw = box.x1 - box.x0;
    for (let y = box.ty; y < box.ty1; y++) {
      for (let x = box.tx; x < box.tx1; x++) {
        for (let c = 0; c < 3; c++) {
          const at = (y * pw + x) * 3 + c;
          out[at] = addResidual(padded[at], residual[(c * th + y - box.y0) * tw + x - box.x0]);
        }
      }
    }
  }
  if (pw === w && ph === h) return out;
  const cropped = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) cropped.set(out.subarray(y * pw * 3, (y * pw + w) * 3), y * w * 3);
  return cropped;
}

/** cnn: the network on LR tiles, its residual added to the bicubic upscale. */
async function runCnn(runtime, session, cond, lr, w, h, scale) {
  const out = resizeBicubic(lr, w, h, 3, scale);
  const ow = w * scale;
  for (const box of tiles(h, w, TOOLS.cnn.tile, TOOLS.cnn.overlap)) {
    const outputs = await runtime.run(session, { image: planar(lr, w, box), cond: [cond, [1, cond.length]] });
    const residual = outputs[session.outputNames[0]].data;
    const th = (box.y1 - box.y0) * scale;
    const tw = (box.x1 - box.x0) * scale;
    for (let y = box.ty * scale; y < box.ty1 * scale; y++) {
      for (let x = box.tx * scale; x < box.tx1 * scale; x++) {
        for (let c = 0; c < 3; c++) {
          const at = (y * ow + x) * 3 + c;
          out[at] = addResidual(out[at], residual[(c * th + y - box.y0 * scale) * tw + x - box.x0 * scale]);
        }
      }
    }
  }
  return out;
}

/** The tool's output (interleaved, lr's channels) at LR size x scale. */
export async function runTool(runtime, name, entry, side, lr, w, h, channels) {
  if (TOOLS[name].run) return TOOLS[name].run(runtime, entry, side, lr, w, h, channels);
  const session = await runtime.session(entry);
  const cond = TOOLS[name].condition(side, condWidthOf(entry));
  const gray = channels === 1;
  const rgb = gray ? Uint8Array.from({ length: w * h * 3 }, (_, i) => lr[(i / 3) | 0]) : lr;
  let out;
  if (name === 'restore') {
    const base = side.scale === 1 ? rgb : resizeBicubic(rgb, w, h, 3, side.scale);
    out = await runRestore(runtime, session, cond, base, w * side.scale, h * side.scale);
  } else {
    out = await runCnn(runtime, session, cond, rgb, w, h, side.scale);
  }
  if (!gray) return out;
  const grey = new Uint8Array(out.length / 3);
  for (let i = 0; i < grey.length; i++) {
    grey[i] = Math.floor(Math.fround(Math.fround(out[3 * i] + out[3 * i + 1] + out[3 * i + 2]) / 3) + 0.5);
  }
  return grey;
}

/** The conditioning width of a restore model from its manifest entry (bases + 2). */
function condWidthOf(entry) {
  return (entry.arch_params?.bases ?? 4) + 2;
}
