// A base payload's image size read from its own header (PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X,
// AVIF the primary item's ispe), so a payload that disagrees with the HEAD is refused before
// its pixels are decoded, as the Python decoder does after Pillow's lazy open. null where the
// header cannot be read here: the browser's decode then decides, and the decoded size is
// checked after it.

const ascii = (p, at, text) => [...text].every((ch, i) => p[at + i] === ch.charCodeAt(0));
const u16be = (p, at) => (p[at] << 8) | p[at + 1];
const u16le = (p, at) => p[at] | (p[at + 1] << 8);
const u24le = (p, at) => p[at] | (p[at + 1] << 8) | (p[at + 2] << 16);
const u32be = (p, at) => ((p[at] << 24) >>> 0) + ((p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3]);

/** PNG: the IHDR chunk, which must come first. */
function pngSize(p) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (p.length < 24 || !signature.every((b, i) => p[i] === b) || !ascii(p, 12, 'IHDR')) return null;
  return [u32be(p, 16), u32be(p, 20)];
}

const NOT_SOF = new Set([0xc4, 0xc8, 0xcc]); // DHT, JPG, DAC share the SOF range

/** JPEG: the last start-of-frame segment before the scan (Pillow keeps the last one). */
function jpegSize(p) {
  if (p[0] !== 0xff || p[1] !== 0xd8) return null;
  let size = null;
  let i = 2;
  while (i + 4 <= p.length) {
    if (p[i] !== 0xff) return size;
    const marker = p[i + 1];
    if (marker === 0xff) { // fill byte
      i += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // no length
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return size; // the scan, or the end
    if (marker >= 0xc0 && marker <= 0xcf && !NOT_SOF.has(marker) && i + 9 <= p.length) {
      size = [u16be(p, i + 7), u16be(p, i + 5)];
    }
    i += 2 + u16be(p, i + 2);
  }
  return size;
}

/** WebP: the first chunk, VP8X's canvas, VP8L's or VP8's frame header. */
function webpSize(p) {
  if (p.length < 30 || !ascii(p, 0, 'RIFF') || !ascii(p, 8, 'WEBP')) return null;
  if (ascii(p, 12, 'VP8X')) return [u24le(p, 24) + 1, u24le(p, 27) + 1];
  if (ascii(p, 12, 'VP8L') && p[20] === 0x2f) {
    const bits = (p[21] | (p[22] << 8) | (p[23] << 16) | (p[24] << 24)) >>> 0;
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (ascii(p, 12, 'VP8 ') && p[23] === 0x9d && p[24] === 0x01 && p[25] === 0x2a) {
    return [u16le(p, 26) & 0x3fff, u16le(p, 28) & 0x3fff];
  }
  return null;
}

/** ISO BMFF boxes in p[start, end): [{type, at (content start), end}], or null if malformed. */
function boxes(p, start, end) {
  const out = [];
  let at = start;
  while (at + 8 <= end) {
    let size = u32be(p, at);
    let header = 8;
    if (size === 1) { // 64-bit size: a payload of this decoder is far below 2^32 bytes
      if (at + 16 > end || u32be(p, at + 8) !== 0) return null;
      size = u32be(p, at + 12);
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return null;
    out.push({ type: String.fromCharCode(...p.subarray(at + 4, at + 8)), at: at + header, end: at + size });
    at += size;
  }
  return out;
}

const child = (list, type) => list?.find((b) => b.type === type) ?? null;

/** AVIF: the ispe property associated with the primary item (pitm, iprp/ipco, iprp/ipma). */
function avifSize(p) {
  const meta = child(boxes(p, 0, p.length), 'meta');
  if (!meta) return null;
  const inMeta = boxes(p, meta.at + 4, meta.end); // a full box: version and flags first
  const pitm = child(inMeta, 'pitm');
  const iprp = child(inMeta, 'iprp');
  if (!pitm || !iprp) return null;
  if (pitm.at + (p[pitm.at] === 0 ? 6 : 8) > pitm.end) return null;
  const primary = p[pitm.at] === 0 ? u16be(p, pitm.at + 4) : u32be(p, pitm.at + 4);
  const inIprp = boxes(p, iprp.at, iprp.end);
  const ipco = child(inIprp, 'ipco');
  const ipma = child(inIprp, 'ipma');
  const properties = ipco && boxes(p, ipco.at, ipco.end);
  if (!properties || !ipma || ipma.at + 8 > ipma.end) return null;
  const [version, wide] = [p[ipma.at], p[ipma.at + 3] & 1];
  let at = ipma.at + 8;
  for (let e = u32be(p, ipma.at + 4); e > 0; e--) {
    if (at + (version < 1 ? 3 : 5) > ipma.end) return null;
    const item = version < 1 ? u16be(p, at) : u32be(p, at);
    at += version < 1 ? 2 : 4;
    const count = p[at++];
    if (at + count * (wide ? 2 : 1) > ipma.end) return null;
    for (let k = 0; k < count; k++, at += wide ? 2 : 1) {
      const index = wide ? u16be(p, at) & 0x7fff : p[at] & 0x7f;
      const box = properties[index - 1];
      if (item === primary && box?.type === 'ispe' && box.at + 12 <= box.end) {
        return [u32be(p, box.at + 4), u32be(p, box.at + 8)];
      }
    }
  }
  return null;
}

const READERS = { png: pngSize, jpeg: jpegSize, webp: webpSize, avif: avifSize };

/** [width, height] a payload of base `format` declares, or null if its header is unreadable. */
export function payloadSize(payload, format) {
  const reader = READERS[format];
  return reader && payload.length >= 4 ? reader(payload) : null;
}
