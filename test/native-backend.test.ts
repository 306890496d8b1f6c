// The native (C++ addon) backend itself: loading, plan validation, sessions and basic kernels against hand-computed values.
import { existsSync, readdirSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { AssignMode, BinaryOp, Header, Kernel, ReduceOp, Status, UnaryOp } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32 } from '../src/graph/dtypes.js';
import type { RunFailure } from '../src/runtime/backend.js';
import { loadNativeAddon } from '../src/runtime/native-backend.js';
import { MAX, MIN, bytesOf, encoded, expectCode, f32, i32, type PlanSpec, type StepSpec } from './plan-helpers.js';
import { backend, expectNoCrashOnCorruption, fetchAll, runPlan } from './native-helpers.js';

/** y = a (op) b over fed int32 or float32 operands. */
function binarySpec(op: number, dtype: DType, aShape: number[], bShape: number[], yShape: number[], yDtype = dtype): PlanSpec {
  return {
    buffers: [{ dtype, shape: aShape }, { dtype, shape: bShape }, { dtype: yDtype, shape: yShape }],
    steps: [[Kernel.Binary, [0, 1], [2], [op]]],
    feeds: [0, 1],
    fetches: [2],
  };
}

const addOne: PlanSpec = {
  buffers: [{ dtype: float32, shape: [4] }, { dtype: float32, shape: [], data: new Float32Array([1]) }, { dtype: float32, shape: [4] }],
  steps: [[Kernel.Binary, [0, 1], [2], [BinaryOp.Add]]],
  feeds: [0],
  fetches: [2],
};


describe('native backend: loading', () => {
  it('loads the addon once per process', () => {
    expect(backend.name).toBe('native');
    expect(loadNativeAddon()).toBe(loadNativeAddon());
    expect(loadNativeAddon().planVersion).toBe(1);
  });
});

describe('native backend: invalid plans', () => {
  const valid = encoded(addOne).bytes;
  const words = (bytes: Uint8Array) => new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const corrupt = (edit: (w: Int32Array) => void) => {
    const copy = valid.slice();
    edit(words(copy));
    return copy;
  };
  const stepsAt = words(valid)[Header.StepsOffset];
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['truncated header', valid.slice(0, 40)],
    ['truncated body', valid.slice(0, valid.length - 64)],
    ['bad magic', corrupt((w) => { w[Header.Magic] = 0x12345678; })],
    ['future version', corrupt((w) => { w[Header.Version] = 99; })],
    ['unknown kernel', corrupt((w) => { w[stepsAt] = 99; })],
    ['kernel id 0', corrupt((w) => { w[stepsAt] = 0; })],
    ['input buffer id out of range', corrupt((w) => { w[stepsAt + 4] = 3; })],
    ['negative output buffer id', corrupt((w) => { w[stepsAt + 6] = -1; })],
    ['unknown binary op', corrupt((w) => { w[stepsAt + 7] = 99; })],
    ['step count past the end', corrupt((w) => { w[Header.NumSteps] = 1000; })],
    ['arena too small for a buffer', corrupt((w) => { w[Header.ArenaBytes] = 8; })],
    ['buffer table past the end', corrupt((w) => { w[Header.NumBuffers] = 1 << 30; })],
    ['fetch of a constant buffer', corrupt((w) => { w[w[Header.FetchesOffset]] = 1; })],
  ];
  it.each(cases)('rejects %s with INVALID_PLAN', (_name, bytes) => {
    const session = backend.createSession({});
    expectCode(() => session.loadPlan({ ...encoded(addOne), bytes }), 'INVALID_PLAN');
    session.close();
  });

  it('rejects a step whose shapes do not broadcast', () => {
    const session = backend.createSession({});
    const bad = encoded(binarySpec(BinaryOp.Add, float32, [3], [4], [4]));
    expectCode(() => session.loadPlan(bad), 'INVALID_PLAN');
    const wrongDtype = encoded(binarySpec(BinaryOp.Less, float32, [3], [3], [3]));
    expectCode(() => session.loadPlan(wrongDtype), 'INVALID_PLAN');
    session.close();
  });

  // Valid plans touching every kernel family, corrupted one to three words at a time.
  const corpus: PlanSpec[] = [
    addOne,
    {
      buffers: [
        { dtype: float32, shape: [4] }, { dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2], data: new Float32Array([1, 2]) },
        { dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2] }, { dtype: int32, shape: [2] },
        { dtype: bool, shape: [2] }, { dtype: float32, shape: [2] },
      ],
      vars: [{ slot: 3, dtype: float32, shape: [2] }],
      steps: [
        [Kernel.Copy, [0], [1]], [Kernel.MatMul, [1, 1, 2], [3], [1, 0, UnaryOp.Tanh]], [Kernel.Transpose, [3], [4], [1, 0]],
        [Kernel.Reduce, [4], [5], [ReduceOp.Sum, 2, 2, 1]], [Kernel.Cast, [5], [6]], [Kernel.Cast, [6], [7]],
        [Kernel.Select, [7, 5, 2], [8]], [Kernel.VarAssign, [8], [], [0, AssignMode.Assign]], [Kernel.VarRead, [], [5], [0]],
        [Kernel.Fill, [2], [8]], [Kernel.Unary, [8], [5], [UnaryOp.Exp]],
      ],
      feeds: [0],
      fetches: [5, 6],
    },
  ];

  it.each(corpus.map((spec, i) => [i, spec] as const))('never crashes on corrupted plan %i', (_i, spec) => {
    expectNoCrashOnCorruption(spec, 12345);
  });
});

describe('native backend: sessions', () => {
  it('grows the arena across plans and keeps earlier plans runnable', () => {
    const session = backend.createSession({});
    const small = session.loadPlan(encoded(addOne));
    const n = 1 << 18;
    const big = session.loadPlan(encoded({
      buffers: [{ dtype: int32, shape: [n] }, { dtype: int32, shape: [n] }, { dtype: int32, shape: [] }],
      steps: [[Kernel.Unary, [0], [1], [UnaryOp.Neg]], [Kernel.Reduce, [1], [2], [ReduceOp.Sum, 1, n, 1]]],
      feeds: [0],
      fetches: [2],
    }));
    const ones = new Int32Array(n).fill(1);
    expect(new Int32Array((session.run(big, [bytesOf(ones)]) as ArrayBuffer[])[0])).toEqual(new Int32Array([-n]));
    const x = new Float32Array([1, 2, 3, 4]);
    expect(new Float32Array((session.run(small, [bytesOf(x)]) as ArrayBuffer[])[0])).toEqual(new Float32Array([2, 3, 4, 5]));
    session.freePlan(big);
    expect(() => session.run(big, [bytesOf(ones)])).toThrow(RangeError);
    session.close();
  });

  const counter: PlanSpec = {
    buffers: [
      { dtype: int32, shape: [2], data: new Int32Array([10, 20]) },
      { dtype: int32, shape: [2], data: new Int32Array([1, 2]) },
      { dtype: int32, shape: [2] },
    ],
    vars: [{ slot: 7, dtype: int32, shape: [2] }],
    steps: [],
    fetches: [2],
  };
  const init = { ...counter, steps: [[Kernel.VarAssign, [0], [2], [0, AssignMode.Assign]]] as StepSpec[] };
  const increment = { ...counter, steps: [[Kernel.VarAssign, [1], [2], [0, AssignMode.Add]]] as StepSpec[] };
  const read = { ...counter, steps: [[Kernel.VarRead, [], [2], [0]]] as StepSpec[] };

  it('keeps variables across runs of one session, separately per session', () => {
    const a = backend.createSession({});
    const b = backend.createSession({});
    const [initA, incA, readA] = [init, increment, read].map((p) => a.loadPlan(encoded(p)));
    const readB = b.loadPlan(encoded(read));
    const value = (r: ArrayBuffer[] | RunFailure) => Array.from(new Int32Array((r as ArrayBuffer[])[0]));
    expect(a.run(readA, [])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    expect(a.run(incA, [])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    expect(value(a.run(initA, []))).toEqual([10, 20]);
    expect(value(a.run(incA, []))).toEqual([11, 22]);
    expect(value(a.run(incA, []))).toEqual([12, 24]);
    expect(value(a.run(readA, []))).toEqual([12, 24]);
    expect(b.run(readB, [])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    a.close();
    b.close();
  });

  it('returns fetches as fresh copies of exactly their byte length', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(encoded(addOne));
    const first = session.run(plan, [bytesOf(new Float32Array([1, 2, 3, 4]))]) as ArrayBuffer[];
    expect(first[0].byteLength).toBe(16);
    new Float32Array(first[0]).fill(-1);
    const second = session.run(plan, [bytesOf(new Float32Array([5, 6, 7, 8]))]) as ArrayBuffer[];
    expect(second[0]).not.toBe(first[0]);
    expect(Array.from(new Float32Array(second[0]))).toEqual([6, 7, 8, 9]);
    expect(Array.from(new Float32Array(first[0]))).toEqual([-1, -1, -1, -1]);
    session.close();
  });

  it('closes idempotently and refuses work afterwards', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(encoded(addOne));
    session.close();
    session.close();
    expectCode(() => session.loadPlan(encoded(addOne)), 'SESSION_CLOSED');
    expectCode(() => session.run(plan, [bytesOf(new Float32Array(4))]), 'SESSION_CLOSED');
    expect(() => session.freePlan(plan)).not.toThrow();
  });

  it('stays usable after a failing run', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(encoded(binarySpec(BinaryOp.Div, int32, [2], [2], [2])));
    const feeds = (b: number[]) => [bytesOf(new Int32Array([7, -7])), bytesOf(new Int32Array(b))];
    expect(session.run(plan, feeds([0, 2]))).toEqual({ status: Status.IntegerDivisionByZero, step: 0, arg: 0 });
    expect(Array.from(new Int32Array((session.run(plan, feeds([2, 2])) as ArrayBuffer[])[0]))).toEqual([3, -4]);
    session.close();
  });

  it('runs kernels on its own threads and joins them when closed', () => {
    const tasks = '/proc/self/task';
    if (!existsSync(tasks)) return; // Linux only
    const threads = () => readdirSync(tasks).length;
    const before = threads();
    const session = backend.createSession({ intraOpParallelismThreads: 3 });
    const n = 1 << 20;
    const plan = session.loadPlan(encoded({
      buffers: [{ dtype: float32, shape: [n] }, { dtype: float32, shape: [] }],
      steps: [[Kernel.Reduce, [0], [1], [ReduceOp.Sum, 1, n, 1]]], feeds: [0], fetches: [1],
    }));
    session.run(plan, [bytesOf(new Float32Array(n).fill(1))]);
    expect(threads()).toBe(before + 2);
    session.close();
    expect(threads()).toBe(before);
  });

  it('checks JS arguments', () => {
    const addon = loadNativeAddon();
    const session = addon.createSession({});
    const id = session.loadPlan(encoded(addOne).bytes);
    const any = session as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => any.loadPlan('plan')).toThrow(TypeError);
    expect(() => any.loadPlan(new Float32Array(64))).toThrow(TypeError);
    expect(() => any.run(id)).toThrow(TypeError);
    expect(() => any.run(id, [new Float32Array(4)])).toThrow(TypeError);
    expect(() => any.run(id, [])).toThrow(RangeError);
    expect(() => any.run(id, [new Uint8Array(15)])).toThrow(RangeError);
    expect(() => any.run(id + 100, [new Uint8Array(16)])).toThrow(RangeError);
    expect(() => any.run(1.5, [new Uint8Array(16)])).toThrow(RangeError);
    const arena = new Float32Array(any.arena() as ArrayBuffer, 0, 4);
    arena.set([1, 2, 3, 4]);
    const out = new Uint8Array(16);
    expect(any.runInArena(id, null, [out])).toBeUndefined();
    expect(Array.from(new Float32Array(out.buffer))).toEqual([2, 3, 4, 5]);
    expect(() => any.runInArena(id, null, [new Uint8Array(12)])).toThrow(RangeError);
    expect(() => any.runInArena(id, null, [out, out])).toThrow(RangeError);
    expect(() => any.runInArena(id, null, 'outputs')).toThrow(TypeError);
    expect(() => any.runInArena(id, null, [new Float32Array(4)])).toThrow(TypeError);
    expect(() => addon.createSession({ intraOpParallelismThreads: -1 })).toThrow(RangeError);
    expect(() => (addon.createSession as (c: unknown) => unknown)(5)).toThrow(TypeError);
    session.close();
  });
});

describe('native backend: kernels', () => {
  it('floor-divides and floor-mods int32', () => {
    const a = new Int32Array([-7, 7, -7, 7, MIN, MIN, 0]);
    const b = new Int32Array([2, -2, -2, 2, -1, 3, 5]);
    expect(i32(fetchAll(binarySpec(BinaryOp.Div, int32, [7], [7], [7]), [a, b])[0])).toEqual([-4, -4, 3, 3, MIN, -715827883, 0]);
    expect(i32(fetchAll(binarySpec(BinaryOp.FloorMod, int32, [7], [7], [7]), [a, b])[0])).toEqual([1, -1, -1, 1, 0, 1, 0]);
  });

  it('stops on integer division by zero and negative integer powers', () => {
    const spec = (op: number) => ({ ...binarySpec(op, int32, [3], [3], [3]), steps: [[Kernel.Copy, [0], [2]], [Kernel.Binary, [0, 1], [2], [op]]] as StepSpec[] });
    const a = new Int32Array([1, 2, 3]);
    expect(runPlan(spec(BinaryOp.Div), [a, new Int32Array([1, 0, 1])])).toEqual({ status: Status.IntegerDivisionByZero, step: 1, arg: 0 });
    expect(runPlan(spec(BinaryOp.FloorMod), [a, new Int32Array([0, 1, 1])])).toMatchObject({ status: Status.IntegerDivisionByZero });
    expect(runPlan(spec(BinaryOp.Pow), [a, new Int32Array([1, -1, 1])])).toMatchObject({ status: Status.NegativeIntegerPower, step: 1 });
    expect(i32(fetchAll(spec(BinaryOp.Pow), [new Int32Array([0, 3, -2]), new Int32Array([0, 21, 31])])[0])).toEqual([1, 1870418611, MIN]);
  });

  it('casts float32 to int32 truncating and saturating, NaN to 0', () => {
    const x = new Float32Array([NaN, 1e10, -1e10, -2.7, 2.7, Infinity, -Infinity, 2147483520, -0.5]);
    const spec: PlanSpec = { buffers: [{ dtype: float32, shape: [9] }, { dtype: int32, shape: [9] }], steps: [[Kernel.Cast, [0], [1]]], feeds: [0], fetches: [1] };
    expect(i32(fetchAll(spec, [x])[0])).toEqual([0, MAX, MIN, -2, 2, MAX, MIN, 2147483520, 0]);
  });

  it('casts to and from bool', () => {
    const spec: PlanSpec = {
      buffers: [{ dtype: float32, shape: [4] }, { dtype: bool, shape: [4] }, { dtype: int32, shape: [4] }],
      steps: [[Kernel.Cast, [0], [1]], [Kernel.Cast, [1], [2]]],
      feeds: [0], fetches: [1, 2],
    };
    const [b, i] = fetchAll(spec, [new Float32Array([0, -0, NaN, -3])]);
    expect(Array.from(new Uint8Array(b))).toEqual([0, 0, 1, 1]);
    expect(i32(i)).toEqual([0, 0, 1, 1]);
  });

  it('broadcasts Add like numpy', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(f32(fetchAll(binarySpec(BinaryOp.Add, float32, [2, 3], [3], [2, 3]), [a, new Float32Array([10, 20, 30])])[0]))
      .toEqual([11, 22, 33, 14, 25, 36]);
    expect(f32(fetchAll(binarySpec(BinaryOp.Add, float32, [2, 1], [1, 3], [2, 3]), [new Float32Array([1, 2]), new Float32Array([10, 20, 30])])[0]))
      .toEqual([11, 21, 31, 12, 22, 32]);
    expect(i32(fetchAll(binarySpec(BinaryOp.Add, int32, [], [2, 2], [2, 2]), [new Int32Array([MAX]), new Int32Array([1, 2, 0, -1])])[0]))
      .toEqual([MIN, MIN + 1, MAX, MAX - 1]);
    const x = new Float32Array(2 * 3 * 4).map((_, k) => k);
    const y = fetchAll(binarySpec(BinaryOp.Sub, float32, [2, 3, 4], [3, 1], [2, 3, 4]), [x, new Float32Array([0, 100, 200])])[0];
    expect(f32(y)).toEqual(Array.from(x, (v, k) => v - [0, 100, 200][Math.floor(k / 4) % 3]));
  });

  it('compares with NaN false except NotEqual', () => {
    const a = new Float32Array([1, NaN, 2]);
    const b = new Float32Array([1, NaN, 3]);
    const cmp = (op: number) => Array.from(new Uint8Array(fetchAll(binarySpec(op, float32, [3], [3], [3], bool), [a, b])[0]));
    expect(cmp(BinaryOp.Equal)).toEqual([1, 0, 0]);
    expect(cmp(BinaryOp.NotEqual)).toEqual([0, 1, 1]);
    expect(cmp(BinaryOp.Less)).toEqual([0, 0, 1]);
  });

  it('multiplies matrices with every transpose combination, bias and relu', () => {
    // A = [[1, 2, 3], [4, 5, 6]] (2x3), B = [[1, -1], [0, 2], [-2, 1]] (3x2); A.B = [[-5, 6], [-8, 12]].
    const A = [[1, 2, 3], [4, 5, 6]];
    const B = [[1, -1], [0, 2], [-2, 1]];
    const t = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
    const bias = new Float32Array([4, -7]);
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const a = ta ? t(A) : A;
      const b = tb ? t(B) : B;
      const spec: PlanSpec = {
        buffers: [
          { dtype: float32, shape: [a.length, a[0].length] }, { dtype: float32, shape: [b.length, b[0].length] },
          { dtype: float32, shape: [2], data: bias }, { dtype: float32, shape: [2, 2] },
        ],
        steps: [[Kernel.MatMul, [0, 1, 2], [3], [ta, tb, UnaryOp.Relu]]],
        feeds: [0, 1], fetches: [3],
      };
      expect(f32(fetchAll(spec, [new Float32Array(a.flat()), new Float32Array(b.flat())])[0])).toEqual([0, 0, 0, 5]);
    }
  });

  it('multiplies larger matrices like a naive loop', () => {
    const [m, k, n] = [37, 300, 270];
    const a = new Int32Array(m * k).map((_, i) => ((i * 7) % 11) - 5);
    const b = new Int32Array(k * n).map((_, i) => ((i * 5) % 13) - 6);
    const expected = new Int32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      expected[i * n + j] = s;
    }
    const spec: PlanSpec = {
      buffers: [{ dtype: int32, shape: [m, k] }, { dtype: int32, shape: [n, k] }, { dtype: int32, shape: [m, n] }],
      steps: [[Kernel.MatMul, [0, 1], [2], [0, 1, UnaryOp.Identity]]],
      feeds: [0, 1], fetches: [2],
    };
    expect(new Int32Array(fetchAll(spec, [a, b])[0])).toEqual(expected);
  });

  it('reduces sums and maxima over the middle axis', () => {
    // x as [outer=2, n=3, inner=2]
    const x = new Float32Array([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, NaN]);
    const spec = (op: number): PlanSpec => ({
      buffers: [{ dtype: float32, shape: [2, 3, 2] }, { dtype: float32, shape: [2, 2] }],
      steps: [[Kernel.Reduce, [0], [1], [op, 2, 3, 2]]], feeds: [0], fetches: [1],
    });
    expect(f32(fetchAll(spec(ReduceOp.Sum), [x])[0])).toEqual([9, 12, -9, NaN]);
    expect(f32(fetchAll(spec(ReduceOp.Max), [x])[0])).toEqual([5, 6, -1, NaN]);
    const empty: PlanSpec = {
      buffers: [{ dtype: int32, shape: [2, 0] }, { dtype: int32, shape: [2] }],
      steps: [[Kernel.Reduce, [0], [1], [ReduceOp.Max, 2, 0, 1]]], feeds: [0], fetches: [1],
    };
    expect(i32(fetchAll(empty, [new Int32Array(0)])[0])).toEqual([MIN, MIN]);
  });

  it('sums long float rows accurately', () => {
    const n = 1 << 20;
    const spec: PlanSpec = {
      buffers: [{ dtype: float32, shape: [n] }, { dtype: float32, shape: [] }],
      steps: [[Kernel.Reduce, [0], [1], [ReduceOp.Mean, 1, n, 1]]], feeds: [0], fetches: [1],
    };
    expect(f32(fetchAll(spec, [new Float32Array(n).fill(0.1)])[0])[0]).toBeCloseTo(0.1, 6);
  });

  it('selects with a broadcast condition', () => {
    const spec: PlanSpec = {
      buffers: [
        { dtype: bool, shape: [2, 1] }, { dtype: int32, shape: [2, 3] }, { dtype: int32, shape: [], data: new Int32Array([-1]) },
        { dtype: int32, shape: [2, 3] },
      ],
      steps: [[Kernel.Select, [0, 1, 2], [3]]], feeds: [0, 1], fetches: [3],
    };
    expect(i32(fetchAll(spec, [new Uint8Array([0, 7]), new Int32Array([1, 2, 3, 4, 5, 6])])[0])).toEqual([-1, -1, -1, 4, 5, 6]);
  });

  it('wraps int32 unary ops', () => {
    const spec = (op: number): PlanSpec => ({
      buffers: [{ dtype: int32, shape: [4] }, { dtype: int32, shape: [4] }],
      steps: [[Kernel.Unary, [0], [1], [op]]], feeds: [0], fetches: [1],
    });
    const x = new Int32Array([MIN, -3, 0, 70000]);
    expect(i32(fetchAll(spec(UnaryOp.Abs), [x])[0])).toEqual([MIN, 3, 0, 70000]);
    expect(i32(fetchAll(spec(UnaryOp.Neg), [x])[0])).toEqual([MIN, 3, 0, -70000]);
    expect(i32(fetchAll(spec(UnaryOp.Square), [x])[0])).toEqual([0, 9, 0, 605032704]);
  });

  it('transposes', () => {
    const x = new Int32Array(24).map((_, k) => k);
    const spec: PlanSpec = {
      buffers: [{ dtype: int32, shape: [2, 3, 4] }, { dtype: int32, shape: [4, 2, 3] }],
      steps: [[Kernel.Transpose, [0], [1], [2, 0, 1]]], feeds: [0], fetches: [1],
    };
    const expected: number[] = [];
    for (let l = 0; l < 4; l++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(x[i * 12 + j * 4 + l]);
    expect(i32(fetchAll(spec, [x])[0])).toEqual(expected);
  });
});
