// Deterministic inputs: every process (one per engine) makes the same arrays
// from the same seed, so each engine checks against the same reference.

/** mulberry32: a small, fast 32-bit PRNG giving floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** float32 values uniform in [lo, hi). */
export function uniform(count, lo, hi, seed) {
  const next = rng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** int32 values uniform in [0, n). */
export function classes(count, n, seed) {
  const next = rng(seed);
  return Int32Array.from({ length: count }, () => Math.floor(next() * n));
}

/** Weights and biases of a dense MLP, Glorot-uniform weights, small biases. */
export function mlpParams(sizes, seed) {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    layers.push({
      w: uniform(fanIn * fanOut, -limit, limit, seed + 2 * i),
      b: uniform(fanOut, -0.1, 0.1, seed + 2 * i + 1),
      fanIn,
      fanOut,
    });
  }
  return layers;
}

/** Glorot-uniform weights [fanIn, fanOut] (any layout of that many values) and small biases. */
function glorot(fanIn, fanOut, count, biases, seed) {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return { w: uniform(count, -limit, limit, seed), b: uniform(biases, -0.1, 0.1, seed + 1) };
}

/**
 * The cnn_infer network's parameters: conv filters HWIO [k, k, cin, cout], then
 * dense weights [fanIn, fanOut] whose rows follow the NHWC flattening (h, w, c).
 */
export function cnnParams({ side, channels, kernel, hidden, classes }, seed) {
  const k2 = kernel * kernel;
  const convs = [0, 1].map((i) => {
    const [cin, cout] = [channels[i], channels[i + 1]];
    return { ...glorot(k2 * cin, k2 * cout, k2 * cin * cout, cout, seed + 2 * i), cin, cout };
  });
  const flat = (side / 4) ** 2 * channels[2];
  const dense = [[flat, hidden], [hidden, classes]].map(([fanIn, fanOut], i) => ({ ...glorot(fanIn, fanOut, fanIn * fanOut, fanOut, seed + 10 + 2 * i), fanIn, fanOut }));
  return { convs, dense };
}
