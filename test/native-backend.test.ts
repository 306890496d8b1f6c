/**
 * What is specific to the native (C++ addon) backend: loading, plan
 * validation, arena and variable lifetime, fresh fetch buffers, argument
 * checks, and a few kernels checked against hand-computed values. The
 * conformance suite covers every kernel on both backends.
 */
import { describe, it, expect } from 'vitest';
import { encodePlan, alignUp } from '../src/compiler/encode.js';
import { byteSize, type PlanIR, type PlanBuffer } from '../src/compiler/plan.js';
import {
  AssignMode, BinaryOp, DTypeCode, FusedKind, Header, Kernel, ReduceOp, Status, UnaryOp, type KernelId,
} from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32, type TypedArray } from '../src/graph/dtypes.js';
import { isRunFailure, type EncodedPlan, type RunFailure } from '../src/runtime/backend.js';
import { loadNativeAddon, loadNativeBackend } from '../src/runtime/native-backend.js';

const backend = loadNativeBackend();

interface BufferSpec { dtype: DType; shape: number[]; data?: TypedArray }
type StepSpec = [kernel: KernelId, inputs: number[], outputs: number[], attrs?: number[]];
interface PlanSpec {
  buffers: BufferSpec[];
  steps: StepSpec[];
  feeds?: number[];
  fetches: number[];
  vars?: { slot: number; dtype: DType; shape: number[] }[];
}

/** A PlanIR with arena buffers laid out one after another; buffers with data are constants. */
function planIR(spec: PlanSpec): PlanIR {
  let arenaBytes = 0;
  const buffers: PlanBuffer[] = spec.buffers.map(({ dtype, shape, data }) => {
    const b: PlanBuffer = { dtype, shape, region: data ? 'constant' : 'arena', byteOffset: 0 };
    if (data) b.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else { b.byteOffset = arenaBytes; arenaBytes = alignUp(arenaBytes + byteSize(b)); }
    return b;
  });
  return {
    buffers, arenaBytes,
    steps: spec.steps.map(([kernel, inputs, outputs, attrs = []]) => ({ kernel, inputs, outputs, attrs, opName: 'op' })),
    vars: (spec.vars ?? []).map((v, i) => ({ ...v, name: `v${i}` })),
    feeds: spec.feeds ?? [],
    fetches: spec.fetches,
  };
}

function encoded(spec: PlanSpec): EncodedPlan {
  const ir = planIR(spec);
  const bytes = encodePlan(ir);
  const slot = (id: number) => ({ byteOffset: ir.buffers[id].byteOffset, byteLength: byteSize(ir.buffers[id]) });
  return { bytes, arenaBytes: ir.arenaBytes, feeds: ir.feeds.map(slot), fetches: ir.fetches.map(slot) };
}

const bytesOf = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Loads and runs a plan in a fresh session; returns the fetches or the failure. */
function runPlan(spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] | RunFailure {
  const session = backend.createSession({});
  try {
    return session.run(session.loadPlan(encoded(spec)), feeds.map(bytesOf));
  } finally {
    session.close();
  }
}

function fetchAll(spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] {
  const result = runPlan(spec, feeds);
  if (isRunFailure(result)) throw new Error(`run failed: ${JSON.stringify(result)}`);
  return result;
}

function expectCode(fn: () => unknown, code: string): void {
  let error: unknown;
  try { fn(); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe(code);
}

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
    const session = loadNativeAddon().createSession({});
    const base = encoded(spec).bytes;
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let loaded = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = base.slice();
      const w = new Int32Array(bytes.buffer);
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const at = Math.floor(random() * w.length);
        w[at] = random() < 0.7 ? Math.floor(random() * 12) - 3 : (random() * 2 ** 32) | 0;
      }
      let id: number;
      try {
        id = session.loadPlan(bytes);
      } catch (e) {
        expect(['INVALID_PLAN', 'OUT_OF_MEMORY']).toContain((e as { code?: string }).code);
        continue;
      }
      loaded++;
      // A surviving plan may now want other feeds: a RangeError, never a crash.
      try { session.run(id, [bytesOf(new Float32Array(4))]); } catch (e) { expect(e).toBeInstanceOf(RangeError); }
      session.freePlan(id);
    }
    expect(loaded).toBeGreaterThan(5);
    session.close();
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
    expect(() => addon.createSession({ intraOpParallelismThreads: -1 })).toThrow(RangeError);
    expect(() => (addon.createSession as (c: unknown) => unknown)(5)).toThrow(TypeError);
    session.close();
  });
});

describe('native backend: kernels', () => {
  const i32 = (r: ArrayBuffer) => Array.from(new Int32Array(r));
  const f32 = (r: ArrayBuffer) => Array.from(new Float32Array(r));
  const MIN = -(2 ** 31);
  const MAX = 2 ** 31 - 1;

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

describe('native backend: elementwise family, Fused, FusedReduce, Softmax', () => {
  const f32 = (r: ArrayBuffer) => Array.from(new Float32Array(r));
  const i32 = (r: ArrayBuffer) => Array.from(new Int32Array(r));
  const fbits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
  const { Unary: U, Binary: B, Select: S, Cast: C, Const: K } = FusedKind;
  const F = DTypeCode.float32, I = DTypeCode.int32, L = DTypeCode.bool;
  const prog = (...instrs: number[][]) => [instrs.length, ...instrs.flat()];

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
      steps: [[Kernel.Unary, [0], [1], param === undefined ? [op] : [op, fbits(param)]]], feeds: [0], fetches: [1],
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
    // 1 / (1 + exp(-x)) in float32: 0 once exp(-x) overflows
    ['Sigmoid', UnaryOp.Sigmoid, (x) => 1 / (1 + Math.fround(Math.exp(-x))), sweep(-80, 40)],
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
      prog([B, BinaryOp.Mul, F, 0, 1, 0], [B, BinaryOp.Add, F, 6, 2, 0], [K, 0, F, fbits(0.5), 0, 0],
        [B, BinaryOp.Mul, F, 4, 8, 0], [B, BinaryOp.Greater, L, 7, 9, 0], [U, UnaryOp.Tanh, F, 7, 0, 0],
        [C, 0, F, 5, 0, 0], [B, BinaryOp.Sub, F, 12, 3, 0], [S, 0, F, 10, 11, 13], [U, UnaryOp.LeakyRelu, F, 14, 0, fbits(0.1)]),
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
      prog([B, BinaryOp.Mul, F, 0, 1, 0], [B, BinaryOp.Add, F, 3, 2, 0]));
    const want: number[] = [];
    for (let i = 0; i < P; i++) for (let j = 0; j < Q; j++) for (let k = 0; k < R; k++) {
      want.push(Math.fround(Math.fround(col[i * Q + j] * row[k]) + nd[i * R + k]));
    }
    expect(f32(fetchAll(spec, [col, row, nd])[0])).toEqual(want);
  });

  it('runs Fused programs that are only an input or only constants', () => {
    const copy = fusedSpec([[int32, [2, 1]]], [int32, [2, 3]], prog());
    expect(i32(fetchAll(copy, [new Int32Array([4, -5])])[0])).toEqual([4, 4, 4, -5, -5, -5]);
    const constant = fusedSpec([[float32, [3]]], [float32, [3]], prog([K, 0, F, fbits(2.5), 0, 0], [U, UnaryOp.Neg, F, 1, 0, 0]));
    expect(f32(fetchAll(constant, [new Float32Array(3)])[0])).toEqual([-2.5, -2.5, -2.5]);
  });

  it('computes int32 and bool Fused programs bit-exactly and stops on division by zero', () => {
    const spec = fusedSpec([[int32, [2, 3]], [int32, [2, 1]]], [bool, [2, 3]],
      prog([B, BinaryOp.Div, I, 0, 1, 0], [K, 0, I, -2, 0, 0], [B, BinaryOp.Less, L, 2, 3, 0], [U, UnaryOp.LogicalNot, L, 4, 0, 0]));
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
      [op, dims.length, ...dims, first, last, ...prog([B, BinaryOp.Mul, code, 0, 0, 0])], Kernel.FusedReduce);
  }
  function reduceRef(x: ArrayLike<number>, dims: number[], first: number, last: number, fold: (v: number[]) => number): number[] {
    const outer = dims.slice(0, first).reduce((p, d) => p * d, 1);
    const n = dims.slice(first, last + 1).reduce((p, d) => p * d, 1);
    const inner = dims.slice(last + 1).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      const vals: number[] = [];
      for (let j = 0; j < n; j++) { const v = x[(o * n + j) * inner + i]; vals.push(Math.fround(v * v)); }
      out.push(fold(vals));
    }
    return out;
  }
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

  it('FusedReduce sums long rows accurately, with broadcast inputs, int32 and empty axes', () => {
    const n = 1 << 20;
    const spec = fusedSpec([[float32, []], [float32, [3, 1]]], [float32, [3]],
      [ReduceOp.Sum, 2, 3, n, 1, 1, ...prog([B, BinaryOp.Mul, F, 0, 1, 0])], Kernel.FusedReduce);
    const got = f32(fetchAll(spec, [new Float32Array([0.1]), new Float32Array([1, 2, 3])])[0]);
    expectClose(got, [1, 2, 3].map((c) => Math.fround(Math.fround(0.1) * c) * n), 2e-6);
    const wide = fusedSpec([[float32, [1]]], [float32, [3]], [ReduceOp.Mean, 2, 20000, 3, 0, 0, ...prog()], Kernel.FusedReduce);
    expectClose(f32(fetchAll(wide, [new Float32Array([0.1])])[0]), [0.1, 0.1, 0.1].map(Math.fround), 2e-6);
    const xi = new Int32Array(60).map((_, k) => k - 30);
    expect(i32(fetchAll(reduceSpec(ReduceOp.Sum, [3, 20], 1, 1, [3], int32), [xi])[0]))
      .toEqual(reduceRef(xi, [3, 20], 1, 1, sum));
    expect(i32(fetchAll(reduceSpec(ReduceOp.Mean, [3, 20], 1, 1, [3], int32), [xi])[0]))
      .toEqual(reduceRef(xi, [3, 20], 1, 1, (v) => Math.trunc(sum(v) / v.length)));
    const empty = (op: number) => f32(fetchAll(reduceSpec(op, [2, 0], 1, 1, [2]), [new Float32Array(0)])[0]);
    expect([empty(ReduceOp.Sum), empty(ReduceOp.Mean), empty(ReduceOp.Max)]).toEqual([[0, 0], [NaN, NaN], [-Infinity, -Infinity]]);
  });

  function softmaxRef(row: number[], log: boolean): number[] {
    const m = Math.max(...row);
    const s = sum(row.map((v) => Math.exp(v - m)));
    return row.map((v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s));
  }
  it.each([[false], [true]])('Softmax (log = %s) rows match float64, without overflow', (log) => {
    for (const cols of [1, 5, 37, 300]) {
      const rows = 3;
      const x = ramp(rows * cols, (k) => (k % 3 === 0 ? 1000 + (k % 17) : ((k * 7919) % 101) / 10 - 5));
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: [rows, cols] }, { dtype: float32, shape: [rows, cols] }],
        steps: [[Kernel.Softmax, [0], [1], [rows, cols, log ? 1 : 0]]], feeds: [0], fetches: [1],
      };
      const want: number[] = [];
      for (let r = 0; r < rows; r++) want.push(...softmaxRef(Array.from(x.subarray(r * cols, (r + 1) * cols)), log));
      expectClose(f32(fetchAll(spec, [x])[0]), want, 1e-5, 1e-30);
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
    ['an undefined register', fusedSpec([[float32, [2]]], [float32, [2]], prog([U, UnaryOp.Exp, F, 1, 0, 0]))],
    ['a negative register', fusedSpec([[float32, [2]]], [float32, [2]], prog([B, BinaryOp.Add, F, 0, -1, 0]))],
    ['operands of different dtypes', fusedSpec([[float32, [2]], [int32, [2]]], [float32, [2]], prog([B, BinaryOp.Add, F, 0, 1, 0]))],
    ['a float condition', fusedSpec([[float32, [2]]], [float32, [2]], prog([S, 0, F, 0, 0, 0]))],
    ['a comparison typed float', fusedSpec([[float32, [2]]], [float32, [2]], prog([B, BinaryOp.Less, F, 0, 0, 0]))],
    ['a unary op the dtype lacks', fusedSpec([[int32, [2]]], [int32, [2]], prog([U, UnaryOp.Exp, I, 0, 0, 0]))],
    ['a bad kind', fusedSpec([[float32, [2]]], [float32, [2]], prog([7, 0, F, 0, 0, 0]))],
    ['an unknown dtype', fusedSpec([[float32, [2]]], [float32, [2]], prog([K, 0, 2, 0, 0, 0]))],
    ['a result dtype unlike the output', fusedSpec([[float32, [2]]], [int32, [2]], prog([U, UnaryOp.Exp, F, 0, 0, 0]))],
    ['a truncated program', fusedSpec([[float32, [2]]], [float32, [2]], [2, U, UnaryOp.Exp, F, 0, 0, 0])],
    ['an input that does not broadcast', fusedSpec([[float32, [3]]], [float32, [2]], prog())],
    ['reduce axes outside the dims', fusedSpec([[float32, [2]]], [float32, [1]], [ReduceOp.Sum, 1, 2, 0, 1, ...prog()], Kernel.FusedReduce)],
    ['a reduce output of the wrong size', fusedSpec([[float32, [2, 3]]], [float32, [3]], [ReduceOp.Sum, 2, 2, 3, 1, 1, ...prog()], Kernel.FusedReduce)],
    ['Softmax rows * cols unlike the count', { buffers: [{ dtype: float32, shape: [6] }, { dtype: float32, shape: [6] }], steps: [[Kernel.Softmax, [0], [1], [4, 2, 0]]], feeds: [0], fetches: [1] }],
  ];
  it.each(invalidPrograms)('rejects a program with %s as INVALID_PLAN', (_name, spec) => {
    const session = backend.createSession({});
    expectCode(() => session.loadPlan(encoded(spec)), 'INVALID_PLAN');
    session.close();
  });
});
