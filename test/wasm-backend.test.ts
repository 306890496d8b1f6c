// What is specific to the WebAssembly backend: loading and validating plans,
// the arena, variables, fetch copies, session lifetime and memory reuse, plus
// a handful of kernels checked against hand-computed values. The kernel
// conformance suite shared with the native backend lives elsewhere.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { encodePlan, alignUp } from '../src/compiler/encode.js';
import type { PlanBuffer, PlanStep, PlanVariable } from '../src/compiler/plan.js';
import {
  AssignMode, BUFFER_WORDS, BinaryOp, BufferField, FusedKind, Header, Kernel, ReduceOp, Status, UnaryOp, UpdateKind, type KernelId,
} from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32, type TypedArray } from '../src/graph/dtypes.js';
import { isRunFailure, type BackendSession, type BackendPlan, type EncodedPlan } from '../src/runtime/backend.js';
import { loadWasmBackend, wasmMemoryBytes } from '../src/runtime/wasm-backend.js';

const backend = loadWasmBackend();

// ---- tiny plan builder --------------------------------------------------------

interface Buf { dtype: DType; shape: number[]; data?: TypedArray }
type Step = [KernelId, number[], number[], number[]?];

function build(bufs: Buf[], steps: Step[], feeds: number[], fetches: number[], vars: PlanVariable[] = []): EncodedPlan {
  let arenaBytes = 0;
  const buffers: PlanBuffer[] = bufs.map((b) => {
    const bytes = b.shape.reduce((n, d) => n * d, 1) * b.dtype.size;
    if (b.data) {
      const data = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
      return { dtype: b.dtype, shape: b.shape, region: 'constant', byteOffset: 0, data };
    }
    const byteOffset = arenaBytes;
    arenaBytes = alignUp(arenaBytes + bytes);
    return { dtype: b.dtype, shape: b.shape, region: 'arena', byteOffset };
  });
  const planSteps: PlanStep[] = steps.map(([kernel, inputs, outputs, attrs = []]) => ({ kernel, inputs, outputs, attrs, opName: 'op' }));
  const bytes = encodePlan({ buffers, steps: planSteps, vars, feeds, fetches, arenaBytes });
  const slot = (id: number) => ({ byteOffset: buffers[id].byteOffset, byteLength: bufs[id].shape.reduce((n, d) => n * d, 1) * bufs[id].dtype.size });
  return { bytes, arenaBytes, feeds: feeds.map(slot), fetches: fetches.map(slot) };
}

function bytesOf(array: TypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function run(session: BackendSession, plan: BackendPlan, feeds: TypedArray[]): ArrayBuffer[] {
  const result = session.run(plan, feeds.map(bytesOf));
  if (isRunFailure(result)) throw new Error(`run failed: ${JSON.stringify(result)}`);
  return result;
}

/** Runs a one-step plan over fed inputs and returns the single output. */
function compute(inputs: [DType, number[], TypedArray][], out: [DType, number[]], kernel: KernelId, attrs: number[] = []): ArrayBuffer {
  const bufs: Buf[] = [...inputs.map(([dtype, shape]) => ({ dtype, shape })), { dtype: out[0], shape: out[1] }];
  const ids = inputs.map((_, i) => i);
  const plan = build(bufs, [[kernel, ids, [inputs.length], attrs]], ids, [inputs.length]);
  const session = backend.createSession({});
  try {
    return run(session, session.loadPlan(plan), inputs.map(([, , data]) => data))[0];
  } finally {
    session.close();
  }
}

const f32 = (b: ArrayBuffer) => Array.from(new Float32Array(b));
const i32 = (b: ArrayBuffer) => Array.from(new Int32Array(b));

function copyPlan(n: number): EncodedPlan {
  return build([{ dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }], [[Kernel.Copy, [0], [1]]], [0], [1]);
}

function expectInvalid(session: BackendSession, plan: EncodedPlan): void {
  let error: unknown;
  try { session.loadPlan(plan); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe('INVALID_PLAN');
}

function withWord(plan: EncodedPlan, word: number, value: number): EncodedPlan {
  const bytes = plan.bytes.slice();
  new DataView(bytes.buffer).setInt32(word * 4, value, true);
  return { ...plan, bytes };
}

// ---- loading -------------------------------------------------------------------

describe('wasm backend: loading plans', () => {
  it('loads a plan and runs it', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(copyPlan(5));
    expect(f32(run(session, plan, [new Float32Array([1, 2, 3, 4, 5])])[0])).toEqual([1, 2, 3, 4, 5]);
    session.close();
  });

  it('rejects truncated plans, a bad magic, bad buffer ids and unknown kernels with INVALID_PLAN', () => {
    const session = backend.createSession({});
    const good = copyPlan(4);
    const stepsAt = new Int32Array(good.bytes.buffer)[Header.StepsOffset];
    expectInvalid(session, { ...good, bytes: good.bytes.slice(0, good.bytes.length - 64) });
    expectInvalid(session, { ...good, bytes: good.bytes.slice(0, 10) });
    expectInvalid(session, { ...good, bytes: new Uint8Array(0) });
    expectInvalid(session, withWord(good, Header.Magic, 0x12345678));
    expectInvalid(session, withWord(good, Header.Version, 99));
    expectInvalid(session, withWord(good, stepsAt + 4, 7)); // input buffer id out of range
    expectInvalid(session, withWord(good, stepsAt + 5, -1)); // output buffer id negative
    expectInvalid(session, withWord(good, stepsAt, 99)); // unknown kernel
    expectInvalid(session, withWord(good, Header.NumSteps, 1000)); // steps past the section
    expectInvalid(session, withWord(good, Header.ArenaBytes, 8)); // buffers outside the arena
    expectInvalid(session, withWord(good, Header.BuffersOffset, 1 << 28));
    // the session is still usable afterwards
    expect(f32(run(session, session.loadPlan(good), [new Float32Array([4, 3, 2, 1])])[0])).toEqual([4, 3, 2, 1]);
    session.close();
  });

  it('rejects wrong attribute counts, dtype combinations and shapes', () => {
    const session = backend.createSession({});
    const two = (dtype: DType, shape: number[], out: DType, outShape: number[], kernel: KernelId, attrs: number[]) =>
      build([{ dtype, shape }, { dtype, shape }, { dtype: out, shape: outShape }], [[kernel, [0, 1], [2], attrs]], [0, 1], [2]);
    expectInvalid(session, two(float32, [3], float32, [3], Kernel.Binary, []));
    expectInvalid(session, two(float32, [3], float32, [3], Kernel.Binary, [99]));
    expectInvalid(session, two(bool, [3], bool, [3], Kernel.Binary, [BinaryOp.Add]));
    expectInvalid(session, two(float32, [3], float32, [3], Kernel.Binary, [BinaryOp.Less])); // needs a bool output
    expectInvalid(session, two(float32, [3], float32, [4], Kernel.Binary, [BinaryOp.Add])); // no broadcast
    expectInvalid(session, two(float32, [2, 3], float32, [2, 2], Kernel.MatMul, [0, 0, 0]));
    session.close();
  });

  it('rejects an output that overlaps a MatMul input', () => {
    const session = backend.createSession({});
    const plan = build([{ dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2, 2] }],
      [[Kernel.MatMul, [0, 1], [2], [0, 0, 0]]], [0, 1], [2]);
    const buffersAt = new Int32Array(plan.bytes.buffer)[Header.BuffersOffset];
    expectInvalid(session, withWord(plan, buffersAt + 2 * BUFFER_WORDS + BufferField.ByteOffset, 0));
    session.close();
  });

  it('never traps on corrupted plans', () => {
    const session = backend.createSession({});
    const v: PlanVariable = { slot: 1, dtype: float32, shape: [3, 2], name: 'v' };
    const good = build(
      [{ dtype: float32, shape: [2, 3] }, { dtype: float32, shape: [3] }, { dtype: float32, shape: [2, 3] },
        { dtype: float32, shape: [3, 2] }, { dtype: float32, shape: [2, 2] }, { dtype: float32, shape: [2] },
        { dtype: bool, shape: [2, 1] }, { dtype: int32, shape: [2, 2] }, { dtype: float32, shape: [3, 2] },
        { dtype: float32, shape: [2], data: new Float32Array([1, -1]) }],
      [[Kernel.Binary, [0, 1], [2], [BinaryOp.Add]], [Kernel.Transpose, [2], [3], [1, 0]],
        [Kernel.VarAssign, [3], [], [0, AssignMode.Assign]], [Kernel.VarRead, [], [8], [0]],
        [Kernel.MatMul, [2, 8, 9], [4], [0, 0, UnaryOp.Relu]], [Kernel.Reduce, [4], [5], [ReduceOp.Sum, 2, 2, 1]],
        [Kernel.Select, [6, 4, 9], [4], []], [Kernel.Cast, [4], [7], []]],
      [0, 1, 6], [5, 7], [v]);
    session.run(session.loadPlan(good), [new Uint8Array(24), new Uint8Array(12), new Uint8Array(2)]);
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [-1, 0, 1, 2, 3, 4, 7, 8, 16, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20];
    const words = good.bytes.length / 4;
    let loaded = 0;
    for (let trial = 0; trial < 5000; trial++) {
      let bad = good;
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        bad = withWord(bad, Math.floor(random() * words), values[Math.floor(random() * values.length)]);
      }
      try {
        const plan = session.loadPlan(bad);
        loaded++;
        session.run(plan, [new Uint8Array(24), new Uint8Array(12), new Uint8Array(2)]);
        session.freePlan(plan);
      } catch (e) {
        if ((e as { code?: string }).code !== 'INVALID_PLAN' && !(e instanceof RangeError)) throw e;
      }
    }
    expect(loaded).toBeGreaterThan(100);
    session.close();
  });

  it('grows the arena across plans and keeps older plans runnable', () => {
    const session = backend.createSession({});
    const small = session.loadPlan(copyPlan(4));
    const big = session.loadPlan(copyPlan(100_000));
    const data = Float32Array.from({ length: 100_000 }, (_, i) => i);
    expect(new Float32Array(run(session, big, [data])[0])).toEqual(data);
    expect(f32(run(session, small, [new Float32Array([9, 8, 7, 6])])[0])).toEqual([9, 8, 7, 6]);
    session.freePlan(small);
    session.freePlan(small); // a second free is a no-op
    expect(() => session.run(small, [])).toThrow(/freed/);
    session.close();
  });

  it('checks the feeds against the plan', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(copyPlan(4));
    expect(() => session.run(plan, [])).toThrow(RangeError);
    expect(() => session.run(plan, [new Uint8Array(15)])).toThrow(RangeError);
    session.close();
  });
});

// ---- sessions -----------------------------------------------------------------

describe('wasm backend: sessions', () => {
  const v: PlanVariable = { slot: 3, dtype: int32, shape: [2], name: 'v' };
  const assignPlan = (mode: number) => build(
    [{ dtype: int32, shape: [2] }, { dtype: int32, shape: [2] }],
    [[Kernel.VarAssign, [0], [1], [0, mode]]], [0], [1], [v]);
  const readPlan = build([{ dtype: int32, shape: [2] }], [[Kernel.VarRead, [], [0], [0]]], [], [0], [v]);

  it('keeps variables across runs of one session and apart between sessions', () => {
    const a = backend.createSession({});
    const b = backend.createSession({});
    const assign = a.loadPlan(assignPlan(AssignMode.Assign));
    const add = a.loadPlan(assignPlan(AssignMode.Add));
    run(a, assign, [new Int32Array([40, 2])]);
    expect(i32(run(a, add, [new Int32Array([2, 0x7fffffff])])[0])).toEqual([42, -0x7fffffff]);
    expect(i32(run(a, a.loadPlan(readPlan), [])[0])).toEqual([42, -0x7fffffff]);

    const readB = b.loadPlan(readPlan);
    expect(b.run(readB, [])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    expect(b.run(b.loadPlan(assignPlan(AssignMode.Sub)), [new Uint8Array(8)])).toMatchObject({ status: Status.UninitializedVariable });
    run(b, b.loadPlan(assignPlan(AssignMode.Assign)), [new Int32Array([7, 8])]);
    expect(i32(run(b, readB, [])[0])).toEqual([7, 8]);
    expect(i32(run(a, a.loadPlan(readPlan), [])[0])).toEqual([42, -0x7fffffff]);
    a.close();
    b.close();
  });

  it('returns fetches as fresh copies of exactly their byte length', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(copyPlan(3));
    const first = run(session, plan, [new Float32Array([1, 2, 3])]);
    const second = run(session, plan, [new Float32Array([4, 5, 6])]);
    expect(first[0].byteLength).toBe(12);
    expect(first[0]).not.toBe(second[0]);
    expect(f32(first[0])).toEqual([1, 2, 3]);
    new Float32Array(second[0]).fill(0);
    expect(f32(run(session, plan, [new Float32Array([7, 8, 9])])[0])).toEqual([7, 8, 9]);
    session.close();
  });

  it('closes idempotently and refuses to run afterwards', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(copyPlan(2));
    session.close();
    session.close();
    expect(() => session.run(plan, [new Uint8Array(8)])).toThrow(/closed/);
    expect(() => session.loadPlan(copyPlan(2))).toThrow(/closed/);
    session.freePlan(plan);
  });

  it('reuses memory across 2000 sessions', () => {
    const plan = copyPlan(10_000);
    const matmul = build([{ dtype: float32, shape: [64, 64] }, { dtype: float32, shape: [64, 64] }],
      [[Kernel.MatMul, [0, 0], [1], [0, 0, UnaryOp.Identity]]], [0], [1]);
    const cycle = () => {
      const session = backend.createSession({});
      run(session, session.loadPlan(plan), [new Float32Array(10_000)]);
      run(session, session.loadPlan(matmul), [new Float32Array(64 * 64)]);
      run(session, session.loadPlan(build([{ dtype: int32, shape: [2] }, { dtype: int32, shape: [2] }],
        [[Kernel.VarAssign, [0], [1], [0, 0]]], [0], [1], [{ slot: 7, dtype: int32, shape: [2], name: 'v' }])), [new Int32Array(2)]);
      session.close();
    };
    for (let i = 0; i < 20; i++) cycle();
    const before = wasmMemoryBytes(backend);
    for (let i = 0; i < 2000; i++) cycle();
    expect(wasmMemoryBytes(backend)).toEqual(before);
  });
});

// ---- kernels --------------------------------------------------------------------

describe('wasm backend: kernels', () => {
  it('divides int32 with floor semantics and wraps INT32_MIN / -1', () => {
    const a = new Int32Array([-7, 7, -7, 7, -2147483648, 0, 5]);
    const b = new Int32Array([2, -2, -2, 2, -1, 3, 5]);
    const out: [DType, number[]] = [int32, [7]];
    expect(i32(compute([[int32, [7], a], [int32, [7], b]], out, Kernel.Binary, [BinaryOp.Div]))).toEqual([-4, -4, 3, 3, -2147483648, 0, 1]);
    expect(i32(compute([[int32, [7], a], [int32, [7], b]], out, Kernel.Binary, [BinaryOp.FloorMod]))).toEqual([1, -1, -1, 1, 0, 0, 0]);
  });

  it('stops an int32 division by zero with a status and stays usable', () => {
    const session = backend.createSession({});
    const plan = session.loadPlan(build(
      [{ dtype: int32, shape: [2] }, { dtype: int32, shape: [2] }, { dtype: int32, shape: [2] }, { dtype: int32, shape: [2] }],
      [[Kernel.Copy, [0], [2]], [Kernel.Binary, [0, 1], [3], [BinaryOp.Div]]], [0, 1], [3]));
    expect(session.run(plan, [bytesOf(new Int32Array([1, 2])), bytesOf(new Int32Array([1, 0]))]))
      .toEqual({ status: Status.IntegerDivisionByZero, step: 1, arg: 0 });
    expect(i32(run(session, plan, [new Int32Array([9, -9]), new Int32Array([2, 2])])[0])).toEqual([4, -5]);
    session.close();
  });

  it('raises int32 powers by squaring and rejects negative exponents', () => {
    const pow = (a: number[], b: number[]) => compute([[int32, [a.length], new Int32Array(a)], [int32, [b.length], new Int32Array(b)]], [int32, [a.length]], Kernel.Binary, [BinaryOp.Pow]);
    expect(i32(pow([2, 0, -3, 2], [10, 0, 3, 32]))).toEqual([1024, 1, -27, 0]);
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: int32, shape: [1] }, { dtype: int32, shape: [1] }, { dtype: int32, shape: [1] }],
      [[Kernel.Binary, [0, 1], [2], [BinaryOp.Pow]]], [0, 1], [2]));
    expect(session.run(plan, [bytesOf(new Int32Array([2])), bytesOf(new Int32Array([-1]))])).toMatchObject({ status: Status.NegativeIntegerPower, step: 0 });
    session.close();
  });

  it('casts float32 to int32 truncating and saturating, NaN to 0', () => {
    const x = new Float32Array([NaN, 3.9e9, -3.9e9, -2.7, 2.7, Infinity, -Infinity, -0.5, 1e9]);
    expect(i32(compute([[float32, [9], x]], [int32, [9]], Kernel.Cast))).toEqual([0, 2147483647, -2147483648, -2, 2, 2147483647, -2147483648, 0, 1000000000]);
    expect(Array.from(new Uint8Array(compute([[float32, [3], new Float32Array([0, NaN, -0.1])]], [bool, [3]], Kernel.Cast)))).toEqual([0, 1, 1]);
    expect(f32(compute([[int32, [2], new Int32Array([16777217, -3])]], [float32, [2]], Kernel.Cast))).toEqual([16777216, -3]);
  });

  it('adds with numpy broadcasting', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(f32(compute([[float32, [2, 3], a], [float32, [3], new Float32Array([10, 20, 30])]], [float32, [2, 3]], Kernel.Binary, [BinaryOp.Add])))
      .toEqual([11, 22, 33, 14, 25, 36]);
    expect(f32(compute([[float32, [2, 1], new Float32Array([1, 2])], [float32, [1, 3], new Float32Array([10, 20, 30])]], [float32, [2, 3]], Kernel.Binary, [BinaryOp.Add])))
      .toEqual([11, 21, 31, 12, 22, 32]);
    expect(f32(compute([[float32, [], new Float32Array([1])], [float32, [2, 3], a]], [float32, [2, 3]], Kernel.Binary, [BinaryOp.Sub])))
      .toEqual([0, -1, -2, -3, -4, -5]);
    const lhs = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const rhs = new Float32Array([100, 200, 300, 400, 500, 600, 700, 800]);
    const got = f32(compute([[float32, [2, 3, 4], lhs], [float32, [2, 1, 4], rhs]], [float32, [2, 3, 4]], Kernel.Binary, [BinaryOp.Mul]));
    expect(got).toEqual(Array.from(lhs, (v, i) => v * rhs[Math.floor(i / 12) * 4 + (i % 4)]));
  });

  it('compares into bool and selects with broadcasting', () => {
    const less = compute([[float32, [4], new Float32Array([1, NaN, 3, 4])], [float32, [], new Float32Array([3])]], [bool, [4]], Kernel.Binary, [BinaryOp.Less]);
    expect(Array.from(new Uint8Array(less))).toEqual([1, 0, 0, 0]);
    const picked = compute([[bool, [2, 1], new Uint8Array([1, 0])], [int32, [3], new Int32Array([1, 2, 3])], [int32, [], new Int32Array([-1])]], [int32, [2, 3]], Kernel.Select);
    expect(i32(picked)).toEqual([1, 2, 3, -1, -1, -1]);
  });

  it('multiplies matrices in all four transpose combinations with bias and relu', () => {
    const [M, K, N] = [37, 300, 270]; // past the 256 blocks and off the 8-column strips
    const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i) * 0.5);
    const b = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.7) * 0.5);
    const bias = Float32Array.from({ length: N }, (_, i) => (i % 5) - 2);
    const expected = new Float32Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      expected[i * N + j] = Math.max(s + bias[j], 0);
    }
    const transpose = (x: Float32Array, r: number, c: number) => Float32Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]);
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const av = ta ? transpose(a, M, K) : a;
      const bv = tb ? transpose(b, K, N) : b;
      const got = new Float32Array(compute([[float32, ta ? [K, M] : [M, K], av], [float32, tb ? [N, K] : [K, N], bv], [float32, [N], bias]],
        [float32, [M, N]], Kernel.MatMul, [ta, tb, UnaryOp.Relu]));
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
    }
  });

  it('multiplies small int32 matrices exactly, and K = 0 gives the bias', () => {
    const c = compute([[int32, [2, 3], new Int32Array([1, 2, 3, 4, 5, 6])], [int32, [3, 2], new Int32Array([7, 8, 9, 10, 11, 12])]], [int32, [2, 2]], Kernel.MatMul, [0, 0, UnaryOp.Identity]);
    expect(i32(c)).toEqual([58, 64, 139, 154]);
    const empty = compute([[float32, [2, 0], new Float32Array(0)], [float32, [0, 3], new Float32Array(0)], [float32, [3], new Float32Array([1, -2, 3])]], [float32, [2, 3]], Kernel.MatMul, [0, 0, UnaryOp.Relu]);
    expect(f32(empty)).toEqual([1, 0, 3, 1, 0, 3]);
  });

  it('reduces sum and max over the middle axis', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    expect(f32(compute([[float32, [2, 3, 4], x]], [float32, [2, 4]], Kernel.Reduce, [ReduceOp.Sum, 2, 3, 4]))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(f32(compute([[float32, [2, 3, 4], x]], [float32, [6]], Kernel.Reduce, [ReduceOp.Max, 6, 4, 1]))).toEqual([3, 7, 11, 15, 19, 23]);
    expect(f32(compute([[float32, [3], new Float32Array([1, NaN, 2])]], [float32, []], Kernel.Reduce, [ReduceOp.Max, 1, 3, 1]))).toEqual([NaN]);
    expect(i32(compute([[int32, [0], new Int32Array(0)]], [int32, []], Kernel.Reduce, [ReduceOp.Min, 1, 0, 1]))).toEqual([2147483647]);
    expect(i32(compute([[int32, [3], new Int32Array([-7, 0, 0])]], [int32, []], Kernel.Reduce, [ReduceOp.Mean, 1, 3, 1]))).toEqual([-2]);
    const big = Float32Array.from({ length: 130 * 70 }, (_, i) => (i % 7) - 3);
    const sums = new Float32Array(compute([[float32, [130, 70], big]], [float32, [70]], Kernel.Reduce, [ReduceOp.Sum, 1, 130, 70]));
    sums.forEach((v, j) => expect(v).toBe(Array.from({ length: 130 }, (_, k) => big[k * 70 + j]).reduce((s, t) => s + t, 0)));
    const ones = new Float32Array(1_000_001).fill(0.1);
    expect(f32(compute([[float32, [ones.length], ones]], [float32, []], Kernel.Reduce, [ReduceOp.Mean, 1, ones.length, 1]))[0]).toBeCloseTo(0.1, 6);
  });

  it('transposes', () => {
    const x = Int32Array.from({ length: 24 }, (_, i) => i);
    const got = i32(compute([[int32, [2, 3, 4], x]], [int32, [4, 2, 3]], Kernel.Transpose, [2, 0, 1]));
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(i * 12 + j * 4 + k);
    expect(got).toEqual(expected);
    const m = Float32Array.from({ length: 50 * 33 }, (_, i) => i);
    const t = new Float32Array(compute([[float32, [50, 33], m]], [float32, [33, 50]], Kernel.Transpose, [1, 0]));
    expect(t[5 * 50 + 7]).toBe(m[7 * 33 + 5]);
    expect(Array.from(new Uint8Array(compute([[bool, [2, 2], new Uint8Array([1, 0, 0, 1])]], [bool, [2, 2]], Kernel.Transpose, [1, 0])))).toEqual([1, 0, 0, 1]);
  });

  it('applies unary functions with TensorFlow rounding and wrapping', () => {
    expect(f32(compute([[float32, [6], new Float32Array([0.5, 1.5, 2.5, -0.5, -1.5, 2.6])]], [float32, [6]], Kernel.Unary, [UnaryOp.Round]))).toEqual([0, 2, 2, -0, -2, 3]);
    expect(i32(compute([[int32, [3], new Int32Array([-2147483648, -5, 9])]], [int32, [3]], Kernel.Unary, [UnaryOp.Abs]))).toEqual([-2147483648, 5, 9]);
    expect(f32(compute([[float32, [3], new Float32Array([NaN, -1, 7])]], [float32, [3]], Kernel.Unary, [UnaryOp.Relu6]))).toEqual([NaN, 0, 6]);
    const negated = f32(compute([[float32, [6], new Float32Array([0, 1, -2, 3, 4, 0])]], [float32, [6]], Kernel.Unary, [UnaryOp.Neg]));
    expect(negated).toEqual([-0, -1, 2, -3, -4, -0]); // the SIMD body and the scalar tail agree
    expect(Object.is(negated[5], -0)).toBe(true);
  });
});

// ---- elementwise family: unary ops vs float64 Math ------------------------------------

/** Asserts |got - want| <= atol + rtol |want|, with NaN and infinities matching exactly. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 2e-6, atol = 0, label = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (Number.isNaN(w) || !Number.isFinite(w)) { expect(g, `${label}[${i}]`).toBe(w); continue; }
    if (Math.abs(g - w) > atol + rtol * Math.abs(w)) expect.fail(`${label}[${i}]: got ${g}, want ${w}`);
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
    const alpha = new Int32Array(new Float32Array([0.01]).buffer)[0];
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

const bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
const F = float32.code;
const I = int32.code;
const B = bool.code;
/** attr[nInstr, instr...] from instructions [kind, op, dtype, a, b, c]. */
const program = (...instrs: number[][]) => [instrs.length, ...instrs.flatMap((w) => [...w, 0, 0, 0, 0, 0, 0].slice(0, 6))];

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
      [FusedKind.Const, 0, F, bits(0.5)],             // 7: 0.5
      [FusedKind.Binary, BinaryOp.Mul, F, 3, 7],      // 8: col * 0.5
      [FusedKind.Binary, BinaryOp.Sub, F, 6, 8],      // 9
      [FusedKind.Unary, UnaryOp.Tanh, F, 9],          // 10
      [FusedKind.Binary, BinaryOp.Greater, B, 4, 7],  // 11: d > 0.5
      [FusedKind.Select, 0, F, 11, 10, 4],            // 12: d > 0.5 ? tanh : d
      [FusedKind.Cast, 0, F, 11],                     // 13: 0 or 1
      [FusedKind.Unary, UnaryOp.LeakyRelu, F, 12, 0, bits(0.1)], // 14
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
    const constant = program([FusedKind.Const, 0, F, bits(2)], [FusedKind.Unary, UnaryOp.Exp, F, 0]);
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

describe('wasm backend: FusedReduce', () => {
  /** float64 reference: program values over dims, reduced over axes first..last. */
  function reference(values: (i: number) => number, dims: number[], first: number, last: number, op: number): number[] {
    const outer = dims.slice(0, first).reduce((p, d) => p * d, 1);
    const n = dims.slice(first, last + 1).reduce((p, d) => p * d, 1);
    const inner = dims.slice(last + 1).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
      const xs = Array.from({ length: n }, (_, k) => values((o * n + k) * inner + j));
      const sum = xs.reduce((s, v) => s + v, 0);
      out.push(op === ReduceOp.Sum ? sum : op === ReduceOp.Mean ? sum / n : op === ReduceOp.Max ? Math.max(...xs) : Math.min(...xs));
    }
    return out;
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
      [FusedKind.Const, 0, F, bits(0.5)], [FusedKind.Binary, BinaryOp.Sub, F, 3, 4]);
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
  function reference(x: Float32Array, cols: number, log: boolean): number[] {
    const out: number[] = [];
    for (let r = 0; r < x.length / cols; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const m = Math.max(...row);
      const s = row.reduce((t, v) => t + Math.exp(v - m), 0);
      out.push(...row.map((v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s)));
    }
    return out;
  }

  it.each([[false], [true]])('matches float64 with log = %s, incl. large values and rows of -inf', (log) => {
    const cols = 37;
    const x = ramp(9 * cols, 8);
    x.fill(1000, cols, cols + 5); // large but equal: still finite
    x[2 * cols + 3] = 3e38;
    x.fill(-Infinity, 3 * cols + 1, 4 * cols); // one finite value, the rest -inf
    const got = new Float32Array(compute([[float32, [9, cols], x]], [float32, [9, cols]], Kernel.Softmax, [9, cols, log ? 1 : 0]));
    expectClose(got, reference(x, cols, log), 4e-6, 1e-6, log ? 'logsoftmax' : 'softmax');
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
    let seed = 777;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20];
    const words = good.bytes.length / 4;
    let loaded = 0;
    for (let trial = 0; trial < 4000; trial++) {
      let bad = good;
      for (let m = 1 + Math.floor(random() * 2); m > 0; m--) bad = withWord(bad, Math.floor(random() * words), values[Math.floor(random() * values.length)]);
      try {
        const plan = session.loadPlan(bad);
        loaded++;
        session.run(plan, feeds());
        session.freePlan(plan);
      } catch (e) {
        if ((e as { code?: string }).code !== 'INVALID_PLAN' && !(e instanceof RangeError)) throw e;
      }
    }
    expect(loaded).toBeGreaterThan(100);
    session.close();
  });
});

describe('wasm backend: SIMD comparisons', () => {
  it.each([[float32], [int32]])('compares %s rows (same shape and scalar) into 0/1 bytes', (dtype) => {
    const n = 103;
    const make = (k: number) => (dtype === float32 ? Float32Array.from({ length: n }, (_, i) => (i % 17 === 5 ? NaN : (i * k) % 7 - 3))
      : Int32Array.from({ length: n }, (_, i) => (i * k) % 7 - 3));
    const [a, b] = [make(3), make(5)];
    const ops: [number, (x: number, y: number) => boolean][] = [[BinaryOp.Equal, (x, y) => x === y], [BinaryOp.NotEqual, (x, y) => x !== y],
      [BinaryOp.Less, (x, y) => x < y], [BinaryOp.LessEqual, (x, y) => x <= y], [BinaryOp.Greater, (x, y) => x > y], [BinaryOp.GreaterEqual, (x, y) => x >= y]];
    for (const [op, ref] of ops) {
      const same = compute([[dtype, [n], a], [dtype, [n], b]], [bool, [n]], Kernel.Binary, [op]);
      expect(Array.from(new Uint8Array(same))).toEqual(Array.from(a, (v, i) => Number(ref(v, b[i]))));
      const scalar = compute([[dtype, [], b.subarray(1, 2)], [dtype, [n], a]], [bool, [n]], Kernel.Binary, [op]);
      expect(Array.from(new Uint8Array(scalar))).toEqual(Array.from(a, (v) => Number(ref(b[1], v))));
    }
  });
});

// ---- training kernels ------------------------------------------------------------

describe('wasm backend: training kernels', () => {
  const bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];
  const fr = Math.fround;
  const raw = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../dist/sessionflow.wasm', import.meta.url))), {})
    .exports as unknown as { sf_philox_test(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, k: number): number };
  const philox = (c: number[], k: number[]) => [0, 1, 2, 3].map((w) => raw.sf_philox_test(c[0], c[1], c[2], c[3], k[0], k[1], w) >>> 0);
  const unit = (x: number) => new Float32Array(new Uint32Array([(x >>> 9) | 0x3f800000]).buffer)[0] - 1;
  const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

  /** ArgReduce as docs/kernels.md states it, over x as [outer, n, inner]. */
  function argRef(x: ArrayLike<number>, outer: number, n: number, inner: number, isMax: boolean): number[] {
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let at = 0;
      const get = (k: number) => x[(o * n + k) * inner + i];
      for (let k = 1; k < n; k++) {
        const v = get(k);
        const best = get(at);
        const wins = Number.isNaN(v) ? !Number.isNaN(best) : isMax ? v > best : v < best;
        if (wins) at = k;
      }
      out.push(at);
    }
    return out;
  }

  it('arg-reduces with first-index ties and NaN winning, over inner, middle and outer axes', () => {
    const arg = (x: Float32Array | Int32Array, op: number, dims: [number, number, number]) =>
      i32(compute([[x instanceof Float32Array ? float32 : int32, [x.length], x]], [int32, [dims[0] * dims[2]]], Kernel.ArgReduce, [op, ...dims]));
    expect(arg(new Float32Array([1, 3, 3, 2]), 0, [1, 4, 1])).toEqual([1]);
    expect(arg(new Float32Array([1, NaN, 7, NaN]), 0, [1, 4, 1])).toEqual([1]);
    expect(arg(new Float32Array([1, NaN, -7, NaN]), 1, [1, 4, 1])).toEqual([1]);
    expect(arg(new Int32Array([5, -2, -2, 5]), 1, [1, 4, 1])).toEqual([1]);
    const x = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => (i % 7 === 3 ? NaN : (i * 37) % 5));
    const xi = Int32Array.from(x, (v) => (Number.isNaN(v) ? 9 : v));
    for (const dims of [[12, 5, 1], [3, 4, 5], [1, 3, 20], [2, 30, 1]] as [number, number, number][]) {
      for (const op of [0, 1]) {
        expect(arg(x, op, dims)).toEqual(argRef(x, ...dims, op === 0));
        expect(arg(xi, op, dims)).toEqual(argRef(xi, ...dims, op === 0));
      }
    }
  });

  it('one-hot encodes float32, int32 and bool, out-of-range indices giving off rows', () => {
    const indices = new Int32Array([0, 3, -1, 2]);
    const oneHot = (dtype: DType, on: TypedArray, off: TypedArray) => compute(
      [[int32, [2, 2], indices], [dtype, [], on], [dtype, [], off]], [dtype, [2, 2, 3]], Kernel.OneHot, [3]);
    expect(f32(oneHot(float32, new Float32Array([5]), new Float32Array([-0.5])))).toEqual(
      [5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, 5]);
    expect(i32(oneHot(int32, new Int32Array([1]), new Int32Array([0])))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(new Uint8Array(oneHot(bool, new Uint8Array([7]), new Uint8Array([0]))))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('gathers along axis 0 and a middle axis, stopping at the first out-of-range index', () => {
    const params = Int32Array.from({ length: 2 * 3 * 2 }, (_, i) => i); // [2, 3, 2]
    const idx = new Int32Array([2, 0, 2]);
    expect(i32(compute([[int32, [2, 3, 2], params], [int32, [3], idx]], [int32, [2, 3, 2]], Kernel.Gather, [2, 3, 2])))
      .toEqual([4, 5, 0, 1, 4, 5, 10, 11, 6, 7, 10, 11]); // axis 1
    expect(f32(compute([[float32, [3, 2], new Float32Array([1, 2, 3, 4, 5, 6])], [int32, [2], new Int32Array([2, 0])]],
      [float32, [2, 2]], Kernel.Gather, [1, 3, 2]))).toEqual([5, 6, 1, 2]); // axis 0
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: int32, shape: [2, 3, 2] }, { dtype: int32, shape: [3] }, { dtype: int32, shape: [3, 3, 2] }],
      [[Kernel.Gather, [0, 1], [2], [1, 2, 6]]], [0, 1], [2]));
    expect(session.run(plan, [bytesOf(params), bytesOf(new Int32Array([1, 2, -1]))])).toEqual({ status: Status.IndexOutOfRange, step: 0, arg: 1 });
    expect(i32(run(session, plan, [params, new Int32Array([1, 0, 1])])[0])).toEqual([6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    session.close();
  });

  it('scatter-adds repeated indices in order, and checks them like Gather', () => {
    const updates = new Float32Array([1, 2, 10, 20, 100, 200, 0.5, 0.25]); // [1, 4, 2] rows added into [3, 2]
    const idx = new Int32Array([2, 0, 2, 2]);
    expect(f32(compute([[float32, [4, 2], updates], [int32, [4], idx]], [float32, [3, 2]], Kernel.ScatterAdd, [1, 3, 2])))
      .toEqual([10, 20, 0, 0, 101.5, 202.25]);
    const ints = Int32Array.from({ length: 2 * 3 }, (_, i) => i + 1); // [2, 3, 1] into [2, 2, 1] along the middle axis
    expect(i32(compute([[int32, [2, 3], ints], [int32, [3], new Int32Array([1, 1, 0])]], [int32, [2, 2]], Kernel.ScatterAdd, [2, 2, 1])))
      .toEqual([3, 3, 6, 9]);
    const session = backend.createSession({});
    const plan = session.loadPlan(build([{ dtype: float32, shape: [4, 2] }, { dtype: int32, shape: [4] }, { dtype: float32, shape: [3, 2] }],
      [[Kernel.ScatterAdd, [0, 1], [2], [1, 3, 2]]], [0, 1], [2]));
    expect(session.run(plan, [bytesOf(updates), bytesOf(new Int32Array([0, 1, 2, 3]))])).toEqual({ status: Status.IndexOutOfRange, step: 0, arg: 3 });
    session.close();
  });

  it('matches the Philox4x32-10 known-answer vectors of Random123', () => {
    expect(hex(philox([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox([-1, -1, -1, -1], [-1, -1]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])))
      .toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  const randomPlan = (dtype: DType, n: number, attrs: number[]) =>
    build([{ dtype, shape: [n] }], [[Kernel.Random, [], [0], attrs]], [], [0]);

  it('draws uniform numbers from the counter (i, r, 0, 0) keyed by the seeds', () => {
    const session = backend.createSession({});
    const ints = session.loadPlan(randomPlan(int32, 3, [0, 0, 0, 0, -(2 ** 31), 2 ** 31 - 1]));
    const floats = session.loadPlan(randomPlan(float32, 3, [0, 7, 9, 1, bits(2), bits(5)]));
    expect(i32(run(session, ints, [])[0])[0]).toBe((0x6627e8d5 - 1 - 2 ** 31) | 0); // KAT word 0, exactly
    for (let r = 0; r < 2; r++) {
      const got = f32(run(session, floats, [])[0]);
      got.forEach((v, i) => expect(v).toBe(fr(2 + fr(unit(philox([i, r, 0, 0], [7, 9])[0]) * 3))));
    }
    session.close();
  });

  it('gives uniform, normal and truncated-normal statistics over 100k samples', () => {
    const N = 100_000;
    const draw = (dtype: DType, attrs: number[]) => {
      const session = backend.createSession({});
      try { return Array.from(new (dtype === int32 ? Int32Array : Float32Array)(run(session, session.loadPlan(randomPlan(dtype, N, attrs)), [])[0])); }
      finally { session.close(); }
    };
    const stats = (x: number[]) => {
      const mean = x.reduce((s, v) => s + v, 0) / x.length;
      return { mean, std: Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length), min: Math.min(...x), max: Math.max(...x) };
    };
    const u = stats(draw(float32, [0, 1, 2, 0, bits(2), bits(5)]));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(5);
    expect(u.mean).toBeCloseTo(3.5, 1);
    expect(u.std).toBeCloseTo(Math.sqrt(0.75), 2);
    const ints = draw(int32, [0, 3, 4, 0, -3, 4]);
    for (let v = -3; v < 4; v++) expect(ints.filter((x) => x === v).length / N).toBeCloseTo(1 / 7, 2);
    expect(ints.every((x) => x >= -3 && x < 4)).toBe(true);
    const g = stats(draw(float32, [1, 5, 6, 0, bits(1), bits(2)]));
    expect(g.mean).toBeCloseTo(1, 1);
    expect(g.std).toBeCloseTo(2, 1);
    const tn = draw(float32, [2, 5, 6, 0, bits(0), bits(1)]);
    const t = stats(tn);
    expect(t.min).toBeGreaterThanOrEqual(-2);
    expect(t.max).toBeLessThanOrEqual(2);
    expect(t.mean).toBeCloseTo(0, 1);
    expect(t.std).toBeCloseTo(0.8796, 2); // the standard normal truncated to [-2, 2]
  });

  it('computes normals by Box-Muller on words 0 and 1, retrying truncated ones with the attempt counter', () => {
    const z = (i: number, t: number) => {
      const [x0, x1] = philox([i, 0, t, 0], [11, 12]);
      return Math.sqrt(-2 * Math.log(1 - unit(x0))) * Math.cos(2 * Math.PI * unit(x1));
    };
    const session = backend.createSession({});
    const normal = f32(run(session, session.loadPlan(randomPlan(float32, 64, [1, 11, 12, 0, bits(0), bits(1)])), [])[0]);
    const truncated = f32(run(session, session.loadPlan(randomPlan(float32, 64, [2, 11, 12, 1, bits(0), bits(1)])), [])[0]);
    normal.forEach((v, i) => expect(v).toBeCloseTo(z(i, 0), 5));
    let retried = 0;
    truncated.forEach((v, i) => {
      let t = 0;
      while (Math.abs(z(i, t)) > 2) t++;
      retried += t;
      expect(v).toBeCloseTo(z(i, t), 5);
    });
    expect(retried).toBeGreaterThan(0);
    session.close();
  });

  it('draws the same numbers in two sessions with the same seeds and new ones on a rerun', () => {
    const plan = build([{ dtype: float32, shape: [50] }, { dtype: float32, shape: [50] }],
      [[Kernel.Random, [], [0], [1, 3, 4, 0, bits(0), bits(1)]], [Kernel.Random, [], [1], [0, 3, 4, 1, bits(0), bits(1)]]], [], [0, 1]);
    const a = backend.createSession({});
    const b = backend.createSession({});
    const pa = a.loadPlan(plan);
    const first = run(a, pa, []).map(f32);
    const again = run(a, pa, []).map(f32);
    expect(run(b, b.loadPlan(plan), []).map(f32)).toEqual(first);
    expect(again[0]).not.toEqual(first[0]);
    expect(again[1]).not.toEqual(first[1]);
    expect(run(b, b.loadPlan(plan), []).map(f32)).toEqual(again); // a second plan shares the session's streams
    a.close();
    b.close();
  });

  it('shuffles rows by Fisher-Yates: a permutation, deterministic per seed, new on a rerun', () => {
    const rows = 40;
    const x = Int32Array.from({ length: rows * 3 }, (_, i) => Math.floor(i / 3) * 10 + (i % 3));
    const plan = build([{ dtype: int32, shape: [rows, 3] }, { dtype: int32, shape: [rows, 3] }], [[Kernel.Shuffle, [0], [1], [21, 22, 5]]], [0], [1]);
    const expected = (r: number) => {
      const order = Array.from({ length: rows }, (_, i) => i);
      for (let i = rows - 1; i >= 1; i--) {
        const j = Number((BigInt(philox([i, r, 0, 0], [21, 22])[0]) * BigInt(i + 1)) >> 32n);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order.flatMap((row) => [row * 10, row * 10 + 1, row * 10 + 2]);
    };
    const a = backend.createSession({});
    const b = backend.createSession({});
    const pa = a.loadPlan(plan);
    const first = i32(run(a, pa, [x])[0]);
    expect(first).toEqual(expected(0));
    expect([...first].sort((p, q) => p - q)).toEqual(Array.from(x));
    expect(i32(run(a, pa, [x])[0])).toEqual(expected(1));
    expect(i32(run(b, b.loadPlan(plan), [x])[0])).toEqual(first);
    const bytesPlan = build([{ dtype: bool, shape: [5] }, { dtype: bool, shape: [5] }], [[Kernel.Shuffle, [0], [1], [1, 2, 0]]], [0], [1]);
    expect(Array.from(new Uint8Array(run(a, a.loadPlan(bytesPlan), [new Uint8Array([1, 0, 0, 0, 0])])[0])).reduce((s, v) => s + v, 0)).toBe(1);
    a.close();
    b.close();
  });
});

describe('wasm backend: optimizer steps', () => {
  const fr = Math.fround;
  const n = 6; // one 4-lane body plus a 2-element tail
  const vars: PlanVariable[] = [0, 1, 2].map((k) => ({ slot: 10 + k, dtype: float32, shape: [n], name: `v${k}` }));
  const vec: Buf = { dtype: float32, shape: [n] };
  const initPlan = (which: number[]) => build([vec, vec, vec], which.map((k): Step => [Kernel.VarAssign, [k], [], [k, AssignMode.Assign]]), which, [], vars);

  /** grad and hyperparameters fed; fetches y and both slot variables. */
  function updatePlan(kind: number, hypers: number, slots: [number, number], flags = 0): EncodedPlan {
    const ids = Array.from({ length: hypers }, (_, k) => k + 1);
    const y = hypers + 1;
    return build([vec, ...ids.map((): Buf => ({ dtype: float32, shape: [] })), vec, vec, vec],
      [[Kernel.ApplyUpdate, [0, ...ids], [y], [kind, 0, slots[0], slots[1], flags]],
        [Kernel.VarRead, [], [y + 1], [1]], [Kernel.VarRead, [], [y + 2], [2]]], [0, ...ids], [y, y + 1, y + 2], vars);
  }

  /** TensorFlow's rules in float32, one rounding per operation as the kernel does. */
  function reference(kind: number, flags: number, h: number[], s: number[][], g: number[]): void {
    const [v, a, b] = s;
    for (let i = 0; i < n; i++) {
      if (kind === UpdateKind.GradientDescent) v[i] = fr(v[i] - fr(h[0] * g[i]));
      if (kind === UpdateKind.Momentum) {
        a[i] = fr(fr(a[i] * h[1]) + g[i]);
        v[i] = flags ? fr(v[i] - fr(fr(g[i] * h[0]) + fr(fr(a[i] * h[1]) * h[0]))) : fr(v[i] - fr(h[0] * a[i]));
      }
      if (kind === UpdateKind.Adam) {
        const lrT = fr(fr(h[0] * fr(Math.sqrt(fr(1 - h[5])))) / fr(1 - h[4]));
        a[i] = fr(a[i] + fr(fr(g[i] - a[i]) * fr(1 - h[1])));
        b[i] = fr(b[i] + fr(fr(fr(g[i] * g[i]) - b[i]) * fr(1 - h[2])));
        v[i] = fr(v[i] - fr(fr(lrT * a[i]) / fr(fr(Math.sqrt(b[i])) + h[3])));
      }
      if (kind === UpdateKind.RMSProp) {
        a[i] = fr(a[i] + fr(fr(fr(g[i] * g[i]) - a[i]) * fr(1 - h[1])));
        b[i] = fr(fr(b[i] * h[2]) + fr(fr(h[0] * g[i]) / fr(Math.sqrt(fr(a[i] + h[3])))));
        v[i] = fr(v[i] - b[i]);
      }
    }
  }

  const start = [[0.5, -1, 2, 3.25, -0.125, 10], [0.1, 0.2, 0, 0.3, 1, 0.05], [0.01, 0.5, 0, 2, 0.25, 1]];
  const grads = [[0.3, -0.7, 1.1, 0, -2.5, 0.01], [-0.2, 0.4, 0.9, 1.3, 0.6, -1]];
  const cases: [string, number, number, [number, number], (t: number) => number[]][] = [
    ['GradientDescent', UpdateKind.GradientDescent, 0, [-1, -1], () => [0.1]],
    ['Momentum', UpdateKind.Momentum, 0, [1, -1], () => [0.1, 0.9]],
    ['Nesterov momentum', UpdateKind.Momentum, 1, [1, -1], () => [0.1, 0.9]],
    ['Adam', UpdateKind.Adam, 0, [1, 2], (t) => [0.01, 0.9, 0.999, 1e-7, 0.9 ** t, 0.999 ** t]],
    ['RMSProp', UpdateKind.RMSProp, 0, [1, 2], () => [0.01, 0.9, 0.5, 1e-6]],
  ];

  it.each(cases)('applies %s over two steps like TensorFlow', (_, kind, flags, slots, hypers) => {
    const session = backend.createSession({});
    run(session, session.loadPlan(initPlan([0, 1, 2])), start.map((x) => new Float32Array(x)));
    const plan = session.loadPlan(updatePlan(kind, hypers(1).length, slots, flags));
    const state = start.map((x) => Array.from(new Float32Array(x)));
    for (let t = 1; t <= 2; t++) {
      const got = run(session, plan, [new Float32Array(grads[t - 1]), ...hypers(t).map((h) => new Float32Array([h]))]).map(f32);
      reference(kind, flags, hypers(t).map(fr), state, grads[t - 1].map(fr));
      expect(got).toEqual(state);
    }
    session.close();
  });

  it('matches hand-computed first steps', () => {
    const session = backend.createSession({});
    run(session, session.loadPlan(initPlan([0, 1, 2])), start.map((x) => new Float32Array(x)));
    const momentum = session.loadPlan(updatePlan(UpdateKind.Momentum, 2, [1, -1], 1));
    const [y, accum] = run(session, momentum, [new Float32Array(grads[0]), new Float32Array([0.5]), new Float32Array([0.5])]).map(f32);
    expect(accum[0]).toBeCloseTo(0.1 * 0.5 + 0.3, 6); // 0.35
    expect(y[0]).toBeCloseTo(0.5 - (0.3 * 0.5 + 0.35 * 0.5 * 0.5), 6); // Nesterov: 0.2625
    session.close();
  });

  it('stops with UninitializedVariable naming the first uninitialized of var, slot0, slot1', () => {
    const session = backend.createSession({});
    const adam = session.loadPlan(updatePlan(UpdateKind.Adam, 6, [1, 2]));
    const feeds = [new Float32Array(n), ...[0.01, 0.9, 0.999, 1e-7, 0.9, 0.999].map((h) => new Float32Array([h]))].map(bytesOf);
    expect(session.run(adam, feeds)).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    run(session, session.loadPlan(initPlan([0, 2])), [new Float32Array(n), new Float32Array(n)]);
    expect(session.run(adam, feeds)).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 1 });
    run(session, session.loadPlan(initPlan([1])), [new Float32Array(n)]);
    expect(isRunFailure(session.run(adam, feeds))).toBe(false);
    session.close();
  });
});

describe('wasm backend: training kernels at plan load', () => {
  const f = (shape: number[]): Buf => ({ dtype: float32, shape });
  const i = (shape: number[]): Buf => ({ dtype: int32, shape });
  const one = (bufs: Buf[], kernel: KernelId, inputs: number[], outputs: number[], attrs: number[], vars: PlanVariable[] = []) =>
    build(bufs, [[kernel, inputs, outputs, attrs]], [], outputs, vars);
  const v = (slot: number, dtype = float32): PlanVariable => ({ slot, dtype, shape: [4], name: `v${slot}` });
  const gd = (attrs: number[], vars = [v(0), v(1)], bufs = [f([4]), f([]), f([4])]) =>
    one(bufs, Kernel.ApplyUpdate, bufs.slice(0, -1).map((_, k) => k), [bufs.length - 1], attrs, vars);

  it('rejects malformed training steps with INVALID_PLAN', () => {
    const session = backend.createSession({});
    const bad: EncodedPlan[] = [
      one([f([0]), i([1])], Kernel.ArgReduce, [0], [1], [0, 1, 0, 1]), // n = 0
      one([f([6]), f([2])], Kernel.ArgReduce, [0], [1], [0, 2, 3, 1]), // float output
      one([f([6]), i([2])], Kernel.ArgReduce, [0], [1], [2, 2, 3, 1]), // unknown op
      one([f([6]), i([3])], Kernel.ArgReduce, [0], [1], [0, 2, 3, 1]), // count
      one([i([4]), f([]), f([]), f([4, 2])], Kernel.OneHot, [0, 1, 2], [3], [3]), // depth vs shape
      one([i([4]), f([]), f([]), f([2, 6])], Kernel.OneHot, [0, 1, 2], [3], [3]), // same count, other shape
      one([i([4]), f([2]), f([]), f([4, 3])], Kernel.OneHot, [0, 1, 2], [3], [3]), // on is not a scalar
      one([i([4]), i([]), f([]), f([4, 3])], Kernel.OneHot, [0, 1, 2], [3], [3]), // on dtype
      one([f([3, 2]), i([2]), f([3, 2])], Kernel.Gather, [0, 1], [2], [1, 3, 2]), // y count
      one([f([3, 2]), f([2]), f([2, 2])], Kernel.Gather, [0, 1], [2], [1, 3, 2]), // float indices
      one([f([3, 2]), i([2]), f([2, 2])], Kernel.Gather, [0, 1], [2], [1, 2, 2]), // params count
      one([f([3, 2]), i([2]), f([2, 2])], Kernel.Gather, [0, 1], [2], [1 << 16, 1 << 16, 0]), // overflowing attrs
      one([{ dtype: bool, shape: [2] }, i([2]), { dtype: bool, shape: [3] }], Kernel.ScatterAdd, [0, 1], [2], [1, 3, 1]),
      one([i([4])], Kernel.Random, [], [0], [1, 0, 0, 0, 0, 1]), // normal int32
      one([i([4])], Kernel.Random, [], [0], [0, 0, 0, 0, 5, 5]), // empty int range
      one([f([4])], Kernel.Random, [], [0], [3, 0, 0, 0, 0, 1]), // unknown distribution
      one([f([4])], Kernel.Random, [], [0], [0, 0, 0, -1, 0, 1]), // negative stream
      one([f([4])], Kernel.Random, [], [0], [0, 0, 0, 1 << 20, 0, 1]), // stream past the bound
      one([f([4])], Kernel.Random, [], [0], [0, 0, 0, 0, 0]),
      one([f([2, 3]), f([3, 2])], Kernel.Shuffle, [0], [1], [0, 0, 0]),
      one([f([2, 3]), i([2, 3])], Kernel.Shuffle, [0], [1], [0, 0, 0]),
      gd([0, 0, -1, -1]), // four attrs
      gd([0, 0, 1, -1, 0]), // GradientDescent takes no slot
      gd([0, 2, -1, -1, 0]), // var index out of range
      gd([0, 0, -1, -1, 1]), // Nesterov flag on GradientDescent
      gd([1, 0, -1, -1, 0], undefined, [f([4]), f([]), f([]), f([4])]), // Momentum needs slot0
      gd([1, 0, 1, -1, 0], [v(0), v(0)], [f([4]), f([]), f([]), f([4])]), // slot0 is var's storage
      gd([1, 0, 1, -1, 2], undefined, [f([4]), f([]), f([]), f([4])]), // flags
      gd([1, 0, 1, -1, 0]), // Momentum with GradientDescent's inputs
      gd([0, 0, -1, -1, 0], [v(0, int32), v(1)]), // int32 variable
      gd([0, 0, -1, -1, 0], undefined, [f([3]), f([]), f([4])]), // grad count
      gd([0, 0, -1, -1, 0], undefined, [f([4]), f([2]), f([4])]), // lr not a scalar
      gd([0, 0, -1, -1, 0], undefined, [f([4]), f([]), f([3])]), // y count
    ];
    bad.forEach((plan) => expectInvalid(session, plan));
    session.close();
  });

  it('rejects an output overlapping a Gather input', () => {
    const session = backend.createSession({});
    const plan = one([f([2, 2]), i([2]), f([2, 2])], Kernel.Gather, [0, 1], [2], [1, 2, 2]);
    session.loadPlan(plan);
    const buffersAt = new Int32Array(plan.bytes.buffer)[Header.BuffersOffset];
    expectInvalid(session, withWord(plan, buffersAt + 2 * BUFFER_WORDS + BufferField.ByteOffset, 0));
    session.close();
  });

  it('never traps on corrupted training plans', () => {
    const session = backend.createSession({});
    const vars = [v(0), v(1), v(2)];
    const good = build([f([4]), i([4]), f([4, 3]), f([2, 4]), f([4]), i([2]), f([4]), f([]), f([]), f([]), f([2, 4]), i([4]), f([3, 4])],
      [[Kernel.Random, [], [0], [0, 1, 2, 3, 0, 1]], [Kernel.VarAssign, [0], [], [0, 0]], [Kernel.VarAssign, [0], [], [1, 0]],
        [Kernel.VarAssign, [0], [], [2, 0]], [Kernel.OneHot, [1, 7, 8], [2], [3]], [Kernel.Shuffle, [0], [4], [5, 6, 7]],
        [Kernel.Gather, [3, 5], [10], [1, 2, 4]], [Kernel.ScatterAdd, [10, 5], [12], [1, 3, 4]], [Kernel.ArgReduce, [2], [11], [0, 4, 3, 1]],
        [Kernel.ApplyUpdate, [4, 7, 8], [6], [1, 0, 1, -1, 1]], [Kernel.ApplyUpdate, [4, 7], [], [0, 2, -1, -1, 0]]],
      [1, 3, 5, 7, 8, 9], [2, 6, 10, 11, 12], vars);
    const feeds = () => [new Int32Array([0, 1, 2, 7]), new Float32Array(8), new Int32Array([1, 0]), ...[0.1, 0.9, 0.5].map((x) => new Float32Array([x]))].map(bytesOf);
    expect(isRunFailure(session.run(session.loadPlan(good), feeds()))).toBe(false);
    let seed = 777;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [-1, 0, 1, 2, 3, 4, 7, 8, 16, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20, 15, 16, 17, 18, 19, 20, 21];
    const words = good.bytes.length / 4;
    let loaded = 0;
    for (let trial = 0; trial < 4000; trial++) {
      let bad = good;
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) bad = withWord(bad, Math.floor(random() * words), values[Math.floor(random() * values.length)]);
      try {
        const plan = session.loadPlan(bad);
        loaded++;
        session.run(plan, feeds());
        session.freePlan(plan);
      } catch (e) {
        if ((e as { code?: string }).code !== 'INVALID_PLAN' && !(e instanceof RangeError)) throw e;
      }
    }
    expect(loaded).toBeGreaterThan(100);
    session.close();
  });
});
