// Transpose: out.shape[i] = in.shape[perm[i]]. The output is walked in order
// with each output dim's input stride; size-1 dims are dropped and dims that
// stay contiguous in the input merged, then the last two dims go tile by tile
// (TILE × TILE) so both sides stay in cache. A plane whose rows are contiguous
// in the input (a true 2-D transpose of 4-byte elements) moves 4 × 4 blocks
// through registers with shuffles; one whose columns are contiguous copies rows.
//
//   transposeKernel(plan, step); // attr[perm...]
import { DTypeCode, MAX_RANK, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, recCount, recDType, recDim, recRank, stepAttr, stepIn, stepOut,
} from '../plan';

const TILE: i32 = 32;
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

/** out[i][j] = in[i*s0 + j*s1] for a d0 × d1 plane (out rows ldy elements apart), tile by tile. */
function plane<T>(x: usize, y: usize, d0: i32, d1: i32, s0: i32, s1: i32, ldy: i32): void {
  for (let i0 = 0; i0 < d0; i0 += TILE) {
    const i1 = min(d0, i0 + TILE);
    for (let j0 = 0; j0 < d1; j0 += TILE) {
      const j1 = min(d1, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const src = x + <usize>(i * s0) * sizeof<T>();
        const dst = y + <usize>(i * ldy) * sizeof<T>();
        for (let j = j0; j < j1; j++) {
          store<T>(dst + <usize>j * sizeof<T>(), load<T>(src + <usize>(j * s1) * sizeof<T>()));
        }
      }
    }
  }
}

/** out[i..i+4][j..j+4] = in[i + (j..j+4)*s1][0..4]: four loads, eight shuffles, four stores. */
@inline function block4x4(x: usize, y: usize, i: i32, j: i32, s1: i32, ldy: i32): void {
  const src = x + (<usize>(i + j * s1) << 2);
  const step = <usize>s1 << 2;
  const r0 = v128.load(src);
  const r1 = v128.load(src + step);
  const r2 = v128.load(src + 2 * step);
  const r3 = v128.load(src + 3 * step);
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  const dst = y + (<usize>(i * ldy + j) << 2);
  const row = <usize>ldy << 2;
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + row, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * row, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * row, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

/** The s0 == 1 plane of 4-byte elements: 4 × 4 blocks tile by tile, the ragged edges scalar. */
function planeBlocks(x: usize, y: usize, d0: i32, d1: i32, s1: i32): void {
  const e0 = d0 & ~3;
  const e1 = d1 & ~3;
  for (let i0 = 0; i0 < e0; i0 += TILE) {
    for (let j0 = 0; j0 < e1; j0 += TILE) {
      for (let i = i0, i1 = min(e0, i0 + TILE); i < i1; i += 4) {
        for (let j = j0, j1 = min(e1, j0 + TILE); j < j1; j += 4) block4x4(x, y, i, j, s1, d1);
      }
    }
  }
  plane<u32>(x + (<usize>(e1 * s1) << 2), y + (<usize>e1 << 2), e0, d1 - e1, 1, s1, d1);
  plane<u32>(x + (<usize>e0 << 2), y + (<usize>(e0 * d1) << 2), d0 - e0, d1, 1, s1, d1);
}

/** out = the plane; rows contiguous in the input use shuffles, contiguous columns row copies. */
function planeCopy<T>(x: usize, y: usize, d0: i32, d1: i32, s0: i32, s1: i32): void {
  if (sizeof<T>() == 4 && s0 == 1) planeBlocks(x, y, d0, d1, s1);
  else if (s1 == 1) {
    for (let i = 0; i < d0; i++) {
      memory.copy(y + <usize>(i * d1) * sizeof<T>(), x + <usize>(i * s0) * sizeof<T>(), <usize>d1 * sizeof<T>());
    }
  } else plane<T>(x, y, d0, d1, s0, s1, d1);
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
    planeCopy<T>(src, y + <usize>(b * planeSize) * sizeof<T>(), d0, d1, strideAt(rank - 2), strideAt(rank - 1));
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
