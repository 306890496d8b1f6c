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
  ArgOp, AssignMode, BinaryOp, Distribution, DTypeCode, FusedKind, Header, Kernel, ReduceOp, Status, UnaryOp, UpdateKind, type KernelId,
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

describe('native backend: training kernels', () => {
  const i32 = (r: ArrayBuffer) => Array.from(new Int32Array(r));
  const f32 = (r: ArrayBuffer) => Array.from(new Float32Array(r));
  const MIN = -(2 ** 31);
  const MAX = 2 ** 31 - 1;
  const fbits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0];
  const expectNear = (actual: number[], expected: number[], tol = 2e-6) => {
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, k) => expect(Math.abs(a - expected[k]), `[${k}]: ${a} vs ${expected[k]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[k]))));
  };
  const ok = (r: ArrayBuffer[] | RunFailure) => {
    if (isRunFailure(r)) throw new Error(`run failed: ${JSON.stringify(r)}`);
    return r;
  };

  describe('ArgReduce', () => {
    const spec = (dtype: DType, shape: number[], yShape: number[], op: number, dims: number[]): PlanSpec => ({
      buffers: [{ dtype, shape }, { dtype: int32, shape: yShape }],
      steps: [[Kernel.ArgReduce, [0], [1], [op, ...dims]]], feeds: [0], fetches: [1],
    });
    const arg = (dtype: DType, x: TypedArray, shape: number[], yShape: number[], op: number, dims: number[]) =>
      i32(fetchAll(spec(dtype, shape, yShape, op, dims), [x])[0]);

    it('reduces the last axis: first index on ties, first NaN wins', () => {
      const x = new Float32Array([1, 3, 3, 2, 5, NaN, 7, NaN, -1, -1, -4, -4]);
      expect(arg(float32, x, [3, 4], [3], ArgOp.Max, [3, 4, 1])).toEqual([1, 1, 0]);
      expect(arg(float32, x, [3, 4], [3], ArgOp.Min, [3, 4, 1])).toEqual([0, 1, 2]);
    });

    it('reduces a middle axis and the first axis', () => {
      // x as [outer=2, n=3, inner=2]
      const x = new Int32Array([4, 1, 4, 9, 0, 9, /**/ -3, MIN, MAX, MIN, MAX, 0]);
      expect(arg(int32, x, [2, 3, 2], [2, 2], ArgOp.Max, [2, 3, 2])).toEqual([0, 1, 1, 2]);
      expect(arg(int32, x, [2, 3, 2], [2, 2], ArgOp.Min, [2, 3, 2])).toEqual([2, 0, 0, 0]);
      const y = new Float32Array([2, NaN, 2, 1, 8, NaN]); // [n=3, inner=2]
      expect(arg(float32, y, [3, 2], [2], ArgOp.Max, [1, 3, 2])).toEqual([2, 0]);
      expect(arg(float32, y, [3, 2], [2], ArgOp.Min, [1, 3, 2])).toEqual([0, 0]);
    });
  });

  describe('OneHot', () => {
    const spec = (dtype: DType, on: TypedArray, off: TypedArray): PlanSpec => ({
      buffers: [{ dtype: int32, shape: [2, 2] }, { dtype, shape: [], data: on }, { dtype, shape: [], data: off }, { dtype, shape: [2, 2, 3] }],
      steps: [[Kernel.OneHot, [0, 1, 2], [3], [3]]], feeds: [0], fetches: [3],
    });
    const indices = new Int32Array([0, 2, -1, 3]);

    it('writes on at the index and off elsewhere, a row of off when out of range', () => {
      expect(f32(fetchAll(spec(float32, new Float32Array([5]), new Float32Array([-1])), [indices])[0]))
        .toEqual([5, -1, -1, -1, -1, 5, -1, -1, -1, -1, -1, -1]);
      expect(i32(fetchAll(spec(int32, new Int32Array([1]), new Int32Array([0])), [indices])[0]))
        .toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    });
  });

  describe('Gather and ScatterAdd', () => {
    const indexed = (kernel: KernelId, dtype: DType, xShape: number[], m: number, yShape: number[], dims: number[]): PlanSpec => ({
      buffers: [{ dtype, shape: xShape }, { dtype: int32, shape: [m] }, { dtype, shape: yShape }],
      steps: [[kernel, [0, 1], [2], dims]], feeds: [0, 1], fetches: [2],
    });

    it('gathers rows along axis 0 and along a middle axis', () => {
      const params = new Int32Array([10, 11, 20, 21, 30, 31, 40, 41]);
      const axis0 = indexed(Kernel.Gather, int32, [4, 2], 3, [3, 2], [1, 4, 2]);
      expect(i32(fetchAll(axis0, [params, new Int32Array([3, 0, 3])])[0])).toEqual([40, 41, 10, 11, 40, 41]);
      const x = new Float32Array(12).map((_, k) => k); // [2, 3, 2]
      const middle = indexed(Kernel.Gather, float32, [2, 3, 2], 2, [2, 2, 2], [2, 3, 2]);
      expect(f32(fetchAll(middle, [x, new Int32Array([2, 0])])[0])).toEqual([4, 5, 0, 1, 10, 11, 6, 7]);
      const bools = indexed(Kernel.Gather, bool, [3], 2, [2], [1, 3, 1]);
      expect(Array.from(new Uint8Array(fetchAll(bools, [new Uint8Array([0, 1, 0]), new Int32Array([1, 1])])[0]))).toEqual([1, 1]);
    });

    it('stops on an out-of-range index with its position', () => {
      const spec = indexed(Kernel.Gather, float32, [3, 1], 4, [4, 1], [1, 3, 1]);
      const x = new Float32Array([1, 2, 3]);
      expect(runPlan(spec, [x, new Int32Array([0, 2, 3, -1])])).toEqual({ status: Status.IndexOutOfRange, step: 0, arg: 2 });
      expect(runPlan(spec, [x, new Int32Array([0, -1, 1, 1])])).toEqual({ status: Status.IndexOutOfRange, step: 0, arg: 1 });
      const scatter = indexed(Kernel.ScatterAdd, float32, [4, 1], 4, [3, 1], [1, 3, 1]);
      expect(runPlan(scatter, [new Float32Array(4), new Int32Array([0, 1, 2, 7])])).toEqual({ status: Status.IndexOutOfRange, step: 0, arg: 3 });
    });

    it('scatter-adds repeated indices in order, from zeros', () => {
      const updates = new Float32Array([1, 2, 10, 20, 100, 200, 0.5, 0.25]); // [4, 2]
      const spec = indexed(Kernel.ScatterAdd, float32, [4, 2], 4, [4, 2], [1, 4, 2]);
      expect(f32(fetchAll(spec, [updates, new Int32Array([1, 3, 1, 1])])[0])).toEqual([0, 0, 101.5, 202.25, 0, 0, 10, 20]);
      // Middle axis, int32 wrapping: updates [2, 3, 1] into y [2, 2, 1].
      const ints = indexed(Kernel.ScatterAdd, int32, [2, 3, 1], 3, [2, 2, 1], [2, 2, 1]);
      expect(i32(fetchAll(ints, [new Int32Array([MAX, 1, 5, 7, 8, 9]), new Int32Array([0, 0, 1])])[0])).toEqual([MIN, 5, 15, 9]);
    });
  });

  describe('Random and Shuffle', () => {
    /** Philox4x32-10 in BigInt arithmetic: the reference the kernels are checked against. */
    function philox(counter: number[], key: number[]): number[] {
      const M = 0xffffffffn;
      let [c0, c1, c2, c3] = counter.map(BigInt);
      let [k0, k1] = key.map(BigInt);
      for (let round = 0; round < 10; round++) {
        const p0 = 0xd2511f53n * c0;
        const p1 = 0xcd9e8d57n * c2;
        [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & M, (p0 >> 32n) ^ c3 ^ k1, p0 & M];
        k0 = (k0 + 0x9e3779b9n) & M;
        k1 = (k1 + 0xbb67ae85n) & M;
      }
      return [c0, c1, c2, c3].map(Number);
    }
    const uniform = (x: number) => new Float32Array(new Uint32Array([(x >>> 9) | 0x3f800000]).buffer)[0] - 1;
    const hi32 = (x: number, range: number) => Number((BigInt(x) * BigInt(range)) >> 32n);
    const KAT: [number[], number[]][] = [
      [[0, 0, 0, 0, 0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
    ];

    it('implements Philox4x32-10 (Random123 known answers)', () => {
      const addon = loadNativeAddon() as unknown as { philox4x32(words: number[]): number[] };
      for (const [input, output] of KAT) {
        expect(addon.philox4x32(input)).toEqual(output);
        expect(philox(input.slice(0, 4), input.slice(4))).toEqual(output);
      }
      expect(() => addon.philox4x32([0, 0, 0, 0, 0, -1])).toThrow(RangeError);
    });

    const randomSpec = (dtype: DType, n: number, dist: number, seeds: number[], p0: number, p1: number, stream = 0): PlanSpec => ({
      buffers: [{ dtype, shape: [n] }],
      steps: [[Kernel.Random, [], [0], [dist, seeds[0], seeds[1], stream, p0, p1]]], fetches: [0],
    });

    it('draws uniforms from the counter (i, r, 0, 0) bit for bit', () => {
      // Element 0 of run 0 with key (0, 0) is the first known answer: x0 = 0x6627e8d5.
      const [ints] = fetchAll(randomSpec(int32, 64, Distribution.Uniform, [0, 0], MIN, MAX));
      expect(i32(ints)[0]).toBe(MIN + 0x6627e8d5 - 1); // hi32(x0 * (2^32 - 1)) = x0 - 1
      const [floats] = fetchAll(randomSpec(float32, 1, Distribution.Uniform, [0, 0], fbits(0), fbits(1)));
      expect(f32(floats)).toEqual([uniform(0x6627e8d5)]);

      const key = [1234, -7 >>> 0];
      const session = backend.createSession({});
      const ip = session.loadPlan(encoded(randomSpec(int32, 300, Distribution.Uniform, [1234, -7], -5, 1000, 1)));
      const fp = session.loadPlan(encoded(randomSpec(float32, 300, Distribution.Uniform, [1234, -7], fbits(-1.5), fbits(2.25), 2)));
      for (let r = 0; r < 2; r++) {
        const x0 = (i: number) => philox([i, r, 0, 0], key)[0];
        expect(i32(ok(session.run(ip, []))[0])).toEqual(Array.from({ length: 300 }, (_, i) => -5 + hi32(x0(i), 1005)));
        const expected = Array.from({ length: 300 }, (_, i) => Math.fround(-1.5 + Math.fround(uniform(x0(i)) * 3.75)));
        expect(f32(ok(session.run(fp, []))[0])).toEqual(expected);
      }
      session.close();
    });

    const moments = (x: number[]) => {
      const mean = x.reduce((s, v) => s + v, 0) / x.length;
      return { mean, std: Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length) };
    };
    const N = 100_000;

    it('draws uniform, normal and truncated normal with the right moments', () => {
      const u = f32(fetchAll(randomSpec(float32, N, Distribution.Uniform, [1, 2], fbits(-1), fbits(3)))[0]);
      expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...u)).toBeLessThan(3);
      expect(moments(u).mean).toBeCloseTo(1, 1);
      expect(moments(u).std).toBeCloseTo(4 / Math.sqrt(12), 1);
      const z = f32(fetchAll(randomSpec(float32, N, Distribution.Normal, [3, 4], fbits(2), fbits(3)))[0]).map((v) => (v - 2) / 3);
      expect(Math.abs(moments(z).mean)).toBeLessThan(0.02);
      expect(Math.abs(moments(z).std - 1)).toBeLessThan(0.02);
      expect(z.filter((v) => Math.abs(v) > 2).length / N).toBeCloseTo(0.0455, 2);
      const t = f32(fetchAll(randomSpec(float32, N, Distribution.TruncatedNormal, [5, 6], fbits(0), fbits(1)))[0]);
      expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
      expect(Math.abs(moments(t).mean)).toBeLessThan(0.02);
      expect(Math.abs(moments(t).std - 0.8796)).toBeLessThan(0.02); // std of N(0, 1) truncated to [-2, 2]
      const k = i32(fetchAll(randomSpec(int32, N, Distribution.Uniform, [7, 8], -3, 4))[0]);
      for (let v = -3; v < 4; v++) expect(k.filter((w) => w === v).length / N).toBeCloseTo(1 / 7, 1);
    });

    it('repeats across sessions with the same seeds and draws anew on each run', () => {
      const spec = randomSpec(float32, 16, Distribution.Normal, [42, 43], fbits(0), fbits(1), 5);
      const draws = () => {
        const session = backend.createSession({});
        const plan = session.loadPlan(encoded(spec));
        const runs = [0, 1, 2].map(() => f32(ok(session.run(plan, []))[0]));
        session.close();
        return runs;
      };
      const [a, b] = [draws(), draws()];
      expect(a).toEqual(b);
      expect(a[0]).not.toEqual(a[1]);
      expect(a[1]).not.toEqual(a[2]);
      const other = f32(fetchAll(randomSpec(float32, 16, Distribution.Normal, [42, 44], fbits(0), fbits(1)))[0]);
      expect(other).not.toEqual(a[0]);
    });

    const shuffleSpec = (shape: number[], seeds: number[]): PlanSpec => ({
      buffers: [{ dtype: int32, shape }, { dtype: int32, shape }],
      steps: [[Kernel.Shuffle, [0], [1], [seeds[0], seeds[1], 9]]], feeds: [0], fetches: [1],
    });
    /** Fisher-Yates per docs/kernels.md, on row numbers. */
    const referenceOrder = (n: number, key: number[], r: number) => {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i >= 1; i--) {
        const j = hi32(philox([i, r, 0, 0], key)[0], i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order;
    };

    it('shuffles rows: a permutation, deterministic per seed, new on each run', () => {
      const n = 50;
      const x = new Int32Array(n * 3).map((_, k) => Math.floor(k / 3) * 10 + (k % 3));
      const session = backend.createSession({});
      const plan = session.loadPlan(encoded(shuffleSpec([n, 3], [11, 12])));
      const first = i32(ok(session.run(plan, [bytesOf(x)]))[0]);
      const second = i32(ok(session.run(plan, [bytesOf(x)]))[0]);
      session.close();
      const rows = (y: number[]) => Array.from({ length: n }, (_, i) => y.slice(i * 3, i * 3 + 3));
      for (const y of [first, second]) {
        for (const row of rows(y)) expect(row).toEqual([row[0], row[0] + 1, row[0] + 2]);
        expect(rows(y).map((row) => row[0] / 10).sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
      }
      expect(rows(first).map((row) => row[0] / 10)).toEqual(referenceOrder(n, [11, 12], 0));
      expect(rows(second).map((row) => row[0] / 10)).toEqual(referenceOrder(n, [11, 12], 1));
      expect(first).not.toEqual(second);
      expect(i32(fetchAll(shuffleSpec([n, 3], [11, 12]), [x])[0])).toEqual(first);
      expect(i32(fetchAll(shuffleSpec([n, 3], [11, 13]), [x])[0])).not.toEqual(first);
      expect(i32(fetchAll(shuffleSpec([], [1, 2]), [new Int32Array([7])])[0])).toEqual([7]);
    });
  });

  describe('ApplyUpdate', () => {
    /** vars 0..2 (slots 10..12) of shape [2]; `init` assigns them, `update` runs one step. */
    function optimizer(kind: number, hypers: number, flags = 0, slots: number[] = [-1, -1]) {
      const buffers: BufferSpec[] = [{ dtype: float32, shape: [2] }, { dtype: float32, shape: [2] }];
      for (let k = 0; k < hypers; k++) buffers.push({ dtype: float32, shape: [] });
      const vars = [10, 11, 12].map((slot) => ({ slot, dtype: float32, shape: [2] }));
      const inputs = [0, ...Array.from({ length: hypers }, (_, k) => 2 + k)];
      const update: PlanSpec = {
        buffers, vars, feeds: inputs, fetches: [1],
        steps: [[Kernel.ApplyUpdate, inputs, [1], [kind, 0, ...slots, flags]]],
      };
      const assign = (v: number): PlanSpec => ({ buffers: buffers.slice(0, 1), vars, feeds: [0], fetches: [], steps: [[Kernel.VarAssign, [0], [], [v, AssignMode.Assign]]] });
      const read = (v: number): PlanSpec => ({ buffers: buffers.slice(0, 1), vars, fetches: [0], steps: [[Kernel.VarRead, [], [0], [v]]] });
      const session = backend.createSession({});
      const plans = { update: session.loadPlan(encoded(update)), assign: [0, 1, 2].map((v) => session.loadPlan(encoded(assign(v)))), read: [0, 1, 2].map((v) => session.loadPlan(encoded(read(v)))) };
      return {
        session,
        init: (values: number[][]) => values.forEach((v, k) => ok(session.run(plans.assign[k], [bytesOf(new Float32Array(v))]))),
        step: (grad: number[], h: number[]) => session.run(plans.update, [grad, ...h.map((v) => [v])].map((v) => bytesOf(new Float32Array(v)))),
        read: (v: number) => f32(ok(session.run(plans.read[v], []))[0]),
      };
    }

    it('applies gradient descent', () => {
      const o = optimizer(UpdateKind.GradientDescent, 1);
      o.init([[1, 2]]);
      expectNear(f32(ok(o.step([0.5, -1], [0.1]))[0]), [0.95, 2.1]);
      expectNear(f32(ok(o.step([0.5, -1], [0.1]))[0]), [0.9, 2.2]);
      expectNear(o.read(0), [0.9, 2.2]);
      o.session.close();
    });

    it.each([[0, [[0.9, -1.05], [0.71, -0.895]]], [1, [[0.81, -1.095], [0.539, -0.7555]]]] as const)(
      'applies momentum (nesterov %i)', (nesterov, expected) => {
        const o = optimizer(UpdateKind.Momentum, 2, nesterov, [1, -1]);
        o.init([[1, -1], [0, 0]]);
        expectNear(f32(ok(o.step([1, 0.5], [0.1, 0.9]))[0]), [...expected[0]]);
        expectNear(o.read(1), [1, 0.5]);
        expectNear(f32(ok(o.step([1, -2], [0.1, 0.9]))[0]), [...expected[1]]);
        expectNear(o.read(1), [1.9, -1.55]);
        o.session.close();
      });

    it('applies Adam over two steps with the given beta powers', () => {
      const o = optimizer(UpdateKind.Adam, 6, 0, [1, 2]);
      o.init([[1, -0.5], [0, 0], [0, 0]]);
      // m = 0.1 g; v = 0.001 g^2; lr_t = 0.1 sqrt(0.001) / 0.1; var -= lr_t m / sqrt(v) = 0.1 sign(g)
      expectNear(f32(ok(o.step([2, -1], [0.1, 0.9, 0.999, 1e-8, 0.9, 0.999]))[0]), [0.9, -0.4]);
      expectNear(o.read(1), [0.2, -0.1]);
      expectNear(o.read(2), [0.004, 0.001], 2e-5);
      // m = [0.38, 0.21]; v = [0.007996, 0.009999]; lr_t = 0.1 sqrt(0.001999) / 0.19
      expectNear(f32(ok(o.step([2, 3], [0.1, 0.9, 0.999, 1e-8, 0.81, 0.998001]))[0]), [0.8, -0.4494196], 5e-6);
      expectNear(o.read(1), [0.38, 0.21]);
      expectNear(o.read(2), [0.007996, 0.009999], 2e-5);
      o.session.close();
    });

    it('applies RMSProp over two steps', () => {
      const o = optimizer(UpdateKind.RMSProp, 4, 0, [1, 2]);
      o.init([[1, 2], [1, 1], [0, 0]]);
      // ms = [0.925, 1.3]; mom = 0.01 g / sqrt(ms + 1e-6)
      expectNear(f32(ok(o.step([0.5, -2], [0.01, 0.9, 0.5, 1e-6]))[0]), [0.99480122, 2.01754117]);
      expectNear(o.read(1), [0.925, 1.3]);
      expectNear(f32(ok(o.step([1, 1], [0.01, 0.9, 0.5, 1e-6]))[0]), [0.98184627, 2.01743817]);
      expectNear(o.read(2), [0.01295498, 0.00010298], 1e-5);
      o.session.close();
    });

    it('needs the variable and every slot initialized', () => {
      const o = optimizer(UpdateKind.Adam, 6, 0, [1, 2]);
      const h = [0.1, 0.9, 0.999, 1e-8, 0.9, 0.999];
      expect(o.step([1, 1], h)).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
      o.init([[1, 1], [0, 0]]);
      expect(o.step([1, 1], h)).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 2 });
      expect(o.read(0)).toEqual([1, 1]);
      o.init([[1, 1], [0, 0], [0, 0]]);
      expectNear(f32(ok(o.step([1, 1], h))[0]), [0.9, 0.9]);
      o.session.close();
    });
  });

  describe('plan validation', () => {
    const f = (shape: number[]): BufferSpec => ({ dtype: float32, shape });
    const n = (shape: number[]): BufferSpec => ({ dtype: int32, shape });
    const scalar: BufferSpec = { dtype: float32, shape: [], data: new Float32Array([1]) };
    const vars = [{ slot: 0, dtype: float32, shape: [2] }, { slot: 1, dtype: float32, shape: [2] }, { slot: 2, dtype: int32, shape: [2] }];
    const bad: [string, BufferSpec[], StepSpec][] = [
      ['ArgReduce with an empty axis', [f([2, 0]), n([2])], [Kernel.ArgReduce, [0], [1], [ArgOp.Max, 2, 0, 1]]],
      ['ArgReduce to float32', [f([2, 3]), f([2])], [Kernel.ArgReduce, [0], [1], [ArgOp.Max, 2, 3, 1]]],
      ['ArgReduce with a wrong count', [f([2, 3]), n([2])], [Kernel.ArgReduce, [0], [1], [ArgOp.Max, 2, 4, 1]]],
      ['ArgReduce with overflowing dims', [f([0]), n([0])], [Kernel.ArgReduce, [0], [1], [ArgOp.Max, 65536, 65536, 1]]],
      ['ArgReduce with an unknown op', [f([2, 3]), n([2])], [Kernel.ArgReduce, [0], [1], [2, 2, 3, 1]]],
      ['OneHot with a wrong depth', [n([2]), scalar, scalar, f([2, 3])], [Kernel.OneHot, [0, 1, 2], [3], [4]]],
      ['OneHot with a wrong shape', [n([2]), scalar, scalar, f([3, 2])], [Kernel.OneHot, [0, 1, 2], [3], [2]]],
      ['OneHot with float indices', [f([2]), scalar, scalar, f([2, 2])], [Kernel.OneHot, [0, 1, 2], [3], [2]]],
      ['OneHot with a mistyped on value', [n([2]), scalar, scalar, n([2, 2])], [Kernel.OneHot, [0, 1, 2], [3], [2]]],
      ['Gather with a wrong output count', [f([4, 2]), n([3]), f([2, 2])], [Kernel.Gather, [0, 1], [2], [1, 4, 2]]],
      ['Gather with a wrong params count', [f([4, 2]), n([3]), f([3, 2])], [Kernel.Gather, [0, 1], [2], [1, 3, 2]]],
      ['Gather with negative dims', [f([4, 2]), n([3]), f([3, 2])], [Kernel.Gather, [0, 1], [2], [-1, -4, 2]]],
      ['Gather writing over its indices', [n([3]), n([3])], [Kernel.Gather, [0, 1], [1], [1, 3, 1]]],
      ['Gather changing the dtype', [f([4, 2]), n([3]), n([3, 2])], [Kernel.Gather, [0, 1], [2], [1, 4, 2]]],
      ['ScatterAdd on bool', [{ dtype: bool, shape: [3] }, n([3]), { dtype: bool, shape: [3] }], [Kernel.ScatterAdd, [0, 1], [2], [1, 3, 1]]],
      ['ScatterAdd with a wrong update count', [f([4]), n([3]), f([3])], [Kernel.ScatterAdd, [0, 1], [2], [1, 3, 1]]],
      ['Random with an unknown distribution', [f([4])], [Kernel.Random, [], [0], [3, 1, 2, 0, 0, 0]]],
      ['Random normal int32', [n([4])], [Kernel.Random, [], [0], [Distribution.Normal, 1, 2, 0, 0, 1]]],
      ['Random int32 with an empty range', [n([4])], [Kernel.Random, [], [0], [Distribution.Uniform, 1, 2, 0, 5, 5]]],
      ['Random with a negative stream', [f([4])], [Kernel.Random, [], [0], [Distribution.Uniform, 1, 2, -1, 0, 0]]],
      ['Random with five attrs', [f([4])], [Kernel.Random, [], [0], [Distribution.Uniform, 1, 2, 0, 0]]],
      ['Shuffle changing the shape', [f([4, 2]), f([2, 4])], [Kernel.Shuffle, [0], [1], [1, 2, 0]]],
      ['Shuffle with a negative stream', [f([4]), f([4])], [Kernel.Shuffle, [0], [1], [1, 2, -3]]],
      ['ApplyUpdate with an unknown kind', [f([2]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [4, 0, -1, -1, 0]]],
      ['ApplyUpdate missing a hyperparameter', [f([2]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.Momentum, 0, 1, -1, 0]]],
      ['ApplyUpdate without its slot', [f([2]), scalar, scalar], [Kernel.ApplyUpdate, [0, 1, 2], [], [UpdateKind.Momentum, 0, -1, -1, 0]]],
      ['ApplyUpdate with a stray slot', [f([2]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.GradientDescent, 0, 1, -1, 0]]],
      ['ApplyUpdate on an int32 variable', [n([2]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.GradientDescent, 2, -1, -1, 0]]],
      ['ApplyUpdate with a misshapen grad', [f([3]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.GradientDescent, 0, -1, -1, 0]]],
      ['ApplyUpdate with a vector lr', [f([2]), f([2])], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.GradientDescent, 0, -1, -1, 0]]],
      ['ApplyUpdate with a slot aliasing the variable', [f([2]), scalar, scalar], [Kernel.ApplyUpdate, [0, 1, 2], [], [UpdateKind.Momentum, 0, 0, -1, 0]]],
      ['ApplyUpdate with Nesterov on Adam', [f([2]), scalar, scalar, scalar, scalar, scalar, scalar], [Kernel.ApplyUpdate, [0, 1, 2, 3, 4, 5, 6], [], [UpdateKind.Adam, 0, 1, 2, 1]]],
      ['ApplyUpdate with a var index out of range', [f([2]), scalar], [Kernel.ApplyUpdate, [0, 1], [], [UpdateKind.GradientDescent, 3, -1, -1, 0]]],
    ];
    it.each(bad)('rejects %s', (_name, buffers, step) => {
      const session = backend.createSession({});
      expectCode(() => session.loadPlan(encoded({ buffers, vars, steps: [step], fetches: [] })), 'INVALID_PLAN');
      session.close();
    });

    const corpus: PlanSpec = {
      buffers: [
        f([4]), n([3]), f([3]), n([3, 4]), scalar, { dtype: float32, shape: [], data: new Float32Array([0]) }, f([3, 4]),
        f([2, 4]), n([4]), n([4]), f([4]), f([3, 4]),
      ],
      vars: [{ slot: 0, dtype: float32, shape: [4] }],
      steps: [
        [Kernel.Random, [], [2], [Distribution.TruncatedNormal, 1, 2, 0, fbits(0), fbits(1)]],
        [Kernel.OneHot, [1, 4, 5], [6], [4]],
        [Kernel.ArgReduce, [6], [1], [ArgOp.Max, 3, 4, 1]],
        [Kernel.Gather, [6, 1], [11], [1, 3, 4]],
        [Kernel.ScatterAdd, [6, 1], [7], [1, 2, 4]],
        [Kernel.Shuffle, [3], [3], [5, 6, 1]],
        [Kernel.VarAssign, [0], [], [0, AssignMode.Assign]],
        [Kernel.ApplyUpdate, [10, 4], [10], [UpdateKind.GradientDescent, 0, -1, -1, 0]],
      ],
      feeds: [0], fetches: [10],
    };

    it('never crashes on corrupted training plans', () => {
      const session = loadNativeAddon().createSession({});
      const base = encoded(corpus).bytes;
      let seed = 777;
      const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
      let loaded = 0;
      for (let trial = 0; trial < 3000; trial++) {
        const bytes = base.slice();
        const w = new Int32Array(bytes.buffer);
        for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
          w[Math.floor(random() * w.length)] = random() < 0.7 ? Math.floor(random() * 12) - 3 : (random() * 2 ** 32) | 0;
        }
        let id: number;
        try { id = session.loadPlan(bytes); } catch (e) {
          expect(['INVALID_PLAN', 'OUT_OF_MEMORY']).toContain((e as { code?: string }).code);
          continue;
        }
        loaded++;
        try { session.run(id, [bytesOf(new Float32Array(4))]); } catch (e) { expect(e).toBeInstanceOf(RangeError); }
        session.freePlan(id);
      }
      expect(loaded).toBeGreaterThan(5);
      session.close();
    });
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
