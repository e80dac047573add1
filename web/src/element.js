// <srz-img src="photo.srz" alt="...">: shows a .srz file the way <img> shows an AVIF. The
// decoded image is drawn on a canvas inside the element's shadow root; the provenance
// sentence (what the decoder synthesized, spec §10) becomes the image's accessible
// description (aria-description, and the title tooltip). Events: "load", "error".

import { decode, toImageData } from './decoder.js';
import { Runtime } from './runtime.js';

let sharedRuntime = null;

export class SrzImage extends HTMLElement {
  static observedAttributes = ['src', 'upscaler', 'models'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>:host{display:inline-block}canvas{display:block;max-width:100%;height:auto}</style>';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    root.append(this.canvas);
    this.result = null;
    this.complete = false;
  }

  attributeChangedCallback() {
    if (this.isConnected) this.load();
  }

  connectedCallback() {
    if (this.getAttribute('src')) this.load();
  }

  /** The Runtime every element shares (one model cache per page) unless `models` names another. */
  runtime() {
    const models = this.getAttribute('models');
    if (models) return new Runtime({ models });
    sharedRuntime ??= new Runtime();
    return sharedRuntime;
  }

  async load() {
    const src = this.getAttribute('src');
    const key = `${src}|${this.getAttribute('upscaler')}|${this.getAttribute('models')}`;
    if (!src || key === this.requested) return; // attribute and connect callbacks both ask
    this.requested = key;
    this.complete = false;
    const started = performance.now();
    try {
      const response = await fetch(src);
      if (!response.ok) throw new Error(`${src}: HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const upscaler = this.getAttribute('upscaler') || undefined;
      const result = await decode(bytes, { runtime: this.runtime(), upscaler });
      if (this.getAttribute('src') !== src) return; // a newer src won
      this.show(result);
      this.result = { ...result, decodeMs: performance.now() - started };
      this.complete = true;
      this.dispatchEvent(new Event('load'));
    } catch (err) {
      this.error = err;
      this.canvas.setAttribute('aria-label', this.getAttribute('alt') || '');
      this.dispatchEvent(new CustomEvent('error', { detail: err }));
    }
  }

  show(result) {
    const { width, height } = result;
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.getContext('2d').putImageData(toImageData(result), 0, 0);
    const alt = this.getAttribute('alt');
    if (alt !== null) this.canvas.setAttribute('aria-label', alt);
    this.canvas.setAttribute('aria-description', result.report.provenance);
    this.canvas.title = result.report.provenance;
    this.setAttribute('aria-description', result.report.provenance);
  }

  get naturalWidth() {
    return this.result?.width ?? 0;
  }

  get naturalHeight() {
    return this.result?.height ?? 0;
  }
}

if (!customElements.get('srz-img')) customElements.define('srz-img', SrzImage);
