// PoolGrad (Max, Avg) over the NHWC window geometry, float32 (plan-format.ts):
// dx = 0, then window after window in row-major (n, oh, ow) order, channels
// four at a time in v128 lanes and the rest one by one.
//   Max: the window's Pool value (window-pool.ts's rule), then dy goes to the
//        first in-image tap equal to it (NaN equal to NaN); a lane that is not
//        routed keeps its dx bits (bitselect), so no +0 is ever added.
//   Avg: q = dy / count once, added to every in-image tap.
// A dx element thus gets its windows' additions in that order on every build.
//
//   poolGradKernel(plan, step); // in[x, dy] (Max) or in[dy] (Avg) out[dx] attr[op, geometry]
import { PoolOp, Status } from '../generated/plan_format';
import { Plan, bufferPointer, bufferRecord, recCount, stepAttr, stepIn, stepOut } from '../plan';
import {
  W, pixelAt, tapColBytes, tapRowBytes, windowCols, windowCount, windowLoad, windowRows,
} from './window-geometry';
import { maxPick, maxPick4 } from './window-pool';

/** The current window's taps: rows x cols of them, rowBytes and colBytes apart. */
let rows: i32 = 0;
let cols: i32 = 0;
let rowBytes: usize = 0;
let colBytes: usize = 0;

@inline function sameOrBothNaN4(a: v128, b: v128): v128 {
  return v128.or(f32x4.eq(a, b), v128.and(f32x4.ne(a, a), f32x4.ne(b, b)));
}

/** Four channels' max from the first tap `xp`. */
@inline function windowMax4(xp: usize): v128 {
  let m = f32x4.splat(-Infinity);
  for (let i = 0, r = xp; i < rows; i++, r += rowBytes) {
    for (let j = 0, p = r; j < cols; j++, p += colBytes) m = maxPick4(m, v128.load(p));
  }
  return m;
}

/** Adds dy's four lanes to dx at each lane's first tap equal to m (taps from xp in x, dxp in dx). */
function route4(xp: usize, dxp: usize, m: v128, dy: v128): void {
  let routed = i32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const rowAt = <usize>i * rowBytes;
    for (let j = 0; j < cols; j++) {
      const at = rowAt + <usize>j * colBytes;
      const take = v128.andnot(sameOrBothNaN4(v128.load(xp + at), m), routed);
      if (!v128.any_true(take)) continue;
      const d = v128.load(dxp + at);
      v128.store(dxp + at, v128.bitselect(f32x4.add(d, dy), d, take));
      routed = v128.or(routed, take);
      if (i32x4.all_true(routed)) return;
    }
  }
}

/** One channel: the max, then dy added at the first tap equal to it. */
function route1(xp: usize, dxp: usize, dy: f32): void {
  let m: f32 = -Infinity;
  for (let i = 0, r = xp; i < rows; i++, r += rowBytes) {
    for (let j = 0, p = r; j < cols; j++, p += colBytes) m = maxPick(m, load<f32>(p));
  }
  const nan = m != m;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const at = <usize>i * rowBytes + <usize>j * colBytes;
      const v = load<f32>(xp + at);
      if (v == m || (nan && v != v)) {
        store<f32>(dxp + at, load<f32>(dxp + at) + dy);
        return;
      }
    }
  }
}

function maxWindow(x: usize, dx: usize, n: i32, dy: usize): void {
  const xp = pixelAt(x, n, W.ih0, W.iw0);
  const dxp = pixelAt(dx, n, W.ih0, W.iw0);
  let c = 0;
  for (; c + 4 <= W.c; c += 4) {
    const o = <usize>c << 2;
    route4(xp + o, dxp + o, windowMax4(xp + o), v128.load(dy + o));
  }
  for (; c < W.c; c++) route1(xp + (<usize>c << 2), dxp + (<usize>c << 2), load<f32>(dy + (<usize>c << 2)));
}

/** Adds q (four lanes) to every tap from dxp. */
@inline function spread4(dxp: usize, q: v128): void {
  for (let i = 0, r = dxp; i < rows; i++, r += rowBytes) {
    for (let j = 0, p = r; j < cols; j++, p += colBytes) v128.store(p, f32x4.add(v128.load(p), q));
  }
}

@inline function spread1(dxp: usize, q: f32): void {
  for (let i = 0, r = dxp; i < rows; i++, r += rowBytes) {
    for (let j = 0, p = r; j < cols; j++, p += colBytes) store<f32>(p, load<f32>(p) + q);
  }
}

function avgWindow(dx: usize, n: i32, dy: usize): void {
  const dxp = pixelAt(dx, n, W.ih0, W.iw0);
  const count = <f32>windowCount();
  const countV = f32x4.splat(count);
  let c = 0;
  for (; c + 4 <= W.c; c += 4) spread4(dxp + (<usize>c << 2), f32x4.div(v128.load(dy + (<usize>c << 2)), countV));
  for (; c < W.c; c++) spread1(dxp + (<usize>c << 2), load<f32>(dy + (<usize>c << 2)) / count);
}

/** Every window in (n, oh, ow) order; x is 0 for Avg. */
function poolGradRun(op: i32, x: usize, dy: usize, dx: usize): void {
  rowBytes = tapRowBytes();
  colBytes = tapColBytes();
  const dyRow = <usize>W.c << 2;
  for (let n = 0; n < W.n; n++) {
    for (let oh = 0; oh < W.oh; oh++) {
      windowRows(oh);
      for (let ow = 0; ow < W.ow; ow++, dy += dyRow) {
        windowCols(ow);
        if (windowCount() == 0) continue; // all padding: no gradient
        rows = W.kh1 - W.kh0;
        cols = W.kw1 - W.kw0;
        if (op == PoolOp.Max) maxWindow(x, dx, n, dy);
        else avgWindow(dx, n, dy);
      }
    }
  }
}

export function poolGradKernel(plan: Plan, step: usize): i32 {
  const dxId = stepOut(step, 0);
  const dx = bufferPointer(plan, dxId);
  memory.fill(dx, 0, <usize>recCount(bufferRecord(plan, dxId)) << 2);
  const op = stepAttr(step, 0);
  const dyId = stepIn(step, op == PoolOp.Max ? 1 : 0);
  if (recCount(bufferRecord(plan, dyId)) == 0) return Status.Ok; // also bounds every loop below
  windowLoad(step, 1);
  const x = op == PoolOp.Max ? bufferPointer(plan, stepIn(step, 0)) : 0;
  poolGradRun(op, x, bufferPointer(plan, dyId), dx);
  return Status.Ok;
}
