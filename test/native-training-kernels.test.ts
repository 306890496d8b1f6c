// The native training kernels: ArgReduce, OneHot, Gather, ScatterAdd, Random (Philox), Shuffle and ApplyUpdate, and their plan validation.
import { describe, it, expect } from 'vitest';
import { ArgOp, AssignMode, Distribution, Kernel, Status, UpdateKind, type KernelId } from '../src/compiler/plan-format.js';
import { DType, bool, float32, int32, type TypedArray } from '../src/graph/dtypes.js';
import { loadNativeAddon } from '../src/runtime/native-backend.js';
import {
  MAX, MIN, bytesOf, encoded, expectCode, f32, f32bits, hi32, i32, ok, shuffledOrder, unitFloat,
  type BufferSpec, type PlanSpec, type StepSpec,
} from './plan-helpers.js';
import { backend, expectNoCrashOnCorruption, fetchAll, runPlan } from './native-helpers.js';

describe('native backend: training kernels', () => {
  const expectNear = (actual: number[], expected: number[], tol = 2e-6) => {
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, k) => expect(Math.abs(a - expected[k]), `[${k}]: ${a} vs ${expected[k]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[k]))));
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
      const [floats] = fetchAll(randomSpec(float32, 1, Distribution.Uniform, [0, 0], f32bits(0), f32bits(1)));
      expect(f32(floats)).toEqual([unitFloat(0x6627e8d5)]);

      const key = [1234, -7 >>> 0];
      const session = backend.createSession({});
      const ip = session.loadPlan(encoded(randomSpec(int32, 300, Distribution.Uniform, [1234, -7], -5, 1000, 1)));
      const fp = session.loadPlan(encoded(randomSpec(float32, 300, Distribution.Uniform, [1234, -7], f32bits(-1.5), f32bits(2.25), 2)));
      for (let r = 0; r < 2; r++) {
        const x0 = (i: number) => philox([i, r, 0, 0], key)[0];
        expect(i32(ok(session.run(ip, []))[0])).toEqual(Array.from({ length: 300 }, (_, i) => -5 + hi32(x0(i), 1005)));
        const expected = Array.from({ length: 300 }, (_, i) => Math.fround(-1.5 + Math.fround(unitFloat(x0(i)) * 3.75)));
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
      const u = f32(fetchAll(randomSpec(float32, N, Distribution.Uniform, [1, 2], f32bits(-1), f32bits(3)))[0]);
      expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...u)).toBeLessThan(3);
      expect(moments(u).mean).toBeCloseTo(1, 1);
      expect(moments(u).std).toBeCloseTo(4 / Math.sqrt(12), 1);
      const z = f32(fetchAll(randomSpec(float32, N, Distribution.Normal, [3, 4], f32bits(2), f32bits(3)))[0]).map((v) => (v - 2) / 3);
      expect(Math.abs(moments(z).mean)).toBeLessThan(0.02);
      expect(Math.abs(moments(z).std - 1)).toBeLessThan(0.02);
      expect(z.filter((v) => Math.abs(v) > 2).length / N).toBeCloseTo(0.0455, 2);
      const t = f32(fetchAll(randomSpec(float32, N, Distribution.TruncatedNormal, [5, 6], f32bits(0), f32bits(1)))[0]);
      expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
      expect(Math.abs(moments(t).mean)).toBeLessThan(0.02);
      expect(Math.abs(moments(t).std - 0.8796)).toBeLessThan(0.02); // std of N(0, 1) truncated to [-2, 2]
      const k = i32(fetchAll(randomSpec(int32, N, Distribution.Uniform, [7, 8], -3, 4))[0]);
      for (let v = -3; v < 4; v++) expect(k.filter((w) => w === v).length / N).toBeCloseTo(1 / 7, 1);
    });

    it('repeats across sessions with the same seeds and draws anew on each run', () => {
      const spec = randomSpec(float32, 16, Distribution.Normal, [42, 43], f32bits(0), f32bits(1), 5);
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
      const other = f32(fetchAll(randomSpec(float32, 16, Distribution.Normal, [42, 44], f32bits(0), f32bits(1)))[0]);
      expect(other).not.toEqual(a[0]);
    });

    const shuffleSpec = (shape: number[], seeds: number[]): PlanSpec => ({
      buffers: [{ dtype: int32, shape }, { dtype: int32, shape }],
      steps: [[Kernel.Shuffle, [0], [1], [seeds[0], seeds[1], 9]]], feeds: [0], fetches: [1],
    });
    /** Fisher-Yates per docs/kernels.md, on row numbers. */
    const referenceOrder = (n: number, key: number[], r: number) => shuffledOrder(n, key, r, philox);

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
        [Kernel.Random, [], [2], [Distribution.TruncatedNormal, 1, 2, 0, f32bits(0), f32bits(1)]],
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
      expectNoCrashOnCorruption(corpus, 777);
    });
  });
});
