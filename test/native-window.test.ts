// The native window kernels (Im2Col, Col2Im, Pool, PoolGrad) against the numpy fixture, hand-computed
// NaN/tie/-Infinity cases, a JS loop reference, thread counts and bad plans; and MatMul's B read from a
// variable of any rank.
import { describe, it, expect } from 'vitest';
import { AssignMode, Kernel, PoolOp, UnaryOp, WINDOW_ATTRS, type KernelId } from '../src/compiler/plan-format.js';
import { float32, int32 } from '../src/graph/dtypes.js';
import { bytesOf, encoded, expectCode, expectInvalid, seeded, type BufferSpec, type PlanSpec } from './plan-helpers.js';
import { backend, expectNoCrashOnCorruption, fetchAll, fetchWith } from './native-helpers.js';
import { windowCases, windowChecks, windowShapes } from './window-helpers.js';

/** The bit patterns of float32 values, so NaN, -0 and every payload compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

//            N  H  W  C  OH OW KH KW SH SW DH DW PT PL
const geometry = (n: number, h: number, w: number, c: number, oh: number, ow: number, k: number, s: number, pad: number) =>
  [n, h, w, c, oh, ow, k, k, s, s, 1, 1, pad, pad];

/** One window kernel step over fed float32 inputs; returns its output. */
function runWindow(kernel: KernelId, attrs: number[], inputs: [number[], Float32Array][], outShape: number[], threads?: number) {
  const buffers: BufferSpec[] = [...inputs.map(([shape]) => ({ dtype: float32, shape })), { dtype: float32, shape: outShape }];
  const ids = inputs.map((_, i) => i);
  const spec: PlanSpec = { buffers, steps: [[kernel, ids, [inputs.length], attrs]], feeds: ids, fetches: [inputs.length] };
  const feeds = inputs.map(([, data]) => data);
  return new Float32Array((threads === undefined ? fetchAll(spec, feeds) : fetchWith(threads, spec, feeds))[0]);
}

/**
 * The four kernels by plain loops in float32 (Math.fround after every
 * operation), in the order plan-format.ts fixes, as make_window_fixtures.py.
 */
function reference(g: number[], x: Float32Array, cols: Float32Array, dy: Float32Array): Record<string, Float32Array> {
  const [N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL] = g;
  const fr = Math.fround;
  const out = {
    'Im2Col': new Float32Array(N * OH * OW * KH * KW * C), 'Col2Im': new Float32Array(N * H * W * C),
    'Pool Max': new Float32Array(N * OH * OW * C), 'Pool Avg': new Float32Array(N * OH * OW * C),
    'PoolGrad Max': new Float32Array(N * H * W * C), 'PoolGrad Avg': new Float32Array(N * H * W * C),
  };
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const row = (n * OH + oh) * OW + ow;
    const taps: [number, number][] = []; // [cols offset of the tap, x offset of its pixel]
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) taps.push([(row * KH * KW + kh * KW + kw) * C, ((n * H + ih) * W + iw) * C]);
    }
    for (let c = 0; c < C; c++) {
      let [max, sum] = [-3.4028234663852886e38, 0];
      taps.forEach(([at, px], t) => {
        out['Im2Col'][at + c] = x[px + c];
        out['Col2Im'][px + c] = fr(out['Col2Im'][px + c] + cols[at + c]);
        const v = x[px + c];
        max = t === 0 ? v : Number.isNaN(max) || Number.isNaN(v) ? NaN : max > v ? max : v; // max_f32
        sum = fr(sum + v);
      });
      out['Pool Max'][row * C + c] = max;
      out['Pool Avg'][row * C + c] = taps.length ? fr(sum / taps.length) : 0;
      const d = dy[row * C + c];
      const first = taps.find(([, px]) => x[px + c] === max || (Number.isNaN(max) && Number.isNaN(x[px + c])));
      if (first) out['PoolGrad Max'][first[1] + c] = fr(out['PoolGrad Max'][first[1] + c] + d);
      const q = fr(d / taps.length);
      for (const [, px] of taps) out['PoolGrad Avg'][px + c] = fr(out['PoolGrad Avg'][px + c] + q);
    }
  }
  return out;
}

describe('native backend: window kernels', () => {
  describe.each(windowCases.map((c) => [c.name, c] as const))('fixture case %s', (_name, c) => {
    it.each(windowChecks(backend, c))('%s matches numpy bit for bit', (_kernel, actual, expected) => {
      expect(bits(actual)).toEqual(bits(expected));
    });
  });

  describe('hand-computed values JSON cannot hold', () => {
    // One 2x2 image of 3 channels, one 2x2 window (VALID): channel 0 has a NaN, 1 a tie, 2 -Infinity.
    const g = geometry(1, 2, 2, 3, 1, 1, 2, 1, 0);
    const x = Float32Array.from([1, 5, -Infinity, NaN, 2, -Infinity, 3, 5, -Infinity, 7, 1, -Infinity]);
    const dy = Float32Array.from([10, 20, 30]);

    it('Pool Max: NaN wins, a tie is its value, all -Infinity gives -Infinity', () => {
      const y = runWindow(Kernel.Pool, [PoolOp.Max, ...g], [[[1, 2, 2, 3], x]], [1, 1, 1, 3]);
      expect(Array.from(y)).toEqual([NaN, 5, -Infinity]);
    });

    it('PoolGrad Max: dy goes to the NaN tap, to the first of tied taps, to the first -Infinity tap', () => {
      const dx = runWindow(Kernel.PoolGrad, [PoolOp.Max, ...g], [[[1, 2, 2, 3], x], [[1, 1, 1, 3], dy]], [1, 2, 2, 3]);
      expect(Array.from(dx)).toEqual([0, 20, 30, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    });

    it('Pool Avg: NaN and -Infinity propagate', () => {
      const y = runWindow(Kernel.Pool, [PoolOp.Avg, ...g], [[[1, 2, 2, 3], x]], [1, 1, 1, 3]);
      expect(Array.from(y)).toEqual([NaN, Math.fround(13 / 4), -Infinity]);
    });

    it('Pool Max of a window wholly in the padding is -FLT_MAX; of a NaN after a larger value still NaN', () => {
      // 1x1 taps, stride 1, pad 1: the corner window reads only padding.
      const g1 = [1, 1, 2, 1, 3, 4, 1, 1, 1, 1, 1, 1, 1, 1];
      const y = runWindow(Kernel.Pool, [PoolOp.Max, ...g1], [[[1, 1, 2, 1], Float32Array.from([4, NaN])]], [1, 3, 4, 1]);
      expect(y[0]).toBe(-3.4028234663852886e38);
      expect(Array.from(y.subarray(4, 8))).toEqual([-3.4028234663852886e38, 4, NaN, -3.4028234663852886e38]);
      const g2 = geometry(1, 1, 3, 1, 1, 1, 1, 1, 0);
      g2[7] = 3; // KW = 3
      const y2 = runWindow(Kernel.Pool, [PoolOp.Max, ...g2], [[[1, 1, 3, 1], Float32Array.from([9, NaN, 1])]], [1, 1, 1, 1]);
      expect(Array.from(y2)).toEqual([NaN]);
    });
  });

  describe('larger cases: threads and a JS loop reference', () => {
    //         N  H   W   C    OH  OW  KH KW SH SW DH DW PT PL
    const cases: [string, number[]][] = [
      ['3x19x19x5, 3x3, stride 1, pad 1', [3, 19, 19, 5, 19, 19, 3, 3, 1, 1, 1, 1, 1, 1]],
      ['3x19x19x5, 3x3, stride 2, pad 1', [3, 19, 19, 5, 10, 10, 3, 3, 2, 2, 1, 1, 1, 1]],
      // Wide rows: Col2Im and PoolGrad split each image into bands of rows; C > 64 crosses PoolGrad's channel blocks.
      ['1x20x64x96 in bands, 3x3, stride 1, pad 1', [1, 20, 64, 96, 20, 64, 3, 3, 1, 1, 1, 1, 1, 1]],
      ['2x30x40x100 in bands, 3x2 dilated 2x1, stride 2x1, pad 2x1', [2, 30, 40, 100, 15, 39, 3, 2, 2, 1, 2, 1, 2, 1]],
    ];
    describe.each(cases)('%s', (_name, g) => {
      const s = windowShapes(g);
      const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
      const x = seeded(size(s.image), 11).map((v) => Math.round(v * 8) / 4); // ties and -0 are common
      const cols = seeded(size(s.cols), 12);
      const dy = seeded(size(s.pooled), 13);
      const kernels: [string, KernelId, number[], [number[], Float32Array][], number[]][] = [
        ['Im2Col', Kernel.Im2Col, g, [[s.image, x]], s.cols],
        ['Col2Im', Kernel.Col2Im, g, [[s.cols, cols]], s.image],
        ['Pool Max', Kernel.Pool, [PoolOp.Max, ...g], [[s.image, x]], s.pooled],
        ['Pool Avg', Kernel.Pool, [PoolOp.Avg, ...g], [[s.image, x]], s.pooled],
        ['PoolGrad Max', Kernel.PoolGrad, [PoolOp.Max, ...g], [[s.image, x], [s.pooled, dy]], s.image],
        ['PoolGrad Avg', Kernel.PoolGrad, [PoolOp.Avg, ...g], [[s.pooled, dy]], s.image],
      ];
      const expected = reference(g, x, cols, dy);
      it.each(kernels)('%s gives the same bits with 1 and 2 threads, and a plain JS loop\'s', (name, kernel, attrs, inputs, shape) => {
        const one = runWindow(kernel, attrs, inputs, shape, 1);
        expect(bits(runWindow(kernel, attrs, inputs, shape, 2))).toEqual(bits(one));
        expect(bits(one)).toEqual(bits(expected[name]));
      });
    });
  });

  describe('bad plans are rejected at load', () => {
    const g = geometry(1, 4, 4, 2, 2, 2, 2, 2, 0);
    const s = windowShapes(g);
    const count = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
    /** A one-step plan: inputs and output given as [dtype, element count]. */
    const plan = (kernel: KernelId, attrs: number[], inputs: [typeof float32 | typeof int32, number][], out: [typeof float32 | typeof int32, number]) =>
      encoded({
        buffers: [...inputs, out].map(([dtype, n]) => ({ dtype, shape: [n] })),
        steps: [[kernel, inputs.map((_, i) => i), [inputs.length], attrs]],
        feeds: inputs.map((_, i) => i), fetches: [inputs.length],
      });
    const [image, cols, pooled] = [count(s.image), count(s.cols), count(s.pooled)];
    const with_ = (at: number, value: number) => g.map((v, i) => (i === at ? value : v));
    const huge = [2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    const bad: [string, ReturnType<typeof plan>][] = [
      ['Im2Col with a wrong cols count', plan(Kernel.Im2Col, g, [[float32, image]], [float32, cols + 1])],
      ['Im2Col with a wrong x count', plan(Kernel.Im2Col, g, [[float32, image - 1]], [float32, cols])],
      ['Col2Im with a wrong x count', plan(Kernel.Col2Im, g, [[float32, cols]], [float32, image * 2])],
      ['Pool with a wrong y count', plan(Kernel.Pool, [PoolOp.Max, ...g], [[float32, image]], [float32, pooled + 2])],
      ['PoolGrad Max with a wrong dy count', plan(Kernel.PoolGrad, [PoolOp.Max, ...g], [[float32, image], [float32, pooled - 1]], [float32, image])],
      ['KH = 0', plan(Kernel.Im2Col, with_(6, 0), [[float32, image]], [float32, 0])],
      ['SW = 0', plan(Kernel.Pool, [PoolOp.Max, ...with_(9, 0)], [[float32, image]], [float32, pooled])],
      ['DH = -1', plan(Kernel.Col2Im, with_(10, -1), [[float32, cols]], [float32, image])],
      ['a negative PT', plan(Kernel.Im2Col, with_(12, -1), [[float32, image]], [float32, cols])],
      ['a negative N', plan(Kernel.Pool, [PoolOp.Avg, ...with_(0, -1)], [[float32, 0]], [float32, 0])],
      ['int32 buffers', plan(Kernel.Im2Col, g, [[int32, image]], [int32, cols])],
      ['an int32 output', plan(Kernel.Pool, [PoolOp.Max, ...g], [[float32, image]], [int32, pooled])],
      ['a bad pool op', plan(Kernel.Pool, [2, ...g], [[float32, image]], [float32, pooled])],
      ['a bad pool grad op', plan(Kernel.PoolGrad, [-1, ...g], [[float32, pooled]], [float32, image])],
      ['PoolGrad Max without x', plan(Kernel.PoolGrad, [PoolOp.Max, ...g], [[float32, pooled]], [float32, image])],
      ['PoolGrad Avg with x', plan(Kernel.PoolGrad, [PoolOp.Avg, ...g], [[float32, image], [float32, pooled]], [float32, image])],
      ['too few attrs', plan(Kernel.Im2Col, g.slice(0, WINDOW_ATTRS - 1), [[float32, image]], [float32, cols])],
      ['Pool without its op', plan(Kernel.Pool, g, [[float32, image]], [float32, pooled])],
      ['an overflowing geometry (N = H = W = C = 2^30)', plan(Kernel.Im2Col, huge, [[float32, 16]], [float32, 16])],
      ['an overflowing geometry for Pool', plan(Kernel.Pool, [PoolOp.Max, ...huge], [[float32, 0]], [float32, 0])],
      ['huge OH, OW, KH, KW', plan(Kernel.Col2Im, [1, 1, 1, 1, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 1, 1, 1, 1, 0, 0], [[float32, 1]], [float32, 1])],
    ];
    it.each(bad)('%s', (_name, p) => {
      const session = backend.createSession({});
      expectInvalid(session, p);
      // The session stays usable.
      const pool = session.loadPlan(plan(Kernel.Pool, [PoolOp.Max, ...g], [[float32, image]], [float32, pooled]));
      const y = session.run(pool, [bytesOf(new Float32Array(image).fill(2))]) as ArrayBuffer[];
      expect(Array.from(new Float32Array(y[0]))).toEqual(new Array(pooled).fill(2));
      session.close();
    });

    it('an output overlapping an input', () => {
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: s.image }, { dtype: float32, shape: s.pooled }],
        steps: [[Kernel.Pool, [0], [1], [PoolOp.Max, ...g]]], feeds: [0], fetches: [1],
      };
      const session = backend.createSession({});
      const p = encoded(spec);
      expect(session.run(session.loadPlan(p), [bytesOf(new Float32Array(image))])).toBeInstanceOf(Array);
      // Word 9 of the header is the buffers' offset; the output's byte offset is field 2 of record 1.
      const words = new Int32Array(p.bytes.buffer.slice(0));
      words[words[9] + 16 + 2] = 0;
      expectInvalid(session, { ...p, bytes: new Uint8Array(words.buffer) });
      session.close();
    });

    // Corrupted words may still make an accepted geometry (strides, dilations, paddings do not change
    // any count): whatever runs must stay inside its buffers. Images are the 4 floats the helper feeds.
    const small = [1, 2, 2, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1];
    const corrupted: [string, PlanSpec][] = [
      ['Im2Col', { buffers: [{ dtype: float32, shape: [4] }, { dtype: float32, shape: [16] }], steps: [[Kernel.Im2Col, [0], [1], small]], feeds: [0], fetches: [1] }],
      ['Col2Im', { buffers: [{ dtype: float32, shape: [16], data: seeded(16, 3) }, { dtype: float32, shape: [4] }, { dtype: float32, shape: [4] }],
        steps: [[Kernel.Col2Im, [0], [1], small]], feeds: [2], fetches: [1] }],
      ['Pool', { buffers: [{ dtype: float32, shape: [4] }, { dtype: float32, shape: [4] }], steps: [[Kernel.Pool, [0], [1], [PoolOp.Avg, ...small]]], feeds: [0], fetches: [1] }],
      ['PoolGrad', { buffers: [{ dtype: float32, shape: [4] }, { dtype: float32, shape: [4], data: seeded(4, 4) }, { dtype: float32, shape: [4] }],
        steps: [[Kernel.PoolGrad, [0, 1], [2], [PoolOp.Max, ...small]]], feeds: [0], fetches: [2] }],
    ];
    it.each(corrupted)('%s: a corrupted plan is rejected or runs, never crashes', (_name, spec) => {
      expectNoCrashOnCorruption(spec, 77);
    });

    it('accepts empty geometries that would overflow without their zero (C = 0) and runs them', () => {
      const zero = [2 ** 30, 2 ** 30, 2 ** 30, 0, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 0, 0];
      for (const [kernel, attrs] of [[Kernel.Im2Col, zero], [Kernel.Col2Im, zero], [Kernel.Pool, [PoolOp.Max, ...zero]],
        [Kernel.PoolGrad, [PoolOp.Avg, ...zero]]] as const) {
        expect(new Float32Array(fetchAll({
          buffers: [{ dtype: float32, shape: [0] }, { dtype: float32, shape: [0] }],
          steps: [[kernel, [0], [1], [...attrs]]], feeds: [0], fetches: [1],
        }, [new Float32Array(0)])[0]).length).toBe(0);
      }
    });
  });
});

describe('native backend: MatMul with B from a variable of any rank', () => {
  const [m, k, n] = [3, 24, 5];
  const ints = (len: number, seed: number) => seeded(len, seed).map((v) => Math.round(v * 3)); // exact products
  const A = ints(m * k, 21);
  /** c = A [m, k] . B, B given by element (p, j) of the [K, N] matrix. */
  const product = (b: (p: number, j: number) => number) =>
    Array.from({ length: m * n }, (_, at) => {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[Math.floor(at / n) * k + p] * b(p, at % n);
      return sum;
    });

  for (const [transB, shape] of [[0, [2, 3, 4, 5]], [1, [5, 2, 3, 4]]] as const) {
    it(`reads a ${shape.join('x')} variable as ${transB ? '[N, K]' : '[K, N]'}, and again after it is reassigned`, () => {
      const vars = [{ slot: 0, dtype: float32, shape: [...shape] }];
      const assign = encoded({
        buffers: [{ dtype: float32, shape: [...shape] }], vars, feeds: [0], fetches: [],
        steps: [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]],
      });
      const multiply = encoded({
        buffers: [{ dtype: float32, shape: [m, k] }, { dtype: float32, shape: [m, n] }], vars, feeds: [0], fetches: [1],
        steps: [[Kernel.MatMul, [0], [1], [0, transB, UnaryOp.Identity, 0, 0]]],
      });
      const session = backend.createSession({ intraOpParallelismThreads: 2 });
      const [set, mul] = [assign, multiply].map((p) => session.loadPlan(p));
      const at = (b: Float32Array) => (p: number, j: number) => (transB ? b[j * k + p] : b[p * n + j]);
      for (const seed of [31, 32]) {
        const B = ints(k * n, seed);
        session.run(set, [bytesOf(B)]);
        const c = new Float32Array((session.run(mul, [bytesOf(A)]) as ArrayBuffer[])[0]);
        expect(Array.from(c)).toEqual(product(at(B)));
      }
      session.close();
    });
  }

  it('rejects a variable whose element count is not K*N', () => {
    const session = backend.createSession({});
    const spec = (shape: number[]) => encoded({
      buffers: [{ dtype: float32, shape: [m, k] }, { dtype: float32, shape: [m, n] }],
      vars: [{ slot: 0, dtype: float32, shape }], feeds: [0], fetches: [1],
      steps: [[Kernel.MatMul, [0], [1], [0, 0, UnaryOp.Identity, 0, 0]]],
    });
    expectCode(() => session.loadPlan(spec([2, 3, 4, 6])), 'INVALID_PLAN');
    expectCode(() => session.loadPlan(spec([k * n + 1])), 'INVALID_PLAN');
    expect(session.loadPlan(spec([k * n]))).toBeDefined();
    session.close();
  });
});
