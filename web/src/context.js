// Context-adaptive decoding of the learned base's latents (payload version 1, spec §6.1.1);
// mirrors srcodec.base.learned_context: integer contexts from earlier channels' magnitudes
// and the anchors' neighbours, symbols ordered by table then raster order within a pass;
// within the words' information budget (budget.js).

import { ansWords } from './ans.js';
import { checkBudget, cheapest, tableCosts } from './budget.js';
import { decoding, fromIndices, tableCdfs } from './entropy.js';

const NEIGHBOUR_CAP = 7;

/** Sum of the 4 neighbours of every position of an (h x w) plane, 0 outside. */
function neighbourSum(plane, h, w, out) {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const p = i * w + j;
      out[p] = (i > 0 ? plane[p - w] : 0) + (i < h - 1 ? plane[p + w] : 0)
        + (j > 0 ? plane[p - 1] : 0) + (j < w - 1 ? plane[p + 1] : 0);
    }
  }
  return out;
}

/** Number of edges <= value (numpy searchsorted side='right') in a non-decreasing row. */
function bucketOf(edges, offset, count, value) {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (edges[offset + mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The model's activity weights (C x 2C): the stored ones, or the plain sum's. */
function activityWeights(model, channels) {
  if (model.weights) return model.weights.data;
  const w = new Float64Array(channels * 2 * channels);
  for (let c = 0; c < channels; c++) for (let k = 0; k < c; k++) w[c * 2 * channels + k] = 1;
  return w;
}

/**
 * Cost units of one position's cheapest symbols over all channels: each channel's cheapest
 * symbol in any table its contexts can pick (the early budget bound).
 */
export function cheapestUnits(model, costs) {
  const [channels, width] = model.classes.shape;
  const least = costs.map(cheapest);
  let units = 0;
  for (let c = 0; c < channels; c++) {
    let low = Infinity;
    for (let k = 0; k < width; k++) low = Math.min(low, least[model.classes.data[c * width + k]]);
    units += low;
  }
  return units;
}

/**
 * Version 1 latents (C x h x w values, Int32Array channel-major). `model`: {edges, classes,
 * tables, weights?} as {data, shape} arrays read from the model file.
 */
export function decodeContext(bytes, escapes, model, [channels, h, w]) {
  const n = h * w;
  const tables = model.tables;
  const words = ansWords(bytes); // checked, and the budget, before anything is allocated
  const costs = tableCosts(tables);
  checkBudget(BigInt(n) * BigInt(cheapestUnits(model, costs)), words.length, channels * n);
  let spent = 0; // below 2^53: at most 16 * COST_ONE per allocated symbol
  const radius = (tables.shape[1] - 2) / 2;
  const cdfs = tableCdfs(tables);
  const buckets = model.edges.shape[1] + 1;
  const classWidth = model.classes.shape[1];
  const weights = activityWeights(model, channels);
  const index = new Int32Array(channels * n).fill(radius);
  const magnitudes = []; // per decoded channel: a() and its neighbour sums
  const anchorsFirst = [[], []];
  for (let p = 0; p < n; p++) anchorsFirst[((p / w | 0) + (p % w)) % 2].push(p);
  const activity = new Float64Array(n);
  const bucket = new Int32Array(n);
  const masked = new Int32Array(n);
  const near = new Int32Array(n);
  decoding((decoder) => {
    for (let c = 0; c < channels; c++) {
      activity.fill(0);
      const row = c * 2 * channels;
      for (let k = 0; k < c; k++) {
        const wa = weights[row + k];
        const wn = weights[row + channels + k];
        const [a, s] = magnitudes[k];
        if (wa) for (let p = 0; p < n; p++) activity[p] += wa * a[p];
        if (wn) for (let p = 0; p < n; p++) activity[p] += wn * s[p];
      }
      const edgeOffset = c * (buckets - 1);
      for (let p = 0; p < n; p++) bucket[p] = bucketOf(model.edges.data, edgeOffset, buckets - 1, Math.trunc(activity[p]));
      const plane = index.subarray(c * n, (c + 1) * n);
      for (let pass = 0; pass < 2; pass++) {
        const flat = anchorsFirst[pass];
        if (pass === 1) { // the anchors' magnitudes, 0 elsewhere
          for (let p = 0; p < n; p++) masked[p] = ((p / w | 0) + (p % w)) % 2 === 0 ? Math.abs(plane[p] - radius) : 0;
          neighbourSum(masked, h, w, near);
        }
        const table = new Int32Array(flat.length);
        const counts = new Int32Array(cdfs.length + 1);
        for (let i = 0; i < flat.length; i++) {
          const p = flat[i];
          const context = pass === 0 ? bucket[p] : (1 + Math.min(near[p], NEIGHBOUR_CAP)) * buckets + bucket[p];
          table[i] = model.classes.data[c * classWidth + context];
          counts[table[i] + 1]++;
        }
        for (let t = 0; t < cdfs.length; t++) counts[t + 1] += counts[t];
        const order = new Int32Array(flat.length); // stable counting sort by table
        const tableOf = new Int32Array(flat.length);
        for (let i = 0; i < flat.length; i++) {
          const at = counts[table[i]]++;
          order[at] = flat[i];
          tableOf[at] = table[i];
        }
        for (let i = 0; i < order.length; i++) {
          const symbol = decoder.decode(cdfs[tableOf[i]]);
          plane[order[i]] = symbol;
          spent += costs[tableOf[i]][symbol];
          // after each table's run of symbols, as soon as the words are overspent
          if (i + 1 === order.length || tableOf[i + 1] !== tableOf[i]) checkBudget(spent, words.length, 0);
        }
      }
      const a = new Int32Array(n);
      for (let p = 0; p < n; p++) a[p] = Math.abs(plane[p] - radius);
      magnitudes.push([a, neighbourSum(a, h, w, new Int32Array(n))]);
    }
  }, words);
  return fromIndices(index, escapes, radius);
}
