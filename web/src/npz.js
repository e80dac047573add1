// A reader for numpy .npz model files (a zip of .npy arrays, stored or deflated): the
// browser reads the same integer tables the Python decoder does, from the same file.

import { CorruptError } from './errors.js';

const DTYPES = {
  '<i4': Int32Array, '<i8': BigInt64Array, '|u1': Uint8Array, '|i1': Int8Array,
  '<u2': Uint16Array, '<i2': Int16Array, '<f4': Float32Array, '<f8': Float64Array,
};

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The zip's entries: name -> {method, size, offset of the local header}. */
function centralDirectory(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new CorruptError('model file is not a zip archive');
  const count = view.getUint16(end + 10, true);
  let pos = view.getUint32(end + 16, true);
  const entries = new Map();
  for (let e = 0; e < count; e++) {
    const method = view.getUint16(pos + 10, true);
    const size = view.getUint32(pos + 20, true);
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    const offset = view.getUint32(pos + 42, true);
    const name = new TextDecoder().decode(buf.subarray(pos + 46, pos + 46 + nameLength));
    entries.set(name, { method, size, offset });
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return { view, entries };
}

/** .npy bytes -> {data (typed array), shape, dtype}. */
export function parseNpy(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim()).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new CorruptError('model array in Fortran order');
  const Type = DTYPES[descr];
  if (!Type) throw new CorruptError(`model array dtype ${descr} is not supported`);
  const body = bytes.slice(start + headerLength); // aligned copy
  return { data: new Type(body.buffer, 0, body.length / Type.BYTES_PER_ELEMENT), shape, dtype: descr };
}

/** Reads the named arrays (without ".npy") of an .npz file; absent names are skipped. */
export async function readNpz(buf, names) {
  const { view, entries } = centralDirectory(buf);
  const out = {};
  for (const name of names) {
    const entry = entries.get(`${name}.npy`);
    if (!entry) continue;
    const local = entry.offset;
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = buf.subarray(dataStart, dataStart + entry.size);
    out[name] = parseNpy(entry.method === 8 ? await inflateRaw(raw) : raw);
  }
  return out;
}

/** An int array as Int32Array (int64 files narrowed: the values are small). */
export function asInt32({ data, shape }) {
  if (data instanceof Int32Array) return { data, shape };
  return { data: Int32Array.from(data, Number), shape };
}
