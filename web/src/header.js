// The HEAD chunk (spec §4); mirrors srcodec.format.header.

import { CorruptError, LimitError, TruncatedError } from './errors.js';
import { decodeVarint } from './chunks.js';
import { COLOUR_GRAY, COLOUR_RGB, QUALITY_NONE } from './ids.js';

export const MAX_DIMENSION = 2 ** 24 - 1;
const MODEL_HASH_BYTES = 4;

export const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** HEAD data -> {width, height, colour, scale, base, quality, upscaler, modelHash, ...}. */
export function parseHeader(data, maxPixels) {
  let width, height, pos;
  [width, pos] = decodeVarint(data, 0, 4, 'HEAD width');
  [height, pos] = decodeVarint(data, pos, 4, 'HEAD height');
  const rest = data.subarray(pos);
  if (rest.length !== 4 && rest.length !== 4 + MODEL_HASH_BYTES) {
    if (rest.length < 4) {
      throw new TruncatedError(`truncated: HEAD is ${data.length} bytes, shorter than its fixed fields`);
    }
    throw new CorruptError(`HEAD: ${rest.length - 4} trailing bytes (0 or ${MODEL_HASH_BYTES} allowed)`);
  }
  if (width * height > maxPixels) { // spec §8: before anything is allocated
    throw new LimitError(
      `HEAD: ${width}x${height} = ${(width * height).toLocaleString('en')} pixels is over the limit of ` +
      `${maxPixels.toLocaleString('en')}; raise it with maxPixels`);
  }
  const [pixel, base, quality, upscaler] = rest;
  if ((pixel & 0b11) > COLOUR_RGB) throw new CorruptError(`HEAD: reserved colour model ${pixel & 0b11}`);
  const header = {
    width, height,
    colour: pixel & 0b11,
    source16bit: Boolean(pixel & 0b100),
    scale: ((pixel >> 3) & 0b11) + 1,
    downsampler: pixel >> 5,
    base, quality, upscaler,
    modelHash: rest.length > 4 ? hex(rest.subarray(4)) : null,
  };
  const problems = [];
  if (!(width >= 1 && width <= MAX_DIMENSION && height >= 1 && height <= MAX_DIMENSION)) {
    problems.push(`size ${width}x${height} outside 1..${MAX_DIMENSION}`);
  }
  if (!(quality <= 100 || quality === QUALITY_NONE)) problems.push(`quality ${quality} outside 0..100 and not 255`);
  if (problems.length) throw new CorruptError(`invalid header: ${problems.join('; ')}`);
  header.channels = header.colour === COLOUR_GRAY ? 1 : 3;
  header.lrWidth = Math.ceil(width / header.scale);
  header.lrHeight = Math.ceil(height / header.scale);
  return header;
}
