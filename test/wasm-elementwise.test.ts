// The wasm elementwise family: unary ops against float64 Math, Fused programs, FusedReduce and Softmax.
import { describe, it, expect } from 'vitest';
import { BinaryOp, FusedKind, Kernel, ReduceOp, Status, UnaryOp } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32 } from '../src/graph/dtypes.js';
import {
  build, bytesOf, expectInvalid, f32, f32bits, i32, ok, program, reduceAxes, registerBlockCase, run, runFresh, softmaxRows,
} from './plan-helpers.js';
import { backend, compute, expectNoTrapOnCorruption, moduleBuilds } from './wasm-helpers.js';

/** Asserts |got - want| <= atol + rtol |want|, with NaN and infinities matching exactly. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 2e-6, atol = 0, label = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (Number.isNaN(w) || !Number.isFinite(w)) { expect(g, `${label}[${i}]`).toBe(w); continue; }
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) expect.fail(`${label}[${i}]: got ${g}, want ${w}`); // NaN fails too
  }
}

const unaryCases: [string, number, (x: number) => number, number[], number?][] = [
  ['exp', UnaryOp.Exp, Math.exp, [-87, -20, -1e-3, 0, 1e-6, 0.3, 1, 5.5, 30, 88, 88.7, 89, 100, -104, -Infinity, Infinity, NaN]],
  ['expm1', UnaryOp.Expm1, Math.expm1, [-30, -1, -0.4, -0.3, -1e-5, 1e-7, 0.2, 0.35, 0.5, 3, 20, 88, Infinity, -Infinity, NaN]],
  ['log', UnaryOp.Log, Math.log, [1e-40, 1e-30, 0.001, 0.5, 0.70710678, 1, 1.0001, 2, 10, 3e38, 0, -1, Infinity, NaN]],
  ['log1p', UnaryOp.Log1p, Math.log1p, [-1, -0.999, -0.5, -1e-5, 1e-8, 3e-4, 0.1, 1, 1e3, 1e30, -2, Infinity, NaN]],
  ['sigmoid', UnaryOp.Sigmoid, (x) => 1 / (1 + Math.exp(-x)), [-80, -20, -3, -0.1, 0, 0.1, 3, 20, 80, Infinity, -Infinity, NaN]],
  ['tanh', UnaryOp.Tanh, Math.tanh, [-20, -3, -0.7, -0.625, -0.1, -1e-6, 1e-6, 0.3, 0.6, 0.65, 2, 9, 20, Infinity, -Infinity, NaN]],
  ['sin', UnaryOp.Sin, Math.sin, [-100, -3, -1.5, -0.1, 1e-6, 0.5, 1, 1.6, 3.1, 6, 50, 1000, 1e5, 1e7, Infinity, NaN], 1e-6],
  ['cos', UnaryOp.Cos, Math.cos, [-100, -3, -1.5, -0.1, 0, 0.5, 1, 1.6, 3.1, 6, 50, 1000, 1e5, 1e7, Infinity, NaN], 1e-6],
  ['elu', UnaryOp.Elu, (x) => (x > 0 ? x : Math.expm1(x)), [-30, -1, -1e-4, 0, 1e-4, 2, NaN]],
  ['softplus', UnaryOp.Softplus, (x) => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x))), [-40, -20.5, -5, 0, 1e-3, 5, 19.9, 25, NaN]],
];

describe('wasm backend: unary elementwise ops', () => {
  it.each(unaryCases)('computes %s within a few ulp of float64 Math (SIMD body and scalar tail)', (name, op, ref, points, atol = 0) => {
    const sweep = Array.from({ length: 997 }, (_, i) => (name === 'log' || name === 'log1p' ? Math.exp((i - 500) / 20) : (i - 498) / 25));
    const x = Float32Array.from([...points, ...sweep]);
    const got = new Float32Array(compute([[float32, [x.length], x]], [float32, [x.length]], Kernel.Unary, [op]));
    expectClose(got, Array.from(x, (v) => Math.fround(ref(v))), 2e-6, atol, name);
  });

  it('keeps the sign of zero where Math does', () => {
    const x = new Float32Array([-0, 0, -0, 0, -0]);
    for (const op of [UnaryOp.Expm1, UnaryOp.Log1p, UnaryOp.Tanh, UnaryOp.Sin]) {
      const got = new Float32Array(compute([[float32, [5], x]], [float32, [5]], Kernel.Unary, [op]));
      got.forEach((v, i) => expect(Object.is(v, x[i])).toBe(true));
    }
  });

  it('applies LeakyRelu with its param and 0.2 when absent, and Sign', () => {
    const x = new Float32Array([-2, -0.5, 0, 3, NaN, -10, 7, 1]);
    const alpha = f32bits(0.01);
    expect(f32(compute([[float32, [8], x]], [float32, [8]], Kernel.Unary, [UnaryOp.LeakyRelu])))
      .toEqual(Array.from(x, (v) => (v >= 0 ? v : Math.fround(Math.fround(0.2) * v))));
    expect(f32(compute([[float32, [8], x]], [float32, [8]], Kernel.Unary, [UnaryOp.LeakyRelu, alpha])))
      .toEqual(Array.from(x, (v) => (v >= 0 ? v : Math.fround(Math.fround(0.01) * v))));
    expect(f32(compute([[float32, [8], x]], [float32, [8]], Kernel.Unary, [UnaryOp.Sign]))).toEqual([-1, -1, 0, 1, NaN, -1, 1, 1]);
  });

  it('rejects LogicalNot on float32 and more than two attributes', () => {
    const session = backend.createSession({});
    const one = (attrs: number[]) => build([{ dtype: float32, shape: [2] }, { dtype: float32, shape: [2] }], [[Kernel.Unary, [0], [1], attrs]], [0], [1]);
    expectInvalid(session, one([UnaryOp.LogicalNot]));
    expectInvalid(session, one([UnaryOp.Cos + 1]));
    expectInvalid(session, one([UnaryOp.LeakyRelu, 0, 0]));
    session.close();
  });
});

// ---- Fused, FusedReduce, Softmax ------------------------------------------------------

const F = float32.code;
const I = int32.code;
const B = bool.code;

/** Reads element `i` of an input of `shape` broadcast to `out` (numpy rules). */
function broadcastAt(data: ArrayLike<number>, shape: number[], out: number[], i: number): number {
  let offset = 0;
  let stride = 1;
  for (let k = out.length - 1, j = shape.length - 1; k >= 0; k--, j--) {
    const c = i % out[k];
    i = Math.floor(i / out[k]);
    if (j >= 0 && shape[j] !== 1) offset += c * stride;
    if (j >= 0) stride *= shape[j];
  }
  return data[offset];
}

const ramp = (n: number, scale: number, shift = 0) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37 + shift) * scale));

describe('wasm backend: Fused', () => {
  it('runs a program mixing unary, binary, select, cast and const over scalar, row, column and N-d broadcasts', () => {
    const out = [2, 3, 700];
    const n = 2 * 3 * 700;
    const shapes = [out, [], [700], [3, 1], [2, 1, 700]];
    const data = shapes.map((s, k) => ramp(s.reduce((p, d) => p * d, 1), 2, k));
    const instrs = [
      [FusedKind.Binary, BinaryOp.Mul, F, 0, 1],      // 5: a * s
      [FusedKind.Binary, BinaryOp.Add, F, 5, 2],      // 6: + row
      [FusedKind.Const, 0, F, f32bits(0.5)],             // 7: 0.5
      [FusedKind.Binary, BinaryOp.Mul, F, 3, 7],      // 8: col * 0.5
      [FusedKind.Binary, BinaryOp.Sub, F, 6, 8],      // 9
      [FusedKind.Unary, UnaryOp.Tanh, F, 9],          // 10
      [FusedKind.Binary, BinaryOp.Greater, B, 4, 7],  // 11: d > 0.5
      [FusedKind.Select, 0, F, 11, 10, 4],            // 12: d > 0.5 ? tanh : d
      [FusedKind.Cast, 0, F, 11],                     // 13: 0 or 1
      [FusedKind.Unary, UnaryOp.LeakyRelu, F, 12, 0, f32bits(0.1)], // 14
      [FusedKind.Binary, BinaryOp.Add, F, 14, 13],    // 15
    ];
    const got = new Float32Array(compute(shapes.map((s, k) => [float32, s, data[k]]), [float32, out], Kernel.Fused, program(...instrs)));
    const fr = Math.fround;
    const want = Array.from({ length: n }, (_, i) => {
      const [a, s, r, c, d] = shapes.map((sh, k) => broadcastAt(data[k], sh, out, i));
      const t = Math.tanh(fr(fr(fr(a * s) + r) - fr(c * 0.5)));
      const sel = d > 0.5 ? t : d;
      return (sel >= 0 ? sel : fr(fr(0.1) * sel)) + (d > 0.5 ? 1 : 0);
    });
    expectClose(got, want, 2e-6, 1e-7, 'fused');
  });

  it('computes int32 and bool programs exactly, constant-only programs, and in place', () => {
    const x = new Int32Array([-7, 7, -7, 7, 9, 0, 100]);
    const y = new Int32Array([2, -2, -2, 2, 4, 3, 7]);
    const divmod = program([FusedKind.Binary, BinaryOp.Div, I, 0, 1], [FusedKind.Const, 0, I, 3], [FusedKind.Binary, BinaryOp.FloorMod, I, 2, 3]);
    expect(i32(compute([[int32, [7], x], [int32, [7], y]], [int32, [7]], Kernel.Fused, divmod)))
      .toEqual([-4, -4, 3, 3, 2, 0, 14].map((q) => ((q % 3) + 3) % 3));
    const notLess = program([FusedKind.Const, 0, I, 5], [FusedKind.Binary, BinaryOp.Less, B, 0, 1], [FusedKind.Unary, UnaryOp.LogicalNot, B, 2]);
    expect(Array.from(new Uint8Array(compute([[int32, [7], x]], [bool, [7]], Kernel.Fused, notLess)))).toEqual([0, 1, 0, 1, 1, 0, 1]);
    const constant = program([FusedKind.Const, 0, F, f32bits(2)], [FusedKind.Unary, UnaryOp.Exp, F, 0]);
    expect(f32(compute([], [float32, [3, 2]], Kernel.Fused, constant))).toEqual(Array(6).fill(Math.fround(Math.exp(2))));
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: float32, shape: [5] }, { dtype: float32, shape: [5] }],
      [[Kernel.Copy, [0], [1]], [Kernel.Fused, [1], [1], program([FusedKind.Unary, UnaryOp.Square, F, 0], [FusedKind.Binary, BinaryOp.Add, F, 1, 0])]], [0], [1]));
    expect(f32(run(session, plan, [new Float32Array([1, 2, 3, -4, 0.5])])[0])).toEqual([2, 6, 12, 12, 0.75]);
    session.close();
  });

  it('stops on an int32 division by zero inside the program, tensor or constant divisor', () => {
    const session = backend.createSession({});
    const divide = (divisor: number[]) => build([{ dtype: int32, shape: [3] }, { dtype: int32, shape: [3] }, { dtype: int32, shape: [3] }],
      [[Kernel.Copy, [0], [2]], [Kernel.Fused, [0, 1], [2], program(...divisor.length ? [[FusedKind.Binary, BinaryOp.Div, I, 0, 1]]
        : [[FusedKind.Const, 0, I, 0], [FusedKind.Binary, BinaryOp.FloorMod, I, 0, 2]])]], [0, 1], [2]);
    const plan = session.loadPlan(divide([1]));
    expect(session.run(plan, [bytesOf(new Int32Array([1, 2, 3])), bytesOf(new Int32Array([1, 0, 1]))])).toEqual({ status: Status.IntegerDivisionByZero, step: 1, arg: 0 });
    expect(i32(run(session, plan, [new Int32Array([9, -9, 4]), new Int32Array([2, 2, -3])])[0])).toEqual([4, -5, -2]);
    const constant = session.loadPlan(divide([]));
    expect(session.run(constant, [bytesOf(new Int32Array([1, 2, 3])), bytesOf(new Int32Array([1, 1, 1]))])).toMatchObject({ status: Status.IntegerDivisionByZero, step: 1 });
    session.close();
  });

  it('rejects malformed programs with INVALID_PLAN', () => {
    const session = backend.createSession({});
    const fused = (attrs: number[], shapes: number[][] = [[4], [4]], dtypes = [float32, float32], out: [DType, number[]] = [float32, [4]]) =>
      build([...shapes.map((shape, k) => ({ dtype: dtypes[k], shape })), { dtype: out[0], shape: out[1] }],
        [[Kernel.Fused, shapes.map((_, k) => k), [shapes.length], attrs]], shapes.map((_, k) => k), [shapes.length]);
    const add = [FusedKind.Binary, BinaryOp.Add, F, 0, 1];
    session.loadPlan(fused(program(add))); // the valid baseline loads
    expectInvalid(session, fused(program([FusedKind.Binary, BinaryOp.Add, F, 0, 2]))); // register 2 not yet defined
    expectInvalid(session, fused(program([FusedKind.Binary, BinaryOp.Add, F, 0, -1])));
    expectInvalid(session, fused(program([FusedKind.Unary, UnaryOp.Exp, F, 5])));
    expectInvalid(session, fused(program(add), [[4], [4]], [float32, int32])); // mixed input dtypes
    expectInvalid(session, fused(program([FusedKind.Binary, BinaryOp.Less, F, 0, 1]))); // comparison must give bool
    expectInvalid(session, fused(program([FusedKind.Unary, UnaryOp.LogicalNot, F, 0])));
    expectInvalid(session, fused(program([FusedKind.Select, 0, F, 0, 1, 1]))); // cond not bool
    expectInvalid(session, fused(program([FusedKind.Const, 0, 7, 1]))); // unknown dtype
    expectInvalid(session, fused(program([FusedKind.Binary, 99, F, 0, 1])));
    expectInvalid(session, fused(program([FusedKind.Cast, 0, I, 0]))); // last register int32, output float32
    expectInvalid(session, fused(program([9, 0, F, 0, 1])));
    expectInvalid(session, fused([2, ...add])); // nInstr larger than the attrs
    expectInvalid(session, fused([-1]));
    expectInvalid(session, fused(program(add), [[4], [3]])); // not broadcastable
    expectInvalid(session, fused([0], [], [], [float32, [4]])); // no registers at all
    expectInvalid(session, fused(program(add), [[4], [4]], [float32, float32], [float32, [8]])); // output not the broadcast shape
    session.close();
  });
});

describe('wasm backend: Fused register blocks (float32 programs over full-size and one-value inputs)', () => {
  // Within each build of the module, the block path must give the bits of the tile path's row functions.
  const modules = moduleBuilds();
  const { spec, inputs, firstDifference } = registerBlockCase();

  it('runs on both module builds', () => {
    expect(modules.map(([name]) => name)).toEqual(['simd', 'relaxed-simd']);
  });

  // Whole blocks, then a tail for the tile path (5 * 512 + 3 * 128 + 77); then over 4 MiB of each input.
  it.each(modules.flatMap(([name, wasm]) => [5 * 512 + 3 * 128 + 77, (1 << 20) + 77].map((n) => [name, n, wasm] as const)))(
    '%s module, %i elements: the bits of the same ops run as separate steps', (_name, n, wasm) => {
      const x = inputs(n);
      const want = ok(runFresh(wasm, spec(n, false), x))[0];
      expect(new Float32Array(want).some((v) => Number.isFinite(v) && v !== 0)).toBe(true); // not NaN throughout
      expect(firstDifference(ok(runFresh(wasm, spec(n, true), x))[0], want)).toBe(-1);
    });
});

describe('wasm backend: FusedReduce', () => {
  /** float64 reference: program values over dims, reduced over axes first..last. */
  function reference(values: (i: number) => number, dims: number[], first: number, last: number, op: number): number[] {
    return reduceAxes(values, dims, first, last, (xs) => {
      const sum = xs.reduce((s, v) => s + v, 0);
      return op === ReduceOp.Sum ? sum : op === ReduceOp.Mean ? sum / xs.length : op === ReduceOp.Max ? Math.max(...xs) : Math.min(...xs);
    });
  }

  const cases: [string, number[], number, number][] = [
    ['inner axis', [7, 5, 1100], 2, 2], ['middle axis', [7, 300, 33], 1, 1], ['outer axis', [250, 3, 41], 0, 0],
    ['leading axes', [40, 30, 9], 0, 1], ['a wide strided reduction', [90, 3000], 0, 0], ['a long row', [2, 10000], 1, 1],
  ];
  it.each(cases)('reduces sum, mean and max over %s', (_, dims, first, last) => {
    const total = dims.reduce((p, d) => p * d, 1);
    const x = ramp(total, 3);
    const w = ramp(dims[dims.length - 1], 1, 5);
    // values = square(x) * w - 0.5, with w broadcast along the last axis
    const prog = program([FusedKind.Unary, UnaryOp.Square, F, 0], [FusedKind.Binary, BinaryOp.Mul, F, 2, 1],
      [FusedKind.Const, 0, F, f32bits(0.5)], [FusedKind.Binary, BinaryOp.Sub, F, 3, 4]);
    const fr = Math.fround;
    const values = (i: number) => fr(fr(fr(x[i] * x[i]) * w[i % w.length]) - 0.5);
    const outShape = dims.filter((_, k) => k < first || k > last);
    for (const op of [ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max]) {
      const got = new Float32Array(compute([[float32, dims, x], [float32, [w.length], w]], [float32, outShape], Kernel.FusedReduce,
        [op, dims.length, ...dims, first, last, ...prog]));
      expectClose(got, reference(values, dims, first, last, op), op === ReduceOp.Max ? 0 : 2e-5, 1e-4, `op ${op}`);
    }
  });

  it('reduces int32 exactly, bool with Any, and empty axes to the identity', () => {
    const x = Int32Array.from({ length: 6 * 7 }, (_, i) => i - 20);
    const sum = compute([[int32, [6, 7], x]], [int32, [7]], Kernel.FusedReduce,
      [ReduceOp.Sum, 2, 6, 7, 0, 0, ...program([FusedKind.Binary, BinaryOp.Mul, I, 0, 0])]);
    expect(i32(sum)).toEqual(Array.from({ length: 7 }, (_, j) => Array.from({ length: 6 }, (_, k) => x[k * 7 + j] ** 2).reduce((s, v) => s + v, 0)));
    const any = compute([[int32, [6, 7], x]], [bool, [6]], Kernel.FusedReduce,
      [ReduceOp.Any, 2, 6, 7, 1, 1, ...program([FusedKind.Const, 0, I, 20], [FusedKind.Binary, BinaryOp.Greater, B, 0, 1])]);
    expect(Array.from(new Uint8Array(any))).toEqual([0, 0, 0, 0, 0, 1]);
    const empty = compute([[float32, [3, 0], new Float32Array(0)]], [float32, [3]], Kernel.FusedReduce,
      [ReduceOp.Max, 2, 3, 0, 1, 1, ...program([FusedKind.Unary, UnaryOp.Exp, F, 0])]);
    expect(f32(empty)).toEqual([-Infinity, -Infinity, -Infinity]);
    const broadcastOnly = compute([[float32, [4], new Float32Array([1, 2, 3, 4])]], [float32, [4]], Kernel.FusedReduce,
      [ReduceOp.Sum, 2, 3, 4, 0, 0, ...program([FusedKind.Unary, UnaryOp.Identity, F, 0])]); // x broadcast over 3 rows
    expect(f32(broadcastOnly)).toEqual([3, 6, 9, 12]);
  });

  it('rejects malformed FusedReduce steps with INVALID_PLAN', () => {
    const session = backend.createSession({});
    const step = (attrs: number[], out: [DType, number[]] = [float32, [3]]) =>
      build([{ dtype: float32, shape: [3, 4] }, { dtype: out[0], shape: out[1] }], [[Kernel.FusedReduce, [0], [1], attrs]], [0], [1]);
    const id = program([FusedKind.Unary, UnaryOp.Identity, F, 0]);
    session.loadPlan(step([ReduceOp.Sum, 2, 3, 4, 1, 1, ...id]));
    expectInvalid(session, step([ReduceOp.Sum, 2, 3, 4, 1, 0, ...id])); // first > last
    expectInvalid(session, step([ReduceOp.Sum, 2, 3, 4, 1, 2, ...id])); // last out of range
    expectInvalid(session, step([ReduceOp.Sum, 2, 3, 4, 0, 0, ...id])); // y would have 4 elements
    expectInvalid(session, step([ReduceOp.Sum, 2, 3, 5, 1, 1, ...id])); // x does not broadcast to dims
    expectInvalid(session, step([ReduceOp.Any, 2, 3, 4, 1, 1, ...id])); // Any needs bool
    expectInvalid(session, step([ReduceOp.Sum, 9, 3, 4, 1, 1, ...id]));
    expectInvalid(session, step([ReduceOp.Sum, 2, 3, 4, 1, 1, 1]));
    session.close();
  });
});

describe('wasm backend: Softmax', () => {
  it.each([[false], [true]])('matches float64 with log = %s, incl. large values and rows of -inf', (log) => {
    const cols = 37;
    const x = ramp(9 * cols, 8);
    x.fill(1000, cols, cols + 5); // large but equal: still finite
    x[2 * cols + 3] = 3e38;
    x.fill(-Infinity, 3 * cols + 1, 4 * cols); // one finite value, the rest -inf
    const got = new Float32Array(compute([[float32, [9, cols], x]], [float32, [9, cols]], Kernel.Softmax, [9, cols, log ? 1 : 0]));
    expectClose(got, softmaxRows(x, cols, log), 4e-6, 1e-6, log ? 'logsoftmax' : 'softmax');
    const dead = compute([[float32, [2, 3], new Float32Array([-Infinity, -Infinity, -Infinity, 1, 2, 3])]], [float32, [2, 3]], Kernel.Softmax, [2, 3, log ? 1 : 0]);
    expect(f32(dead).slice(0, 3)).toEqual([NaN, NaN, NaN]);
  });

  it('runs in place and rejects bad shapes', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2, 2] }],
      [[Kernel.Copy, [0], [1]], [Kernel.Softmax, [1], [1], [2, 2, 0]]], [0], [1]));
    expectClose(new Float32Array(run(session, plan, [new Float32Array([0, Math.log(3), 5, 5])])[0]), [0.25, 0.75, 0.5, 0.5]);
    const bad = (attrs: number[], dtype = float32) => build([{ dtype, shape: [2, 3] }, { dtype, shape: [2, 3] }], [[Kernel.Softmax, [0], [1], attrs]], [0], [1]);
    expectInvalid(session, bad([3, 3, 0]));
    expectInvalid(session, bad([2, 3, 2]));
    expectInvalid(session, bad([2, 3]));
    expectInvalid(session, bad([2, 3, 0], int32));
    session.close();
  });

  it('never traps on corrupted Fused, FusedReduce and Softmax plans', () => {
    const session = backend.createSession({});
    const good = build(
      [{ dtype: float32, shape: [4, 6] }, { dtype: float32, shape: [6] }, { dtype: int32, shape: [4, 1] }, { dtype: float32, shape: [4, 6] },
        { dtype: float32, shape: [4] }, { dtype: float32, shape: [4, 6] }],
      [[Kernel.Fused, [0, 1, 2], [3], program([FusedKind.Cast, 0, F, 2], [FusedKind.Binary, BinaryOp.Div, F, 0, 3], [FusedKind.Unary, UnaryOp.Sin, F, 4],
        [FusedKind.Binary, BinaryOp.Greater, B, 5, 1], [FusedKind.Select, 0, F, 6, 5, 1])],
      [Kernel.FusedReduce, [3, 2], [4], [ReduceOp.Mean, 2, 4, 6, 1, 1, ...program([FusedKind.Cast, 0, F, 1], [FusedKind.Binary, BinaryOp.Mul, F, 0, 2])]],
      [Kernel.Softmax, [3], [5], [4, 6, 1]]],
      [0, 1, 2], [4, 5]);
    const feeds = () => [new Uint8Array(96), new Uint8Array(24), new Uint8Array(16)];
    session.run(session.loadPlan(good), feeds());
    const values = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20];
    expectNoTrapOnCorruption(session, good, feeds, { seed: 777, trials: 4000, maxEdits: 2, values });
    session.close();
  });
});
