// srcodec's browser decoder: `decode` a .srz stream to pixels, `readStream` to check its
// container only, the <srz-img> element (import './element.js'), and the debug hooks the
// tests compare with the Python decoder (`decodeSymbols`, `strengthLevels`).

export { decode, decodeLr, toImageData } from './decoder.js';
export { readStream, probe, DEFAULT_MAX_PIXELS } from './container.js';
export { Runtime } from './runtime.js';
export { decodeSymbols } from './learned.js';
export { strengthLevels } from './strength.js';
export { resizeBicubic } from './resample.js';
export * from './errors.js';
