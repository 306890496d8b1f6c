// Reduce: x viewed as [outer, n, inner], y as [outer, inner], reducing the
// middle axis. One functor per op, two generic loops: contiguous rows
// (inner == 1) reduce pairwise over SIMD partial results; columns (inner > 1)
// go CHUNK columns at a time down the rows in memory order (SIMD across the
// row), summed in blocks of BLOCK rows, blocks of blocks, then the total, so
// float sums never form one long serial chain (error ~ BLOCK + BLOCK + n / BLOCK²).
//
//   reduceKernel(plan, step); // attr[op, outer, n, inner]
import { DTypeCode, ReduceOp, Status } from '../generated/plan_format';
import { Plan, bufferPointer, bufferRecord, recDType, stepAttr, stepIn, stepOut } from '../plan';

const LEAF: i32 = 256;
const BLOCK: i32 = 64;
const CHUNK: i32 = 1024; // three rows of partial results stay in L1
const LANES = memory.data(16, 16);
const TOTAL = memory.data(CHUNK * 4, 16);
const MID = memory.data(CHUNK * 4, 16);
const PARTIAL = memory.data(CHUNK * 4, 16);

@unmanaged export class Sum<T> {
  @inline init(): T { return <T>0; }
  @inline f(a: T, x: T): T { return a + x; }
  @inline v(a: v128, x: v128): v128 { return v128.add<T>(a, x); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Prod<T> {
  @inline init(): T { return <T>1; }
  @inline f(a: T, x: T): T { return a * x; }
  @inline v(a: v128, x: v128): v128 { return v128.mul<T>(a, x); }
  @inline simd(): bool { return true; }
}
/** NaN-propagating for float32. */
@unmanaged export class Max<T> {
  @inline init(): T { return isFloat<T>() ? <T>-Infinity : <T>i32.MIN_VALUE; }
  @inline f(a: T, x: T): T { return max<T>(a, x); }
  @inline v(a: v128, x: v128): v128 { return v128.max<T>(a, x); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Min<T> {
  @inline init(): T { return isFloat<T>() ? <T>Infinity : <T>i32.MAX_VALUE; }
  @inline f(a: T, x: T): T { return min<T>(a, x); }
  @inline v(a: v128, x: v128): v128 { return v128.min<T>(a, x); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Any {
  @inline init(): u8 { return 0; }
  @inline f(a: u8, x: u8): u8 { return a | <u8>(x != 0); }
  @inline v(a: v128, x: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class All {
  @inline init(): u8 { return 1; }
  @inline f(a: u8, x: u8): u8 { return a & <u8>(x != 0); }
  @inline v(a: v128, x: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}

/** Folds the four lanes of v into acc. */
@inline function foldLanes<T, Op>(acc: T, v: v128): T {
  const op = changetype<Op>(0);
  v128.store(LANES, v);
  for (let l = 0; l < 4; l++) acc = op.f(acc, load<T>(LANES + (<usize>l << 2)));
  return acc;
}

/** Reduces at most LEAF contiguous elements with four independent vector accumulators. */
function reduceLeaf<T, Op>(x: usize, n: i32): T {
  const op = changetype<Op>(0);
  let acc = op.init();
  let i = 0;
  if (op.simd() && n >= 16) {
    const id = v128.splat<T>(op.init());
    let v0 = id, v1 = id, v2 = id, v3 = id;
    for (; i + 16 <= n; i += 16) {
      const p = x + (<usize>i << 2);
      v0 = op.v(v0, v128.load(p)); v1 = op.v(v1, v128.load(p, 16));
      v2 = op.v(v2, v128.load(p, 32)); v3 = op.v(v3, v128.load(p, 48));
    }
    acc = foldLanes<T, Op>(acc, op.v(op.v(v0, v1), op.v(v2, v3)));
  }
  for (; i < n; i++) acc = op.f(acc, load<T>(x + <usize>i * sizeof<T>()));
  return acc;
}

/** Pairwise over halves, so rounding error grows like log n. */
export function reducePairwise<T, Op>(x: usize, n: i32): T {
  if (n <= LEAF) return reduceLeaf<T, Op>(x, n);
  const half = (n >> 1) & ~15;
  const op = changetype<Op>(0);
  return op.f(reducePairwise<T, Op>(x, half), reducePairwise<T, Op>(x + <usize>half * sizeof<T>(), n - half));
}

/** dst[0:w] = op(dst[0:w], src[0:w]). */
@inline export function combineRow<T, Op>(dst: usize, src: usize, w: i32): void {
  const op = changetype<Op>(0);
  let j = 0;
  if (op.simd()) {
    for (; j + 4 <= w; j += 4) {
      const at = <usize>j << 2;
      v128.store(dst + at, op.v(v128.load(dst + at), v128.load(src + at)));
    }
  }
  for (; j < w; j++) {
    const at = <usize>j * sizeof<T>();
    store<T>(dst + at, op.f(load<T>(dst + at), load<T>(src + at)));
  }
}

@inline export function fillRow<T>(dst: usize, v: T, w: i32): void {
  for (let j = 0; j < w; j++) store<T>(dst + <usize>j * sizeof<T>(), v);
}

/** PARTIAL = rows k0..k1 combined (k1 > k0). */
@inline function reduceBlock<T, Op>(x: usize, k0: i32, k1: i32, stride: usize, w: i32): void {
  memory.copy(PARTIAL, x + <usize>k0 * stride, <usize>w * sizeof<T>());
  for (let k = k0 + 1; k < k1; k++) combineRow<T, Op>(PARTIAL, x + <usize>k * stride, w);
}

/** Reduces n rows of w columns (row stride `stride` bytes) into TOTAL. */
function reduceColumns<T, Op>(x: usize, n: i32, stride: usize, w: i32): void {
  const op = changetype<Op>(0);
  fillRow<T>(TOTAL, op.init(), w);
  const span = BLOCK * BLOCK;
  for (let k1 = 0; k1 < n; k1 += span) {
    fillRow<T>(MID, op.init(), w);
    for (let k0 = k1, end = min(n, k1 + span); k0 < end; k0 += BLOCK) {
      reduceBlock<T, Op>(x, k0, min(end, k0 + BLOCK), stride, w);
      combineRow<T, Op>(MID, PARTIAL, w);
    }
    combineRow<T, Op>(TOTAL, MID, w);
  }
}

function reduceRun<T, Op>(x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  const size = sizeof<T>();
  if (inner == 1) {
    for (let o = 0; o < outer; o++) store<T>(y + <usize>o * size, reducePairwise<T, Op>(x + <usize>(o * n) * size, n));
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j0 = 0; j0 < inner; j0 += CHUNK) {
      const w = min(CHUNK, inner - j0);
      const src = x + (<usize>o * <usize>n * <usize>inner + <usize>j0) * size;
      reduceColumns<T, Op>(src, n, <usize>inner * size, w);
      memory.copy(y + (<usize>(o * inner + j0)) * size, TOTAL, <usize>w * size);
    }
  }
}

/** Mean = sum / n: NaN for an empty float mean, 0 for int32 (truncating). */
export function meanFinish<T>(y: usize, count: i32, n: i32): void {
  for (let i = 0; i < count; i++) {
    const at = y + (<usize>i << 2);
    if (isFloat<T>()) store<f32>(at, load<f32>(at) / <f32>n);
    else store<i32>(at, n == 0 ? 0 : load<i32>(at) / n);
  }
}

function reduceNumeric<T>(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  switch (op) {
    case ReduceOp.Sum:
    case ReduceOp.Mean: {
      reduceRun<T, Sum<T>>(x, y, outer, n, inner);
      if (op == ReduceOp.Mean) meanFinish<T>(y, outer * inner, n);
      break;
    }
    case ReduceOp.Max: { reduceRun<T, Max<T>>(x, y, outer, n, inner); break; }
    case ReduceOp.Min: { reduceRun<T, Min<T>>(x, y, outer, n, inner); break; }
    case ReduceOp.Prod: { reduceRun<T, Prod<T>>(x, y, outer, n, inner); break; }
  }
}

export function reduceKernel(plan: Plan, step: usize): i32 {
  const op = stepAttr(step, 0);
  const outer = stepAttr(step, 1);
  const n = stepAttr(step, 2);
  const inner = stepAttr(step, 3);
  const x = bufferPointer(plan, stepIn(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  const dtype = recDType(bufferRecord(plan, stepIn(step, 0)));
  if (dtype == DTypeCode.float32) reduceNumeric<f32>(op, x, y, outer, n, inner);
  else if (dtype == DTypeCode.int32) reduceNumeric<i32>(op, x, y, outer, n, inner);
  else if (op == ReduceOp.Any) reduceRun<u8, Any>(x, y, outer, n, inner);
  else reduceRun<u8, All>(x, y, outer, n, inner);
  return Status.Ok;
}
