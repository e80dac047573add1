// Decoding a .srz stream in the browser: container (container.js), base layer (the
// browser's own image decoders, or the learned base), the upscaler (the spec's bicubic, RAISR's
// filter bank in JavaScript, or a network through onnxruntime-web), chunk S, alpha; the provenance sentence of the
// Python decoder (srcodec.decoder), word for word.

import { readStream, DEFAULT_MAX_PIXELS } from './container.js';
import { UnsupportedError } from './errors.js';
import { BASES, BASE_LEARNED, DOWNSAMPLER_AA_CUBIC, QUALITY_NONE, UPSCALERS } from './ids.js';
import { decodeAlpha, decodePixelBase } from './image.js';
import { decodeLearned } from './learned.js';
import { subsampled } from './payload.js';
import { resizeBicubic } from './resample.js';
import { Runtime } from './runtime.js';
import { applyStrength, strengthLevels } from './strength.js';
import { TOOLS, runTool } from './tools.js';

const SCALES = { bicubic: [1, 2, 3, 4], ...Object.fromEntries(Object.entries(TOOLS).map(([n, t]) => [n, t.scales])) };
const SYNTHESIZES = { bicubic: false, raisr: true, cnn: true, restore: true };

function known(table) {
  return Object.entries(table).map(([id, name]) => `${id}=${name}`).join(', ');
}

function upscalerId(name) {
  const id = Object.entries(UPSCALERS).find(([, n]) => n === name)?.[0];
  if (id === undefined) throw new TypeError(`unknown upscaler '${name}' (choose from ${Object.values(UPSCALERS).join(', ')})`);
  return Number(id);
}

function baseName(id) {
  const name = BASES[id];
  if (name === undefined) {
    throw new UnsupportedError(`base codec id ${id} is unknown to this decoder (knows ${known(BASES)})`);
  }
  return name;
}

/** The manifest entry of a learned tool's current model for (scale, base): the base's own first. */
async function currentModel(runtime, tool, scale, base) {
  const families = TOOLS[tool]?.families(scale) ?? [];
  const preferred = families.filter((f) => f.endsWith(`-${base}`)).concat(families[0] ?? []);
  const manifest = await runtime.manifest();
  for (const name of preferred) if (manifest[name]) return { name, ...manifest[name] };
  return null;
}

/** Header, chosen upscaler, its model and the provenance text, before any pixel is decoded. */
async function plan(stream, runtime, { lrOnly, upscaler }) {
  const h = stream.header;
  if (lrOnly) {
    const text = `transmitted low-resolution image ${h.lrWidth}x${h.lrHeight} (no upscaling)`;
    return { tool: null, provenance: text, synthesized: false };
  }
  const id = upscaler === undefined || upscaler === null ? h.upscaler : upscalerId(upscaler);
  const tool = UPSCALERS[id];
  if (tool === undefined) {
    throw new UnsupportedError(`upscaler id ${id} is unknown to this decoder (knows ${known(UPSCALERS)})`);
  }
  if (!SCALES[tool].includes(h.scale)) {
    const have = SCALES[tool].map((s) => `x${s}`).join(', ');
    throw new UnsupportedError(`upscaler ${tool} has no model for scale ${h.scale} (has ${have}); use bicubic`);
  }
  const recorded = id === h.upscaler;
  const base = baseName(h.base);
  let entry = null;
  if (TOOLS[tool]) {
    if (recorded && h.modelHash !== null) {
      entry = await runtime.find(TOOLS[tool].families(h.scale), h.modelHash);
      if (entry === null) {
        const installed = await currentModel(runtime, tool, h.scale, base);
        const have = installed ? installed.sha256.slice(0, 8) : 'none';
        throw new UnsupportedError(
          `stream wants ${tool} model ${h.modelHash}, this install has ${have}; decode with upscaler 'bicubic' or install the matching srcodec`);
      }
    } else {
      entry = await currentModel(runtime, tool, h.scale, base);
    }
  }
  const side = {
    base,
    quality: h.quality === QUALITY_NONE ? null : h.quality,
    scale: h.scale,
    subsampled: subsampled(base, stream.basePayload),
  };
  const digest = recorded && h.modelHash ? h.modelHash : entry?.sha256.slice(0, 8);
  const model = digest ? ` (model ${digest})` : '';
  const synthesized = SYNTHESIZES[tool] && h.scale > 1;
  let text;
  if (synthesized) {
    text = `detail above the transmitted ${h.lrWidth}x${h.lrHeight} resolution was synthesized by the ` +
      `learned upscaler ${tool}${model}; it is a guess, not transmitted data`;
  } else if (SYNTHESIZES[tool]) {
    text = `restored by the learned filter ${tool}${model} from the transmitted image`;
  } else if (h.scale > 1) {
    text = `interpolated from the transmitted ${h.lrWidth}x${h.lrHeight} image by ${tool}`;
  } else {
    text = 'transmitted at full resolution';
  }
  const strength = stream.strength !== null && recorded ? stream.strength : null;
  if (strength) text += '; its strength per channel and tile was chosen by the encoder';
  return { tool, entry, side, strength, provenance: text, synthesized };
}

/** The transmitted LR image, exactly as the base layer decodes (interleaved, 1 or 3 channels). */
export async function decodeLr(stream, runtime) {
  const h = stream.header;
  if (h.downsampler !== DOWNSAMPLER_AA_CUBIC) {
    throw new UnsupportedError(`downsampler id ${h.downsampler} is unknown to this decoder`);
  }
  const base = baseName(h.base);
  const size = [h.lrWidth, h.lrHeight];
  if (h.base === BASE_LEARNED) return decodeLearned(runtime, stream.basePayload, size, h.channels);
  return decodePixelBase(stream.basePayload, base, size, h.channels);
}

function crop(pixels, w, h, channels, width, height) {
  if (w === width && h === height) return pixels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) out.set(pixels.subarray(y * w * channels, (y * w + width) * channels), y * width * channels);
  return out;
}

/** Interleaved pixels (1-4 channels: L, LA, RGB, RGBA) -> an RGBA ImageData. */
export function toImageData({ pixels, width, height, channels }) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const colour = channels >= 3 ? 3 : 1;
  const alpha = channels === 2 || channels === 4;
  for (let i = 0; i < width * height; i++) {
    const at = i * channels;
    rgba[4 * i] = pixels[at];
    rgba[4 * i + 1] = pixels[at + (colour === 3 ? 1 : 0)];
    rgba[4 * i + 2] = pixels[at + (colour === 3 ? 2 : 0)];
    rgba[4 * i + 3] = alpha ? pixels[at + colour] : 255;
  }
  return new ImageData(rgba, width, height);
}

/**
 * Decode a .srz stream (Uint8Array or ArrayBuffer). Options: lrOnly (the transmitted LR
 * image, no upscaling or alpha), upscaler (override the stream's tool by name), maxPixels,
 * runtime (a Runtime, or its options: models, ort, threads, device). Returns {pixels,
 * width, height, channels, icc, exif, report: {provenance, upscaler, synthesized, lrSize,
 * backend}}; throws the spec's errors (errors.js).
 */
export async function decode(data, options = {}) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const runtime = options.runtime instanceof Runtime ? options.runtime : new Runtime(options.runtime);
  const stream = await readStream(bytes, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS });
  const h = stream.header;
  const chosen = await plan(stream, runtime, options);
  const lr = await decodeLr(stream, runtime);
  const report = {
    provenance: chosen.provenance,
    upscaler: chosen.tool,
    synthesized: chosen.synthesized,
    lrSize: [h.lrWidth, h.lrHeight],
    // what ran networks: none for bicubic or RAISR (plain JavaScript) on a pixel base
    backend: (chosen.entry && !TOOLS[chosen.tool].run) || h.base === BASE_LEARNED ? await runtime.backend() : 'none',
  };
  const result = { width: h.lrWidth, height: h.lrHeight, channels: h.channels, icc: stream.icc, exif: stream.exif, report };
  if (chosen.tool === null) return { ...result, pixels: lr };
  const alpha = stream.alpha ? await decodeAlpha(stream.alpha, h.width, h.height) : null;
  const [w, hh, c, s] = [h.lrWidth, h.lrHeight, h.channels, h.scale];
  // the tile map is read before the tool runs, as the reference decoder does
  const levels = chosen.strength ? strengthLevels(chosen.strength, h.width, h.height) : null;
  let up;
  if (chosen.tool === 'bicubic') {
    up = resizeBicubic(lr, w, hh, c, s);
  } else if (chosen.entry) {
    up = await runTool(runtime, chosen.tool, chosen.entry, chosen.side, lr, w, hh, c);
  } else {
    throw new UnsupportedError(`the browser decoder has no ${chosen.tool} upscaler; decode with upscaler 'bicubic'`);
  }
  if (chosen.strength) {
    const plain = resizeBicubic(lr, w, hh, c, s);
    applyStrength(up, plain, w * s, hh * s, c, chosen.strength, levels);
  }
  let pixels = crop(up, w * s, hh * s, c, h.width, h.height);
  if (alpha) {
    const withAlpha = new Uint8Array(h.width * h.height * (c + 1));
    for (let i = 0; i < h.width * h.height; i++) {
      withAlpha.set(pixels.subarray(i * c, i * c + c), i * (c + 1));
      withAlpha[i * (c + 1) + c] = alpha[i];
    }
    pixels = withAlpha;
  }
  return { ...result, pixels, width: h.width, height: h.height, channels: c + (alpha ? 1 : 0) };
}
