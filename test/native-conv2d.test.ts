// The native Conv2D kernel: bit for bit the two-step plan it replaces (Im2Col into an arena buffer, then
// MatMul by the filter seen as [KH*KW*C, O] with the same epilogue) over many geometries, activations and
// filter sources (fed, constant, variable and reassigned), for 1 and 2 threads; a float64 JS convolution;
// and bad plans. vitest.config.ts runs this file again with SESSIONFLOW_GEMM=avx2 and =portable, whose
// micro-kernels have no indirect form: Conv2D then packs its panels from the image.
import { describe, it, expect } from 'vitest';
import { AssignMode, BinaryOp, Kernel, Status, UnaryOp, WINDOW_ATTRS } from '../src/compiler/plan-format.js';
import { float32, int32, type DType } from '../src/graph/dtypes.js';
import { isRunFailure } from '../src/runtime/backend.js';
import { bytesOf, encoded, expectInvalid, f32bits, ok, run, seeded, type BufferSpec, type PlanSpec } from './plan-helpers.js';
import { backend, expectNoCrashOnCorruption, fetchWith } from './native-helpers.js';

/** A convolution: geometry words N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL and O outputs. */
interface Conv { name: string; g: number[]; o: number }

/** The geometry TensorFlow gives an NHWC convolution with SAME or VALID padding. */
function geometry(n: number, h: number, w: number, c: number, k: [number, number], s: [number, number], d: [number, number], padding: 'SAME' | 'VALID') {
  const dims = [[h, k[0], s[0], d[0]], [w, k[1], s[1], d[1]]].map(([size, taps, stride, dilation]) => {
    const span = (taps - 1) * dilation + 1;
    const out = padding === 'SAME' ? Math.ceil(size / stride) : Math.ceil((size - span + 1) / stride);
    return [out, Math.floor(Math.max((out - 1) * stride + span - size, 0) / 2)];
  });
  return [n, h, w, c, dims[0][0], dims[1][0], k[0], k[1], s[0], s[1], d[0], d[1], dims[0][1], dims[1][1]];
}

const cases: Conv[] = [
  { name: 'SAME 3x3, C = 3, O = 5 (half tile)', g: geometry(2, 9, 11, 3, [3, 3], [1, 1], [1, 1], 'SAME'), o: 5 },
  { name: 'VALID 5x5, C = 1, O = 32', g: geometry(1, 12, 10, 1, [5, 5], [1, 1], [1, 1], 'VALID'), o: 32 },
  // C = 1 with rows of at least 12 outputs: panels packed from a padded copy of the image (conv_panel.h).
  { name: 'SAME 5x5, C = 1, O = 32 (Deep MNIST conv1; panels across images)', g: geometry(3, 28, 28, 1, [5, 5], [1, 1], [1, 1], 'SAME'), o: 32 },
  { name: 'SAME 3x3 stride 2x1 dilation 2, C = 1, O = 20', g: geometry(2, 15, 26, 1, [3, 3], [2, 1], [2, 2], 'SAME'), o: 20 },
  { name: 'VALID 17x17, C = 1, O = 16 (K = 289: k-blocks that split a row of taps)', g: geometry(1, 20, 30, 1, [17, 17], [1, 1], [1, 1], 'VALID'), o: 16 },
  { name: 'SAME 5x5, C = 32, O = 64 (K = 800: four k-blocks that split taps)', g: geometry(2, 14, 14, 32, [5, 5], [1, 1], [1, 1], 'SAME'), o: 64 },
  { name: 'SAME 3x3 stride 2, C = 35, O = 70 (edge tiles)', g: geometry(2, 13, 12, 35, [3, 3], [2, 2], [1, 1], 'SAME'), o: 70 },
  { name: 'VALID 3x3 stride 3 dilation 2, C = 16, O = 32', g: geometry(2, 15, 16, 16, [3, 3], [3, 3], [2, 2], 'VALID'), o: 32 },
  { name: 'SAME 3x3 dilation 2, C = 3, O = 5', g: geometry(1, 10, 9, 3, [3, 3], [1, 1], [2, 2], 'SAME'), o: 5 },
  { name: '1x1, C = 300, O = 40 (one tap split across k-blocks)', g: geometry(1, 5, 7, 300, [1, 1], [1, 1], [1, 1], 'VALID'), o: 40 },
  { name: '3x2, stride 2x1, dilation 1x2, C = 16, O = 33', g: geometry(2, 11, 10, 16, [3, 2], [2, 1], [1, 2], 'SAME'), o: 33 },
  { name: 'SAME 5x5 stride 1, C = 35, O = 64 (K = 875)', g: geometry(1, 8, 9, 35, [5, 5], [1, 1], [1, 1], 'SAME'), o: 64 },
  //         N  H  W  C  OH OW KH KW SH SW DH DW PT PL: padding wider than the window (windows wholly in it)
  { name: 'padding 3 around a 4x4 image, 3x3, C = 2', g: [2, 4, 4, 2, 8, 8, 3, 3, 1, 1, 1, 1, 3, 3], o: 7 },
  { name: 'C = 0 (K = 0: the bias alone)', g: geometry(1, 3, 3, 0, [3, 3], [1, 1], [1, 1], 'SAME'), o: 4 },
];

const shapes = ({ g, o }: Conv) => {
  const [n, h, w, c, oh, ow, kh, kw] = g;
  return { x: [n, h, w, c], filter: [kh, kw, c, o], y: [n, oh, ow, o], m: n * oh * ow, k: kh * kw * c };
};
const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const alpha = 0.3;

/** Inputs of a case: x with ties and -0, the filter, the bias. */
function inputs(conv: Conv, seed = 1) {
  const s = shapes(conv);
  return { x: seeded(size(s.x), seed).map((v) => Math.round(v * 64) / 32), filter: seeded(size(s.filter), seed + 1), bias: seeded(conv.o, seed + 2) };
}

type FilterSource = 'fed' | 'constant' | 'variable';

/** The Conv2D step: x fed; the filter fed, a constant, or variable 0; the bias a constant (or none). */
function convSpec(conv: Conv, act: number, bias: Float32Array | null, source: FilterSource, filter?: Float32Array): PlanSpec {
  const s = shapes(conv);
  const buffers: BufferSpec[] = [{ dtype: float32, shape: s.x }, { dtype: float32, shape: s.y }];
  const ins = [0];
  if (source !== 'variable') ins.push(buffers.push({ dtype: float32, shape: s.filter, data: source === 'constant' ? filter : undefined }) - 1);
  if (bias) ins.push(buffers.push({ dtype: float32, shape: [conv.o], data: bias }) - 1);
  return {
    buffers, steps: [[Kernel.Conv2D, ins, [1], [...conv.g, act, f32bits(alpha), source === 'variable' ? 0 : -1]]],
    feeds: source === 'fed' ? [0, 2] : [0], fetches: [1],
    vars: source === 'variable' ? [{ slot: 0, dtype: float32, shape: s.filter }] : [],
  };
}

/** What Conv2D replaces: Im2Col into an arena buffer, then MatMul by the filter as [K, O] (fed) with the same epilogue. */
function twoStepSpec(conv: Conv, act: number, bias: Float32Array | null): PlanSpec {
  const s = shapes(conv);
  const buffers: BufferSpec[] = [
    { dtype: float32, shape: s.x }, { dtype: float32, shape: [s.k, conv.o] }, { dtype: float32, shape: [s.m, s.k] }, { dtype: float32, shape: [s.m, conv.o] },
  ];
  const ins = [2, 1];
  if (bias) ins.push(buffers.push({ dtype: float32, shape: [conv.o], data: bias }) - 1);
  return {
    buffers, steps: [[Kernel.Im2Col, [0], [2], conv.g], [Kernel.MatMul, ins, [3], [0, 0, act, f32bits(alpha), -1]]],
    feeds: [0, 1], fetches: [3],
  };
}

/** The bit patterns of float32 results, so NaN, -0 and every rounding compare exactly. */
const bits = (r: ArrayBuffer) => Array.from(new Uint32Array(r));

const twoStep = (conv: Conv, act: number, withBias: boolean, threads = 1, seed = 1) => {
  const { x, filter, bias } = inputs(conv, seed);
  return bits(fetchWith(threads, twoStepSpec(conv, act, withBias ? bias : null), [x, filter])[0]);
};

const conv2d = (conv: Conv, act: number, withBias: boolean, source: FilterSource = 'fed', threads = 1, seed = 1) => {
  const { x, filter, bias } = inputs(conv, seed);
  const spec = convSpec(conv, act, withBias ? bias : null, source, filter);
  return bits(fetchWith(threads, spec, source === 'fed' ? [x, filter] : [x])[0]);
};

const activations: [string, number][] = [
  ['Identity', UnaryOp.Identity], ['Relu', UnaryOp.Relu], ['Relu6', UnaryOp.Relu6], ['Sigmoid', UnaryOp.Sigmoid],
  ['Tanh', UnaryOp.Tanh], ['Elu', UnaryOp.Elu], ['LeakyRelu', UnaryOp.LeakyRelu],
];

describe(`native backend: Conv2D (SESSIONFLOW_GEMM=${process.env.SESSIONFLOW_GEMM ?? 'default'})`, () => {
  describe('bit for bit Im2Col then MatMul', () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s: bias + Relu, fed filter', (_name, c) => {
      expect(conv2d(c, UnaryOp.Relu, true)).toEqual(twoStep(c, UnaryOp.Relu, true));
    });

    it.each(activations)('bias + %s', (_name, act) => {
      const c = cases[3];
      expect(conv2d(c, act, true)).toEqual(twoStep(c, act, true));
    });

    it.each(cases.slice(0, 4).map((c) => [c.name, c] as const))('%s: no bias, a constant filter', (_name, c) => {
      expect(conv2d(c, UnaryOp.Identity, false, 'constant')).toEqual(twoStep(c, UnaryOp.Identity, false));
    });

    it('the 15-word attr form (no param, no filterVar)', () => {
      const c = cases[2];
      const { x, filter, bias } = inputs(c);
      const spec = convSpec(c, UnaryOp.Tanh, bias, 'fed');
      spec.steps[0][3] = [...c.g, UnaryOp.Tanh];
      expect(bits(fetchWith(1, spec, [x, filter])[0])).toEqual(twoStep(c, UnaryOp.Tanh, true));
    });

    it('gives the same bits with 1 and 2 threads', () => {
      const c = cases[2];
      const one = conv2d(c, UnaryOp.Relu, true, 'fed', 1);
      expect(conv2d(c, UnaryOp.Relu, true, 'fed', 2)).toEqual(one);
      expect(twoStep(c, UnaryOp.Relu, true, 2)).toEqual(one);
    });

    it('keeps a constant filter packed across runs', () => {
      const c = cases[3];
      const { filter, bias } = inputs(c);
      const session = backend.createSession({ intraOpParallelismThreads: 2 });
      const plan = session.loadPlan(encoded(convSpec(c, UnaryOp.Elu, bias, 'constant', filter)));
      for (const seed of [1, 5]) {
        const { x } = inputs(c, seed);
        const want = bits(fetchWith(2, twoStepSpec(c, UnaryOp.Elu, bias), [x, filter])[0]);
        expect(bits(run(session, plan, [x])[0])).toEqual(want);
      }
      session.close();
    });

    it('reads a variable filter, and repacks it after every assignment', () => {
      const c = cases[2];
      const s = shapes(c);
      const { x, bias } = inputs(c);
      const vars = [{ slot: 0, dtype: float32, shape: s.filter }];
      const assign = encoded({ buffers: [{ dtype: float32, shape: s.filter }], vars, feeds: [0], fetches: [], steps: [[Kernel.VarAssign, [0], [], [0, AssignMode.Assign]]] });
      const add = encoded({ buffers: [{ dtype: float32, shape: s.filter }], vars, feeds: [0], fetches: [], steps: [[Kernel.VarAssign, [0], [], [0, AssignMode.Add]]] });
      const session = backend.createSession({ intraOpParallelismThreads: 2 });
      const conv = session.loadPlan(encoded(convSpec(c, UnaryOp.Relu6, bias, 'variable')));
      const failure = session.run(conv, [bytesOf(x)]);
      expect(isRunFailure(failure) && failure.status).toBe(Status.UninitializedVariable);
      const [set, increment] = [assign, add].map((p) => session.loadPlan(p));
      const f1 = seeded(size(s.filter), 41), f2 = seeded(size(s.filter), 42);
      const expected = (f: Float32Array) => bits(fetchWith(2, twoStepSpec(c, UnaryOp.Relu6, bias), [x, f])[0]);
      run(session, set, [f1]);
      expect(bits(run(session, conv, [x])[0])).toEqual(expected(f1));
      expect(bits(run(session, conv, [x])[0])).toEqual(expected(f1));
      run(session, set, [f2]);
      expect(bits(run(session, conv, [x])[0])).toEqual(expected(f2));
      run(session, increment, [f1]);
      expect(bits(run(session, conv, [x])[0])).toEqual(expected(f2.map((v, i) => v + f1[i])));
      session.close();
    });
  });

  describe('bias and activation in the micro-kernel: bit for bit Im2Col, MatMul, Add the bias, the activation', () => {
    /** The unfused steps: buffers x, filter [K, O], cols, product, bias, sum, y. */
    const unfusedSpec = (conv: Conv, act: number, bias: Float32Array): PlanSpec => {
      const s = shapes(conv);
      const buffers: BufferSpec[] = [
        { dtype: float32, shape: s.x }, { dtype: float32, shape: [s.k, conv.o] }, { dtype: float32, shape: [s.m, s.k] },
        { dtype: float32, shape: [s.m, conv.o] }, { dtype: float32, shape: [conv.o], data: bias },
        { dtype: float32, shape: [s.m, conv.o] }, { dtype: float32, shape: [s.m, conv.o] },
      ];
      return {
        buffers, feeds: [0, 1], fetches: [6],
        steps: [
          [Kernel.Im2Col, [0], [2], conv.g], [Kernel.MatMul, [2, 1], [3], [0, 0, UnaryOp.Identity]],
          [Kernel.Binary, [3, 4], [5], [BinaryOp.Add]], [Kernel.Unary, [5], [6], [act, f32bits(alpha)]],
        ],
      };
    };
    // Every NaN as one: NaN + NaN keeps either payload, by the operand order a compiler picked.
    const canonical = (r: ArrayBuffer) => bits(r).map((x) => ((x & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : x));
    const fusedActs = activations.filter(([name]) => ['Identity', 'Relu', 'Relu6', 'LeakyRelu'].includes(name));
    // Deep MNIST conv1 (packed panels, one k-block), edge tiles, several k-blocks.
    it.each(fusedActs)('bias + %s, with NaN, +-0 and Inf in x and the bias', (_name, act) => {
      for (const c of [cases[2], cases[6], cases[5], cases[0]]) {
        const { x, filter, bias } = inputs(c);
        const special = [NaN, 0, -0, Infinity, -Infinity, 0, -0];
        const x2 = x.map((v, i) => (i % 97 < special.length ? special[i % 97] : v));
        const bias2 = bias.map((v, i) => (i % 5 < 3 ? [NaN, 0, -0][i % 5] : v));
        const expected = canonical(fetchWith(1, unfusedSpec(c, act, bias2), [x2, filter])[0]);
        expect(expected).toContain(0x7fc00000);
        expect(canonical(fetchWith(1, convSpec(c, act, bias2, 'fed'), [x2, filter])[0])).toEqual(expected);
      }
    });
  });

  it('matches a float64 JS convolution', () => {
    const c = cases[7];
    const [N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL] = c.g;
    const O = c.o;
    const { x, filter, bias } = inputs(c);
    const y = new Float32Array(ok(fetchWith(2, convSpec(c, UnaryOp.Relu, bias, 'fed'), [x, filter]))[0]);
    let worst = 0;
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let o = 0; o < O; o++) {
      let [sum, mag] = [0, 0];
      for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        const [ih, iw] = [oh * SH - PT + kh * DH, ow * SW - PL + kw * DW];
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        for (let ch = 0; ch < C; ch++) {
          const term = x[((n * H + ih) * W + iw) * C + ch] * filter[((kh * KW + kw) * C + ch) * O + o];
          sum += term;
          mag += Math.abs(term);
        }
      }
      const want = Math.max(sum + bias[o], 0);
      const got = y[((n * OH + oh) * OW + ow) * O + o];
      worst = Math.max(worst, Math.abs(got - want) / (2e-6 * (mag + 1)));
    }
    expect(worst).toBeLessThan(1);
  });

  describe('bad plans are rejected at load', () => {
    const c: Conv = { name: 'small', g: geometry(1, 4, 4, 2, [3, 3], [1, 1], [1, 1], 'SAME'), o: 3 };
    const s = shapes(c);
    const F = (shape: number[], dtype: DType = float32) => ({ dtype, shape });
    /** One Conv2D step over buffers given as [dtype, shape]; attrs default to the good geometry. */
    const plan = (bufs: { dtype: DType; shape: number[] }[], attrs: number[] = [...c.g, UnaryOp.Relu, 0, -1], vars: PlanSpec['vars'] = []) =>
      encoded({
        buffers: bufs, vars, feeds: bufs.slice(0, -1).map((_, i) => i), fetches: [bufs.length - 1],
        steps: [[Kernel.Conv2D, bufs.slice(0, -1).map((_, i) => i), [bufs.length - 1], attrs]],
      });
    const good = [F(s.x), F(s.filter), F([c.o]), F(s.y)];
    const withG = (at: number, value: number) => [...c.g.map((v, i) => (i === at ? value : v)), UnaryOp.Relu, 0, -1];
    const bad: [string, ReturnType<typeof plan>][] = [
      ['a wrong x count', plan([F([1, 4, 4, 3]), F(s.filter), F([c.o]), F(s.y)])],
      ['a wrong filter count', plan([F(s.x), F([3, 3, 2, 4]), F([c.o]), F(s.y)])],
      ['y not rank 4', plan([F(s.x), F(s.filter), F([c.o]), F([16, 3])])],
      ['y with the wrong OH', plan([F(s.x), F(s.filter), F([c.o]), F([1, 3, 4, 3])])],
      ['a bias of the wrong length', plan([F(s.x), F(s.filter), F([c.o + 1]), F(s.y)])],
      ['a bias of rank 2', plan([F(s.x), F(s.filter), F([1, c.o]), F(s.y)])],
      ['int32 x', plan([F(s.x, int32), F(s.filter), F([c.o]), F(s.y)])],
      ['an int32 output', plan([F(s.x), F(s.filter), F([c.o]), F(s.y, int32)])],
      ['an int32 filter', plan([F(s.x), F(s.filter, int32), F([c.o]), F(s.y)])],
      ['an unknown activation', plan(good, [...c.g, 99, 0, -1])],
      ['an int32-only activation (LogicalNot)', plan(good, [...c.g, UnaryOp.LogicalNot, 0, -1])],
      ['too few attrs', plan(good, c.g)],
      ['16 attrs', plan(good, [...c.g, UnaryOp.Relu, 0])],
      ['too many inputs', plan([F(s.x), F(s.filter), F([c.o]), F([c.o]), F(s.y)])],
      ['too few inputs', plan([F(s.x), F(s.y)])],
      ['filterVar outside the var table', plan([F(s.x), F([c.o]), F(s.y)], [...c.g, UnaryOp.Relu, 0, 1], [{ slot: 0, dtype: float32, shape: s.filter }])],
      ['filterVar below -1', plan(good, [...c.g, UnaryOp.Relu, 0, -2])],
      ['a filter variable of the wrong count', plan([F(s.x), F([c.o]), F(s.y)], [...c.g, UnaryOp.Relu, 0, 0], [{ slot: 0, dtype: float32, shape: [3, 3, 2, 4] }])],
      ['an int32 filter variable', plan([F(s.x), F([c.o]), F(s.y)], [...c.g, UnaryOp.Relu, 0, 0], [{ slot: 0, dtype: int32, shape: s.filter }])],
      ['a filter with filterVar too', plan(good, [...c.g, UnaryOp.Relu, 0, 0], [{ slot: 0, dtype: float32, shape: s.filter }])],
      ['KH = 0', plan(good, withG(6, 0))],
      ['SW = 0', plan(good, withG(9, 0))],
      ['a negative PT', plan(good, withG(12, -1))],
      ['an overflowing geometry', plan([F([1]), F([1]), F([1]), F([1, 1, 1, 1])], [2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, UnaryOp.Relu, 0, -1])],
      // Every buffer empty (C = O = 0), but N*OH*OW overflows.
      ['M overflowing with O = 0', plan([F([2 ** 30, 1, 1, 0]), F([1, 1, 0, 0]), F([0]), F([2 ** 30, 2 ** 30, 2 ** 30, 0])],
        [2 ** 30, 1, 1, 0, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 1, 1, 0, 0, UnaryOp.Relu, 0, -1])],
    ];
    it.each(bad)('%s', (_name, p) => {
      const session = backend.createSession({});
      expectInvalid(session, p);
      // The session stays usable.
      const { x, filter, bias } = inputs(c);
      const y = run(session, encoded(convSpec(c, UnaryOp.Relu, bias, 'fed')), [x, filter])[0];
      expect(bits(y)).toEqual(twoStep(c, UnaryOp.Relu, true));
      session.close();
    });

    it('an output overlapping an input', () => {
      const p = encoded(convSpec(c, UnaryOp.Relu, null, 'fed'));
      const session = backend.createSession({});
      session.loadPlan(p);
      // Word 9 of the header is the buffers' offset; the output (buffer 1) moves onto x (byte offset 0).
      const words = new Int32Array(p.bytes.buffer.slice(0));
      words[words[9] + 16 + 2] = 0;
      expectInvalid(session, { ...p, bytes: new Uint8Array(words.buffer) });
      session.close();
    });

    it('a corrupted plan is rejected or runs, never crashes', () => {
      // x [1, 2, 2, 1] is the 4 floats the helper feeds; the filter and bias are constants.
      const spec: PlanSpec = {
        buffers: [{ dtype: float32, shape: [1, 2, 2, 1] }, { dtype: float32, shape: [2, 2, 1, 3], data: seeded(12, 5) },
          { dtype: float32, shape: [3], data: seeded(3, 6) }, { dtype: float32, shape: [1, 2, 2, 3] }],
        steps: [[Kernel.Conv2D, [0, 1, 2], [3], [1, 2, 2, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, UnaryOp.Relu, 0, -1]]],
        feeds: [0], fetches: [3],
      };
      expectNoCrashOnCorruption(spec, 91);
    });

    it('WINDOW_ATTRS is the 14 geometry words the tests assume', () => {
      expect(WINDOW_ATTRS).toBe(14);
    });
  });
});
