// The native elementwise family: unary ops against float64 Math, Fused programs, FusedReduce and Softmax.
import { describe, it, expect } from 'vitest';
import { BinaryOp, DTypeCode, FusedKind, Kernel, ReduceOp, Status, UnaryOp, type KernelId } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32 } from '../src/graph/dtypes.js';
import { isRunFailure } from '../src/runtime/backend.js';
import {
  encoded, expectCode, f32, f32bits, i32, mulAddFoldCases, program, reduceAxes, registerBlockCase, softmaxRows, type PlanSpec,
} from './plan-helpers.js';
import { backend, fetchAll, fetchWith, runPlan } from './native-helpers.js';

describe('native backend: elementwise family, Fused, FusedReduce, Softmax', () => {
  const { Unary: U, Binary: B, Select: S, Cast: C, Const: K } = FusedKind;
  const F = DTypeCode.float32, I = DTypeCode.int32, L = DTypeCode.bool;

  /** Every element within rtol of the float64 reference (NaN where it is NaN, infinities exact). */
  function expectClose(got: number[], want: number[], rtol = 2e-6, atol = 1e-37): void {
    expect(got.length).toBe(want.length);
    got.forEach((g, k) => {
      const w = want[k];
      if (Number.isNaN(w) || !Number.isFinite(w)) {
        if (!Object.is(g, w)) expect({ k, got: g }).toEqual({ k, got: w });
        return;
      }
      if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) expect({ k, got: g, rel: Math.abs(g - w) / Math.abs(w) }).toEqual({ k, got: w });
    });
  }

  function unarySpec(op: number, n: number, param?: number): PlanSpec {
    return {
      buffers: [{ dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }],
      steps: [[Kernel.Unary, [0], [1], param === undefined ? [op] : [op, f32bits(param)]]], feeds: [0], fetches: [1],
    };
  }

  // A long run (vector body and tail) of values across each function's range, plus the special values.
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 88.5, -87, -100, 100];
  const sweep = (lo: number, hi: number) => Float32Array.from(
    [...specials, ...Array.from({ length: 1001 }, (_, k) => lo + ((hi - lo) * k) / 1000)]);
  const unaryCases: [string, number, (x: number) => number, Float32Array][] = [
    ['Exp', UnaryOp.Exp, Math.exp, sweep(-104, 89)],
    ['Expm1', UnaryOp.Expm1, Math.expm1, sweep(-25, 89)],
    ['Tanh', UnaryOp.Tanh, Math.tanh, sweep(-12, 12)],
    // far below 0 it is e^x, down into the subnormals (as TensorFlow), not 0 once e^-x overflows
    ['Sigmoid', UnaryOp.Sigmoid, (x) => 1 / (1 + Math.exp(-x)), sweep(-110, 40)],
    ['Elu', UnaryOp.Elu, (x) => (x > 0 ? x : Math.expm1(x)), sweep(-30, 30)],
    ['Softplus', UnaryOp.Softplus, (x) => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x))), sweep(-40, 40)],
    ['Log1p', UnaryOp.Log1p, Math.log1p, sweep(-1, 1e6)],
    ['Sin', UnaryOp.Sin, Math.sin, sweep(-100, 100)],
    ['Cos', UnaryOp.Cos, Math.cos, sweep(-100, 100)],
    ['LeakyRelu (default alpha)', UnaryOp.LeakyRelu, (x) => (x >= 0 ? x : Math.fround(0.2) * x), sweep(-5, 5)],
  ];
  it.each(unaryCases)('computes %s like float64 Math', (_name, op, ref, x) => {
    const want = Array.from(x, (v) => ref(v));
    // Results outside the normal float32 range round (to 0, subnormals or infinity); compare against the rounded reference there.
    const rounded = want.map((w) => (Math.abs(w) < 1.2e-38 || Math.abs(w) > 3.4e38 ? Math.fround(w) : w));
    expectClose(f32(fetchAll(unarySpec(op, x.length), [x])[0]), rounded, 2e-6, 1.5e-45);
  });

  it('uses the LeakyRelu param when given', () => {
    const x = new Float32Array([-2, -0.5, 0, 3, NaN]);
    expect(f32(fetchAll(unarySpec(UnaryOp.LeakyRelu, 5, 0.5), [x])[0])).toEqual([-1, -0.25, 0, 3, NaN]);
  });

  /** A Fused step over fed inputs (dtype, shape) to an output (dtype, shape). */
  function fusedSpec(inputs: [DType, number[]][], out: [DType, number[]], attrs: number[], kernel: KernelId = Kernel.Fused): PlanSpec {
    const buffers = [...inputs, out].map(([dtype, shape]) => ({ dtype, shape }));
    const ids = inputs.map((_, k) => k);
    return { buffers, steps: [[kernel, ids, [inputs.length], attrs]], feeds: ids, fetches: [inputs.length] };
  }
  const ramp = (n: number, f: (k: number) => number) => Float32Array.from({ length: n }, (_, k) => f(k));

  it('runs a Fused program mixing every kind with scalar, row, column and N-d broadcasts', () => {
    // y[i,j,k] = leakyRelu(select(t > nd*0.5, tanh(t), float(n) - s), 0.1) with t = a*row + col
    const a = ramp(24, (k) => k / 7 - 1.5), row = ramp(4, (k) => k - 1.25), col = ramp(3, (k) => 0.5 - k);
    const s = new Float32Array([0.75]), nd = ramp(8, (k) => (k % 5) - 2), n = new Int32Array([3, -4]);
    const spec = fusedSpec(
      [[float32, [2, 3, 4]], [float32, [4]], [float32, [3, 1]], [float32, []], [float32, [2, 1, 4]], [int32, [2, 1, 1]]],
      [float32, [2, 3, 4]],
      program([B, BinaryOp.Mul, F, 0, 1, 0], [B, BinaryOp.Add, F, 6, 2, 0], [K, 0, F, f32bits(0.5), 0, 0],
        [B, BinaryOp.Mul, F, 4, 8, 0], [B, BinaryOp.Greater, L, 7, 9, 0], [U, UnaryOp.Tanh, F, 7, 0, 0],
        [C, 0, F, 5, 0, 0], [B, BinaryOp.Sub, F, 12, 3, 0], [S, 0, F, 10, 11, 13], [U, UnaryOp.LeakyRelu, F, 14, 0, f32bits(0.1)]),
    );
    const want: number[] = [];
    const fr = Math.fround;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      const t = fr(fr(a[i * 12 + j * 4 + k] * row[k]) + col[j]);
      const v = t > fr(nd[i * 4 + k] * 0.5) ? Math.tanh(t) : fr(n[i] - s[0]);
      want.push(v >= 0 ? v : fr(0.1) * v);
    }
    expectClose(f32(fetchAll(spec, [a, row, col, s, nd, n])[0]), want);
  });

  it('broadcasts Fused inputs across many tiles', () => {
    const [P, Q, R] = [3, 1000, 7];
    const col = ramp(P * Q, (k) => (k % 13) - 6), row = ramp(R, (k) => k * 0.5), nd = ramp(P * R, (k) => k);
    const spec = fusedSpec([[float32, [P, Q, 1]], [float32, [R]], [float32, [P, 1, R]]], [float32, [P, Q, R]],
      program([B, BinaryOp.Mul, F, 0, 1, 0], [B, BinaryOp.Add, F, 3, 2, 0]));
    const want: number[] = [];
    for (let i = 0; i < P; i++) for (let j = 0; j < Q; j++) for (let k = 0; k < R; k++) {
      want.push(Math.fround(Math.fround(col[i * Q + j] * row[k]) + nd[i * R + k]));
    }
    expect(f32(fetchAll(spec, [col, row, nd])[0])).toEqual(want);
  });

  it('runs Fused programs that are only an input or only constants', () => {
    const copy = fusedSpec([[int32, [2, 1]]], [int32, [2, 3]], program());
    expect(i32(fetchAll(copy, [new Int32Array([4, -5])])[0])).toEqual([4, 4, 4, -5, -5, -5]);
    const constant = fusedSpec([[float32, [3]]], [float32, [3]], program([K, 0, F, f32bits(2.5), 0, 0], [U, UnaryOp.Neg, F, 1, 0, 0]));
    expect(f32(fetchAll(constant, [new Float32Array(3)])[0])).toEqual([-2.5, -2.5, -2.5]);
  });

  it('computes int32 and bool Fused programs bit-exactly and stops on division by zero', () => {
    const spec = fusedSpec([[int32, [2, 3]], [int32, [2, 1]]], [bool, [2, 3]],
      program([B, BinaryOp.Div, I, 0, 1, 0], [K, 0, I, -2, 0, 0], [B, BinaryOp.Less, L, 2, 3, 0], [U, UnaryOp.LogicalNot, L, 4, 0, 0]));
    const a = new Int32Array([-7, 7, 9, -(2 ** 31), 5, 0]);
    // not(a // b < -2) with floor division: [-4, 3, 4] by 2; [INT32_MIN (wraps), -5, 0] by -1
    expect(Array.from(new Uint8Array(fetchAll(spec, [a, new Int32Array([2, -1])])[0]))).toEqual([0, 1, 1, 0, 0, 1]);
    const failure = runPlan(spec, [a, new Int32Array([2, 0])]);
    expect(isRunFailure(failure) && failure.status).toBe(Status.IntegerDivisionByZero);
  });

  /** FusedReduce of x*x over dims with axes first..last. */
  function reduceSpec(op: number, dims: number[], first: number, last: number, outShape: number[], dtype = float32): PlanSpec {
    const code = dtype === float32 ? F : I;
    return fusedSpec([[dtype, dims]], [dtype, outShape],
      [op, dims.length, ...dims, first, last, ...program([B, BinaryOp.Mul, code, 0, 0, 0])], Kernel.FusedReduce);
  }
  const reduceRef = (x: ArrayLike<number>, dims: number[], first: number, last: number, fold: (v: number[]) => number) =>
    reduceAxes((k) => Math.fround(x[k] * x[k]), dims, first, last, fold);
  const sum = (v: number[]) => v.reduce((p, q) => p + q, 0);
  const folds: [string, number, (v: number[]) => number][] = [
    ['sum', ReduceOp.Sum, sum], ['mean', ReduceOp.Mean, (v) => sum(v) / v.length], ['max', ReduceOp.Max, (v) => Math.max(...v)],
  ];
  const axes: [string, number, number][] = [['inner', 2, 2], ['middle', 1, 1], ['outer', 0, 0], ['outer two', 0, 1]];
  for (const [foldName, op, fold] of folds) {
    it.each(axes)(`FusedReduce ${foldName} over the %s axes`, (_name, first, last) => {
      const dims = [6, 50, 9];
      const x = ramp(6 * 50 * 9, (k) => Math.sin(k) * 3);
      const outShape = dims.filter((_, d) => d < first || d > last);
      expectClose(f32(fetchAll(reduceSpec(op, dims, first, last, outShape), [x])[0]), reduceRef(x, dims, first, last, fold), 1e-5);
    });
  }

  it('streams a large Fused result out the same with 1, 2 and 3 threads, tail tile included', () => {
    // Over 4 MiB: tiles are computed into scratch and streamed out while the next is computed.
    const n = (1 << 20) + 77;
    const x = ramp(n, (k) => ((k % 2001) - 1000) / 100);
    const spec = fusedSpec([[float32, [n]]], [float32, [n]],
      program([K, 0, F, f32bits(1.5), 0, 0], [B, BinaryOp.Mul, F, 0, 1, 0], [U, UnaryOp.Tanh, F, 2, 0, 0],
        [U, UnaryOp.Sigmoid, F, 0, 0, 0], [B, BinaryOp.Mul, F, 3, 4, 0]));
    const [one, two, three] = [1, 2, 3].map((threads) => new Float32Array(fetchWith(threads, spec, [x])[0]));
    const firstDifference = (a: Float32Array) => a.findIndex((v, k) => !Object.is(v, one[k]));
    expect([firstDifference(two), firstDifference(three)]).toEqual([-1, -1]);
    const off = one.findIndex((g, k) => {
      const w = Math.tanh(Math.fround(x[k] * 1.5)) / (1 + Math.exp(-x[k]));
      return !(Math.abs(g - w) <= 1e-6 * Math.abs(w) + 1e-30);
    });
    expect(off).toBe(-1);
  });

  describe('multiply-add folding (a Mul by a scalar run inside its one Add or Sub reader)', () => {
    const { n, x, y, k, constant, mul, add, cases } = mulAddFoldCases();
    const fr = Math.fround;
    const run = (instrs: number[][]) => new Float32Array(fetchAll(
      fusedSpec([[float32, [n]], [float32, [n]]], [float32, [n]], program(constant, ...instrs)), [x, y])[0]);
    it.each(cases)('%s gives the bits of the two instructions', (_name, instrs, want) => {
      const got = run(instrs);
      const wanted = Float32Array.from(x, (a, i) => want(a, y[i]));
      expect(got.findIndex((v, i) => !Object.is(v, wanted[i]))).toBe(-1);
    });

    it('keeps the product\'s operand alive past instructions between the Mul and its reader', () => {
      // register 3 = -x feeds the folded Mul (4); the tanh (5) between them would otherwise take its tile
      const got = run([[U, UnaryOp.Neg, F, 0, 0, 0], mul(3, 2), [U, UnaryOp.Tanh, F, 1, 0, 0], add(4, 5)]);
      const tanhY = new Float32Array(fetchAll(unarySpec(UnaryOp.Tanh, n), [y])[0]);
      const wanted = Float32Array.from(x, (a, i) => fr(fr(-a * k) + tanhY[i]));
      expect(got.findIndex((v, i) => !Object.is(v, wanted[i]))).toBe(-1);
    });
  });

  describe('register blocks (float32 programs over full-size and one-value inputs)', () => {
    const { spec, inputs, firstDifference } = registerBlockCase();

    it('gives the bits of the same ops run as separate steps, blocks, tiles and the last partial block', () => {
      const n = 5 * 512 + 3 * 128 + 77;
      const x = inputs(n);
      expect(firstDifference(fetchAll(spec(n, true, false), x)[0], fetchAll(spec(n, false, false), x)[0])).toBe(-1);
    });

    it('streams a result past the last-level cache (64 MiB and more) with non-temporal stores, with 2 threads', () => {
      // Read by another step, so the Fused result is in the (aligned) arena: written with streamed stores.
      const n = (1 << 24) + 77;
      const x = new Float32Array(n);
      for (let k = 0; k < n; k++) x[k] = (k % 4099) - 2049.5;
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }],
        steps: [[Kernel.Fused, [0], [1], program([K, 0, F, f32bits(3), 0, 0], [B, BinaryOp.Mul, F, 0, 1, 0],
          [K, 0, F, f32bits(0.5), 0, 0], [B, BinaryOp.Add, F, 2, 3, 0])], [Kernel.Unary, [1], [2], [UnaryOp.Neg]]],
        feeds: [0], fetches: [2],
      };
      const got = new Float32Array(fetchWith(2, spec, [x])[0]);
      let wrong = got.length === n ? -1 : -2;
      for (let k = 0; k < n && wrong === -1; k++) if (got[k] !== -Math.fround(Math.fround(x[k] * 3) + 0.5)) wrong = k;
      expect(wrong).toBe(-1);
    });

    it('gives those bits in the arena, with 1 and 2 threads', () => {
      // Read by another step, so the Fused result is in the (aligned) arena.
      const n = (1 << 20) + 77;
      const x = inputs(n);
      const want = fetchAll(spec(n, false, true), x)[0];
      expect([1, 2].map((threads) => firstDifference(fetchWith(threads, spec(n, true, true), x)[0], want))).toEqual([-1, -1]);
    });
  });

  it('FusedReduce sums long rows accurately, with broadcast inputs, int32 and empty axes', () => {
    const n = 1 << 20;
    const spec = fusedSpec([[float32, []], [float32, [3, 1]]], [float32, [3]],
      [ReduceOp.Sum, 2, 3, n, 1, 1, ...program([B, BinaryOp.Mul, F, 0, 1, 0])], Kernel.FusedReduce);
    const got = f32(fetchAll(spec, [new Float32Array([0.1]), new Float32Array([1, 2, 3])])[0]);
    expectClose(got, [1, 2, 3].map((c) => Math.fround(Math.fround(0.1) * c) * n), 2e-6);
    const wide = fusedSpec([[float32, [1]]], [float32, [3]], [ReduceOp.Mean, 2, 20000, 3, 0, 0, ...program()], Kernel.FusedReduce);
    expectClose(f32(fetchAll(wide, [new Float32Array([0.1])])[0]), [0.1, 0.1, 0.1].map(Math.fround), 2e-6);
    const xi = new Int32Array(60).map((_, k) => k - 30);
    expect(i32(fetchAll(reduceSpec(ReduceOp.Sum, [3, 20], 1, 1, [3], int32), [xi])[0]))
      .toEqual(reduceRef(xi, [3, 20], 1, 1, sum));
    expect(i32(fetchAll(reduceSpec(ReduceOp.Mean, [3, 20], 1, 1, [3], int32), [xi])[0]))
      .toEqual(reduceRef(xi, [3, 20], 1, 1, (v) => Math.trunc(sum(v) / v.length)));
    const empty = (op: number) => f32(fetchAll(reduceSpec(op, [2, 0], 1, 1, [2]), [new Float32Array(0)])[0]);
    expect([empty(ReduceOp.Sum), empty(ReduceOp.Mean), empty(ReduceOp.Max)]).toEqual([[0, 0], [NaN, NaN], [-Infinity, -Infinity]]);
  });

  it.each([[false], [true]])('Softmax (log = %s) rows match float64, without overflow', (log) => {
    for (const cols of [1, 5, 37, 300]) {
      const rows = 3;
      const x = ramp(rows * cols, (k) => (k % 3 === 0 ? 1000 + (k % 17) : ((k * 7919) % 101) / 10 - 5));
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: [rows, cols] }, { dtype: float32, shape: [rows, cols] }],
        steps: [[Kernel.Softmax, [0], [1], [rows, cols, log ? 1 : 0]]], feeds: [0], fetches: [1],
      };
      expectClose(f32(fetchAll(spec, [x])[0]), softmaxRows(x, cols, log), 1e-5, 1e-30);
    }
  });

  it('Softmax gives NaN for a row of -inf', () => {
    const spec: PlanSpec = {
      buffers: [{ dtype: float32, shape: [2, 3] }, { dtype: float32, shape: [2, 3] }],
      steps: [[Kernel.Softmax, [0], [1], [2, 3, 0]]], feeds: [0], fetches: [1],
    };
    const got = f32(fetchAll(spec, [new Float32Array([-Infinity, -Infinity, -Infinity, 0, -Infinity, 0])])[0]);
    expect(got).toEqual([NaN, NaN, NaN, 0.5, 0, 0.5]);
  });

  const invalidPrograms: [string, PlanSpec][] = [
    ['an undefined register', fusedSpec([[float32, [2]]], [float32, [2]], program([U, UnaryOp.Exp, F, 1, 0, 0]))],
    ['a negative register', fusedSpec([[float32, [2]]], [float32, [2]], program([B, BinaryOp.Add, F, 0, -1, 0]))],
    ['operands of different dtypes', fusedSpec([[float32, [2]], [int32, [2]]], [float32, [2]], program([B, BinaryOp.Add, F, 0, 1, 0]))],
    ['a float condition', fusedSpec([[float32, [2]]], [float32, [2]], program([S, 0, F, 0, 0, 0]))],
    ['a comparison typed float', fusedSpec([[float32, [2]]], [float32, [2]], program([B, BinaryOp.Less, F, 0, 0, 0]))],
    ['a unary op the dtype lacks', fusedSpec([[int32, [2]]], [int32, [2]], program([U, UnaryOp.Exp, I, 0, 0, 0]))],
    ['a bad kind', fusedSpec([[float32, [2]]], [float32, [2]], program([7, 0, F, 0, 0, 0]))],
    ['an unknown dtype', fusedSpec([[float32, [2]]], [float32, [2]], program([K, 0, 2, 0, 0, 0]))],
    ['a result dtype unlike the output', fusedSpec([[float32, [2]]], [int32, [2]], program([U, UnaryOp.Exp, F, 0, 0, 0]))],
    ['a truncated program', fusedSpec([[float32, [2]]], [float32, [2]], [2, U, UnaryOp.Exp, F, 0, 0, 0])],
    ['an input that does not broadcast', fusedSpec([[float32, [3]]], [float32, [2]], program())],
    ['reduce axes outside the dims', fusedSpec([[float32, [2]]], [float32, [1]], [ReduceOp.Sum, 1, 2, 0, 1, ...program()], Kernel.FusedReduce)],
    ['a reduce output of the wrong size', fusedSpec([[float32, [2, 3]]], [float32, [3]], [ReduceOp.Sum, 2, 2, 3, 1, 1, ...program()], Kernel.FusedReduce)],
    ['Softmax rows * cols unlike the count', { buffers: [{ dtype: float32, shape: [6] }, { dtype: float32, shape: [6] }], steps: [[Kernel.Softmax, [0], [1], [4, 2, 0]]], feeds: [0], fetches: [1] }],
  ];
  it.each(invalidPrograms)('rejects a program with %s as INVALID_PLAN', (_name, spec) => {
    const session = backend.createSession({});
    expectCode(() => session.loadPlan(encoded(spec)), 'INVALID_PLAN');
    session.close();
  });
});
