// The native GEMM (blocking edges, transposes, bias and activations, threads, constant and variable B), Reduce accuracy and Transpose.
import { describe, it, expect } from 'vitest';
import { AssignMode, BinaryOp, Kernel, ReduceOp, Status, UnaryOp } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32, type TypedArray } from '../src/graph/dtypes.js';
import { bytesOf, encoded, expectCode, f32bits, seeded, transposed, type BufferSpec, type PlanSpec } from './plan-helpers.js';
import { backend, fetchAll, fetchWith } from './native-helpers.js';

describe('native backend: GEMM', () => {
  // Crosses every blocking edge of the micro-kernels in use (tiles of 4..14 rows
  // and 16 or 32 columns, 256-deep k-blocks, 96 x 256 tasks), with partial tiles.
  const [m, n, k] = [97, 290, 515];
  const A = seeded(m * k, 1);
  const B = seeded(k * n, 2);
  const bias = seeded(n, 3);
  const [product, magnitude] = (() => {
    const c = new Float64Array(m * n);
    const mag = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      for (let j = 0; j < n; j++) {
        c[i * n + j] += a * B[p * n + j];
        mag[i * n + j] += Math.abs(a * B[p * n + j]);
      }
    }
    return [c, mag];
  })();
  const alpha = 0.3;
  const activations: [string, number, (x: number) => number][] = [
    ['Identity', UnaryOp.Identity, (x) => x],
    ['Relu', UnaryOp.Relu, (x) => Math.max(x, 0)],
    ['Relu6', UnaryOp.Relu6, (x) => Math.min(Math.max(x, 0), 6)],
    ['Sigmoid', UnaryOp.Sigmoid, (x) => 1 / (1 + Math.exp(-x))],
    ['Tanh', UnaryOp.Tanh, Math.tanh],
    ['Elu', UnaryOp.Elu, (x) => (x > 0 ? x : Math.expm1(x))],
    ['LeakyRelu', UnaryOp.LeakyRelu, (x) => (x >= 0 ? x : Math.fround(alpha) * x)],
  ];
  const matmulSpec = (ta: number, tb: number, act: number, withBias: boolean): PlanSpec => ({
    buffers: [
      { dtype: float32, shape: ta ? [k, m] : [m, k] }, { dtype: float32, shape: tb ? [n, k] : [k, n] },
      { dtype: float32, shape: [m, n] }, { dtype: float32, shape: [n], data: bias },
    ],
    steps: [[Kernel.MatMul, withBias ? [0, 1, 3] : [0, 1], [2], [ta, tb, act, f32bits(alpha), -1]]],
    feeds: [0, 1], fetches: [2],
  });

  /** actual ≈ f(sign * A.B (+ bias)). */
  function expectClose(actual: Float32Array, f: (x: number) => number, withBias: boolean, sign = 1): void {
    let worst = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const at = i * n + j;
      const expected = f(sign * product[at] + (withBias ? bias[j] : 0));
      // float32 summation error, the bias add and the activation's own rounding
      const tolerance = 2e-6 * (magnitude[at] + 1) + 2e-7 * Math.abs(expected);
      worst = Math.max(worst, Math.abs(actual[at] - expected) / tolerance);
    }
    expect(worst).toBeLessThan(1);
  }

  for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    const feeds = [ta ? transposed(A, m, k) : A, tb ? transposed(B, k, n) : B];
    it.each(activations)(`transA=${ta} transB=${tb}: bias + %s against a float64 reference`, (_name, act, f) => {
      expectClose(new Float32Array(fetchAll(matmulSpec(ta, tb, act, true), feeds)[0]), f, true);
    });
    it(`transA=${ta} transB=${tb}: no bias, 3-attr form`, () => {
      const spec = matmulSpec(ta, tb, UnaryOp.Identity, false);
      spec.steps[0][3] = [ta, tb, UnaryOp.Identity];
      expectClose(new Float32Array(fetchAll(spec, feeds)[0]), (x) => x, false);
    });
  }

  it('multiplies every row count of a partial tile (M = 1..13)', () => {
    const [kk, nn] = [300, 70];
    const b = seeded(kk * nn, 4);
    for (let mm = 1; mm <= 13; mm++) {
      const a = seeded(mm * kk, 5 + mm);
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: [mm, kk] }, { dtype: float32, shape: [kk, nn] }, { dtype: float32, shape: [mm, nn] }],
        steps: [[Kernel.MatMul, [0, 1], [2], [0, 0, UnaryOp.Identity]]], feeds: [0, 1], fetches: [2],
      };
      const c = new Float32Array(fetchAll(spec, [a, b])[0]);
      for (let i = 0; i < mm; i++) for (let j = 0; j < nn; j++) {
        let sum = 0, mag = 0;
        for (let p = 0; p < kk; p++) { sum += a[i * kk + p] * b[p * nn + j]; mag += Math.abs(a[i * kk + p] * b[p * nn + j]); }
        expect(Math.abs(c[i * nn + j] - sum)).toBeLessThanOrEqual(2e-6 * (mag + 1));
      }
    }
  });

  it('gives bit-identical results with 1, 2 and 3 threads', () => {
    const spec = matmulSpec(0, 1, UnaryOp.Tanh, true);
    const feeds = [A, transposed(B, k, n)];
    const [one, two, three] = [1, 2, 3].map((t) => new Uint8Array(fetchWith(t, spec, feeds)[0]));
    expect(Buffer.compare(one, two)).toBe(0);
    expect(Buffer.compare(one, three)).toBe(0);
  });

  it('multiplies degenerate shapes: k = 0 gives the bias, m or n = 0 nothing', () => {
    const spec = (mm: number, kk: number, nn: number): PlanSpec => ({
      buffers: [
        { dtype: float32, shape: [mm, kk] }, { dtype: float32, shape: [kk, nn] }, { dtype: float32, shape: [mm, nn] },
        { dtype: float32, shape: [nn], data: new Float32Array(nn).fill(-2) },
      ],
      steps: [[Kernel.MatMul, [0, 1, 3], [2], [0, 0, UnaryOp.Relu6, 0, -1]]], feeds: [0, 1], fetches: [2],
    });
    expect(Array.from(new Float32Array(fetchAll(spec(2, 0, 3), [new Float32Array(0), new Float32Array(0)])[0]))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(fetchAll(spec(0, 4, 3), [new Float32Array(0), new Float32Array(12)])[0].byteLength).toBe(0);
    expect(fetchAll(spec(3, 4, 0), [new Float32Array(12), new Float32Array(0)])[0].byteLength).toBe(0);
  });

  it('packs a constant B once and reuses it across runs', () => {
    const spec: PlanSpec = {
      buffers: [{ dtype: float32, shape: [m, k] }, { dtype: float32, shape: [k, n], data: B }, { dtype: float32, shape: [m, n] }],
      steps: [[Kernel.MatMul, [0, 1], [2], [0, 0, UnaryOp.Identity]]], feeds: [0], fetches: [2],
    };
    const session = backend.createSession({});
    const plan = session.loadPlan(encoded(spec));
    for (const scale of [1, -2]) {
      const result = session.run(plan, [bytesOf(A.map((x) => x * scale))]) as ArrayBuffer[];
      expectClose(new Float32Array(result[0]), (x) => x * scale, false);
    }
    session.close();
  });

  describe('a fused epilogue is bit for bit the unfused steps (MatMul, Add the bias, the activation)', () => {
    // The micro-kernels apply bias and activation in registers on full tiles (and on edge tiles with one
    // k-block); edge tiles over several k-blocks keep the separate pass. Both must match the Binary and Unary
    // kernels exactly, NaN and -0 included. M = 25: two full tile rows and one of 1; N = 32 + 32 + 20 + ... so
    // full tiles, a wide edge (20 columns) and a half-width one (10): here N = 74 and N = 52.
    const nan = (x: Float32Array, every: number, at: number) => x.map((v, i) => (i % every === at ? NaN : v));
    const zeros = (x: Float32Array, every: number) => x.map((v, i) => (i % every === 0 ? 0 : i % every === 1 ? -0 : v));
    const fusedCases: [string, number, number, number][] = [
      ['one k-block (K = 25)', 25, 74, 25], ['several k-blocks (K = 600)', 25, 52, 600], ['one row (M = 1)', 1, 74, 300],
    ];
    const acts: [string, number][] = [
      ['Identity', UnaryOp.Identity], ['Relu', UnaryOp.Relu], ['Relu6', UnaryOp.Relu6], ['LeakyRelu', UnaryOp.LeakyRelu],
    ];
    // Bit patterns, with every NaN as one: NaN + NaN (a NaN sum plus a NaN bias) gives either operand's
    // payload, by the operand order the compiler picked for a commutative add, fused or not.
    const bits = (r: ArrayBuffer) => Array.from(new Uint32Array(r), (x) => ((x & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : x));
    for (const [label, mm, nn, kk] of fusedCases) {
      // A: a NaN row, a row of zeros (of both signs: the sum is +0), a row of +-Inf (NaN against B's zeros),
      // and large values so Relu6 clamps; B: zeros and -0 in places; the bias: NaN, +-0, and both signs.
      const a = seeded(mm * kk, 11).map((v, i) => {
        const row = Math.floor(i / kk);
        return row === 3 ? (i % kk === 7 ? NaN : v) : row === 4 ? (i % 2 ? -0 : 0) : row === 5 ? (i % 2 ? -Infinity : Infinity) : 8 * v;
      });
      const b = zeros(seeded(kk * nn, 12), 13);
      const bias = nan(zeros(seeded(nn, 13).map((v) => 4 * v), 9), 17, 5);
      const operands = (withBias: boolean): BufferSpec[] => [
        { dtype: float32, shape: [mm, kk] }, { dtype: float32, shape: [kk, nn] }, { dtype: float32, shape: [mm, nn] },
        { dtype: float32, shape: [nn], data: withBias ? bias : undefined }, { dtype: float32, shape: [mm, nn] }, { dtype: float32, shape: [mm, nn] },
      ];
      it.each(acts)(`${label}, M = ${mm}, N = ${nn}: bias + %s`, (_name, act) => {
        for (const withBias of [true, false]) {
          const inputs = withBias ? [0, 1, 3] : [0, 1];
          const fused: PlanSpec = {
            buffers: operands(withBias), feeds: [0, 1], fetches: [2],
            steps: [[Kernel.MatMul, inputs, [2], [0, 0, act, f32bits(alpha), -1]]],
          };
          const unfused: PlanSpec = {
            buffers: operands(withBias), feeds: [0, 1], fetches: [5],
            steps: [
              [Kernel.MatMul, [0, 1], [2], [0, 0, UnaryOp.Identity]],
              withBias ? [Kernel.Binary, [2, 3], [4], [BinaryOp.Add]] : [Kernel.Copy, [2], [4], []],
              [Kernel.Unary, [4], [5], [act, f32bits(alpha)]],
            ],
          };
          for (const threads of [1, 2]) {
            const expected = bits(fetchWith(threads, unfused, [a, b])[0]);
            if (withBias || mm > 3) expect(expected).toContain(0x7fc00000); // NaN reaches the activation
            expect(bits(fetchWith(threads, fused, [a, b])[0])).toEqual(expected);
          }
        }
      });
    }
  });

  describe('with B read from a variable (bVar)', () => {
    const vars = [{ slot: 4, dtype: float32, shape: [n, k] }];
    const assign: PlanSpec = {
      buffers: [{ dtype: float32, shape: [n, k] }], vars, feeds: [0], fetches: [],
      steps: [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]],
    };
    const addTo: PlanSpec = { ...assign, steps: [[Kernel.VarAssign, [0], [], [0, AssignMode.Add]]] };
    const multiply: PlanSpec = {
      buffers: [{ dtype: float32, shape: [m, k] }, { dtype: float32, shape: [m, n] }, { dtype: float32, shape: [n], data: bias }],
      vars, feeds: [0], fetches: [1],
      steps: [[Kernel.MatMul, [0, 2], [1], [0, 1, UnaryOp.Relu, 0, 0]]],
    };
    const Bt = transposed(B, k, n);

    it('reads the variable, and sees every later write to it', () => {
      const session = backend.createSession({ intraOpParallelismThreads: 2 });
      const [set, add, mul] = [assign, addTo, multiply].map((p) => session.loadPlan(encoded(p)));
      expect(session.run(mul, [bytesOf(A)])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
      const product = () => new Float32Array((session.run(mul, [bytesOf(A)]) as ArrayBuffer[])[0]);
      session.run(set, [bytesOf(Bt)]);
      expectClose(product(), (x) => Math.max(x, 0), true);
      expectClose(product(), (x) => Math.max(x, 0), true);
      session.run(set, [bytesOf(Bt.map((x) => -x))]);
      expectClose(product(), (x) => Math.max(x, 0), true, -1);
      session.run(add, [bytesOf(Bt.map((x) => 2 * x))]);
      expectClose(product(), (x) => Math.max(x, 0), true);
      session.close();
    });

    it('rejects a bVar outside the var table, a variable of other than K*N elements, or an operand count that does not fit', () => {
      const session = backend.createSession({});
      const bad = (attrs: number[], inputs = [0, 2]) =>
        encoded({ ...multiply, steps: [[Kernel.MatMul, inputs, [1], attrs]] });
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0, 1])), 'INVALID_PLAN');
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0, -2])), 'INVALID_PLAN');
      // B is read as [K, N] from the variable's K*N elements, so only a count other than K*N is wrong.
      expectCode(() => session.loadPlan(encoded({ ...multiply, vars: [{ slot: 4, dtype: float32, shape: [n, k + 1] }] })), 'INVALID_PLAN');
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0, 0], [0, 2, 2])), 'INVALID_PLAN');
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0])), 'INVALID_PLAN');
      session.close();
    });
  });
});

describe('native backend: Reduce', () => {
  const EPS = 2 ** -24;
  const reduceSpec = (op: number, dtype: DType, outer: number, n: number, inner: number): PlanSpec => ({
    buffers: [{ dtype, shape: [outer, n, inner] }, { dtype, shape: [outer, inner] }],
    steps: [[Kernel.Reduce, [0], [1], [op, outer, n, inner]]], feeds: [0], fetches: [1],
  });

  /** float64 sums of x as [outer, n, inner], and the sums of |x|. */
  function reference(x: Float32Array, outer: number, n: number, inner: number): [Float64Array, Float64Array] {
    const sum = new Float64Array(outer * inner);
    const abs = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let k = 0; k < n; k++) for (let i = 0; i < inner; i++) {
      const v = x[(o * n + k) * inner + i];
      sum[o * inner + i] += v;
      abs[o * inner + i] += Math.abs(v);
    }
    return [sum, abs];
  }

  // Rows (inner = 1), one long row split over threads, wide and narrow columns.
  const shapes: [string, number, number, number][] = [
    ['one long row', 1, (1 << 22) + 77, 1],
    ['many rows', 300, 5001, 1],
    ['wide columns', 2, 20011, 300],
    ['narrow columns', 3, (1 << 19) + 5, 3],
  ];
  it.each(shapes)('sums %s with error growing like log n', (_name, outer, n, inner) => {
    // Values near 1 make a serial float32 sum drift by far more than the bound.
    const x = seeded(outer * n * inner, 7).map((v) => 1 + v / 4);
    const [sum, abs] = reference(x, outer, n, inner);
    const y = new Float32Array(fetchAll(reduceSpec(ReduceOp.Sum, float32, outer, n, inner), [x])[0]);
    const mean = new Float32Array(fetchAll(reduceSpec(ReduceOp.Mean, float32, outer, n, inner), [x])[0]);
    const bound = (at: number) => 2 * Math.log2(n) * EPS * abs[at];
    for (let at = 0; at < outer * inner; at++) {
      expect(Math.abs(y[at] - sum[at])).toBeLessThan(bound(at));
      expect(Math.abs(mean[at] - sum[at] / n)).toBeLessThan(bound(at) / n + EPS * Math.abs(sum[at] / n));
    }
  });

  it.each(shapes)('gives bit-identical %s with 1, 2 and 3 threads', (_name, outer, n, inner) => {
    const x = seeded(outer * n * inner, 8);
    for (const op of [ReduceOp.Sum, ReduceOp.Prod, ReduceOp.Max]) {
      const spec = reduceSpec(op, float32, outer, n, inner);
      const [one, two, three] = [1, 2, 3].map((t) => new Uint8Array(fetchWith(t, spec, [x])[0]));
      expect(Buffer.compare(one, two)).toBe(0);
      expect(Buffer.compare(one, three)).toBe(0);
    }
  });

  it('propagates NaN through Max and Min on rows and columns', () => {
    const n = 1000;
    const x = seeded(2 * n * 40, 9);
    x[(1 * n + 517) * 40 + 13] = NaN; // outer 1, column 13
    for (const op of [ReduceOp.Max, ReduceOp.Min]) {
      const cols = new Float32Array(fetchAll(reduceSpec(op, float32, 2, n, 40), [x])[0]);
      const pick = op === ReduceOp.Max ? Math.max : Math.min;
      for (let o = 0; o < 2; o++) for (let i = 0; i < 40; i++) {
        let expected = op === ReduceOp.Max ? -Infinity : Infinity;
        for (let k = 0; k < n; k++) expected = pick(expected, x[(o * n + k) * 40 + i]);
        expect(cols[o * 40 + i]).toBe(Math.fround(expected));
      }
      const rows = new Float32Array(fetchAll(reduceSpec(op, float32, 80, n, 1), [x])[0]);
      for (let r = 0; r < 80; r++) {
        let expected = op === ReduceOp.Max ? -Infinity : Infinity;
        for (let k = 0; k < n; k++) expected = pick(expected, x[r * n + k]);
        expect(rows[r]).toBe(Math.fround(expected));
      }
    }
  });

  it('folds int32 (wrapping) and bool exactly on rows and columns', () => {
    const [outer, n, inner] = [3, 4099, 37];
    const x = new Int32Array(outer * n * inner).map((_, k) => ((k * 2654435761) | 0) >> 3);
    const sums = new Int32Array(outer * inner);
    const maxima = new Int32Array(outer * inner).fill(-(2 ** 31));
    for (let o = 0; o < outer; o++) for (let k = 0; k < n; k++) for (let i = 0; i < inner; i++) {
      const v = x[(o * n + k) * inner + i];
      sums[o * inner + i] = (sums[o * inner + i] + v) | 0;
      maxima[o * inner + i] = Math.max(maxima[o * inner + i], v);
    }
    expect(new Int32Array(fetchAll(reduceSpec(ReduceOp.Sum, int32, outer, n, inner), [x])[0])).toEqual(sums);
    expect(new Int32Array(fetchAll(reduceSpec(ReduceOp.Max, int32, outer, n, inner), [x])[0])).toEqual(maxima);
    const rowSum = new Int32Array(fetchAll(reduceSpec(ReduceOp.Sum, int32, 1, x.length, 1), [x])[0])[0];
    expect(rowSum).toBe(x.reduce((s, v) => (s + v) | 0, 0));
    const flags = new Uint8Array(outer * n * inner).map((_, k) => (k % 1013 === 5 ? 1 : 0));
    const any = new Uint8Array(fetchAll(reduceSpec(ReduceOp.Any, bool, outer, n, inner), [flags])[0]);
    const all = new Uint8Array(fetchAll(reduceSpec(ReduceOp.All, bool, outer, n, inner), [flags.map((f) => 1 - f)])[0]);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let found = 0;
      for (let k = 0; k < n; k++) found |= flags[(o * n + k) * inner + i];
      expect(any[o * inner + i]).toBe(found);
      expect(all[o * inner + i]).toBe(1 - found);
    }
  });
});

describe('native backend: Transpose', () => {
  /** The JS reference: y[idx] = x[idx permuted back]. */
  function transposeRef<T extends TypedArray>(x: T, shape: number[], perm: number[]): T {
    const outShape = perm.map((p) => shape[p]);
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const y = x.slice() as T;
    const index = new Array(outShape.length).fill(0);
    for (let o = 0; o < x.length; o++) {
      let from = 0;
      for (let d = 0; d < perm.length; d++) from += index[d] * strides[perm[d]];
      y[o] = x[from];
      for (let d = outShape.length - 1; d >= 0 && ++index[d] === outShape[d]; d--) index[d] = 0;
    }
    return y;
  }

  const transposeSpec = (dtype: DType, shape: number[], perm: number[]): PlanSpec => ({
    buffers: [{ dtype, shape }, { dtype, shape: perm.map((p) => shape[p]) }],
    steps: [[Kernel.Transpose, [0], [1], perm]], feeds: [0], fetches: [1],
  });

  const cases: [number[], number[]][] = [
    [[517, 1031], [1, 0]],
    [[64, 64], [1, 0]],
    [[3, 70, 45], [0, 2, 1]],
    [[3, 70, 45], [2, 1, 0]],
    [[3, 70, 45], [1, 0, 2]],
    [[5, 1, 33, 40], [2, 3, 1, 0]],
    [[2, 3, 35, 33], [0, 3, 1, 2]],
    [[4, 6, 5, 7, 3], [4, 2, 0, 3, 1]],
    [[1, 1, 130], [2, 0, 1]],
    [[7, 0, 3], [2, 1, 0]],
  ];
  it.each(cases)('transposes %j by %j for float32, int32 and bool', (shape, perm) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const f = seeded(count, 11);
    f[0] = NaN;
    const i = new Int32Array(count).map((_, k) => k * 7919);
    const b = new Uint8Array(count).map((_, k) => k % 3 & 1);
    for (const [dtype, x] of [[float32, f], [int32, i], [bool, b]] as [DType, TypedArray][]) {
      const y = fetchAll(transposeSpec(dtype, shape, perm), [x])[0];
      const expected = transposeRef(x, shape, perm);
      expect(Buffer.compare(new Uint8Array(y), bytesOf(expected))).toBe(0);
    }
  });

  it('gives the same bytes with 1, 2 and 3 threads', () => {
    const shape = [3, 300, 257];
    const x = seeded(shape[0] * shape[1] * shape[2], 12);
    for (const perm of [[0, 2, 1], [2, 0, 1]]) {
      const expected = bytesOf(transposeRef(x, shape, perm));
      for (const threads of [1, 2, 3]) {
        expect(Buffer.compare(new Uint8Array(fetchWith(threads, transposeSpec(float32, shape, perm), [x])[0]), expected)).toBe(0);
      }
    }
  });
});
