// Model files and onnxruntime-web: the manifest (models/manifest.json, as the Python package
// ships it), .npz arrays and ONNX sessions, each fetched once per decoder. WebGPU runs the
// networks where the browser has it, WASM everywhere else.

import { BackendUnavailableError, UnsupportedError } from './errors.js';
import { readNpz } from './npz.js';

const DEFAULT_MODELS = new URL('../../src/srcodec/models/', import.meta.url).href;
const DEFAULT_ORT = new URL('../node_modules/onnxruntime-web/dist/ort.all.min.mjs', import.meta.url).href;

export class Runtime {
  /**
   * models: URL of a folder holding manifest.json and the model files; ort: URL of
   * onnxruntime-web's ES module; threads: WASM threads (needs cross-origin isolation);
   * device: 'auto' (WebGPU if the browser has it), 'webgpu' or 'wasm'.
   */
  constructor({ models = DEFAULT_MODELS, ort = DEFAULT_ORT, threads = 0, device = 'auto' } = {}) {
    this.models = new URL(models, globalThis.location?.href).href.replace(/\/?$/, '/');
    this.ortUrl = new URL(ort, globalThis.location?.href).href;
    this.threads = threads;
    this.device = device;
    this.cache = new Map();
    this.networkMs = 0; // time spent in session.run, summed (the rest of a decode is JS)
  }

  once(key, make) {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key);
  }

  manifest() {
    return this.once('manifest', async () => {
      const response = await fetch(`${this.models}manifest.json`);
      if (!response.ok) throw new BackendUnavailableError(`no model manifest at ${this.models}manifest.json`);
      return response.json();
    });
  }

  /** The manifest entry whose name is one of `names` (or name@sha8) and whose hash starts with `hash`. */
  async find(names, hash) {
    const manifest = await this.manifest();
    for (const [name, entry] of Object.entries(manifest)) {
      const family = name.split('@')[0];
      if (names.includes(family) && entry.sha256.startsWith(hash)) return { name, ...entry };
    }
    return null;
  }

  /** Hash prefixes (8 hex) of the entries named `names`, for messages. */
  async hashes(names) {
    const manifest = await this.manifest();
    return Object.entries(manifest)
      .filter(([name]) => names.includes(name.split('@')[0]))
      .map(([, entry]) => entry.sha256.slice(0, 8));
  }

  async bytes(file) {
    const response = await fetch(`${this.models}${file}`);
    if (!response.ok) throw new BackendUnavailableError(`model file ${file} is not served at ${this.models}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Named integer arrays of a manifest entry's .npz. */
  arrays(entry, names) {
    return this.once(`npz:${entry.file}:${names}`, async () => readNpz(await this.bytes(entry.file), names));
  }

  ort() {
    return this.once('ort', async () => {
      let ort;
      try {
        ort = await import(this.ortUrl);
      } catch (err) {
        throw new BackendUnavailableError(`onnxruntime-web does not load from ${this.ortUrl} (npm ci --prefix web): ${err.message}`);
      }
      ort.env.wasm.wasmPaths = this.ortUrl.replace(/[^/]*$/, '');
      ort.env.wasm.numThreads = this.threads || Math.min(2, navigator.hardwareConcurrency || 1);
      return ort;
    });
  }

  /** 'webgpu' or 'wasm': what will run the networks. */
  async backend() {
    if (this.device === 'wasm') return 'wasm';
    const adapter = globalThis.navigator?.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
    if (adapter) return 'webgpu';
    if (this.device === 'webgpu') throw new BackendUnavailableError('this browser has no WebGPU adapter');
    return 'wasm';
  }

  /** An InferenceSession of a manifest entry's ONNX twin. */
  session(entry) {
    if (!entry.onnx) {
      throw new UnsupportedError(`model ${entry.name} has no ONNX file in this manifest (needs an srcodec with ONNX exports)`);
    }
    return this.once(`onnx:${entry.onnx.file}`, async () => {
      const ort = await this.ort();
      const backend = await this.backend();
      const bytes = await this.bytes(entry.onnx.file);
      const providers = backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
      return ort.InferenceSession.create(bytes, { executionProviders: providers, graphOptimizationLevel: 'all' });
    });
  }

  /** Runs a session on named float32 inputs {name: [data, dims]}; returns its outputs. */
  async run(session, inputs) {
    const ort = await this.ort();
    const feeds = {};
    for (const [name, [data, dims]] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', data, dims);
    const t0 = performance.now();
    const outputs = await session.run(feeds);
    this.networkMs += performance.now() - t0;
    return outputs;
  }
}
