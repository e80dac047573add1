"""JavaScript that tests/test_web_decoder.py evaluates in the test page (`page.evaluate`):
each returns what the test compares with the Python decoder. Kept here so the test module
stays about the comparisons."""

from __future__ import annotations

BUDGET_JS = """
async ([url, pairs]) => {
  const budget = await import(url);
  const counts = Int32Array.from({ length: 1 << 16 }, (_, i) => i + 1);
  return { costs: Array.from(budget.costUnits(counts)),
           fits: pairs.map(([units, words]) => budget.fits(BigInt(units), words)) };
}
"""

SIZE_JS = """
async ([url, payloads]) => {
  const { payloadSize } = await import(url);
  return payloads.map(([b64, format]) =>
    payloadSize(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)), format));
}
"""

SYMBOLS_JS = """
async (src) => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  const stream = await srz.readStream(bytes);
  const size = [stream.header.lrWidth, stream.header.lrHeight];
  const { symbols } = await srz.decodeSymbols(window.srzRuntime, stream.basePayload, size);
  const digest = await crypto.subtle.digest('SHA-256', BigInt64Array.from(symbols, BigInt));
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('');
}
"""

LEVELS_JS = """
async (src) => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  const stream = await srz.readStream(bytes);
  const { levels } = srz.strengthLevels(stream.strength, stream.header.width, stream.header.height);
  const digest = await crypto.subtle.digest('SHA-256', levels);
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('');
}
"""

BANDS_JS = """
async ([src, raisrUrl, idsUrl]) => {
  const { runRaisr } = await import(raisrUrl);
  const { BASES, QUALITY_NONE } = await import(idsUrl);
  const runtime = window.srzRuntime;
  const stream = await srz.readStream(new Uint8Array(await (await fetch(src)).arrayBuffer()));
  const h = stream.header;
  const lr = await srz.decodeLr(stream, runtime);
  const entry = await runtime.find(['raisr'], h.modelHash);
  const side = { base: BASES[h.base], quality: h.quality === QUALITY_NONE ? null : h.quality,
                 scale: h.scale };
  const args = [runtime, entry, side, lr, h.lrWidth, h.lrHeight, h.channels];
  const whole = await runRaisr(...args, 1 << 30);
  const banded = await runRaisr(...args, 1);  // the fewest rows a band may have: 8 halos
  return { bands: Math.ceil(h.lrHeight / 64), same: whole.every((v, i) => v === banded[i]) };
}
"""

ELEMENT_JS = """
async (src) => {
  const el = document.createElement('srz-img');
  const loaded = new Promise((ok, fail) => {
    el.addEventListener('load', ok); el.addEventListener('error', e => fail(e.detail)); });
  el.setAttribute('models', window.srzRuntime.models);
  el.setAttribute('alt', 'a test image');
  el.setAttribute('src', src);
  document.body.append(el);
  await loaded;
  const canvas = el.shadowRoot.querySelector('canvas');
  return { width: el.naturalWidth, height: canvas.height, label: canvas.getAttribute('aria-label'),
           description: canvas.getAttribute('aria-description'), title: canvas.title };
}
"""
