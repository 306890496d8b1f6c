// The wasm training kernels: ArgReduce, OneHot, Gather, ScatterAdd, Random (Philox), Shuffle, optimizer steps (ApplyUpdate), and their plan validation.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import type { PlanVariable } from '../src/compiler/plan.js';
import { AssignMode, BUFFER_WORDS, BufferField, Header, Kernel, Status, UpdateKind, type KernelId } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32, type TypedArray } from '../src/graph/dtypes.js';
import { isRunFailure, type EncodedPlan } from '../src/runtime/backend.js';
import {
  build, bytesOf, expectInvalid, f32, f32bits, i32, run, shuffledOrder, unitFloat, withWord, type BufferSpec, type StepSpec,
} from './plan-helpers.js';
import { backend, compute, expectNoTrapOnCorruption } from './wasm-helpers.js';

describe('wasm backend: training kernels', () => {
  const fr = Math.fround;
  const raw = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../dist/sessionflow.wasm', import.meta.url))), {})
    .exports as unknown as { sf_philox_test(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, k: number): number };
  const philox = (c: number[], k: number[]) => [0, 1, 2, 3].map((w) => raw.sf_philox_test(c[0], c[1], c[2], c[3], k[0], k[1], w) >>> 0);
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
    const floats = session.loadPlan(randomPlan(float32, 3, [0, 7, 9, 1, f32bits(2), f32bits(5)]));
    expect(i32(run(session, ints, [])[0])[0]).toBe((0x6627e8d5 - 1 - 2 ** 31) | 0); // KAT word 0, exactly
    for (let r = 0; r < 2; r++) {
      const got = f32(run(session, floats, [])[0]);
      got.forEach((v, i) => expect(v).toBe(fr(2 + fr(unitFloat(philox([i, r, 0, 0], [7, 9])[0]) * 3))));
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
    const u = stats(draw(float32, [0, 1, 2, 0, f32bits(2), f32bits(5)]));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(5);
    expect(u.mean).toBeCloseTo(3.5, 1);
    expect(u.std).toBeCloseTo(Math.sqrt(0.75), 2);
    const ints = draw(int32, [0, 3, 4, 0, -3, 4]);
    for (let v = -3; v < 4; v++) expect(ints.filter((x) => x === v).length / N).toBeCloseTo(1 / 7, 2);
    expect(ints.every((x) => x >= -3 && x < 4)).toBe(true);
    const g = stats(draw(float32, [1, 5, 6, 0, f32bits(1), f32bits(2)]));
    expect(g.mean).toBeCloseTo(1, 1);
    expect(g.std).toBeCloseTo(2, 1);
    const tn = draw(float32, [2, 5, 6, 0, f32bits(0), f32bits(1)]);
    const t = stats(tn);
    expect(t.min).toBeGreaterThanOrEqual(-2);
    expect(t.max).toBeLessThanOrEqual(2);
    expect(t.mean).toBeCloseTo(0, 1);
    expect(t.std).toBeCloseTo(0.8796, 2); // the standard normal truncated to [-2, 2]
  });

  it('computes normals by Box-Muller on words 0 and 1, retrying truncated ones with the attempt counter', () => {
    const z = (i: number, t: number) => {
      const [x0, x1] = philox([i, 0, t, 0], [11, 12]);
      return Math.sqrt(-2 * Math.log(1 - unitFloat(x0))) * Math.cos(2 * Math.PI * unitFloat(x1));
    };
    const session = backend.createSession({});
    const normal = f32(run(session, session.loadPlan(randomPlan(float32, 64, [1, 11, 12, 0, f32bits(0), f32bits(1)])), [])[0]);
    const truncated = f32(run(session, session.loadPlan(randomPlan(float32, 64, [2, 11, 12, 1, f32bits(0), f32bits(1)])), [])[0]);
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
      [[Kernel.Random, [], [0], [1, 3, 4, 0, f32bits(0), f32bits(1)]], [Kernel.Random, [], [1], [0, 3, 4, 1, f32bits(0), f32bits(1)]]], [], [0, 1]);
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
    const expected = (r: number) => shuffledOrder(rows, [21, 22], r, philox).flatMap((row) => [row * 10, row * 10 + 1, row * 10 + 2]);
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
  const vec: BufferSpec = { dtype: float32, shape: [n] };
  const initPlan = (which: number[]) => build([vec, vec, vec], which.map((k): StepSpec => [Kernel.VarAssign, [k], [], [k, AssignMode.Assign]]), which, [], vars);

  /** grad and hyperparameters fed; fetches y and both slot variables. */
  function updatePlan(kind: number, hypers: number, slots: [number, number], flags = 0): EncodedPlan {
    const ids = Array.from({ length: hypers }, (_, k) => k + 1);
    const y = hypers + 1;
    return build([vec, ...ids.map((): BufferSpec => ({ dtype: float32, shape: [] })), vec, vec, vec],
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
  const f = (shape: number[]): BufferSpec => ({ dtype: float32, shape });
  const i = (shape: number[]): BufferSpec => ({ dtype: int32, shape });
  const one = (bufs: BufferSpec[], kernel: KernelId, inputs: number[], outputs: number[], attrs: number[], vars: PlanVariable[] = []) =>
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
    const values = [-1, 0, 1, 2, 3, 4, 7, 8, 16, 64, 2 ** 31 - 1, -(2 ** 31), 1 << 20, 15, 16, 17, 18, 19, 20, 21];
    expectNoTrapOnCorruption(session, good, feeds, { seed: 777, trials: 4000, maxEdits: 3, values });
    session.close();
  });
});
