// The wasm window kernels (Im2Col, Col2Im, Pool, PoolGrad) on both module
// builds: the numpy fixture bit for bit, hand-made cases for what JSON cannot
// hold (NaN, -Infinity, ties) across the v128 body and the scalar tail, a
// larger geometry against a JS loop reference, load-time rejection of bad
// plans, and MatMul reading B from a variable of any rank (bVar).
import { describe, it, expect } from 'vitest';
import type { PlanVariable } from '../src/compiler/plan.js';
import { AssignMode, BUFFER_WORDS, BufferField, Header, Kernel, PoolOp, Status, UnaryOp, type KernelId } from '../src/compiler/plan-format.js';
import { float32, int32 } from '../src/graph/dtypes.js';
import type { Backend, EncodedPlan } from '../src/runtime/backend.js';
import { build, bytesOf, computeOn, expectInvalid, run, seeded, withWord, type BufferSpec } from './plan-helpers.js';
import { windowCases, windowChecks, windowShapes } from './window-helpers.js';
import { expectNoTrapOnCorruption, moduleBuilds } from './wasm-helpers.js';

const builds = moduleBuilds();
const fr = Math.fround;
const FLT_LOWEST = -3.4028234663852886e38;
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** The geometry words from named fields (N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL). */
function geometry(n: number, h: number, w: number, c: number, k: number, s: number, pad: number, d = 1): number[] {
  const out = (size: number) => Math.floor((size + 2 * pad - d * (k - 1) - 1) / s) + 1;
  return [n, h, w, c, out(h), out(w), k, k, s, s, d, d, pad, pad];
}

const fed = (shape: number[], data: Float32Array): BufferSpec => ({ dtype: float32, shape, data, fed: true });

function pool(backend: Backend, g: number[], x: Float32Array, op: number): Float32Array {
  const s = windowShapes(g);
  return new Float32Array(computeOn(backend, [fed(s.image, x)], [float32, s.pooled], Kernel.Pool, [op, ...g]));
}
function poolGrad(backend: Backend, g: number[], x: Float32Array, dy: Float32Array, op: number): Float32Array {
  const s = windowShapes(g);
  const inputs = op === PoolOp.Max ? [fed(s.image, x), fed(s.pooled, dy)] : [fed(s.pooled, dy)];
  return new Float32Array(computeOn(backend, inputs, [float32, s.image], Kernel.PoolGrad, [op, ...g]));
}
function im2col(backend: Backend, g: number[], x: Float32Array): Float32Array {
  const s = windowShapes(g);
  return new Float32Array(computeOn(backend, [fed(s.image, x)], [float32, s.cols], Kernel.Im2Col, g));
}

// ---- a plain JS reference (plan-format.ts's comment, loop by loop) ------------------------

/** The in-image taps of window (oh, ow): image (row, column) in (kh, kw) order. */
function taps(g: number[], oh: number, ow: number): [number, number][] {
  const [, H, W, , , , KH, KW, SH, SW, DH, DW, PT, PL] = g;
  const out: [number, number][] = [];
  for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
    if (ih >= 0 && ih < H && iw >= 0 && iw < W) out.push([ih, iw]);
  }
  return out;
}

const maxRule = (m: number, v: number) => (v > m || Number.isNaN(v) ? v : m);

function referencePool(g: number[], x: Float32Array, op: number): Float32Array {
  const [N, H, W, C, OH, OW] = g;
  const y = new Float32Array(N * OH * OW * C);
  let at = 0;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const t = taps(g, oh, ow);
    for (let c = 0; c < C; c++) {
      const vals = t.map(([ih, iw]) => x[((n * H + ih) * W + iw) * C + c]);
      if (op === PoolOp.Max) y[at++] = vals.length ? vals.reduce(maxRule, -Infinity) : FLT_LOWEST;
      else y[at++] = vals.length ? fr(vals.reduce((s, v) => fr(s + v), 0) / fr(vals.length)) : 0;
    }
  }
  return y;
}

function referenceIm2col(g: number[], x: Float32Array): Float32Array {
  const [N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL] = g;
  const cols = new Float32Array(N * OH * OW * KH * KW * C);
  let at = 0;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) for (let c = 0; c < C; c++) {
      const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
      cols[at++] = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[((n * H + ih) * W + iw) * C + c] : 0;
    }
  }
  return cols;
}

/** Col2Im, or PoolGrad (Max routes dy to its first max tap, Avg spreads dy / count): dx in window order. */
function referenceScatter(g: number[], kernel: 'col2im' | 'max' | 'avg', x: Float32Array, from: Float32Array): Float32Array {
  const [N, H, W, C, OH, OW, , KW, SH, SW, DH, DW, PT, PL] = g;
  const dx = new Float32Array(N * H * W * C);
  const pixel = (n: number, [ih, iw]: [number, number]) => ((n * H + ih) * W + iw) * C;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const row = (n * OH + oh) * OW + ow;
    const t = taps(g, oh, ow);
    if (kernel === 'col2im') {
      for (const [ih, iw] of t) {
        const tap = ((ih - oh * SH + PT) / DH) * KW + (iw - ow * SW + PL) / DW;
        for (let c = 0; c < C; c++) dx[pixel(n, [ih, iw]) + c] += from[(row * g[6] * KW + tap) * C + c];
      }
      continue;
    }
    for (let c = 0; c < C; c++) {
      const d = from[row * C + c];
      if (kernel === 'avg') {
        const q = fr(d / t.length);
        for (const p of t) dx[pixel(n, p) + c] += q;
      } else if (t.length) {
        const m = t.map((p) => x[pixel(n, p) + c]).reduce(maxRule, -Infinity);
        const first = t.find((p) => x[pixel(n, p) + c] === m || (Number.isNaN(m) && Number.isNaN(x[pixel(n, p) + c])))!;
        dx[pixel(n, first) + c] += d;
      }
    }
  }
  return dx;
}

// ---- the fixture --------------------------------------------------------------------------

describe.each(builds)('wasm window kernels (%s)', (_, backend) => {
  it.each(windowCases.map((c) => [c.name, c] as const))('%s: every kernel matches the fixture bit for bit', (_, c) => {
    for (const [kernel, got, want] of windowChecks(backend, c)) expect(bits(got), kernel).toEqual(bits(want));
  });

  // ---- hand-made max windows: NaN, -Infinity, ties ------------------------------------------

  // Three taps per window, in a row of non-overlapping windows: [taps, max, index routed to].
  const PATTERNS: [number[], number, number][] = [
    [[1, NaN, 2], NaN, 1],
    [[NaN, 3, NaN], NaN, 0],
    [[2, 5, 5], 5, 1], // tie: the first tap wins
    [[-Infinity, -Infinity, -Infinity], -Infinity, 0],
    [[-Infinity, -3, -Infinity], -3, 1],
    [[7, 7, 7], 7, 0],
    [[1, 2, Infinity], Infinity, 2],
    [[-0, 0, -1], -0, 0], // equal taps: the first one's bits
    [[1e8, 1, -1e8], 1e8, 0], // Avg: (1e8 + 1) - 1e8 is 0 in float32
  ];

  it.each([1, 2, 4, 7, 19, 22])('Max and Avg with NaN, -Infinity and ties over C = %i (v128 body and scalar tail)', (C) => {
    const P = PATTERNS.length;
    const g = [1, 1, 3 * P, C, 1, P, 1, 3, 1, 3, 1, 1, 0, 0];
    const x = new Float32Array(3 * P * C);
    const dy = Float32Array.from({ length: P * C }, (_, i) => i + 1);
    const wantMax = new Float32Array(P * C);
    const wantGrad = new Float32Array(3 * P * C);
    for (let w = 0; w < P; w++) for (let c = 0; c < C; c++) {
      const [vals, max, routed] = PATTERNS[(w + c) % P];
      vals.forEach((v, t) => { x[(3 * w + t) * C + c] = v; });
      wantMax[w * C + c] = max;
      wantGrad[(3 * w + routed) * C + c] = dy[w * C + c];
    }
    expect(bits(pool(backend, g, x, PoolOp.Max))).toEqual(bits(wantMax)); // a NaN max keeps its tap's bits
    expect(bits(poolGrad(backend, g, x, dy, PoolOp.Max))).toEqual(bits(wantGrad));
    const gotAvg = pool(backend, g, x, PoolOp.Avg);
    expect(Array.from(gotAvg)).toEqual(Array.from(referencePool(g, x, PoolOp.Avg)));
    expect(gotAvg[(P - 1) * C]).toBe(0); // the last window's channel 0 sums 1e8, 1, -1e8 in that order
  });

  it('a NaN max is one of the taps\' NaNs, bit for bit', () => {
    const x = new Float32Array(new Uint32Array([0x7fc00001, 0x3f800000, 0xffc00002, 0x40000000]).buffer);
    const got = pool(backend, [1, 1, 2, 2, 1, 1, 1, 2, 1, 1, 1, 1, 0, 0], x, PoolOp.Max); // channel 0: [NaN, NaN], 1: [1, 2]
    expect(bits(got)).toEqual([0xffc00002, 0x40000000]); // the last NaN, as the native reduce's rule picks
  });

  // ---- a larger geometry against the JS reference ---------------------------------------------

  it.each([
    [7, 3, 1, 1, 1], [7, 3, 2, 1, 1], [7, 3, 1, 1, 2], [20, 3, 2, 1, 1], [5, 2, 2, 0, 1],
  ])('C = %i, k = %i, stride %i, padding %i, dilation %i: Im2Col and Pool as the reference', (C, k, s, pad, d) => {
    const g = geometry(2, 19, 19, C, k, s, pad, d);
    const x = seeded(2 * 19 * 19 * C, 42 + C + s);
    expect(bits(im2col(backend, g, x))).toEqual(bits(referenceIm2col(g, x)));
    for (const op of [PoolOp.Max, PoolOp.Avg]) expect(bits(pool(backend, g, x, op)), `op ${op}`).toEqual(bits(referencePool(g, x, op)));
  });

  it.each([[7, 3, 1, 1, 1], [7, 3, 2, 1, 1], [20, 3, 1, 1, 2], [22, 3, 2, 1, 1]])('C = %i, k = %i, stride %i, padding %i, dilation %i: Col2Im and PoolGrad as the reference', (C, k, s, pad, d) => {
    const g = geometry(2, 19, 19, C, k, s, pad, d);
    const sh = windowShapes(g);
    const x = seeded(2 * 19 * 19 * C, 7 + C + s).map((v) => Math.round(v * 8) / 8); // ties in the max windows
    const cols = seeded(sh.cols[0] * sh.cols[1], 3 + C);
    const dy = seeded(sh.pooled.reduce((p, v) => p * v, 1), 5 + C);
    const got = new Float32Array(computeOn(backend, [fed(sh.cols, cols)], [float32, sh.image], Kernel.Col2Im, g));
    expect(bits(got), 'Col2Im').toEqual(bits(referenceScatter(g, 'col2im', x, cols)));
    expect(bits(poolGrad(backend, g, x, dy, PoolOp.Max)), 'Max').toEqual(bits(referenceScatter(g, 'max', x, dy)));
    expect(bits(poolGrad(backend, g, x, dy, PoolOp.Avg)), 'Avg').toEqual(bits(referenceScatter(g, 'avg', x, dy)));
  });

  it('stays inside the image with extreme strides, dilations, paddings and window sizes', () => {
    const big = 2 ** 31 - 1;
    const g = [1, 2, 2, 5, 2, 2, big, big, big, big, big, big, big, big]; // every window sees only pixel (0, 0)
    const x = seeded(2 * 2 * 5, 7);
    const pixel = Array.from(x.subarray(0, 5));
    expect(Array.from(pool(backend, g, x, PoolOp.Max))).toEqual([...pixel, ...pixel, ...pixel, ...pixel]);
    expect(Array.from(pool(backend, g, x, PoolOp.Avg))).toEqual([...pixel, ...pixel, ...pixel, ...pixel]);
    const dx = poolGrad(backend, g, x, new Float32Array(20).fill(0.5), PoolOp.Avg);
    expect(Array.from(dx)).toEqual([...Array(5).fill(2), ...Array(15).fill(0)]);
  });

  it('runs empty batches of enormous images at once', () => {
    const g = [0, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(pool(backend, g, new Float32Array(0), PoolOp.Max).length).toBe(0);
    expect(poolGrad(backend, g, new Float32Array(0), new Float32Array(0), PoolOp.Max).length).toBe(0);
    expect(im2col(backend, g, new Float32Array(0)).length).toBe(0);
  });
});

// ---- validation ---------------------------------------------------------------------------

describe('wasm window kernels: invalid plans', () => {
  const backend = builds[0][1];
  const G = [1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0]; // image 32, cols 32, pooled 8
  const f = (n: number, dtype = float32): BufferSpec => ({ dtype, shape: [n] });
  const one = (kernel: KernelId, inputs: BufferSpec[], out: BufferSpec, attrs: number[]): EncodedPlan => {
    const ids = inputs.map((_, i) => i);
    return build([...inputs, out], [[kernel, ids, [inputs.length], attrs]], ids, [inputs.length]);
  };
  const withG = (field: number, value: number) => G.map((v, i) => (i === field ? value : v));

  it('rejects wrong counts, geometry, dtypes, ops and arity; the session stays usable', () => {
    const session = backend.createSession({});
    const good = one(Kernel.Pool, [f(32)], f(8), [PoolOp.Max, ...G]);
    session.loadPlan(good);
    const bad: [string, EncodedPlan][] = [
      ['Im2Col cols count', one(Kernel.Im2Col, [f(32)], f(31), G)],
      ['Im2Col image count', one(Kernel.Im2Col, [f(33)], f(32), G)],
      ['Col2Im counts swapped', one(Kernel.Col2Im, [f(32)], f(31), G)],
      ['Pool pooled count', one(Kernel.Pool, [f(32)], f(9), [PoolOp.Max, ...G])],
      ['PoolGrad dy count', one(Kernel.PoolGrad, [f(32), f(7)], f(32), [PoolOp.Max, ...G])],
      ['KH = 0', one(Kernel.Im2Col, [f(32)], f(0), withG(6, 0))],
      ['SW = 0', one(Kernel.Pool, [f(32)], f(8), [PoolOp.Avg, ...withG(9, 0)])],
      ['DH = 0', one(Kernel.Pool, [f(32)], f(8), [PoolOp.Avg, ...withG(10, 0)])],
      ['negative PT', one(Kernel.Pool, [f(32)], f(8), [PoolOp.Max, ...withG(12, -1)])],
      ['negative PL', one(Kernel.Im2Col, [f(32)], f(32), withG(13, -1))],
      ['negative OH', one(Kernel.Pool, [f(32)], f(8), [PoolOp.Max, ...withG(4, -1)])],
      ['int32 image', one(Kernel.Pool, [f(32, int32)], f(8), [PoolOp.Max, ...G])],
      ['int32 output', one(Kernel.Im2Col, [f(32)], f(32, int32), G)],
      ['pool op 2', one(Kernel.Pool, [f(32)], f(8), [2, ...G])],
      ['pool op -1', one(Kernel.PoolGrad, [f(8)], f(32), [-1, ...G])],
      ['PoolGrad Max without x', one(Kernel.PoolGrad, [f(8)], f(32), [PoolOp.Max, ...G])],
      ['PoolGrad Avg with x', one(Kernel.PoolGrad, [f(32), f(8)], f(32), [PoolOp.Avg, ...G])],
      ['geometry words missing', one(Kernel.Pool, [f(32)], f(8), [PoolOp.Max, ...G.slice(1)])],
      ['Pool without its op', one(Kernel.Pool, [f(32)], f(8), G)],
      ['overflowing geometry', one(Kernel.Pool, [f(16)], f(16), [PoolOp.Max, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0])],
      ['geometry wrapping to the count', one(Kernel.Im2Col, [f(0)], f(0), [2 ** 16, 2 ** 16, 1, 1, 2 ** 16, 2 ** 16, 1, 1, 1, 1, 1, 1, 0, 0])],
      ['cols count overflowing int32', one(Kernel.Col2Im, [f(64)], f(32), [1, 4, 4, 2, 2 ** 16, 2 ** 16, 2 ** 16, 2 ** 16, 1, 1, 1, 1, 0, 0])],
    ];
    for (const [name, plan] of bad) {
      let code: string | undefined;
      try { session.loadPlan(plan); } catch (e) { code = (e as { code?: string }).code; }
      expect(code, name).toBe('INVALID_PLAN');
    }
    const x = Float32Array.from({ length: 32 }, (_, i) => i);
    expect(Array.from(new Float32Array(run(session, good, [x])[0]))).toEqual([10, 11, 14, 15, 26, 27, 30, 31]);
    session.close();
  });

  it('rejects an output overlapping an input', () => {
    const session = backend.createSession({});
    const overlapped = (plan: EncodedPlan, out: number, byteOffset: number) => {
      const buffersAt = new Int32Array(plan.bytes.buffer)[Header.BuffersOffset];
      return withWord(plan, buffersAt + out * BUFFER_WORDS + BufferField.ByteOffset, byteOffset);
    };
    // [plan, output buffer, byte offsets that overlap an input]: inputs are laid out from 0
    const plans: [EncodedPlan, number, number[]][] = [
      [one(Kernel.Im2Col, [f(32)], f(32), G), 1, [0, 64]], [one(Kernel.Col2Im, [f(32)], f(32), G), 1, [0, 64]],
      [one(Kernel.Pool, [f(32)], f(8), [PoolOp.Avg, ...G]), 1, [0, 64]],
      [one(Kernel.PoolGrad, [f(32), f(8)], f(32), [PoolOp.Max, ...G]), 2, [0, 64, 128]],
      [one(Kernel.PoolGrad, [f(8)], f(32), [PoolOp.Avg, ...G]), 1, [0]],
    ];
    for (const [plan, out, offsets] of plans) {
      session.loadPlan(plan);
      for (const offset of offsets) expectInvalid(session, overlapped(plan, out, offset));
    }
    session.close();
  });

  it('never traps on corrupted window plans', () => {
    const session = backend.createSession({});
    const good = build([f(32), f(8), f(32), f(8), f(32), f(32)],
      [[Kernel.Im2Col, [0], [2], G], [Kernel.Pool, [0], [3], [PoolOp.Max, ...G]],
        [Kernel.PoolGrad, [0, 1], [4], [PoolOp.Max, ...G]], [Kernel.Col2Im, [2], [5], G]], [0, 1], [3, 4, 5]);
    const feeds = () => [bytesOf(seeded(32, 1)), bytesOf(seeded(8, 2))];
    session.run(session.loadPlan(good), feeds());
    const values = [-1, 0, 1, 2, 3, 4, 8, 16, 32, 64, 2 ** 30, 2 ** 31 - 1, -(2 ** 31), 22, 23, 24, 25];
    expectNoTrapOnCorruption(session, good, feeds, { seed: 4242, trials: 4000, maxEdits: 3, values });
    session.close();
  });
});

// ---- MatMul reading B from a variable of any rank --------------------------------------------

describe.each(builds)('wasm MatMul bVar of any rank (%s)', (_, backend) => {
  const [M, K, N] = [3, 24, 5];
  const product = (a: Float32Array, b: Float32Array, transB: boolean) => Array.from({ length: M * N }, (_, at) => {
    const [i, j] = [Math.floor(at / N), at % N];
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * b[transB ? j * K + k : k * N + j];
    return s;
  });

  it.each([[[2, 3, 4, 5], 0], [[5, 2, 3, 4], 1]] as const)('a %j variable is B (transB %i), also after it is reassigned', (shape, transB) => {
    const v: PlanVariable = { slot: 3, dtype: float32, shape: [...shape], name: 'filter' };
    const session = backend.createSession({});
    const assign = session.loadPlan(build([{ dtype: float32, shape: [...shape] }], [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]], [0], [], [v]));
    const mm = session.loadPlan(build([{ dtype: float32, shape: [M, K] }, { dtype: float32, shape: [M, N] }],
      [[Kernel.MatMul, [0], [1], [0, transB, UnaryOp.Identity, 0, 0]]], [0], [1], [v]));
    expect(session.run(mm, [bytesOf(new Float32Array(M * K))])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    const a = Float32Array.from({ length: M * K }, (_, i) => (i % 7) - 3);
    for (const seed of [1, 2]) {
      const w = Float32Array.from({ length: K * N }, (_, i) => ((i * seed) % 11) - 5);
      run(session, assign, [w]);
      expect(Array.from(new Float32Array(run(session, mm, [a])[0]))).toEqual(product(a, w, transB === 1));
    }
    session.close();
  });

  it('rejects a variable whose element count is not K*N', () => {
    const session = backend.createSession({});
    const plan = (shape: number[], dtype = float32) => build([{ dtype: float32, shape: [M, K] }, { dtype: float32, shape: [M, N] }],
      [[Kernel.MatMul, [0], [1], [0, 0, UnaryOp.Identity, 0, 0]]], [0], [1], [{ slot: 0, dtype, shape, name: 'w' }]);
    session.loadPlan(plan([K * N]));
    session.loadPlan(plan([2, 3, 4, 5]));
    expectInvalid(session, plan([2, 3, 4, 4]));
    expectInvalid(session, plan([K, N + 1]));
    expectInvalid(session, plan([]));
    expectInvalid(session, plan([2, 3, 4, 5], int32));
    session.close();
  });
});
