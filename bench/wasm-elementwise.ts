/**
 * Times the wasm elementwise family: the fused_chain benchmark
 * (y = tanh(x*1.5+0.5)*sigmoid(x) - 0.25*x over float32[4194304] as ONE Fused
 * step) and plain Unary exp/tanh/sigmoid throughput. Medians of many runs.
 *
 *   npx esbuild bench/wasm-elementwise.ts --bundle --platform=node --format=esm \
 *     --outfile=build/bench-elementwise.mjs && node build/bench-elementwise.mjs
 *   BENCH_WASM=/tmp/other.wasm node build/bench-elementwise.mjs  # another build of the module, to compare
 */
import { encodePlan } from '../src/compiler/encode.js';
import { BinaryOp, DTypeCode, FusedKind, Kernel, UnaryOp } from '../src/compiler/plan-format.js';
import { float32 } from '../src/graph/dtypes.js';
import { isRunFailure } from '../src/runtime/backend.js';
import { readFileSync } from 'node:fs';
import { createWasmBackend, loadWasmBackend } from '../src/runtime/wasm-backend.js';

const file = process.env.BENCH_WASM;
const backend = file
  ? createWasmBackend(new WebAssembly.Module(readFileSync(file)), /relaxed/.test(file) ? 'relaxed-simd' : 'simd')
  : loadWasmBackend();
const N = Number(process.env.BENCH_N ?? 4194304);
const F = DTypeCode.float32;
const bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];

/** x -> y by `repeat` identical steps, so (t(k) - t(1)) / (k - 1) is one step without the feed and fetch copies. */
function onePlan(kernel: number, attrs: number[], repeat: number) {
  const bytes = N * 4;
  const buffers = [0, bytes].map((byteOffset) => ({ dtype: float32, shape: [N], region: 'arena' as const, byteOffset }));
  const steps = Array.from({ length: repeat }, () => ({ kernel: kernel as never, inputs: [0], outputs: [1], attrs, opName: 'bench' }));
  const encoded = encodePlan({ buffers, steps, vars: [], feeds: [0], fetches: [1], arenaBytes: 2 * bytes });
  return { bytes: encoded, arenaBytes: 2 * bytes, feeds: [{ byteOffset: 0, byteLength: bytes }], fetches: [{ byteOffset: bytes, byteLength: bytes }] };
}

const chain = [
  [FusedKind.Const, 0, F, bits(1.5), 0, 0], [FusedKind.Binary, BinaryOp.Mul, F, 0, 1, 0],
  [FusedKind.Const, 0, F, bits(0.5), 0, 0], [FusedKind.Binary, BinaryOp.Add, F, 2, 3, 0],
  [FusedKind.Unary, UnaryOp.Tanh, F, 4, 0, 0], [FusedKind.Unary, UnaryOp.Sigmoid, F, 0, 0, 0],
  [FusedKind.Binary, BinaryOp.Mul, F, 5, 6, 0], [FusedKind.Const, 0, F, bits(0.25), 0, 0],
  [FusedKind.Binary, BinaryOp.Mul, F, 8, 0, 0], [FusedKind.Binary, BinaryOp.Sub, F, 7, 9, 0],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const REPEAT = Number(process.env.BENCH_REPEAT ?? 6);

/** Median ms of one session.run of the plan (feed copy in, steps, fetch copy out). */
function runMedian(kernel: number, attrs: number[], repeat: number, runs: number): number {
  const session = backend.createSession({});
  const plan = session.loadPlan(onePlan(kernel, attrs, repeat));
  const x = new Float32Array(N).map((_, i) => Math.sin(i) * 4);
  const feed = new Uint8Array(x.buffer);
  const ms: number[] = [];
  for (let r = 0; r < runs + 5; r++) {
    const t0 = performance.now();
    const result = session.run(plan, [feed]);
    const t1 = performance.now();
    if (isRunFailure(result)) throw new Error(JSON.stringify(result));
    if (r >= 5) ms.push(t1 - t0);
  }
  session.close();
  return process.env.BENCH_MIN ? Math.min(...ms) : median(ms);
}

function time(label: string, kernel: number, attrs: number[], runs = Number(process.env.BENCH_RUNS ?? 50)): void {
  const one = runMedian(kernel, attrs, 1, runs);
  const many = runMedian(kernel, attrs, REPEAT, runs);
  const step = (many - one) / (REPEAT - 1);
  console.log(`${label.padEnd(26)} step ${step.toFixed(2)} ms  ${(N / step / 1e3).toFixed(0)} Melem/s   (run incl. copies ${one.toFixed(2)} ms)`);
}

// which module ran: the relaxed-SIMD one fuses multiply-adds in the transcendentals
// (Node 20 runs it with --experimental-wasm-relaxed-simd; Node 22+ by default)
console.log(`wasm module: ${backend.variant}`);
time('copy (bandwidth baseline)', Kernel.Copy, []);
time('fused_chain', Kernel.Fused, [chain.length, ...chain.flat()]);
time('unary exp', Kernel.Unary, [UnaryOp.Exp]);
time('unary tanh', Kernel.Unary, [UnaryOp.Tanh]);
time('unary sigmoid', Kernel.Unary, [UnaryOp.Sigmoid]);
