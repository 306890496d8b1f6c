// GEMM throughput of the wasm backend, single thread, from node:
//   node bench/wasm-gemm.mjs [sizes...]          (default 256 512 1024)
//   SESSIONFLOW_WASM_SIMD=baseline node bench/wasm-gemm.mjs
// Plans come from encodePlan; each case reports the median of many runs
// (A fed, B fed / B constant, whose packing the backend keeps between runs).
// The machine is shared, so it also reports GFLOP/s by process CPU time.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { loadKernelSources } from './lib/kernel-sources.mjs';

setFlagsFromString('--experimental-wasm-relaxed-simd'); // node 20; on by default from node 22
const { encodePlan, alignUp, loadWasmBackend, createWasmBackend, float32, Kernel, UnaryOp } = await loadKernelSources();

function gemmPlan(M, N, K, transB, bConst) {
  const shapeB = transB ? [N, K] : [K, N];
  const data = bConst ? new Uint8Array(Float32Array.from({ length: K * N }, (_, i) => (i % 13) / 13).buffer) : undefined;
  const buffers = [
    { dtype: float32, shape: [M, K], region: 'arena', byteOffset: 0 },
    bConst ? { dtype: float32, shape: shapeB, region: 'constant', byteOffset: 0, data }
      : { dtype: float32, shape: shapeB, region: 'arena', byteOffset: alignUp(M * K * 4) },
    { dtype: float32, shape: [M, N], region: 'arena', byteOffset: alignUp(M * K * 4) + alignUp(K * N * 4) },
  ];
  const arenaBytes = buffers[2].byteOffset + alignUp(M * N * 4);
  const steps = [{ kernel: Kernel.MatMul, inputs: [0, 1], outputs: [2], attrs: [0, transB ? 1 : 0, UnaryOp.Identity], opName: 'mm' }];
  const feeds = bConst ? [0] : [0, 1];
  const bytes = encodePlan({ buffers, steps, vars: [], feeds, fetches: [2], arenaBytes });
  const slot = (b) => ({ byteOffset: b.byteOffset, byteLength: b.shape.reduce((n, d) => n * d, 1) * 4 });
  return { bytes, arenaBytes, feeds: feeds.map((i) => slot(buffers[i])), fetches: [slot(buffers[2])] };
}

function measure(backend, n, transB, bConst) {
  const session = backend.createSession({});
  const plan = session.loadPlan(gemmPlan(n, n, n, transB, bConst));
  const a = new Uint8Array(Float32Array.from({ length: n * n }, (_, i) => (i % 7) / 7).buffer);
  const feeds = bConst ? [a] : [a, a];
  const flops = 2 * n * n * n;
  const times = [];
  const cpu = [];
  const deadline = performance.now() + 3000;
  for (let r = 0; r < 200 && (r < 9 || performance.now() < deadline); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    session.run(plan, feeds);
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  session.close();
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1];
  const wall = median(times);
  return { median: wall, gflops: flops / wall / 1e6, cpu: flops / median(cpu) / 1e6, runs: times.length };
}

// SF_BENCH_WASM=file.wasm compares another build of the module
const backend = process.env.SF_BENCH_WASM
  ? createWasmBackend(new WebAssembly.Module(readFileSync(process.env.SF_BENCH_WASM)))
  : loadWasmBackend();
const sizes = process.argv.slice(2).map(Number);
console.log(`variant: ${backend.variant ?? 'simd'}`);
for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  for (const [transB, bConst] of [[false, false], [false, true], ...(n === 1024 ? [[true, false]] : [])]) {
    measure(backend, n, transB, bConst); // warm-up
    const { median, gflops, cpu, runs } = measure(backend, n, transB, bConst);
    console.log(`${n}${transB ? ' transB' : ''} B ${bConst ? 'const' : 'fed  '}: ${gflops.toFixed(1)} GFLOP/s`
      + ` (median ${median.toFixed(2)} ms of ${runs}); by CPU time ${cpu.toFixed(1)} GFLOP/s`);
  }
}
