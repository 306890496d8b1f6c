// Transpose: out.shape[i] = in.shape[perm[i]]. The output is walked in order
// with each output dim's input stride; size-1 dims are dropped and dims that
// stay contiguous in the input merged, then the last two dims go tile by tile
// (TILE × TILE) so both sides stay in cache.
//
//   transposeKernel(plan, step); // attr[perm...]
import { DTypeCode, MAX_RANK, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, recCount, recDType, recDim, recRank, stepAttr, stepIn, stepOut,
} from '../plan';

const TILE: i32 = 16;
const DIMS = memory.data(MAX_RANK * 4, 16);
const STRIDES = memory.data(MAX_RANK * 4, 16);
let rank: i32 = 0;

@inline function dimAt(i: i32): i32 { return load<i32>(DIMS + (<usize>i << 2)); }
@inline function strideAt(i: i32): i32 { return load<i32>(STRIDES + (<usize>i << 2)); }
@inline function setAxis(i: i32, d: i32, s: i32): void {
  store<i32>(DIMS + (<usize>i << 2), d);
  store<i32>(STRIDES + (<usize>i << 2), s);
}

/** Output dims with their input strides, collapsed. */
function prepare(plan: Plan, step: usize): void {
  const rx = bufferRecord(plan, stepIn(step, 0));
  const r = recRank(rx);
  rank = 0;
  for (let i = 0; i < r; i++) {
    const p = stepAttr(step, i);
    const d = recDim(rx, p);
    if (d == 1) continue;
    let s = 1;
    for (let q = p + 1; q < r; q++) s *= recDim(rx, q);
    if (rank > 0 && strideAt(rank - 1) == s * d) setAxis(rank - 1, dimAt(rank - 1) * d, s);
    else setAxis(rank++, d, s);
  }
}

/** out[i][j] = in[i*s0 + j*s1] for a d0 × d1 plane, tile by tile. */
function plane<T>(x: usize, y: usize, d0: i32, d1: i32, s0: i32, s1: i32): void {
  for (let i0 = 0; i0 < d0; i0 += TILE) {
    const i1 = min(d0, i0 + TILE);
    for (let j0 = 0; j0 < d1; j0 += TILE) {
      const j1 = min(d1, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const src = x + <usize>(i * s0) * sizeof<T>();
        const dst = y + <usize>(i * d1) * sizeof<T>();
        for (let j = j0; j < j1; j++) {
          store<T>(dst + <usize>j * sizeof<T>(), load<T>(src + <usize>(j * s1) * sizeof<T>()));
        }
      }
    }
  }
}

/** Input element offset of the start of outer block `b` (over dims 0..rank-3). */
function blockOffset(b: i32): i32 {
  let offset = 0;
  for (let i = rank - 3; i >= 0; i--) {
    offset += (b % dimAt(i)) * strideAt(i);
    b /= dimAt(i);
  }
  return offset;
}

function transposeRun<T>(x: usize, y: usize, count: i32): void {
  if (rank <= 1) {
    memory.copy(y, x, <usize>count * sizeof<T>());
    return;
  }
  const d0 = dimAt(rank - 2);
  const d1 = dimAt(rank - 1);
  const planeSize = d0 * d1;
  const blocks = count / planeSize;
  for (let b = 0; b < blocks; b++) {
    const src = x + <usize>blockOffset(b) * sizeof<T>();
    plane<T>(src, y + <usize>(b * planeSize) * sizeof<T>(), d0, d1, strideAt(rank - 2), strideAt(rank - 1));
  }
}

export function transposeKernel(plan: Plan, step: usize): i32 {
  const rec = bufferRecord(plan, stepOut(step, 0));
  const count = recCount(rec);
  if (count == 0) return Status.Ok;
  prepare(plan, step);
  const x = bufferPointer(plan, stepIn(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  if (recDType(rec) == DTypeCode.bool) transposeRun<u8>(x, y, count);
  else transposeRun<u32>(x, y, count);
  return Status.Ok;
}
