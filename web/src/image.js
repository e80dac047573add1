// The base payload and the alpha chunk through the browser's own image decoders
// (createImageBitmap without colour-space conversion or premultiplication), read back as
// bytes; spec §6.1's colour-model conversion as Pillow does it.

import { payloadSize } from './dims.js';
import { BackendUnavailableError, CorruptError } from './errors.js';

const MIME = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif' };

/** RGBA bytes of an encoded image as the browser decodes it: {rgba, width, height}. */
export async function browserDecode(bytes, format) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: MIME[format] }), {
      colorSpaceConversion: 'none', premultiplyAlpha: 'none',
    });
  } catch (err) {
    throw new CorruptError(`${format} base layer does not decode: ${err.name}: ${err.message}`);
  }
  return bitmapPixels(bitmap);
}

/** An ImageBitmap's RGBA bytes, drawn once onto an (Offscreen)canvas. */
export function bitmapPixels(bitmap) {
  const { width, height } = bitmap;
  const canvas = typeof OffscreenCanvas !== 'undefined'
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new BackendUnavailableError('this browser has no 2D canvas to read decoded pixels from');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** RGBA -> interleaved RGB (3) or gray (1: ITU-R 601-2 luma as Pillow's convert("L")). */
export function toChannels(rgba, pixels, channels) {
  const out = new Uint8Array(pixels * channels);
  if (channels === 3) {
    for (let i = 0; i < pixels; i++) {
      out[3 * i] = rgba[4 * i];
      out[3 * i + 1] = rgba[4 * i + 1];
      out[3 * i + 2] = rgba[4 * i + 2];
    }
  } else {
    for (let i = 0; i < pixels; i++) {
      out[i] = (rgba[4 * i] * 19595 + rgba[4 * i + 1] * 38470 + rgba[4 * i + 2] * 7471 + 0x8000) >>> 16;
    }
  }
  return out;
}

function checkSize([w, h], [width, height]) {
  if (w !== width || h !== height) throw new CorruptError(`base layer is ${w}x${h}, header says ${width}x${height}`);
}

/**
 * The decoded LR image (interleaved, `channels` per pixel), exactly the LR size: checked on
 * the payload's own header before any pixel is decoded (dims.js), and on the decoded image.
 */
export async function decodePixelBase(payload, format, size, channels) {
  const declared = payloadSize(payload, format);
  if (declared !== null) checkSize(declared, size);
  const { rgba, width: w, height: h } = await browserDecode(payload, format);
  checkSize([w, h], size);
  return toChannels(rgba, w * h, channels);
}

/** PNG IHDR: {width, height, depth, colourType}, or null if `bytes` is not a PNG. */
function pngHeader(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 29 || !signature.every((b, i) => bytes[i] === b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24], colourType: bytes[25] };
}

/** The alpha chunk: a grey PNG of exactly W x H (spec §3.3) -> Uint8Array W*H. */
export async function decodeAlpha(png, width, height) {
  const ihdr = pngHeader(png);
  if (ihdr === null) throw new CorruptError('alpha chunk does not decode: not a PNG file');
  // Pillow reads 2-, 4- and 8-bit grey PNGs as mode L; the reference decoder wants L
  if (ihdr.colourType !== 0 || ![2, 4, 8].includes(ihdr.depth) || ihdr.width !== width || ihdr.height !== height) {
    const mode = ihdr.colourType === 0 && [2, 4, 8].includes(ihdr.depth) ? 'L' : `colour type ${ihdr.colourType}/${ihdr.depth}-bit`;
    throw new CorruptError(`alpha chunk is ${mode} (${ihdr.width}, ${ihdr.height}), expected L ${width}x${height}`);
  }
  let decoded;
  try {
    decoded = await browserDecode(png, 'png');
  } catch (err) {
    throw new CorruptError(`alpha chunk does not decode: ${err.message}`);
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = decoded.rgba[4 * i];
  return out;
}
