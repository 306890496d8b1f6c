// The wasm GEMM (every block edge, all transpose combinations, bias and each
// activation, int32 wrapping, B from a variable), reduce accuracy and
// transpose, run on both builds of the module: the SIMD128 baseline and the
// relaxed-SIMD one (wasm-helpers.ts moduleBuilds).
import { describe, it, expect } from 'vitest';
import type { PlanVariable } from '../src/compiler/plan.js';
import { AssignMode, Kernel, ReduceOp, Status, UnaryOp } from '../src/compiler/plan-format.js';
import { float32, int32 } from '../src/graph/dtypes.js';
import type { EncodedPlan } from '../src/runtime/backend.js';
import { loadWasmBackend } from '../src/runtime/wasm-backend.js';
import { build, bytesOf, computeOn, f32bits, run, transposed, type BufferSpec } from './plan-helpers.js';
import { moduleBuilds } from './wasm-helpers.js';

const variants = moduleBuilds();
const baseline = variants[0][1];

it('builds and loads both module variants', () => {
  expect(baseline.variant).toBe('simd');
  expect(variants.map(([name]) => name)).toEqual(['simd', 'relaxed-simd']);
  expect(loadWasmBackend().variant).toBe('relaxed-simd');
  process.env.SESSIONFLOW_WASM_SIMD = 'baseline';
  try { expect(loadWasmBackend()).toBe(baseline); } finally { delete process.env.SESSIONFLOW_WASM_SIMD; }
});

// ---- references -------------------------------------------------------------------------

const f32 = Math.fround;
function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) {
    const x = a[i * K + k];
    for (let j = 0; j < N; j++) c[i * N + j] += x * b[k * N + j];
  }
  return c;
}

const ALPHA_BITS = f32bits(0.1);
const roundHalfEven = (z: number) => (Math.abs(z % 1) === 0.5 ? 2 * Math.round(z / 2) : Math.round(z));
const ACTIVATIONS: [number, (z: number) => number][] = [
  [UnaryOp.Identity, (z) => z], [UnaryOp.Neg, (z) => -z], [UnaryOp.Abs, Math.abs], [UnaryOp.Square, (z) => z * z],
  [UnaryOp.Sqrt, Math.sqrt], [UnaryOp.Rsqrt, (z) => 1 / Math.sqrt(z)], [UnaryOp.Exp, Math.exp], [UnaryOp.Log, Math.log],
  [UnaryOp.Relu, (z) => Math.max(z, 0)], [UnaryOp.Relu6, (z) => Math.min(Math.max(z, 0), 6)],
  [UnaryOp.Elu, (z) => (z > 0 ? z : Math.expm1(z))], [UnaryOp.Sigmoid, (z) => 1 / (1 + Math.exp(-z))], [UnaryOp.Tanh, Math.tanh],
  [UnaryOp.Softplus, (z) => (z > 20 ? z : z < -20 ? Math.exp(z) : Math.log1p(Math.exp(z)))], [UnaryOp.Sign, Math.sign],
  [UnaryOp.Floor, Math.floor], [UnaryOp.Ceil, Math.ceil], [UnaryOp.Round, roundHalfEven], [UnaryOp.Reciprocal, (z) => 1 / z],
  [UnaryOp.LeakyRelu, (z) => (z >= 0 ? z : f32(0.1) * z)],
];

/** Within a few ulp (transcendentals), NaN and infinities exactly. */
function near(got: number, want: number): boolean {
  if (Number.isNaN(want) || !Number.isFinite(want)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= 1e-5 * Math.abs(want) + 1e-6;
}

const ints = (n: number, seed: number, span: number) => Int32Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % (2 * span + 1)) - span);

describe.each(variants)('wasm GEMM (%s)', (_, backend) => {
  // M: 96-row blocks plus 5 (a 4-row panel and a single row), and 3 (a padded panel);
  // K: one 384-deep slice plus 5; N: 8-column strips plus 5.
  const cases: [number, number, number][] = [[101, 389, 21], [99, 7, 13], [3, 2, 1]];

  it.each(cases)('float32 %i x %i x %i: all transposes, bias and every activation', (M, K, N) => {
    // quarters times small integers: every sum is exact, whatever the order or fusion
    const a = Float32Array.from(ints(M * K, 1, 4), (v) => v / 4);
    const b = Float32Array.from(ints(K * N, 2, 2));
    const bias = Float32Array.from(ints(N, 3, 6), (v) => v / 2);
    const z = matmul64(a, b, M, K, N).map((v, i) => v + bias[i % N]);
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const av = ta ? transposed(a, M, K) : a;
      const bv = tb ? transposed(b, K, N) : b;
      for (const [act, f] of ACTIVATIONS) {
        const inputs: BufferSpec[] = [{ dtype: float32, shape: ta ? [K, M] : [M, K], data: av, fed: act % 2 === 0 },
          { dtype: float32, shape: tb ? [N, K] : [K, N], data: bv, fed: act % 3 === 0 }, { dtype: float32, shape: [N], data: bias }];
        const got = new Float32Array(computeOn(backend, inputs, [float32, [M, N]], Kernel.MatMul, [ta, tb, act, ALPHA_BITS, -1]));
        const bad = Array.from(got).findIndex((v, i) => !near(v, f32(f(z[i]))));
        expect(bad < 0 ? 'ok' : `got ${got[bad]}, want ${f32(f(z[bad]))} at ${bad}`, `act ${act} trans ${ta}${tb}`).toBe('ok');
      }
    }
  });

  it('float32 random values match a float64 reference within summation rounding', () => {
    const [M, K, N] = [67, 1000, 45];
    const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 1.3));
    const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.7));
    const want = matmul64(a, b, M, K, N);
    const scale = matmul64(a.map(Math.abs), b.map(Math.abs), M, K, N);
    for (const [ta, tb] of [[0, 0], [1, 1]]) {
      const got = new Float32Array(computeOn(backend, [{ dtype: float32, shape: ta ? [K, M] : [M, K], data: ta ? transposed(a, M, K) : a },
        { dtype: float32, shape: tb ? [N, K] : [K, N], data: tb ? transposed(b, K, N) : b }], [float32, [M, N]], Kernel.MatMul, [ta, tb, 0]));
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5 * scale[i]));
    }
  });

  it('int32 wraps exactly in all transposes, with bias and an activation', () => {
    const [M, K, N] = [13, 390, 11];
    const a = ints(M * K, 4, 60000);
    const b = ints(K * N, 5, 70000);
    const bias = ints(N, 6, 1 << 30);
    const want = new Int32Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = bias[j];
      for (let k = 0; k < K; k++) s = (s + Math.imul(a[i * K + k], b[k * N + j])) | 0;
      want[i * N + j] = s < 0 ? -s | 0 : s; // Abs, wrapping
    }
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const got = new Int32Array(computeOn(backend, [{ dtype: int32, shape: ta ? [K, M] : [M, K], data: ta ? transposed(a, M, K) : a },
        { dtype: int32, shape: tb ? [N, K] : [K, N], data: tb ? transposed(b, K, N) : b }, { dtype: int32, shape: [N], data: bias }],
        [int32, [M, N]], Kernel.MatMul, [ta, tb, UnaryOp.Abs]));
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('reads B from a variable and sees every write to it', () => {
    const [M, K, N] = [5, 9, 10];
    const v: PlanVariable = { slot: 2, dtype: float32, shape: [N, K], name: 'w' };
    const a = Float32Array.from({ length: M * K }, (_, i) => (i % 5) - 2);
    const bias = Float32Array.from({ length: N }, (_, i) => i);
    const session = backend.createSession({});
    const assign = session.loadPlan(build([{ dtype: float32, shape: [N, K] }], [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]], [0], [], [v]));
    const add = session.loadPlan(build([{ dtype: float32, shape: [N, K] }], [[Kernel.VarAssign, [0], [], [0, AssignMode.Add]]], [0], [], [v]));
    const mm = session.loadPlan(build([{ dtype: float32, shape: [M, K] }, { dtype: float32, shape: [N], data: bias }, { dtype: float32, shape: [M, N] }],
      [[Kernel.MatMul, [0, 1], [2], [0, 1, UnaryOp.Identity, 0, 0]]], [0], [2], [v]));
    expect(session.run(mm, [bytesOf(a)])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    const expectProduct = (w: Float32Array) => {
      const want = matmul64(a, transposed(w, N, K), M, K, N).map((x, i) => x + bias[i % N]);
      expect(Array.from(new Float32Array(run(session, mm, [a])[0]))).toEqual(Array.from(want));
    };
    const w1 = Float32Array.from({ length: N * K }, (_, i) => i % 7);
    run(session, assign, [w1]);
    expectProduct(w1);
    expectProduct(w1); // from the cached packing
    const w2 = Float32Array.from({ length: N * K }, (_, i) => -(i % 3));
    run(session, assign, [w2]);
    expectProduct(w2);
    run(session, add, [w1]);
    expectProduct(w2.map((x, i) => x + w1[i]));
    session.close();
  });

  it('sees a variable written earlier in the same run', () => {
    const v: PlanVariable = { slot: 0, dtype: int32, shape: [2, 2], name: 'w' };
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: int32, shape: [2, 2] }, { dtype: int32, shape: [1, 2] }, { dtype: int32, shape: [1, 2] }],
      [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]], [Kernel.MatMul, [1], [2], [0, 0, UnaryOp.Identity, 0, 0]]], [0, 1], [2], [v]));
    expect(Array.from(new Int32Array(run(session, plan, [new Int32Array([1, 2, 3, 4]), new Int32Array([1, 1])])[0]))).toEqual([4, 6]);
    expect(Array.from(new Int32Array(run(session, plan, [new Int32Array([5, 0, 0, 5]), new Int32Array([1, 1])])[0]))).toEqual([5, 5]);
    session.close();
  });
});

describe('wasm GEMM: both builds agree', () => {
  it('gives the same random product on both variants within rounding', () => {
    const [M, K, N] = [50, 700, 37];
    const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.3));
    const results = variants.map(([, backend]) => new Float32Array(computeOn(backend,
      [{ dtype: float32, shape: [M, K], data: a }, { dtype: float32, shape: [K, N], data: b }], [float32, [M, N]], Kernel.MatMul, [0, 0, UnaryOp.Tanh])));
    results[1].forEach((v, i) => expect(Math.abs(v - results[0][i])).toBeLessThan(1e-4));
  });
});

describe('wasm MatMul validation', () => {
  const session = baseline.createSession({});
  const v: PlanVariable = { slot: 0, dtype: float32, shape: [3, 4], name: 'w' };
  const plan = (attrs: number[], inputs: number[], vars: PlanVariable[] = [v]) => build(
    [{ dtype: float32, shape: [2, 3] }, { dtype: float32, shape: [3, 4] }, { dtype: float32, shape: [4] }, { dtype: float32, shape: [2, 4] }],
    [[Kernel.MatMul, inputs, [3], attrs]], [0, 1, 2], [3], vars);
  const invalid = (p: EncodedPlan) => expect(() => session.loadPlan(p)).toThrow(expect.objectContaining({ code: 'INVALID_PLAN' }));

  it('accepts the 3- and 5-attr forms and rejects malformed ones', () => {
    session.loadPlan(plan([0, 0, 0], [0, 1, 2]));
    session.loadPlan(plan([0, 0, 0, 0, -1], [0, 1]));
    session.loadPlan(plan([0, 0, 0, 0, 0], [0, 2]));
    invalid(plan([0, 0, 0, 0], [0, 1]));
    invalid(plan([0, 0, 0, 0, 1], [0])); // no such variable
    invalid(plan([0, 0, 0, 0, -2], [0, 1]));
    invalid(plan([0, 0, 0, 0, 0], [0, 1, 2])); // b given twice
    // a bVar is read as [K, N] ([N, K] with transB) whatever its shape: only its element count must be K*N
    session.loadPlan(plan([0, 1, 0, 0, 0], [0]));
    session.loadPlan(plan([0, 0, 0, 0, 0], [0], [{ ...v, shape: [12] }]));
    invalid(plan([0, 0, 0, 0, 0], [0], [{ ...v, dtype: int32 }]));
    invalid(plan([0, 0, 0, 0, 0], [0], [{ ...v, shape: [13] }]));
    invalid(plan([0, 0, 0, 0, 0], [0], [{ ...v, shape: [3, 5] }]));
    invalid(plan([0, 0, UnaryOp.LogicalNot], [0, 1]));
  });
});

// ---- reduce and transpose ------------------------------------------------------------------

describe.each(variants)('wasm Reduce and Transpose (%s)', (_, backend) => {
  it('sums long vectors and columns with pairwise accuracy', () => {
    const n = 1 << 22;
    const x = Float32Array.from({ length: n }, (_, i) => 1 + Math.sin(i) * 1e-3);
    const exact = x.reduce((s, v) => s + v, 0);
    const sum = new Float32Array(computeOn(backend, [{ dtype: float32, shape: [n], data: x }], [float32, []], Kernel.Reduce, [ReduceOp.Sum, 1, n, 1]))[0];
    expect(Math.abs(sum - exact) / exact).toBeLessThan(1e-6); // a serial float32 sum is off by ~1e-3
    const cols = new Float32Array(computeOn(backend, [{ dtype: float32, shape: [n / 4, 4], data: x }], [float32, [4]], Kernel.Reduce, [ReduceOp.Sum, 1, n / 4, 4]));
    cols.forEach((s, j) => {
      let e = 0;
      for (let k = j; k < n; k += 4) e += x[k];
      expect(Math.abs(s - e) / e).toBeLessThan(1e-6);
    });
  });

  it('reduces every op over odd shapes like a reference', () => {
    const [outer, n, inner] = [3, 1001, 7];
    const x = Float32Array.from({ length: outer * n * inner }, (_, i) => Math.cos(i * 0.37) * 3);
    for (const [op, f, init] of [[ReduceOp.Max, Math.max, -Infinity], [ReduceOp.Min, Math.min, Infinity], [ReduceOp.Mean, (s: number, t: number) => s + t, 0]] as const) {
      for (const [o, m, w] of [[outer, n, inner], [outer * n, inner, 1]]) {
        const got = new Float32Array(computeOn(backend, [{ dtype: float32, shape: [o, m, w], data: x }], [float32, [o, w]], Kernel.Reduce, [op, o, m, w]));
        got.forEach((v, at) => {
          const [i, j] = [Math.floor(at / w), at % w];
          let s: number = init;
          for (let k = 0; k < m; k++) s = f(s, x[(i * m + k) * w + j]);
          expect(v).toBeCloseTo(op === ReduceOp.Mean ? s / m : s, 5);
        });
      }
    }
  });

  it('transposes rank 2 to 4 across tile edges', () => {
    const shape = [3, 37, 5, 41];
    const count = shape.reduce((n, d) => n * d, 1);
    const x = Int32Array.from({ length: count }, (_, i) => i);
    const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
    for (const perm of [[0, 1, 3, 2], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) {
      const outShape = perm.map((p) => shape[p]);
      const got = new Int32Array(computeOn(backend, [{ dtype: int32, shape, data: x }], [int32, outShape], Kernel.Transpose, perm));
      let at = 0;
      let ok = true;
      for (let a = 0; a < outShape[0]; a++) for (let b = 0; b < outShape[1]; b++) for (let c = 0; c < outShape[2]; c++) for (let d = 0; d < outShape[3]; d++) {
        const src = [a, b, c, d].reduce((s, idx, i) => s + idx * strides[perm[i]], 0);
        if (got[at++] !== x[src]) ok = false;
      }
      expect(ok, `perm ${perm}`).toBe(true);
    }
    const m = Float32Array.from({ length: 129 * 67 }, (_, i) => i);
    const t = new Float32Array(computeOn(backend, [{ dtype: float32, shape: [129, 67], data: m }], [float32, [67, 129]], Kernel.Transpose, [1, 0]));
    expect(Array.from(t)).toEqual(Array.from(transposed(m, 129, 67)));
  });
});
