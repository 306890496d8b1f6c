// The wasm backend itself: loading and validating plans, sessions and memory reuse, and basic kernels against hand-computed values.
import { describe, it, expect } from 'vitest';
import type { PlanVariable } from '../src/compiler/plan.js';
import { AssignMode, BUFFER_WORDS, BinaryOp, BufferField, Header, Kernel, ReduceOp, Status, UnaryOp, type KernelId } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32 } from '../src/graph/dtypes.js';
import { wasmMemoryBytes } from '../src/runtime/wasm-backend.js';
import { build, bytesOf, expectInvalid, f32, i32, run, transposed, withWord } from './plan-helpers.js';
import { backend, compute, copyPlan, expectNoTrapOnCorruption } from './wasm-helpers.js';

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
    const feeds = () => [new Uint8Array(24), new Uint8Array(12), new Uint8Array(2)];
    session.run(session.loadPlan(good), feeds());
    const values = [-1, 0, 1, 2, 3, 4, 7, 8, 16, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20];
    expectNoTrapOnCorruption(session, good, feeds, { seed: 12345, trials: 5000, maxEdits: 3, values });
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
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const av = ta ? transposed(a, M, K) : a;
      const bv = tb ? transposed(b, K, N) : b;
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
