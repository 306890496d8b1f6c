// The Fused and FusedReduce kernels: drive the program interpreter of
// fused-eval.ts tile by tile, writing y directly (Fused) or folding each tile
// into the reduction (FusedReduce) with the functors of reduce.ts, so the
// program's values never exist in full. A Fused program that qualifies runs
// in register blocks (fused-blocks.ts) up to its last whole block.
//
//   fusedKernel(plan, step);        // attr[nInstr, instr...]
//   fusedReduceKernel(plan, step);  // attr[op, rank, dims[rank], first, last, nInstr, instr...]
import { BufferField, DTypeCode, ReduceOp, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, recCount, recDType, recRank, stepAttr, stepNumIn, stepNumOut, stepOut,
} from '../plan';
import { fusedReduceSpan } from '../validate-fused';
import { fusedBlocksReady, fusedBlocksRun } from './fused-blocks';
import { fusedBegin, fusedEval, fusedExtraSlot, fusedTile } from './fused-eval';
import {
  All, Any, Max, Min, Prod, Sum, combineRow, fillRow, meanFinish, reducePairwise,
} from './reduce';

export function fusedKernel(plan: Plan, step: usize): i32 {
  const rec = bufferRecord(plan, stepOut(step, 0));
  const total = recCount(rec);
  if (total == 0) return Status.Ok;
  const size = recDType(rec) == DTypeCode.bool ? 1 : 4;
  const y = bufferPointer(plan, stepOut(step, 0));
  let status = fusedBegin(plan, step, 0, rec + (<usize>BufferField.Dims << 2), recRank(rec), total, 0, true);
  const tile = fusedTile();
  const done = status == Status.Ok && fusedBlocksReady() ? fusedBlocksRun(total, y) : 0;
  for (let t = done; t < total && status == Status.Ok; t += tile) {
    status = fusedEval(t, min(tile, total - t), y + <usize>t * size);
  }
  return status;
}

// ---- FusedReduce ---------------------------------------------------------------------

/** Rows of 32 levels: a binary counter of partial results, so tiles combine pairwise. */
const CASCADE = memory.data(32 * 4, 16);
const BLOCK_ROWS: i32 = 64;
const BUF: i32 = 0;
const TOTAL: i32 = 1;
const PARTIAL: i32 = 2;

@inline function cascadePush<T, Op>(count: i32, v: T): void {
  const op = changetype<Op>(0);
  let level = 0;
  for (let c = count; c & 1; c >>= 1) {
    v = op.f(load<T>(CASCADE + (<usize>level << 2)), v);
    level++;
  }
  store<T>(CASCADE + (<usize>level << 2), v);
}

@inline function cascadeTotal<T, Op>(count: i32): T {
  const op = changetype<Op>(0);
  let acc = op.init();
  for (let level = 0; count >> level; level++) {
    if ((count >> level) & 1) acc = op.f(load<T>(CASCADE + (<usize>level << 2)), acc);
  }
  return acc;
}

/** inner == 1: each y[o] reduces n contiguous values, pairwise within and across tiles. */
function reduceRows<T, Op>(y: usize, outer: i32, n: i32): i32 {
  const tile = fusedTile();
  const buf = fusedExtraSlot(BUF);
  for (let o = 0; o < outer; o++) {
    let count = 0;
    for (let k = 0; k < n; k += tile) {
      const len = min(tile, n - k);
      const status = fusedEval(o * n + k, len, buf);
      if (status != Status.Ok) return status;
      cascadePush<T, Op>(count++, reducePairwise<T, Op>(buf, len));
    }
    store<T>(y + <usize>o * sizeof<T>(), cascadeTotal<T, Op>(count));
  }
  return Status.Ok;
}

/** Reduces n rows of `width` values starting at element `start` (row stride `inner`) into TOTAL. */
function reduceColumns<T, Op>(start: i32, n: i32, inner: i32, width: i32): i32 {
  const op = changetype<Op>(0);
  const buf = fusedExtraSlot(BUF);
  const total = fusedExtraSlot(TOTAL);
  const partial = fusedExtraSlot(PARTIAL);
  const rows = width == inner ? max(1, fusedTile() / inner) : 1; // whole rows are contiguous
  fillRow<T>(total, op.init(), width);
  fillRow<T>(partial, op.init(), width);
  let pending = 0;
  for (let k = 0; k < n; k += rows) {
    const r = min(rows, n - k);
    const status = fusedEval(start + k * inner, r * width, buf);
    if (status != Status.Ok) return status;
    for (let j = 0; j < r; j++) combineRow<T, Op>(partial, buf + <usize>(j * width) * sizeof<T>(), width);
    pending += r;
    if (pending >= BLOCK_ROWS || k + r == n) { // a block of rows is done: fold it
      combineRow<T, Op>(total, partial, width);
      fillRow<T>(partial, op.init(), width);
      pending = 0;
    }
  }
  return Status.Ok;
}

/** inner > 1: y[o, j] reduces over k; columns in chunks of at most a tile. */
function reduceStrided<T, Op>(y: usize, outer: i32, n: i32, inner: i32): i32 {
  const width = min(inner, fusedTile());
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j += width) {
      const w = min(width, inner - j);
      const status = reduceColumns<T, Op>(o * n * inner + j, n, inner, w);
      if (status != Status.Ok) return status;
      memory.copy(y + <usize>(o * inner + j) * sizeof<T>(), fusedExtraSlot(TOTAL), <usize>w * sizeof<T>());
    }
  }
  return Status.Ok;
}

function reduceWith<T, Op>(y: usize, outer: i32, n: i32, inner: i32): i32 {
  if (n == 0) {
    fillRow<T>(y, changetype<Op>(0).init(), outer * inner);
    return Status.Ok;
  }
  return inner == 1 ? reduceRows<T, Op>(y, outer, n) : reduceStrided<T, Op>(y, outer, n, inner);
}

function reduceNumeric<T>(op: i32, y: usize, outer: i32, n: i32, inner: i32): i32 {
  switch (op) {
    case ReduceOp.Sum: return reduceWith<T, Sum<T>>(y, outer, n, inner);
    case ReduceOp.Mean: {
      const status = reduceWith<T, Sum<T>>(y, outer, n, inner);
      if (status == Status.Ok) meanFinish<T>(y, outer * inner, n);
      return status;
    }
    case ReduceOp.Max: return reduceWith<T, Max<T>>(y, outer, n, inner);
    case ReduceOp.Min: return reduceWith<T, Min<T>>(y, outer, n, inner);
    case ReduceOp.Prod: return reduceWith<T, Prod<T>>(y, outer, n, inner);
  }
  return Status.InvalidPlan;
}

export function fusedReduceKernel(plan: Plan, step: usize): i32 {
  const op = stepAttr(step, 0);
  const rank = stepAttr(step, 1);
  const first = stepAttr(step, 2 + rank);
  const last = stepAttr(step, 3 + rank);
  const outer = fusedReduceSpan(step, 0, first);
  const n = fusedReduceSpan(step, first, last + 1);
  const inner = fusedReduceSpan(step, last + 1, rank);
  const rec = bufferRecord(plan, stepOut(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  if (outer == 0 || inner == 0) return Status.Ok;
  if (n > 0) {
    const dims = step + 16 + (<usize>(stepNumIn(step) + stepNumOut(step) + 2) << 2); // attr 2
    const status = fusedBegin(plan, step, 4 + rank, dims, rank, outer * n * inner, 3, false);
    if (status != Status.Ok) return status;
  }
  const dtype = recDType(rec);
  if (dtype == DTypeCode.float32) return reduceNumeric<f32>(op, y, outer, n, inner);
  if (dtype == DTypeCode.int32) return reduceNumeric<i32>(op, y, outer, n, inner);
  return op == ReduceOp.Any ? reduceWith<u8, Any>(y, outer, n, inner) : reduceWith<u8, All>(y, outer, n, inner);
}
