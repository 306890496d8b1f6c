// Load-time validation of the window kernels (Im2Col, Col2Im, Pool,
// PoolGrad), as plan-format.ts defines them: operand and attribute counts,
// float32 operands, the pool op, the geometry's ranges, and buffer element
// counts equal to the ones the geometry implies. The kernels bound every tap
// by the image, so any geometry accepted here is memory-safe.
//
//   if (!windowValid(plan, step)) return s; // from stepsValidate
import { DTypeCode, Kernel, PoolOp, WINDOW_ATTRS, Window } from './generated/plan_format';
import { Plan, stepAttr, stepIn, stepKernel, stepNumAttr, stepNumIn, stepNumOut, stepOut } from './plan';
import { countOf, dtypeOf } from './validate-steps';

/** Index of the first geometry word: Pool and PoolGrad put their op first. */
@inline export function geometryAt(kernel: i32): i32 {
  return kernel == Kernel.Pool || kernel == Kernel.PoolGrad ? 1 : 0;
}

@inline function g(step: usize, at: i32, field: i32): i32 { return stepAttr(step, at + field); }

/** Sizes >= 0; taps, strides and dilations >= 1; paddings >= 0. */
export function geometryValid(step: usize, at: i32): bool {
  for (let f = Window.N; f <= Window.OW; f++) if (g(step, at, f) < 0) return false;
  for (let f = Window.KH; f <= Window.DW; f++) if (g(step, at, f) < 1) return false;
  return g(step, at, Window.PT) >= 0 && g(step, at, Window.PL) >= 0;
}

/**
 * a*b*c*d*e*f == expected for factors >= 0, without overflow: the running
 * product stops as soon as it passes `expected` (< 2^31), so it stays < 2^62.
 */
export function productIs(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, expected: i32): bool {
  if (a == 0 || b == 0 || c == 0 || d == 0 || e == 0 || f == 0) return expected == 0;
  const limit = <i64>expected;
  let p = <i64>a * <i64>b;
  if (p > limit) return false;
  p *= <i64>c;
  if (p > limit) return false;
  p *= <i64>d;
  if (p > limit) return false;
  p *= <i64>e;
  if (p > limit) return false;
  return p * <i64>f == limit;
}

/** Buffer `id` is float32 with N*H*W*C (image), N*OH*OW*KH*KW*C (cols) or N*OH*OW*C (pooled) elements. */
export function imageIs(plan: Plan, step: usize, at: i32, id: i32): bool {
  return dtypeOf(plan, id) == DTypeCode.float32 && productIs(g(step, at, Window.N), g(step, at, Window.H),
    g(step, at, Window.W), g(step, at, Window.C), 1, 1, countOf(plan, id));
}
function colsAre(plan: Plan, step: usize, at: i32, id: i32): bool {
  return dtypeOf(plan, id) == DTypeCode.float32 && productIs(g(step, at, Window.N), g(step, at, Window.OH),
    g(step, at, Window.OW), g(step, at, Window.KH), g(step, at, Window.KW), g(step, at, Window.C), countOf(plan, id));
}
function pooledIs(plan: Plan, step: usize, at: i32, id: i32): bool {
  return dtypeOf(plan, id) == DTypeCode.float32 && productIs(g(step, at, Window.N), g(step, at, Window.OH),
    g(step, at, Window.OW), g(step, at, Window.C), 1, 1, countOf(plan, id));
}

/** in[x, dy] for Max, in[dy] for Avg; out[dx] an image. */
function poolGradOperandsValid(plan: Plan, step: usize, op: i32): bool {
  const dx = stepOut(step, 0);
  if (op == PoolOp.Max) {
    return stepNumIn(step) == 2 && imageIs(plan, step, 1, stepIn(step, 0))
      && pooledIs(plan, step, 1, stepIn(step, 1)) && imageIs(plan, step, 1, dx);
  }
  return stepNumIn(step) == 1 && pooledIs(plan, step, 1, stepIn(step, 0)) && imageIs(plan, step, 1, dx);
}

export function windowValid(plan: Plan, step: usize): bool {
  const kernel = stepKernel(step);
  const at = geometryAt(kernel);
  if (stepNumOut(step) != 1 || stepNumAttr(step) != at + WINDOW_ATTRS || !geometryValid(step, at)) return false;
  const op = at == 1 ? stepAttr(step, 0) : PoolOp.Max;
  if (op != PoolOp.Max && op != PoolOp.Avg) return false;
  if (kernel == Kernel.PoolGrad) return poolGradOperandsValid(plan, step, op);
  if (stepNumIn(step) != 1) return false;
  const x = stepIn(step, 0);
  const y = stepOut(step, 0);
  if (kernel == Kernel.Im2Col) return imageIs(plan, step, 0, x) && colsAre(plan, step, 0, y);
  if (kernel == Kernel.Col2Im) return colsAre(plan, step, 0, x) && imageIs(plan, step, 0, y);
  return imageIs(plan, step, 1, x) && pooledIs(plan, step, 1, y); // Pool
}
