/**
 * Native elementwise benchmarks through the addon (CPU time per step, median of many runs):
 *   fused_chain  y = tanh(x*1.5+0.5)*sigmoid(x) - 0.25*x, x float32[N], one Fused step
 *   unary exp / tanh / sigmoid over the same x
 * Run: npx esbuild bench/native-elementwise.ts --bundle --platform=node --format=esm --outfile=/tmp/fc.mjs && node /tmp/fc.mjs
 * Environment: N (elements, default 4194304; 65536 keeps everything in cache), REPEAT (steps per run),
 * RUNS, THREADS (intra-op threads, default 1), QUANTILE (0.5 = median; 0.1 on a busy machine),
 * ONLY=1 (fused_chain alone), PARTS=1 (its pieces), SF_ROW_KERNELS=avx2|generic (a lesser variant).
 */
import { createRequire } from 'node:module';
import { encodePlan } from '../src/compiler/encode.js';
import type { PlanIR } from '../src/compiler/plan.js';
import { BinaryOp, DTypeCode, FusedKind, Kernel, UnaryOp, type KernelId } from '../src/compiler/plan-format.js';
import { float32 } from '../src/graph/dtypes.js';

const N = Number(process.env.N ?? 4194304);
const RUNS = Number(process.env.RUNS ?? 50);
const f32bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
const addon = createRequire(import.meta.url)(process.cwd() + '/build/Release/sessionflow.node');

/** REPEAT copies of one step x -> y; only a one-element buffer is fetched, so a run is the feed copy plus the steps. */
const REPEAT = Number(process.env.REPEAT ?? 10);
function plan(kernel: KernelId, attrs: number[], repeat = REPEAT): PlanIR {
  const bytes = N * 4;
  return {
    buffers: [
      { dtype: float32, shape: [N], region: 'arena', byteOffset: 0 },
      { dtype: float32, shape: [N], region: 'arena', byteOffset: bytes },
      { dtype: float32, shape: [1], region: 'arena', byteOffset: 2 * bytes },
    ],
    arenaBytes: 2 * bytes + 64, vars: [], feeds: [0], fetches: [2],
    steps: Array.from({ length: repeat }, () => ({ kernel, inputs: kernel === Kernel.Binary ? [0, 0] : [0], outputs: [1], attrs, opName: 'bench' })),
  };
}

const F = DTypeCode.float32;
const ins = (kind: number, op: number, a: number, b = 0, c = 0) => [kind, op, F, a, b, c];
// r0 = x; r1 = 1.5, r2 = 0.5, r3 = 0.25; r4 = x*1.5; r5 = r4+0.5; r6 = tanh; r7 = sigmoid(x); r8 = r6*r7; r9 = 0.25*x; r10 = r8-r9
const program = [
  ins(FusedKind.Const, 0, f32bits(1.5)), ins(FusedKind.Const, 0, f32bits(0.5)), ins(FusedKind.Const, 0, f32bits(0.25)),
  ins(FusedKind.Binary, BinaryOp.Mul, 0, 1), ins(FusedKind.Binary, BinaryOp.Add, 4, 2), ins(FusedKind.Unary, UnaryOp.Tanh, 5),
  ins(FusedKind.Unary, UnaryOp.Sigmoid, 0), ins(FusedKind.Binary, BinaryOp.Mul, 6, 7), ins(FusedKind.Binary, BinaryOp.Mul, 3, 0),
  ins(FusedKind.Binary, BinaryOp.Sub, 8, 9),
];

function median(ir: PlanIR): number {
  const session = addon.createSession({ intraOpParallelismThreads: Number(process.env.THREADS ?? 1) });
  const id = session.loadPlan(encodePlan(ir));
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = (i % 2001) / 100 - 10;
  const feed = new Uint8Array(x.buffer);
  const times: number[] = [];
  for (let r = 0; r < RUNS + 3; r++) {
    // CPU time, not wall time: the machine is shared, and a run is single-threaded.
    const t0 = process.cpuUsage();
    session.run(id, [feed]);
    const t = process.cpuUsage(t0);
    if (r >= 3) times.push((t.user + t.system) / 1000);
  }
  times.sort((a, b) => a - b);
  session.close();
  // QUANTILE=0.1 reads the quick end of the distribution, the kernel's own cost on a busy machine.
  return times[Math.floor((times.length - 1) * Number(process.env.QUANTILE ?? 0.5))];
}

const baseline = median(plan(Kernel.Copy, [], 0));
/** Per-step time: (median run of REPEAT steps - median run of none) / REPEAT. */
function bench(name: string, ir: PlanIR): void {
  const ms = (median(ir) - baseline) / REPEAT;
  console.log(`${name}: ${ms.toFixed(3)} ms per step, ${(N / ms / 1e6).toFixed(2)} Gelem/s`);
}

console.log(`feed-only run: ${baseline.toFixed(3)} ms`);
if (!process.env.ONLY) bench('copy 16 MB', plan(Kernel.Copy, []));
bench('fused_chain', plan(Kernel.Fused, [program.length, ...program.flat()]));
if (!process.env.ONLY) bench('unary exp', plan(Kernel.Unary, [UnaryOp.Exp]));
if (!process.env.ONLY) bench('unary tanh', plan(Kernel.Unary, [UnaryOp.Tanh]));
if (!process.env.ONLY) bench('unary sigmoid', plan(Kernel.Unary, [UnaryOp.Sigmoid]));
if (process.env.PARTS) {
  const one = (p: number[][]) => plan(Kernel.Fused, [p.length, ...p.flat()]);
  bench('fused tanh', one([ins(FusedKind.Unary, UnaryOp.Tanh, 0)]));
  bench('fused x*1.5', one([ins(FusedKind.Const, 0, f32bits(1.5)), ins(FusedKind.Binary, BinaryOp.Mul, 0, 1)]));
  bench('fused tanh(x)*1.5', one([ins(FusedKind.Const, 0, f32bits(1.5)), ins(FusedKind.Unary, UnaryOp.Tanh, 0), ins(FusedKind.Binary, BinaryOp.Mul, 2, 1)]));
  bench('binary x*x', plan(Kernel.Binary, [BinaryOp.Mul]));
}
if (process.env.ONE) {
  const which = process.env.ONE;
  const one = (p: number[][]) => plan(Kernel.Fused, [p.length, ...p.flat()]);
  const ir = which === 'chain' ? one(program) : which === 'ftanh' ? one([ins(FusedKind.Unary, UnaryOp.Tanh, 0)]) : plan(Kernel.Unary, [UnaryOp.Tanh]);
  bench(which, ir);
}
