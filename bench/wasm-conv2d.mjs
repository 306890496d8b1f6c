// Conv2D throughput of the wasm backend, single thread, from node: the Deep
// MNIST layers (16 images, 5x5 SAME, bias + Relu, constant filter) as one
// Conv2D step and as Im2Col then MatMul, on the baseline SIMD module.
//   node bench/wasm-conv2d.mjs
//   SF_BENCH_WASM=file.wasm node bench/wasm-conv2d.mjs   (another build)
// GFLOP/s = 2*N*OH*OW*O*K / time, at the median and the best run; the plans
// alternate run by run, so a shared machine's load falls on both alike.
import { readFileSync } from 'node:fs';
import { loadKernelSources } from './lib/kernel-sources.mjs';

const { encodePlan, alignUp, loadWasmBackend, createWasmBackend, float32, Kernel, UnaryOp } = await loadKernelSources();

const LAYERS = [
  ['layer 1: 16x28x28x1 * 5x5x1x32', [16, 28, 28, 1], 32],
  ['layer 2: 16x14x14x32 * 5x5x32x64', [16, 14, 14, 32], 64],
];

/** A plan over arena buffers laid out in order; constants carry `data`. */
function plan(buffers, steps, feeds, fetches) {
  let arenaBytes = 0;
  const placed = buffers.map((b) => {
    if (b.data) return { ...b, region: 'constant', byteOffset: 0 };
    const at = arenaBytes;
    arenaBytes = alignUp(arenaBytes + b.shape.reduce((n, d) => n * d, 1) * 4);
    return { ...b, region: 'arena', byteOffset: at };
  });
  const bytes = encodePlan({ buffers: placed, steps: steps.map(([kernel, inputs, outputs, attrs]) => ({ kernel, inputs, outputs, attrs, opName: 'conv' })), vars: [], feeds, fetches, arenaBytes });
  const slot = (i) => ({ byteOffset: placed[i].byteOffset, byteLength: placed[i].shape.reduce((n, d) => n * d, 1) * 4 });
  return { bytes, arenaBytes, feeds: feeds.map(slot), fetches: fetches.map(slot) };
}

function layerPlans([n, h, w, c], o) {
  const g = [n, h, w, c, h, w, 5, 5, 1, 1, 1, 1, 2, 2]; // SAME, stride 1
  const [m, k] = [n * h * w, 25 * c];
  const filter = { dtype: float32, shape: [5, 5, c, o], data: new Uint8Array(Float32Array.from({ length: k * o }, (_, i) => Math.sin(i) * 0.1).buffer) };
  const bias = { dtype: float32, shape: [o], data: new Uint8Array(Float32Array.from({ length: o }, (_, i) => i / o - 0.5).buffer) };
  const x = { dtype: float32, shape: [n, h, w, c] };
  const epilogue = [UnaryOp.Relu, 0, -1];
  const conv = plan([x, filter, bias, { dtype: float32, shape: [n, h, w, o] }], [[Kernel.Conv2D, [0, 1, 2], [3], [...g, ...epilogue]]], [0], [3]);
  const twoStep = plan([x, { ...filter, shape: [k, o] }, bias, { dtype: float32, shape: [m, k] }, { dtype: float32, shape: [m, o] }],
    [[Kernel.Im2Col, [0], [3], g], [Kernel.MatMul, [3, 1, 2], [4], [0, 0, ...epilogue]]], [0], [4]);
  return { conv, twoStep, flops: 2 * m * o * k, x: new Uint8Array(Float32Array.from({ length: n * h * w * c }, (_, i) => Math.cos(i)).buffer) };
}

/** Runs the plans in turn, run after run (so load on the shared machine hits all alike); per plan the median and best ms. */
function measure(backend, encodedPlans, x) {
  const sessions = encodedPlans.map(() => backend.createSession({}));
  const loaded = encodedPlans.map((p, i) => sessions[i].loadPlan(p));
  const times = encodedPlans.map(() => []);
  const deadline = performance.now() + 6000;
  for (let r = 0; r < 1000 && (r < 15 || performance.now() < deadline); r++) {
    loaded.forEach((plan, i) => {
      const t0 = performance.now();
      sessions[i].run(plan, [x]);
      if (r >= 3) times[i].push(performance.now() - t0); // the first runs warm up
    });
  }
  sessions.forEach((s) => s.close());
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { median: ts[ts.length >> 1], best: ts[0], runs: ts.length };
  });
}

const backend = process.env.SF_BENCH_WASM
  ? createWasmBackend(new WebAssembly.Module(readFileSync(process.env.SF_BENCH_WASM)))
  : loadWasmBackend({ simd: 'baseline' });
console.log(`variant: ${backend.variant ?? 'simd'}`);
for (const [name, shape, o] of LAYERS) {
  const { conv, twoStep, flops, x } = layerPlans(shape, o);
  const results = measure(backend, [conv, twoStep], x);
  ['Conv2D         ', 'Im2Col + MatMul'].forEach((label, i) => {
    const { median, best, runs } = results[i];
    console.log(`${name} ${label}: ${(flops / median / 1e6).toFixed(1)} GFLOP/s at the median ${median.toFixed(3)} ms,`
      + ` ${(flops / best / 1e6).toFixed(1)} at the best ${best.toFixed(3)} ms (${runs} runs)`);
  });
}
