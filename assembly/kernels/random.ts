// Random and Shuffle: Philox4x32-10 draws keyed by (seed, seed2), element i of
// a run using the counter (i, r, t, 0) where r counts earlier runs of the
// step's stream in this session (docs/kernels.md).
//
//   randomKernel(session, plan, step);  // attr[distribution, seed, seed2, stream, p0, p1]
//   shuffleKernel(session, plan, step); // attr[seed, seed2, stream]
import { DTypeCode, Distribution, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, recBytes, recCount, recDim, recDType, recRank, stepAttr, stepIn,
  stepOut,
} from '../plan';
import { Session } from '../session';
import { streamTake } from '../streams';
import { philox, philoxWord, scaled, unitFloat } from './philox';

/** 2 pi rounded to float32 (equal to 2 * float32(pi), since doubling is exact). */
const TWO_PI: f32 = 6.2831854820251465;
/** TruncatedNormal keeps draws with |z| <= TRUNCATE. */
const TRUNCATE: f32 = 2;
/** Rows are swapped through this scratch in chunks. */
const SWAP_BYTES: i32 = 256;
const SWAP = memory.data(SWAP_BYTES, 16);

function uniformFloat(out: usize, n: i32, k0: u32, k1: u32, r: u32, lo: f32, hi: f32): void {
  const span = hi - lo;
  for (let i = 0; i < n; i++) {
    philox(<u32>i, r, 0, 0, k0, k1);
    store<f32>(out + (<usize>i << 2), lo + unitFloat(philoxWord(0)) * span);
  }
}

function uniformInt(out: usize, n: i32, k0: u32, k1: u32, r: u32, lo: i32, hi: i32): void {
  const span = <u32>hi - <u32>lo;
  for (let i = 0; i < n; i++) {
    philox(<u32>i, r, 0, 0, k0, k1);
    store<i32>(out + (<usize>i << 2), lo + <i32>scaled(philoxWord(0), span));
  }
}

/** Box-Muller on attempt t of element i: one standard normal draw in float32. */
function standardNormal(i: u32, r: u32, t: u32, k0: u32, k1: u32): f32 {
  philox(i, r, t, 0, k0, k1);
  const u1: f32 = 1 - unitFloat(philoxWord(0)); // (0, 1], so the log is finite
  const u2 = unitFloat(philoxWord(1));
  return Mathf.sqrt(-2 * Mathf.log(u1)) * Mathf.cos(TWO_PI * u2);
}

function normal(out: usize, n: i32, k0: u32, k1: u32, r: u32, mean: f32, stddev: f32, truncated: bool): void {
  for (let i = 0; i < n; i++) {
    let z = standardNormal(<u32>i, r, 0, k0, k1);
    // Rejection: about 4.6% of draws retry, each with the next attempt counter.
    for (let t: u32 = 1; truncated && !(Mathf.abs(z) <= TRUNCATE); t++) z = standardNormal(<u32>i, r, t, k0, k1);
    store<f32>(out + (<usize>i << 2), mean + stddev * z);
  }
}

export function randomKernel(s: Session, plan: Plan, step: usize): i32 {
  const y = stepOut(step, 0);
  const rec = bufferRecord(plan, y);
  const out = bufferPointer(plan, y);
  const n = recCount(rec);
  const distribution = stepAttr(step, 0);
  const k0 = <u32>stepAttr(step, 1);
  const k1 = <u32>stepAttr(step, 2);
  const r = streamTake(s, stepAttr(step, 3));
  const p0 = stepAttr(step, 4);
  const p1 = stepAttr(step, 5);
  if (distribution != Distribution.Uniform) {
    const truncated = distribution == Distribution.TruncatedNormal;
    normal(out, n, k0, k1, r, reinterpret<f32>(p0), reinterpret<f32>(p1), truncated);
  } else if (recDType(rec) == DTypeCode.int32) {
    uniformInt(out, n, k0, k1, r, p0, p1);
  } else {
    uniformFloat(out, n, k0, k1, r, reinterpret<f32>(p0), reinterpret<f32>(p1));
  }
  return Status.Ok;
}

function swapRows(a: usize, b: usize, bytes: usize): void {
  if (bytes == 4) {
    const t = load<u32>(a);
    store<u32>(a, load<u32>(b));
    store<u32>(b, t);
    return;
  }
  for (let at: usize = 0; at < bytes; at += <usize>SWAP_BYTES) {
    const chunk = min(bytes - at, <usize>SWAP_BYTES);
    memory.copy(SWAP, a + at, chunk);
    memory.copy(a + at, b + at, chunk);
    memory.copy(b + at, SWAP, chunk);
  }
}

/** Fisher-Yates over the rows of y (a copy of x): row i swaps with j in [0, i]. */
export function shuffleKernel(s: Session, plan: Plan, step: usize): i32 {
  const rec = bufferRecord(plan, stepOut(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  const bytes = recBytes(rec);
  const rows = recRank(rec) == 0 ? 1 : recDim(rec, 0);
  const k0 = <u32>stepAttr(step, 0);
  const k1 = <u32>stepAttr(step, 1);
  const r = streamTake(s, stepAttr(step, 2));
  memory.copy(y, bufferPointer(plan, stepIn(step, 0)), bytes); // memmove: any overlap is fine
  if (bytes == 0) return Status.Ok;
  const rowBytes = bytes / <usize>rows;
  for (let i = rows - 1; i >= 1; i--) {
    philox(<u32>i, r, 0, 0, k0, k1);
    const j = <i32>scaled(philoxWord(0), <u32>(i + 1));
    if (j != i) swapRows(y + <usize>i * rowBytes, y + <usize>j * rowBytes, rowBytes);
  }
  return Status.Ok;
}
