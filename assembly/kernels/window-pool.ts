// Pool (Max, Avg) over the NHWC window geometry, float32 (plan-format.ts).
// Each window folds its in-image taps in (kh, kw) order, channels sixteen,
// then four at a time in v128 lanes, and the last one to three as a partial
// vector (lane loads and stores), so every channel takes the same vector fold.
//
// Max keeps the first tap of equal ones and takes any NaN (the rule of the
// native reduce: b replaces a when b > a or b is NaN); the result is one of
// the taps' bits. f32x4.max would differ on -0 against +0 and on NaN bits.
// The hot loop uses f32x4.pmax (a < b ? b : a: the rule on NaN-free taps,
// one instruction) and flags NaN lanes; a flagged block folds again with the
// full rule. Avg adds from +0 in (kh, kw) order and divides by the count of
// in-image taps (f32x4.div is IEEE like f32.div). No contraction anywhere:
// both module builds give the same bits.
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
  @inline fast(a: v128, x: v128): v128 { return f32x4.pmax(a, x); }
  /** Lanes the fast fold may have got wrong (a NaN tap). */
  @inline flag(f: v128, x: v128): v128 { return v128.or(f, f32x4.ne(x, x)); }
  @inline exact(a: v128, x: v128): v128 { return maxPick4(a, x); }
  @inline done(a: v128, count: v128): v128 { return a; }
}
@unmanaged class AvgFold {
  @inline init(): f32 { return 0; }
  @inline fast(a: v128, x: v128): v128 { return f32x4.add(a, x); }
  @inline flag(f: v128, x: v128): v128 { return f; }
  @inline exact(a: v128, x: v128): v128 { return f32x4.add(a, x); }
  @inline done(a: v128, count: v128): v128 { return f32x4.div(a, count); }
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
  const nr = rows, nc = cols, rb = rowBytes, cb = colBytes;
  let a0 = id, a1 = id, a2 = id, a3 = id;
  let f = i32x4.splat(0);
  for (let i = 0, r = src; i < nr; i++, r += rb) {
    for (let j = 0, p = r; j < nc; j++, p += cb) {
      const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
      a0 = op.fast(a0, x0); a1 = op.fast(a1, x1); a2 = op.fast(a2, x2); a3 = op.fast(a3, x3);
      f = op.flag(op.flag(op.flag(op.flag(f, x0), x1), x2), x3);
    }
  }
  if (v128.any_true(f)) {
    a0 = id; a1 = id; a2 = id; a3 = id;
    for (let i = 0, r = src; i < nr; i++, r += rb) {
      for (let j = 0, p = r; j < nc; j++, p += cb) {
        a0 = op.exact(a0, v128.load(p)); a1 = op.exact(a1, v128.load(p, 16));
        a2 = op.exact(a2, v128.load(p, 32)); a3 = op.exact(a3, v128.load(p, 48));
      }
    }
  }
  v128.store(dst, op.done(a0, count)); v128.store(dst, op.done(a1, count), 16);
  v128.store(dst, op.done(a2, count), 32); v128.store(dst, op.done(a3, count), 48);
}

/** Channels c..c+lanes (lanes 1 to 4) at p, the others 0. */
@inline function loadLanes(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  if (lanes == 1) return v128.load32_zero(p);
  const lo = v128.load64_zero(p);
  return lanes == 2 ? lo : v128.load32_lane(p + 8, lo, 2);
}

@inline function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(p, v);
  else if (lanes == 1) v128.store32_lane(p, v, 0);
  else {
    v128.store64_lane(p, v, 0);
    if (lanes == 3) v128.store32_lane(p + 8, v, 2);
  }
}

/** `lanes` channels (a constant once inlined) of one window from its first tap `src` into `dst`. */
@inline function fold4<Op>(src: usize, dst: usize, count: v128, lanes: i32): void {
  const op = changetype<Op>(0);
  const id = f32x4.splat(op.init());
  const nr = rows, nc = cols, rb = rowBytes, cb = colBytes;
  let a = id;
  let f = i32x4.splat(0);
  for (let i = 0, r = src; i < nr; i++, r += rb) {
    for (let j = 0, p = r; j < nc; j++, p += cb) {
      const x = loadLanes(p, lanes);
      a = op.fast(a, x);
      f = op.flag(f, x);
    }
  }
  if (v128.any_true(f)) {
    a = id;
    for (let i = 0, r = src; i < nr; i++, r += rb) {
      for (let j = 0, p = r; j < nc; j++, p += cb) a = op.exact(a, loadLanes(p, lanes));
    }
  }
  storeLanes(dst, op.done(a, count), lanes);
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
  const count = f32x4.splat(<f32>taps);
  let c = 0;
  for (; c + 16 <= C; c += 16) fold16<Op>(src + (<usize>c << 2), dst + (<usize>c << 2), count);
  for (; c + 4 <= C; c += 4) fold4<Op>(src + (<usize>c << 2), dst + (<usize>c << 2), count, 4);
  const at = <usize>c << 2;
  switch (C - c) {
    case 1: fold4<Op>(src + at, dst + at, count, 1); break;
    case 2: fold4<Op>(src + at, dst + at, count, 2); break;
    case 3: fold4<Op>(src + at, dst + at, count, 3); break;
  }
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
