// Softmax and LogSoftmax along rows, numerically stable: the row maximum is
// subtracted before exp, so large inputs do not overflow; a row of -inf gives
// NaN (as TensorFlow). exp and log are vmath.ts's, as Unary's.
//
//   softmaxKernel(plan, step); // attr[rows, cols, log]
import { Status } from '../generated/plan_format';
import { Plan, bufferPointer, stepAttr, stepIn, stepOut } from '../plan';
import { vexp } from './vexp';
import { lane0, vlog } from './vmath';

/** Row maximum, NaN-propagating (f32x4.max and max<f32> both are). */
function rowMax(x: usize, n: i32): f32 {
  let v = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) v = f32x4.max(v, v128.load(x + (<usize>i << 2)));
  let m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  for (; i < n; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

/** Sum of exp(x - m) over the row (four lanes, then the tail); stores the terms to y unless y is 0. */
function expSum(x: usize, y: usize, n: i32, m: f32): f32 {
  const vm = f32x4.splat(m);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = vexp(f32x4.sub(v128.load(x + (<usize>i << 2)), vm));
    if (y) v128.store(y + (<usize>i << 2), e);
    acc = f32x4.add(acc, e);
  }
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) {
    const e = lane0(vexp(f32x4.splat(load<f32>(x + (<usize>i << 2)) - m)));
    if (y) store<f32>(y + (<usize>i << 2), e);
    s += e;
  }
  return s;
}

/** y = e / s in place. */
function divideRow(y: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), f32x4.div(v128.load(y + (<usize>i << 2)), vs));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) / s);
}

/** y = (x - m) - ls; y may be x. */
function shiftRow(x: usize, y: usize, n: i32, m: f32, ls: f32): void {
  const vm = f32x4.splat(m);
  const vl = f32x4.splat(ls);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y + (<usize>i << 2), f32x4.sub(f32x4.sub(v128.load(x + (<usize>i << 2)), vm), vl));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), (load<f32>(x + (<usize>i << 2)) - m) - ls);
}

function softmaxRow(x: usize, y: usize, n: i32, log: bool): void {
  const m = rowMax(x, n);
  if (log) {
    shiftRow(x, y, n, m, lane0(vlog(f32x4.splat(expSum(x, 0, n, m)))));
  } else {
    divideRow(y, n, expSum(x, y, n, m));
  }
}

export function softmaxKernel(plan: Plan, step: usize): i32 {
  const rows = stepAttr(step, 0);
  const cols = stepAttr(step, 1);
  const log = stepAttr(step, 2) != 0;
  const x = bufferPointer(plan, stepIn(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  if (cols == 0) return Status.Ok;
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * <usize>cols << 2;
    softmaxRow(x + at, y + at, cols, log);
  }
  return Status.Ok;
}
