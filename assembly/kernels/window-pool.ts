// Pool (Max, Avg) over the NHWC window geometry, float32 (plan-format.ts).
// Each window folds its in-image taps in (kh, kw) order, channels sixteen
// then four at a time in v128 lanes and the rest one by one; a lane's fold is
// the scalar fold, so the vector body and the tail agree bit for bit.
//
// Max keeps the first tap of equal ones and takes any NaN (the rule of the
// native reduce: b replaces a when b > a or b is NaN), not f32x4.max, whose
// choice between -0 and +0 and whose NaN bits differ from that rule; the
// result is one of the taps' bits. Avg adds from +0 in (kh, kw) order and
// divides by the count of in-image taps (f32x4.div is IEEE like f32.div).
//
//   poolKernel(plan, step); // in[x] out[y] attr[op, geometry]
import { PoolOp, Status } from '../generated/plan_format';
import { Plan, bufferPointer, bufferRecord, recCount, stepAttr, stepIn, stepOut } from '../plan';
import {
  W, pixelAt, tapColBytes, tapRowBytes, windowCols, windowCount, windowLoad, windowRows,
} from './window-geometry';

const FLT_LOWEST: f32 = -3.4028234663852886e38;

/** The Max rule on one value and on four lanes. */
@inline export function maxPick(m: f32, v: f32): f32 { return v > m || v != v ? v : m; }
@inline export function maxPick4(m: v128, v: v128): v128 {
  return v128.bitselect(v, m, v128.or(f32x4.lt(m, v), f32x4.ne(v, v)));
}

@unmanaged class MaxFold {
  @inline init(): f32 { return -Infinity; }
  @inline f(a: f32, x: f32): f32 { return maxPick(a, x); }
  @inline v(a: v128, x: v128): v128 { return maxPick4(a, x); }
  @inline done(a: f32, count: f32): f32 { return a; }
  @inline doneV(a: v128, count: v128): v128 { return a; }
}
@unmanaged class AvgFold {
  @inline init(): f32 { return 0; }
  @inline f(a: f32, x: f32): f32 { return a + x; }
  @inline v(a: v128, x: v128): v128 { return f32x4.add(a, x); }
  @inline done(a: f32, count: f32): f32 { return a / count; }
  @inline doneV(a: v128, count: v128): v128 { return f32x4.div(a, count); }
}

/** The current window's taps: rows x cols of them, rowBytes and colBytes apart. */
let rows: i32 = 0;
let cols: i32 = 0;
let rowBytes: usize = 0;
let colBytes: usize = 0;

/** Sixteen channels of one window from its first tap `src` into `dst`. */
@inline function fold16<Op>(src: usize, dst: usize, count: v128): void {
  const op = changetype<Op>(0);
  const id = f32x4.splat(op.init());
  let a0 = id, a1 = id, a2 = id, a3 = id;
  const nr = rows, nc = cols, rb = rowBytes, cb = colBytes;
  for (let i = 0, r = src; i < nr; i++, r += rb) {
    for (let j = 0, p = r; j < nc; j++, p += cb) {
      a0 = op.v(a0, v128.load(p)); a1 = op.v(a1, v128.load(p, 16));
      a2 = op.v(a2, v128.load(p, 32)); a3 = op.v(a3, v128.load(p, 48));
    }
  }
  v128.store(dst, op.doneV(a0, count)); v128.store(dst, op.doneV(a1, count), 16);
  v128.store(dst, op.doneV(a2, count), 32); v128.store(dst, op.doneV(a3, count), 48);
}

@inline function fold4<Op>(src: usize, dst: usize, count: v128): void {
  const op = changetype<Op>(0);
  let a = f32x4.splat(op.init());
  const nr = rows, nc = cols, rb = rowBytes, cb = colBytes;
  for (let i = 0, r = src; i < nr; i++, r += rb) {
    for (let j = 0, p = r; j < nc; j++, p += cb) a = op.v(a, v128.load(p));
  }
  v128.store(dst, op.doneV(a, count));
}

@inline function fold1<Op>(src: usize, dst: usize, count: f32): void {
  const op = changetype<Op>(0);
  let a = op.init();
  const nr = rows, nc = cols, rb = rowBytes, cb = colBytes;
  for (let i = 0, r = src; i < nr; i++, r += rb) {
    for (let j = 0, p = r; j < nc; j++, p += cb) a = op.f(a, load<f32>(p));
  }
  store<f32>(dst, op.done(a, count));
}

/** Every channel of the current window of image n, from x into the y row `dst`. */
function poolWindow<Op>(x: usize, n: i32, dst: usize, empty: f32): void {
  const C = W.c;
  const taps = windowCount();
  if (taps == 0) {
    for (let c = 0; c < C; c++) store<f32>(dst + (<usize>c << 2), empty);
    return;
  }
  rows = W.kh1 - W.kh0;
  cols = W.kw1 - W.kw0;
  const src = pixelAt(x, n, W.ih0, W.iw0);
  const count = <f32>taps;
  const countV = f32x4.splat(count);
  let c = 0;
  for (; c + 16 <= C; c += 16) fold16<Op>(src + (<usize>c << 2), dst + (<usize>c << 2), countV);
  for (; c + 4 <= C; c += 4) fold4<Op>(src + (<usize>c << 2), dst + (<usize>c << 2), countV);
  for (; c < C; c++) fold1<Op>(src + (<usize>c << 2), dst + (<usize>c << 2), count);
}

function poolRun<Op>(x: usize, y: usize, empty: f32): void {
  rowBytes = tapRowBytes();
  colBytes = tapColBytes();
  const rowOut = <usize>W.c << 2;
  let dst = y;
  for (let n = 0; n < W.n; n++) {
    for (let oh = 0; oh < W.oh; oh++) {
      windowRows(oh);
      for (let ow = 0; ow < W.ow; ow++, dst += rowOut) {
        windowCols(ow);
        poolWindow<Op>(x, n, dst, empty);
      }
    }
  }
}

export function poolKernel(plan: Plan, step: usize): i32 {
  const out = stepOut(step, 0);
  if (recCount(bufferRecord(plan, out)) == 0) return Status.Ok; // also bounds every loop below
  windowLoad(step, 1);
  const x = bufferPointer(plan, stepIn(step, 0));
  const y = bufferPointer(plan, out);
  if (stepAttr(step, 0) == PoolOp.Max) poolRun<MaxFold>(x, y, FLT_LOWEST);
  else poolRun<AvgFold>(x, y, 0);
  return Status.Ok;
}
