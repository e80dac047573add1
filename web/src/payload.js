// What a base payload says about itself (spec §6.2: learned tools condition on the chroma
// layout), read from its bytes as srcodec.base.pillow does.

/** AVIF: the av1C box's subsampling bits (no box: subsampled). */
function avifSubsampled(p) {
  for (let at = 0; at + 4 <= p.length; at++) {
    if (p[at] === 0x61 && p[at + 1] === 0x76 && p[at + 2] === 0x31 && p[at + 3] === 0x43) {
      return at + 7 > p.length ? true : Boolean(p[at + 6] & 0x0c);
    }
  }
  return true;
}

/** WebP: lossy (VP8) is 4:2:0, lossless (VP8L) full resolution. */
function webpSubsampled(p) {
  return String.fromCharCode(...p.subarray(12, 16)) !== 'VP8L';
}

/** JPEG: whether the SOF's components have different sampling factors. */
function jpegSubsampled(p) {
  let i = 2;
  while (i + 4 <= p.length) {
    if (p[i] !== 0xff) return true;
    const marker = p[i + 1];
    const length = (p[i + 2] << 8) | p[i + 3];
    if ([0xc0, 0xc1, 0xc2].includes(marker) && i + 10 <= p.length) {
      const count = p[i + 9];
      if (i + 11 + 3 * count > p.length) return true;
      const factors = new Set();
      for (let c = 0; c < count; c++) factors.add(p[i + 11 + 3 * c]);
      return factors.size > 1;
    }
    i += 2 + length;
  }
  return true;
}

const READERS = { avif: avifSubsampled, webp: webpSubsampled, jpeg: jpegSubsampled };

/** Whether the payload of base `name` codes chroma at reduced resolution. */
export function subsampled(name, payload) {
  const reader = READERS[name];
  return reader ? reader(payload) : false;
}
