// The wasm exp family (assembly/kernels/vexp.ts) and the Fused evaluator's shortcuts: error in ulp against
// float64 Math, special values and subnormal tails, results that do not depend on where an element sits, and
// folded multiply-adds (fused-muladd.ts) that give the same bits as their instructions run one by one.
import { describe, it, expect } from 'vitest';
import { BinaryOp, FusedKind, Kernel, UnaryOp } from '../src/compiler/plan-format.js';
import { float32, int32 } from '../src/graph/dtypes.js';
import { build, f32bits, mulAddFoldCases, program, run } from './plan-helpers.js';
import { backend, compute } from './wasm-helpers.js';

const F = float32.code;
const fr = Math.fround;

function unary(op: number, x: Float32Array): Float32Array {
  return new Float32Array(compute([[float32, [x.length], x]], [float32, [x.length]], Kernel.Unary, [op]));
}

function fused(instrs: number[][], inputs: Float32Array[]): Float32Array {
  const n = inputs[0].length;
  return new Float32Array(compute(inputs.map((x) => [float32, [x.length], x]), [float32, [n]], Kernel.Fused, program(...instrs)));
}

/** One unit in the last place of float32 at the exact value r (2^-149 in the subnormal range). */
const ulp = (r: number) => (Math.abs(r) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(r))) - 23));

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// max error measured over every float32 (see docs/kernels.md), with a little room
const bounds: [string, number, (x: number) => number, number][] = [
  ['exp', UnaryOp.Exp, Math.exp, 1.1],
  ['expm1', UnaryOp.Expm1, Math.expm1, 2.0],
  ['tanh', UnaryOp.Tanh, Math.tanh, 2.0],
  ['sigmoid', UnaryOp.Sigmoid, sigmoid, 2.5],
];

const wide = Float32Array.from([
  ...Array.from({ length: 30000 }, (_, i) => -110 + (205 * i) / 30000),
  ...Array.from({ length: 8000 }, (_, i) => (i - 4000) / 2000),
  ...Array.from({ length: 2000 }, (_, i) => (i - 1000) * 3e-7),
  1e-45, -1e-45, 1e-38, -1e-38, 0.34657359, -0.34657359, 0.17328679, -0.17328679, 9.01, -9.01, 17.33, -17.33,
  88.72283, 88.72284, -87.33654, -103.97, -103.98,
]);

describe('wasm backend: exp family accuracy', () => {
  it.each(bounds)('keeps %s within its ulp bound of float64 over [-110, 95]', (name, op, ref, bound) => {
    const got = unary(op, wide);
    let worst = 0;
    wide.forEach((x, i) => {
      const r = ref(x);
      if (!Number.isFinite(fr(r))) { expect(got[i], `${name}(${x})`).toBe(fr(r)); return; }
      worst = Math.max(worst, Math.abs(got[i] - r) / ulp(r));
    });
    expect(worst, name).toBeLessThanOrEqual(bound);
  });

  it('gets special values, saturation and subnormal tails right', () => {
    const x = Float32Array.from([0, -0, Infinity, -Infinity, NaN, 9.5, -9.5, 20, -20, 1e30, -1e30, -100, -88.7, -103.9, -105, 100]);
    const same = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(Object.is(got[i], w), `x=${x[i]}: got ${got[i]}, want ${w}`).toBe(true));
    same(unary(UnaryOp.Tanh, x), [0, -0, 1, -1, NaN, 1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1]);
    same(unary(UnaryOp.Expm1, x.slice(0, 5)), [0, -0, Infinity, -1, NaN]);
    const tiny = Float32Array.from([1e-45, -1e-45, -3e-39, 1e-30, -2e-8]); // expm1(x) rounds to x, sign and all
    same(unary(UnaryOp.Expm1, tiny), Array.from(tiny));
    same(unary(UnaryOp.Elu, tiny), Array.from(tiny));
    same(unary(UnaryOp.Exp, x.slice(0, 5)), [1, 1, Infinity, 0, NaN]);
    const s = unary(UnaryOp.Sigmoid, x);
    same(s.slice(0, 5), [0.5, 0.5, 1, 0, NaN]);
    same(s.slice(9, 11), [1, 0]);
    // below -87 the result is subnormal, not flushed to 0: within one subnormal step of exp(x)
    for (const i of [11, 12, 13]) {
      expect(s[i], `sigmoid(${x[i]})`).toBeGreaterThan(0);
      expect(Math.abs(s[i] - sigmoid(x[i])), `sigmoid(${x[i]})`).toBeLessThanOrEqual(2 ** -149);
    }
    expect(s[14]).toBe(0); // e^-105 is below half the smallest subnormal
    expect(s[15]).toBe(1);
  });
});

describe('wasm backend: every element computed the same way wherever it sits', () => {
  const x = Float32Array.from({ length: 1203 }, (_, i) => fr(Math.sin(i * 0.7) * 12));

  const ops = ['Exp', 'Expm1', 'Tanh', 'Sigmoid', 'Elu', 'Softplus', 'Log1p'] as const;
  it.each(ops)('Unary %s', (name) => {
    const op = UnaryOp[name];
    const base = unary(op, x);
    for (const pad of [1, 2, 3, 5]) { // shifts which elements land in SIMD bodies, unrolled bodies and scalar tails
      const shifted = unary(op, Float32Array.from([...Array(pad).fill(0.5), ...x]));
      expect(Array.from(shifted.slice(pad))).toEqual(Array.from(base));
    }
  });

  it('a Fused program across tiles and tails, and step by step through the Unary and Binary kernels', () => {
    const chain = [
      [FusedKind.Const, 0, F, f32bits(1.5)], [FusedKind.Binary, BinaryOp.Mul, F, 0, 1],
      [FusedKind.Const, 0, F, f32bits(0.5)], [FusedKind.Binary, BinaryOp.Add, F, 2, 3],
      [FusedKind.Unary, UnaryOp.Tanh, F, 4], [FusedKind.Unary, UnaryOp.Sigmoid, F, 0],
      [FusedKind.Binary, BinaryOp.Mul, F, 5, 6], [FusedKind.Const, 0, F, f32bits(0.25)],
      [FusedKind.Binary, BinaryOp.Mul, F, 8, 0], [FusedKind.Binary, BinaryOp.Sub, F, 7, 9],
    ];
    const long = Float32Array.from({ length: 5000 }, (_, i) => fr(Math.sin(i * 0.3) * 6));
    const base = fused(chain, [long]);
    for (const pad of [1, 3, 7]) {
      const shifted = fused(chain, [Float32Array.from([...Array(pad).fill(-1), ...long])]);
      expect(Array.from(shifted.slice(pad))).toEqual(Array.from(base));
    }
    const n = long.length;
    const buffers = [
      { dtype: float32, shape: [n] }, ...[1.5, 0.5, 0.25].map((v) => ({ dtype: float32, shape: [], data: new Float32Array([v]) })),
      ...Array.from({ length: 7 }, () => ({ dtype: float32, shape: [n] })),
    ];
    const session = backend.createSession({});
    const steps = build(buffers, [
      [Kernel.Binary, [0, 1], [4], [BinaryOp.Mul]], [Kernel.Binary, [4, 2], [5], [BinaryOp.Add]],
      [Kernel.Unary, [5], [6], [UnaryOp.Tanh]], [Kernel.Unary, [0], [7], [UnaryOp.Sigmoid]],
      [Kernel.Binary, [6, 7], [8], [BinaryOp.Mul]], [Kernel.Binary, [3, 0], [9], [BinaryOp.Mul]],
      [Kernel.Binary, [8, 9], [10], [BinaryOp.Sub]],
    ], [0], [10]);
    expect(Array.from(new Float32Array(run(session, steps, [long])[0]))).toEqual(Array.from(base));
    session.close();
  });
});

describe('wasm backend: Fused multiply-add folding', () => {
  const { x, y, constant, mul, add, cases } = mulAddFoldCases();
  it.each(cases)('%s gives the bits of the two instructions', (_, instrs, want) => {
    const got = fused([constant, ...instrs], [x, y]);
    expect(Array.from(got)).toEqual(Array.from(x, (a, i) => want(a, y[i])));
  });

  it('forgets a fold when the next program computes the same register once, as a scalar', () => {
    fused([constant, mul(0, 2), add(3, 1)], [x, y]); // register 4 folds register 3
    const one = (v: number) => new Float32Array([v]);
    expect(Array.from(fused([constant, mul(0, 2), add(1, 1)], [one(2), one(5)]))).toEqual([10]);
  });

  it('leaves int32 multiply-adds to the plain instructions', () => {
    const a = Int32Array.from({ length: 37 }, (_, i) => i * 100003 - 7);
    const I = int32.code;
    const got = new Int32Array(compute([[int32, [37], a]], [int32, [37]], Kernel.Fused,
      program([FusedKind.Const, 0, I, 65537], [FusedKind.Binary, BinaryOp.Mul, I, 0, 1], [FusedKind.Binary, BinaryOp.Sub, I, 2, 0])));
    expect(Array.from(got)).toEqual(Array.from(a, (v) => (Math.imul(v, 65537) - v) | 0));
  });
});
