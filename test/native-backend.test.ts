/**
 * What is specific to the native (C++ addon) backend: loading, plan
 * validation, arena and variable lifetime, fresh fetch buffers, argument
 * checks, and a few kernels checked against hand-computed values. The
 * conformance suite covers every kernel on both backends.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { encodePlan, alignUp } from '../src/compiler/encode.js';
import { byteSize, type PlanIR, type PlanBuffer } from '../src/compiler/plan.js';
import {
  AssignMode, BinaryOp, Header, Kernel, ReduceOp, Status, UnaryOp, type KernelId,
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

/** Deterministic values in [-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 31 - 1);
}

function transposed(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[j * rows + i] = x[i * cols + j];
  return y;
}

const f32bits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0];

/** Runs a plan in a fresh session with `threads` intra-op threads. */
function fetchWith(threads: number, spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] {
  const session = backend.createSession({ intraOpParallelismThreads: threads });
  try {
    const result = session.run(session.loadPlan(encoded(spec)), feeds.map(bytesOf));
    if (isRunFailure(result)) throw new Error(`run failed: ${JSON.stringify(result)}`);
    return result;
  } finally {
    session.close();
  }
}

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

    it('rejects a bVar outside the var table or an operand count that does not fit', () => {
      const session = backend.createSession({});
      const bad = (attrs: number[], inputs = [0, 2]) =>
        encoded({ ...multiply, steps: [[Kernel.MatMul, inputs, [1], attrs]] });
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0, 1])), 'INVALID_PLAN');
      expectCode(() => session.loadPlan(bad([0, 1, UnaryOp.Relu, 0, -2])), 'INVALID_PLAN');
      expectCode(() => session.loadPlan(bad([0, 0, UnaryOp.Relu, 0, 0])), 'INVALID_PLAN');
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
