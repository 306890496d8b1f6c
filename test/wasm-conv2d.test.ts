// The wasm Conv2D kernel on both module builds: bit for bit what the two-step
// plan (Im2Col into an arena buffer, then MatMul with the same epilogue on the
// filter viewed as [K, O]) gives on the same build, over many geometries,
// every activation, and a fed, constant or variable filter; one case against
// a float64 JS convolution, so the two plans are not compared while both
// wrong; load-time rejection of bad plans and a corruption run.
import { describe, it, expect } from 'vitest';
import type { PlanVariable } from '../src/compiler/plan.js';
import { AssignMode, BUFFER_WORDS, BufferField, Header, Kernel, Status, UnaryOp, Window } from '../src/compiler/plan-format.js';
import { float32, int32 } from '../src/graph/dtypes.js';
import type { Backend, EncodedPlan } from '../src/runtime/backend.js';
import { build, bytesOf, expectInvalid, f32bits, run, seeded, withWord, type BufferSpec } from './plan-helpers.js';
import { windowShapes } from './window-helpers.js';
import { expectNoTrapOnCorruption, moduleBuilds } from './wasm-helpers.js';

const builds = moduleBuilds();
const bits = (r: ArrayBuffer) => new Uint32Array(r);
const count = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/** Geometry words for an NHWC image and a kh x kw window; pad 'same' as TensorFlow's SAME (extra row after). */
function geometry(n: number, h: number, w: number, c: number, kh: number, kw: number, s: number, d: number, pad: number | 'same'): number[] {
  const axis = (size: number, k: number): [number, number] => {
    const span = d * (k - 1) + 1;
    if (pad !== 'same') return [Math.floor((size + 2 * pad - span) / s) + 1, pad];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max(0, (out - 1) * s + span - size) / 2)];
  };
  const [[oh, pt], [ow, pl]] = [axis(h, kh), axis(w, kw)];
  return [n, h, w, c, oh, ow, kh, kw, s, s, d, d, pt, pl];
}

type FilterMode = 'fed' | 'const' | 'var';
interface Epilogue { act: number; param?: number; bias?: Float32Array; short?: boolean }

const filterShape = (g: number[], o: number) => [g[Window.KH], g[Window.KW], g[Window.C], o];
const filterVariable = (g: number[], o: number): PlanVariable => ({ slot: 1, dtype: float32, shape: filterShape(g, o), name: 'filter' });

/**
 * The Conv2D plan and the two-step plan (Im2Col, then MatMul of the cols by
 * the filter as [K, O] with the same epilogue) over the same buffers, and the
 * VarAssign plan that writes the filter variable.
 */
function convPlans(g: number[], o: number, e: Epilogue, mode: FilterMode, filter: Float32Array) {
  const s = windowShapes(g);
  const buffers: BufferSpec[] = [{ dtype: float32, shape: s.image }];
  const inputs = [0];
  const feeds = [0];
  if (mode !== 'var') {
    inputs.push(buffers.push({ dtype: float32, shape: filterShape(g, o), data: filter, fed: mode === 'fed' }) - 1);
    if (mode === 'fed') feeds.push(1);
  }
  if (e.bias) inputs.push(buffers.push({ dtype: float32, shape: [o], data: e.bias }) - 1);
  const filterVar = mode === 'var' ? 0 : -1;
  const vars = mode === 'var' ? [filterVariable(g, o)] : [];
  const epilogue = [e.act, f32bits(e.param ?? 0), filterVar];
  const y = buffers.length;
  const conv = build([...buffers, { dtype: float32, shape: [...s.pooled.slice(0, 3), o] }],
    [[Kernel.Conv2D, inputs, [y], [...g, ...(e.short ? [e.act] : epilogue)]]], feeds, [y], vars);
  const asMatrix = buffers.map((b, i) => (i === 1 && mode !== 'var' ? { ...b, shape: [s.cols[1], o] } : b)); // the filter as [K, O]
  const twoStep = build([...asMatrix, { dtype: float32, shape: s.cols }, { dtype: float32, shape: [s.cols[0], o] }],
    [[Kernel.Im2Col, [0], [y], g], [Kernel.MatMul, [y, ...inputs.slice(1)], [y + 1], [0, 0, ...epilogue]]], feeds, [y + 1], vars);
  const assign = build([{ dtype: float32, shape: filterShape(g, o) }], [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]], [0], [], [filterVariable(g, o)]);
  return { conv, twoStep, assign };
}

/** The first word whose bits differ, -1 if none, -2 for different lengths. */
function firstDifference(got: ArrayBuffer, want: ArrayBuffer): number {
  const [a, b] = [bits(got), bits(want)];
  return a.length === b.length ? a.findIndex((v, i) => v !== b[i]) : -2;
}

/** Runs Conv2D and the two-step plan in one session (the variable filter written twice) and compares bits. */
function expectSameAsTwoStep(backend: Backend, g: number[], o: number, e: Epilogue, mode: FilterMode, seed: number): void {
  const k = g[Window.KH] * g[Window.KW] * g[Window.C];
  const x = seeded(count(windowShapes(g).image), seed);
  const filters = [seeded(k * o, seed + 1), seeded(k * o, seed + 2).map((v) => v * 3)];
  const plans = convPlans(g, o, e, mode, filters[0]);
  const session = backend.createSession({});
  try {
    const conv = session.loadPlan(plans.conv);
    const twoStep = session.loadPlan(plans.twoStep);
    const assign = session.loadPlan(plans.assign);
    for (const w of mode === 'var' ? filters : filters.slice(0, 1)) {
      if (mode === 'var') run(session, assign, [w]);
      const feeds = mode === 'fed' ? [x, w] : [x];
      const got = run(session, conv, feeds)[0];
      const want = run(session, twoStep, feeds)[0];
      expect(firstDifference(got, want)).toBe(-1);
      expect(firstDifference(run(session, conv, feeds)[0], want), 'second run (cached filter)').toBe(-1);
    }
  } finally {
    session.close();
  }
}

// [name, geometry, O]: the GEMM's M = N*OH*OW, K = KH*KW*C.
const CASES: [string, number[], number][] = [
  ['Deep MNIST layer 1: C 1, 5x5 SAME, O 32 (M 1568, K 25)', geometry(2, 28, 28, 1, 5, 5, 1, 1, 'same'), 32],
  ['Deep MNIST layer 2: C 32, 5x5 SAME, O 64 (K 800: three k slices)', geometry(1, 14, 14, 32, 5, 5, 1, 1, 'same'), 64],
  ['C 3, 3x3 stride 2 pad 1, O 5 (M 200)', geometry(2, 19, 19, 3, 3, 3, 2, 1, 1), 5],
  ['C 4, 3x3 stride 3 VALID, O 70 (M 72, a partial strip)', geometry(2, 19, 19, 4, 3, 3, 3, 1, 0), 70],
  ['C 7, 3x3 dilation 2 pad 2, O 1', geometry(2, 19, 19, 7, 3, 3, 1, 2, 2), 1],
  ['C 35, 3x3 pad 1, O 70 (K 315)', geometry(1, 13, 11, 35, 3, 3, 1, 1, 1), 70],
  ['C 35, 4x2 stride 2 dilation 2 SAME, O 5 (uneven padding)', geometry(2, 15, 12, 35, 4, 2, 2, 2, 'same'), 5],
  ['C 35, 4x4 stride 2 dilation 2 SAME, O 32 (K 560)', geometry(1, 17, 16, 35, 4, 4, 2, 2, 'same'), 32],
  ['C 32, 1x1 stride 2, O 32', geometry(2, 15, 15, 32, 1, 1, 2, 1, 0), 32],
  ['C 7, 5x5 SAME over 3 images, O 32 (M 1449: many 96-row blocks)', geometry(3, 23, 21, 7, 5, 5, 1, 1, 'same'), 32],
  ['C 3, a 7x7 window over a 3x3 image, pad 5 (rows wholly in the padding), O 5', geometry(1, 3, 3, 3, 7, 7, 1, 1, 5), 5],
  ['C 1, 3x3 stride 3 dilation 2 pad 3, O 70', geometry(1, 20, 17, 1, 3, 3, 3, 2, 3), 70],
  ['C 0: every output is the activated bias (K 0)', geometry(1, 5, 5, 0, 3, 3, 1, 1, 1), 5],
  ['N 0: an empty batch', geometry(0, 5, 5, 3, 3, 3, 1, 1, 1), 5],
];

describe.each(builds)('wasm Conv2D is the two-step plan bit for bit (%s)', (_, backend) => {
  const MODES: FilterMode[] = ['fed', 'const', 'var'];
  const cases = CASES.flatMap(([name, g, o], i) => MODES.map((mode) => [name, mode, g, o, i] as const));
  it.each(cases)('%s, %s filter, bias and Relu', (_, mode, g, o, i) => {
    expectSameAsTwoStep(backend, g, o, { act: UnaryOp.Relu, bias: seeded(o, 99 + i) }, mode, 10 * i + 1);
  });

  const FLOAT_ACTIVATIONS = Object.values(UnaryOp).filter((op) => op !== UnaryOp.LogicalNot);
  it.each(FLOAT_ACTIVATIONS)('activation %i with a bias (LeakyRelu with alpha 0.2)', (act) => {
    const g = geometry(2, 9, 11, 5, 3, 3, 1, 1, 1); // M 198: two blocks, the last with a 2-row panel; O 13: a partial strip
    expectSameAsTwoStep(backend, g, 13, { act, param: 0.2, bias: seeded(13, act) }, act % 2 ? 'const' : 'var', act + 5);
  });

  it('the short attribute form (no param, no filterVar) without a bias', () => {
    expectSameAsTwoStep(backend, geometry(2, 8, 8, 3, 3, 3, 1, 1, 1), 9, { act: UnaryOp.Tanh, short: true }, 'fed', 3);
  });

  it('special values (NaN, infinities, -0) pass through as in the two-step plan', () => {
    const g = geometry(1, 6, 6, 4, 3, 3, 1, 1, 1);
    const x = seeded(6 * 6 * 4, 1);
    [NaN, Infinity, -Infinity, -0, 3e38, -3e38].forEach((v, i) => { x[i * 23] = v; });
    const plans = convPlans(g, 6, { act: UnaryOp.Sigmoid, bias: seeded(6, 2) }, 'fed', new Float32Array(0));
    const session = backend.createSession({});
    const w = seeded(3 * 3 * 4 * 6, 3);
    const [got, want] = [plans.conv, plans.twoStep].map((p) => run(session, p, [x, w])[0]);
    expect(firstDifference(got, want)).toBe(-1);
    session.close();
  });

  it('a variable filter: UninitializedVariable before it is written, then each write seen', () => {
    const g = geometry(1, 6, 6, 2, 3, 3, 1, 1, 1);
    const plans = convPlans(g, 3, { act: UnaryOp.Identity }, 'var', new Float32Array(0));
    const session = backend.createSession({});
    const conv = session.loadPlan(plans.conv);
    expect(session.run(conv, [bytesOf(new Float32Array(72))])).toEqual({ status: Status.UninitializedVariable, step: 0, arg: 0 });
    session.close();
    for (const mode of ['var', 'const'] as const) expectSameAsTwoStep(backend, g, 3, { act: UnaryOp.Identity }, mode, 4);
  });
});

// ---- a float64 reference ------------------------------------------------------------------

/** y = relu(conv(x, filter) + bias) in float64, loop by loop from plan-format.ts's definition. */
function referenceConv(g: number[], o: number, x: Float32Array, filter: Float32Array, bias: Float32Array): Float64Array {
  const [N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL] = g;
  const y = new Float64Array(N * OH * OW * o);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let j = 0; j < o; j++) {
    let s = bias[j];
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let c = 0; c < C; c++) s += x[((n * H + ih) * W + iw) * C + c] * filter[((kh * KW + kw) * C + c) * o + j];
    }
    y[((n * OH + oh) * OW + ow) * o + j] = Math.max(s, 0);
  }
  return y;
}

describe.each(builds)('wasm Conv2D against a float64 convolution (%s)', (_, backend) => {
  it('C 35, 3x3 stride 2 dilation 2 SAME, O 70, bias and Relu: within float32 summation rounding', () => {
    const g = geometry(2, 17, 15, 35, 3, 3, 2, 2, 'same');
    const o = 70;
    const x = seeded(2 * 17 * 15 * 35, 11);
    const filter = seeded(3 * 3 * 35 * o, 12);
    const bias = seeded(o, 13);
    const { conv } = convPlans(g, o, { act: UnaryOp.Relu, bias }, 'const', filter);
    const session = backend.createSession({});
    const got = new Float32Array(run(session, conv, [x])[0]);
    session.close();
    const want = referenceConv(g, o, x, filter, bias);
    const scale = referenceConv(g, o, x.map(Math.abs), filter.map(Math.abs), bias.map(Math.abs));
    expect(got.length).toBe(want.length);
    const bad = Array.from(got).findIndex((v, i) => !(Math.abs(v - want[i]) <= 1e-5 * scale[i] + 1e-7));
    expect(bad < 0 ? 'ok' : `got ${got[bad]}, want ${want[bad]} at ${bad}`).toBe('ok');
    expect(want.filter((v) => v > 0).length).toBeGreaterThan(want.length / 4); // the check is not all zeros
  });
});

// ---- validation ---------------------------------------------------------------------------

describe('wasm Conv2D: invalid plans', () => {
  const backend = builds[0][1];
  const G = geometry(1, 4, 4, 2, 3, 3, 1, 1, 1); // x 32, y [1, 4, 4, O], K 18
  const f = (shape: number[], dtype = float32): BufferSpec => ({ dtype, shape });
  /** One Conv2D step over fed buffers; the output is the last buffer. */
  const one = (buffers: BufferSpec[], inputs: number[], attrs: number[], vars: PlanVariable[] = []) =>
    build(buffers, [[Kernel.Conv2D, inputs, [buffers.length - 1], attrs]], inputs, [buffers.length - 1], vars);
  const withG = (field: number, value: number) => G.map((v, i) => (i === field ? value : v));
  const v = (shape: number[], dtype = float32): PlanVariable => ({ slot: 0, dtype, shape, name: 'w' });
  const x = f([1, 4, 4, 2]);
  const y = f([1, 4, 4, 5]);
  const filter = f([3, 3, 2, 5]);
  const bias = f([5]);
  const RELU = [UnaryOp.Relu, 0, -1];

  it('rejects wrong counts, shapes, dtypes, attributes and arity; the session stays usable', () => {
    const session = backend.createSession({});
    const good = one([x, filter, bias, y], [0, 1, 2], [...G, ...RELU]);
    session.loadPlan(good);
    session.loadPlan(one([x, filter, y], [0, 1], [...G, UnaryOp.Identity])); // short form, no bias
    session.loadPlan(one([x, f([18, 5]), f([16, 5])], [0, 1], [...G, UnaryOp.Identity])); // any filter shape; y [M, O]
    session.loadPlan(one([x, bias, y], [0, 1], [...G, UnaryOp.Relu, 0, 0], [v([90])])); // a variable of any rank
    const bad: [string, EncodedPlan][] = [
      ['x count', one([f([1, 4, 4, 3]), filter, bias, y], [0, 1, 2], [...G, ...RELU])],
      ['y count', one([x, filter, bias, f([1, 4, 3, 5])], [0, 1, 2], [...G, ...RELU])],
      ['y rank 0', one([f([1, 1, 1, 2]), f([3, 3, 2, 1]), f([])], [0, 1], [1, 1, 1, 2, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, UnaryOp.Identity])],
      ['y O not the filter\'s', one([x, filter, f([4]), f([1, 4, 4, 4])], [0, 1, 2], [...G, ...RELU])],
      ['filter count', one([x, f([3, 3, 2, 6]), bias, y], [0, 1, 2], [...G, ...RELU])],
      ['filter int32', one([x, f([3, 3, 2, 5], int32), bias, y], [0, 1, 2], [...G, ...RELU])],
      ['x int32', one([f([1, 4, 4, 2], int32), filter, bias, y], [0, 1, 2], [...G, ...RELU])],
      ['y int32', one([x, filter, bias, f([1, 4, 4, 5], int32)], [0, 1, 2], [...G, ...RELU])],
      ['bias length', one([x, filter, f([6]), y], [0, 1, 2], [...G, ...RELU])],
      ['bias rank 2', one([x, filter, f([1, 5]), y], [0, 1, 2], [...G, ...RELU])],
      ['bias int32', one([x, filter, f([5], int32), y], [0, 1, 2], [...G, ...RELU])],
      ['activation LogicalNot', one([x, filter, bias, y], [0, 1, 2], [...G, UnaryOp.LogicalNot, 0, -1])],
      ['activation 99', one([x, filter, bias, y], [0, 1, 2], [...G, 99, 0, -1])],
      ['16 attributes', one([x, filter, bias, y], [0, 1, 2], [...G, UnaryOp.Relu, 0])],
      ['14 attributes', one([x, filter, bias, y], [0, 1, 2], G)],
      ['no filter', one([x, y], [0], [...G, ...RELU])],
      ['four inputs', one([x, filter, bias, bias, y], [0, 1, 2, 3], [...G, ...RELU])],
      ['filterVar -2', one([x, filter, bias, y], [0, 1, 2], [...G, UnaryOp.Relu, 0, -2])],
      ['filterVar past the var table', one([x, bias, y], [0, 1], [...G, UnaryOp.Relu, 0, 1], [v([90])])],
      ['filterVar and a filter input', one([x, filter, bias, y], [0, 1, 2], [...G, UnaryOp.Relu, 0, 0], [v([90])])],
      ['filterVar count', one([x, bias, y], [0, 1], [...G, UnaryOp.Relu, 0, 0], [v([91])])],
      ['filterVar int32', one([x, bias, y], [0, 1], [...G, UnaryOp.Relu, 0, 0], [v([90], int32)])],
      ['stride 0', one([x, filter, bias, y], [0, 1, 2], [...withG(Window.SH, 0), ...RELU])],
      ['dilation 0', one([x, filter, bias, y], [0, 1, 2], [...withG(Window.DW, 0), ...RELU])],
      ['negative padding', one([x, filter, bias, y], [0, 1, 2], [...withG(Window.PT, -1), ...RELU])],
      ['KH 0', one([x, f([0]), bias, y], [0, 1, 2], [...withG(Window.KH, 0), ...RELU])],
      // K = 2^17 * 2^16 * 2 = 2^34 with O = 0: every count is 0, but K must still fit 32 bits
      ['K past 2^31', one([x, f([0]), f([0]), f([1, 4, 4, 0])], [0, 1, 2], [...withG(Window.KH, 2 ** 17).map((g, i) => (i === Window.KW ? 2 ** 16 : g)), ...RELU])],
      // K = 2^28, O = 1: a 1 GiB filter whose packed copy (eight columns per strip) would pass 2^31 bytes
      ['packed filter past 2^31 bytes', one([f([1, 1, 1, 1]), f([2 ** 28]), f([1, 1, 1, 1])], [0, 1], [1, 1, 1, 1, 1, 1, 2 ** 14, 2 ** 14, 1, 1, 1, 1, 0, 0, UnaryOp.Identity])],
    ];
    for (const [name, plan] of bad) {
      try { expectInvalid(session, plan); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
    }
    const feeds = [seeded(32, 1), seeded(90, 2), seeded(5, 3)];
    expect(run(session, good, feeds)[0].byteLength).toBe(80 * 4);
    session.close();
  });

  it('rejects an output overlapping any input', () => {
    const session = backend.createSession({});
    const good = one([x, filter, bias, y], [0, 1, 2], [...G, ...RELU]);
    const wordAt = (word: number) => new DataView(good.bytes.buffer, good.bytes.byteOffset).getInt32(word * 4, true);
    const offsetWord = (id: number) => wordAt(Header.BuffersOffset) + id * BUFFER_WORDS + BufferField.ByteOffset;
    session.loadPlan(good);
    for (const input of [0, 1, 2]) expectInvalid(session, withWord(good, offsetWord(3), wordAt(offsetWord(input))));
    session.close();
  });

  it('corrupted plans are rejected or run inside their buffers, never trap', () => {
    const session = backend.createSession({});
    const assign = build([f([90])], [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]], [0], [], [{ ...v([90]), slot: 0 }]);
    run(session, assign, [seeded(90, 4)]);
    const good = build([x, filter, bias, y, y], [[Kernel.Conv2D, [0, 1, 2], [3], [...G, ...RELU]],
      [Kernel.Conv2D, [0, 2], [4], [...G, UnaryOp.LeakyRelu, f32bits(0.1), 0]]], [0, 1, 2], [3, 4], [v([3, 3, 2, 5])]);
    const feeds = () => [bytesOf(seeded(32, 1)), bytesOf(seeded(90, 2)), bytesOf(seeded(5, 3))];
    session.run(session.loadPlan(good), feeds());
    const values = [-1, 0, 1, 2, 3, 4, 5, 8, 16, 18, 32, 64, 90, 2 ** 30, 2 ** 31 - 1, -(2 ** 31), 22, 26];
    expectNoTrapOnCorruption(session, good, feeds, { seed: 2626, trials: 4000, maxEdits: 3, values });
    session.close();
  });
});
