// Plan-building and checking helpers shared by the native and wasm backend tests.
import { expect } from 'vitest';
import { encodePlan, alignUp } from '../src/compiler/encode.js';
import { byteSize, type PlanIR, type PlanBuffer, type PlanVariable } from '../src/compiler/plan.js';
import { BinaryOp, DTypeCode, FusedKind, Kernel, UnaryOp, type KernelId } from '../src/compiler/plan-format.js';
import { float32, type DType, type TypedArray } from '../src/graph/dtypes.js';
import {
  isRunFailure, type Backend, type BackendPlan, type BackendSession, type EncodedPlan, type RunFailure, type SessionConfig,
} from '../src/runtime/backend.js';

// ---- plans --------------------------------------------------------------------------

/** A buffer; `data` makes it a constant unless `fed` (then it is the feed). */
export interface BufferSpec { dtype: DType; shape: number[]; data?: TypedArray; fed?: boolean }
export type StepSpec = [kernel: KernelId, inputs: number[], outputs: number[], attrs?: number[]];
type VarSpec = Omit<PlanVariable, 'name'> & { name?: string };
export interface PlanSpec {
  buffers: BufferSpec[];
  steps: StepSpec[];
  feeds?: number[];
  fetches: number[];
  vars?: VarSpec[];
}

export const bytesOf = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A PlanIR with arena buffers laid out one after another; buffers with data (not fed) are constants. */
export function planIR(spec: PlanSpec): PlanIR {
  let arenaBytes = 0;
  const buffers: PlanBuffer[] = spec.buffers.map(({ dtype, shape, data, fed }) => {
    const b: PlanBuffer = { dtype, shape, region: data && !fed ? 'constant' : 'arena', byteOffset: 0 };
    if (data && !fed) b.data = bytesOf(data);
    else { b.byteOffset = arenaBytes; arenaBytes = alignUp(arenaBytes + byteSize(b)); }
    return b;
  });
  return {
    buffers, arenaBytes,
    steps: spec.steps.map(([kernel, inputs, outputs, attrs = []]) => ({ kernel, inputs, outputs, attrs, opName: 'op' })),
    vars: (spec.vars ?? []).map((v, i) => ({ name: `v${i}`, ...v })),
    feeds: spec.feeds ?? [],
    fetches: spec.fetches,
  };
}

export function encoded(spec: PlanSpec): EncodedPlan {
  const ir = planIR(spec);
  const bytes = encodePlan(ir);
  const slot = (id: number) => ({ byteOffset: ir.buffers[id].byteOffset, byteLength: byteSize(ir.buffers[id]) });
  return { bytes, arenaBytes: ir.arenaBytes, feeds: ir.feeds.map(slot), fetches: ir.fetches.map(slot) };
}

/** `encoded` with positional arguments. */
export function build(buffers: BufferSpec[], steps: StepSpec[], feeds: number[], fetches: number[], vars: VarSpec[] = []): EncodedPlan {
  return encoded({ buffers, steps, feeds, fetches, vars });
}

/** A copy of the plan with 32-bit word `word` set to `value`. */
export function withWord(plan: EncodedPlan, word: number, value: number): EncodedPlan {
  const bytes = plan.bytes.slice();
  new DataView(bytes.buffer).setInt32(word * 4, value, true);
  return { ...plan, bytes };
}

/** Fused-program attrs [nInstr, instr...] from instructions [kind, op, dtype, a, b, c] (missing words are 0). */
export const program = (...instrs: number[][]) => [instrs.length, ...instrs.flatMap((w) => [...w, 0, 0, 0, 0, 0, 0].slice(0, 6))];

/** The int32 bit pattern of a float32, as kernels take float attributes. */
export const f32bits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0];

// ---- running ------------------------------------------------------------------------

/** The fetches of a run, or an error naming the failure. */
export function ok(result: ArrayBuffer[] | RunFailure): ArrayBuffer[] {
  if (isRunFailure(result)) throw new Error(`run failed: ${JSON.stringify(result)}`);
  return result;
}

/** Runs a plan (loading it first when given encoded) in `session`; throws on a failure. */
export function run(session: BackendSession, plan: EncodedPlan | BackendPlan, feeds: TypedArray[]): ArrayBuffer[] {
  const loaded = 'bytes' in plan ? session.loadPlan(plan) : plan;
  return ok(session.run(loaded, feeds.map(bytesOf)));
}

/** Loads and runs a plan in a fresh session of `backend`; returns the fetches or the failure. */
export function runFresh(backend: Backend, plan: PlanSpec | EncodedPlan, feeds: TypedArray[] = [], config: SessionConfig = {}): ArrayBuffer[] | RunFailure {
  const session = backend.createSession(config);
  try {
    return session.run(session.loadPlan('bytes' in plan ? plan : encoded(plan)), feeds.map(bytesOf));
  } finally {
    session.close();
  }
}

/** Runs one step over constant and fed (`fed: true`) inputs in a fresh session; returns its output. */
export function computeOn(backend: Backend, inputs: BufferSpec[], out: [DType, number[]], kernel: KernelId, attrs: number[]): ArrayBuffer {
  const ids = inputs.map((_, i) => i);
  const fed = ids.filter((i) => inputs[i].fed);
  const plan = build([...inputs, { dtype: out[0], shape: out[1] }], [[kernel, ids, [inputs.length], attrs]], fed, [inputs.length]);
  return ok(runFresh(backend, plan, fed.map((i) => inputs[i].data!)))[0];
}

export const f32 = (r: ArrayBuffer) => Array.from(new Float32Array(r));
export const i32 = (r: ArrayBuffer) => Array.from(new Int32Array(r));
export const MIN = -(2 ** 31);
export const MAX = 2 ** 31 - 1;

// ---- checking -----------------------------------------------------------------------

export function expectCode(fn: () => unknown, code: string): void {
  let error: unknown;
  try { fn(); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(Error);
  expect((error as { code?: string }).code).toBe(code);
}

export function expectInvalid(session: BackendSession, plan: EncodedPlan): void {
  expectCode(() => session.loadPlan(plan), 'INVALID_PLAN');
}

// ---- data and references ------------------------------------------------------------

/** Deterministic values in [-1, 1). */
export function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 31 - 1);
}

/** x as [rows, cols] transposed to [cols, rows]. */
export function transposed<T extends Float32Array | Int32Array>(x: T, rows: number, cols: number): T {
  const y = x.slice() as T;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[j * rows + i] = x[i * cols + j];
  return y;
}

/** Folds the groups of `values` (x by flat index, over dims) reduced over axes first..last, in float64. */
export function reduceAxes(values: (i: number) => number, dims: number[], first: number, last: number, fold: (xs: number[]) => number): number[] {
  const size = (ds: number[]) => ds.reduce((p, d) => p * d, 1);
  const [outer, n, inner] = [size(dims.slice(0, first)), size(dims.slice(first, last + 1)), size(dims.slice(last + 1))];
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    out.push(fold(Array.from({ length: n }, (_, k) => values((o * n + k) * inner + i))));
  }
  return out;
}

/** Softmax, or log-softmax, of each row of x as [rows, cols], in float64. */
export function softmaxRows(x: Float32Array, cols: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / cols; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const m = Math.max(...row);
    const s = row.reduce((t, v) => t + Math.exp(v - m), 0);
    out.push(...row.map((v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s)));
  }
  return out;
}

/** The float in [0, 1) made of a random word's top 23 bits. */
export const unitFloat = (x: number) => new Float32Array(new Uint32Array([(x >>> 9) | 0x3f800000]).buffer)[0] - 1;

/** Math.floor(x * range / 2^32): a random word mapped to [0, range). */
export const hi32 = (x: number, range: number) => Number((BigInt(x) * BigInt(range)) >> 32n);

/** Fisher-Yates per docs/kernels.md, on row numbers, drawing from `philox` at counter (i, r, 0, 0). */
export function shuffledOrder(n: number, key: number[], r: number, philox: (counter: number[], key: number[]) => number[]): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i >= 1; i--) {
    const j = hi32(philox([i, r, 0, 0], key)[0], i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// ---- Fused multiply-add folding --------------------------------------------------------

/**
 * What both backends check bit for bit: a Fused program over inputs x and y
 * (registers 0 and 1) with the constant 0.3 (register 2), a product (3) and a
 * result (4), against the two instructions' float32 arithmetic. The first six
 * fold the Mul into its Add or Sub; the last two must not fold.
 */
export function mulAddFoldCases() {
  const n = 1000 + 7;
  const fr = Math.fround;
  const specials = [NaN, Infinity, -Infinity, -0, 0, 3e38, -3e38, 1e-45];
  const x = Float32Array.from({ length: n }, (_, i) => (i < specials.length ? specials[i] : fr(Math.cos(i * 0.9) * 50)));
  const y = Float32Array.from({ length: n }, (_, i) => (i >= n - specials.length ? specials[n - 1 - i] : fr(Math.sin(i * 1.3) * 7)));
  const F = DTypeCode.float32;
  const constant = [FusedKind.Const, 0, F, f32bits(0.3)];
  const mul = (a: number, b: number) => [FusedKind.Binary, BinaryOp.Mul, F, a, b];
  const add = (a: number, b: number) => [FusedKind.Binary, BinaryOp.Add, F, a, b];
  const sub = (a: number, b: number) => [FusedKind.Binary, BinaryOp.Sub, F, a, b];
  const k = fr(0.3);
  const cases: [string, number[][], (x: number, y: number) => number][] = [
    ['x*c + y', [mul(0, 2), add(3, 1)], (a, b) => fr(fr(a * k) + b)],
    ['y + c*x', [mul(2, 0), add(1, 3)], (a, b) => fr(b + fr(a * k))],
    ['x*c - y', [mul(0, 2), sub(3, 1)], (a, b) => fr(fr(a * k) - b)],
    ['y - c*x', [mul(2, 0), sub(1, 3)], (a, b) => fr(b - fr(a * k))],
    ['x*c - c (both scalar-sided)', [mul(0, 2), sub(3, 2)], (a) => fr(fr(a * k) - k)],
    ['c - x*c', [mul(0, 2), sub(2, 3)], (a) => fr(k - fr(a * k))],
    ['x*c + x*c (product read twice: not folded)', [mul(0, 2), add(3, 3)], (a) => fr(fr(a * k) + fr(a * k))],
    ['x*y + y (no scalar factor: not folded)', [mul(0, 1), add(3, 1)], (a, b) => fr(fr(a * b) + b)],
  ];
  return { n, x, y, k, constant, mul, add, cases };
}

/**
 * What both backends check bit for bit for the register-block form of Fused
 * (a float32 program over full-size and one-value inputs): the program as one
 * Fused step against its ops as separate Unary and Binary steps. Registers 0:
 * x, 1: z (full size), 2: s (one value); 3 and 15 constants;
 *   y = 1.5 / (sqdiff(max(leakyRelu(tanh(x*1.5 + s) * sigmoid(z) / z, 0.1), exp(x)) - 1.5, 1.5) - 0.25*x + sigmoid(z))
 * covers the inline ops (multiply-add folds with the product first and
 * second, Tanh, Sigmoid, Mul, Div by a row and of a one-value operand, Sub,
 * Add), row-function ops (Exp, LeakyRelu with its param, Maximum,
 * SquaredDifference), constant and one-value operands.
 */
export function registerBlockCase() {
  const { Unary: U, Binary: B, Const: K } = FusedKind;
  const F = DTypeCode.float32;
  const ops: [number, number, number[], number?][] = [ // registers 4.., [kind, op, operands, param]
    [B, BinaryOp.Mul, [0, 3]], [B, BinaryOp.Add, [4, 2]], [U, UnaryOp.Tanh, [5]], [U, UnaryOp.Sigmoid, [1]],
    [B, BinaryOp.Mul, [6, 7]], [B, BinaryOp.Div, [8, 1]], [U, UnaryOp.Exp, [0]], [U, UnaryOp.LeakyRelu, [9], 0.1],
    [B, BinaryOp.Maximum, [11, 10]], [B, BinaryOp.Sub, [12, 3]], [B, BinaryOp.SquaredDifference, [13, 3]],
    /* 15: 0.25 */ [B, BinaryOp.Mul, [15, 0]], [B, BinaryOp.Sub, [14, 16]], [B, BinaryOp.Add, [17, 7]],
    [B, BinaryOp.Div, [3, 18]],
  ];
  const constants: Record<number, number> = { 3: 1.5, 15: 0.25 };
  const registerOf = (k: number) => k + (k < 11 ? 4 : 5); // op k's register
  const fusedProgram = program(...Array.from({ length: ops.length + 2 }, (_, j) => {
    const r = j + 3;
    if (r in constants) return [K, 0, F, f32bits(constants[r])];
    const [kind, op, [a, b = 0], param] = ops[r < 15 ? r - 4 : r - 5];
    return [kind, op, F, a, b, param === undefined ? 0 : f32bits(param)];
  }));

  /**
   * The program as one Fused step, or as one Unary or Binary step per op (the
   * constants as one-value buffers); with `negate`, the result is read by a
   * Neg step and that is fetched, so the Fused result lives in the arena.
   */
  function spec(n: number, fused: boolean, negate = false): PlanSpec {
    const buffers: BufferSpec[] = [{ dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }, { dtype: float32, shape: [] }];
    const steps: StepSpec[] = [];
    if (fused) {
      buffers.push({ dtype: float32, shape: [n] });
      steps.push([Kernel.Fused, [0, 1, 2], [3], fusedProgram]);
    } else {
      const bufferOf = new Map([[0, 0], [1, 1], [2, 2]]);
      for (const [r, v] of Object.entries(constants)) bufferOf.set(Number(r), buffers.push({ dtype: float32, shape: [], data: new Float32Array([v]) }) - 1);
      ops.forEach(([kind, op, operands, param], k) => {
        bufferOf.set(registerOf(k), buffers.push({ dtype: float32, shape: [n] }) - 1);
        steps.push([kind === U ? Kernel.Unary : Kernel.Binary, operands.map((r) => bufferOf.get(r)!), [bufferOf.get(registerOf(k))!],
          param === undefined ? [op] : [op, f32bits(param)]]);
      });
    }
    if (negate) {
      buffers.push({ dtype: float32, shape: [n] });
      steps.push([Kernel.Unary, [buffers.length - 2], [buffers.length - 1], [UnaryOp.Neg]]);
    }
    return { buffers, steps, feeds: [0, 1, 2], fetches: [buffers.length - 1] };
  }

  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 90, -90, 3e38, 1e-45];
  /** x, z and s for n elements: special values at the ends of x and z, zeros in z. */
  const inputs = (n: number) => [
    Float32Array.from({ length: n }, (_, k) => (k < specials.length ? specials[k] : Math.sin(k * 0.37) * 8)),
    Float32Array.from({ length: n }, (_, k) => (k >= n - specials.length ? specials[n - 1 - k] : k % 97 === 0 ? 0 : Math.cos(k * 0.11) * 6)),
    new Float32Array([0.5]),
  ];
  /** The first element whose bits differ (Object.is), -1 if none, -2 for different lengths. */
  const firstDifference = (got: ArrayBuffer, want: ArrayBuffer) => {
    const [g, w] = [new Float32Array(got), new Float32Array(want)];
    return g.length === w.length ? g.findIndex((v, k) => !Object.is(v, w[k])) : -2;
  };
  return { spec, inputs, firstDifference };
}
