// ArgReduce: x viewed as [outer, n, inner], y [outer, inner] the int32 index
// of the max (ArgOp.Max) or min along n. Ties keep the first index; a NaN
// beats every number and the first NaN stays.
//
//   argReduceKernel(plan, step); // attr[op, outer, n, inner], n >= 1
import { ArgOp, DTypeCode, Status } from '../generated/plan_format';
import { Plan, bufferPointer, bufferRecord, recDType, stepAttr, stepIn, stepOut } from '../plan';

/** True when x replaces `best` as the winner (strictly, so ties keep the first). */
@inline function beats<T>(x: T, best: T, isMax: bool): bool {
  if (isFloat<T>()) {
    if (x != x) return best == best;
  }
  return isMax ? x > best : x < best;
}

/** One contiguous run of n values (inner == 1). */
function argRow<T>(x: usize, n: i32, isMax: bool): i32 {
  let best = load<T>(x);
  let at = 0;
  for (let k = 1; k < n; k++) {
    const v = load<T>(x + (<usize>k << 2));
    if (beats<T>(v, best, isMax)) {
      best = v;
      at = k;
    }
  }
  return at;
}

/**
 * One [n, inner] block, walked row by row so reads stay sequential; y holds
 * the running winner of each column and x is re-read at it.
 */
function argBlock<T>(x: usize, y: usize, n: i32, inner: i32, isMax: bool): void {
  memory.fill(y, 0, <usize>inner << 2);
  const rowBytes = <usize>inner << 2;
  for (let k = 1; k < n; k++) {
    const row = x + <usize>k * rowBytes;
    for (let i = 0; i < inner; i++) {
      const at = <usize>i << 2;
      const best = load<T>(x + <usize>load<i32>(y + at) * rowBytes + at);
      if (beats<T>(load<T>(row + at), best, isMax)) store<i32>(y + at, k);
    }
  }
}

function argReduce<T>(x: usize, y: usize, outer: i32, n: i32, inner: i32, isMax: bool): void {
  const blockBytes = <usize>n * <usize>inner << 2;
  for (let o = 0; o < outer; o++, x += blockBytes) {
    if (inner == 1) store<i32>(y + (<usize>o << 2), argRow<T>(x, n, isMax));
    else argBlock<T>(x, y + (<usize>o * <usize>inner << 2), n, inner, isMax);
  }
}

export function argReduceKernel(plan: Plan, step: usize): i32 {
  const xId = stepIn(step, 0);
  const x = bufferPointer(plan, xId);
  const y = bufferPointer(plan, stepOut(step, 0));
  const isMax = stepAttr(step, 0) == ArgOp.Max;
  const outer = stepAttr(step, 1);
  const n = stepAttr(step, 2);
  const inner = stepAttr(step, 3);
  if (recDType(bufferRecord(plan, xId)) == DTypeCode.float32) argReduce<f32>(x, y, outer, n, inner, isMax);
  else argReduce<i32>(x, y, outer, n, inner, isMax);
  return Status.Ok;
}
