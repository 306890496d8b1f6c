// numpy broadcasting as rows: the output shape with each operand's element
// strides (0 along broadcast dims), size-1 dims dropped and adjacent dims
// merged when every operand allows, so the inner loop is as long as possible.
// After collapsing, every operand's innermost stride is 0 or 1.
//
//   broadcastInit(plan, out);
//   broadcastOperand(plan, 0, a); broadcastOperand(plan, 1, b);
//   broadcastCollapse(2);
//   for (let r = 0; r < broadcastRows(); r++) {
//     const ai = broadcastOffset(0, r); // element offset of a's row start
//     ... broadcastInner() elements, a's stride broadcastInnerStride(0)
//   }
// The state is module-global scratch: the module is single-threaded and a
// kernel finishes one broadcast before starting another.
import { MAX_RANK } from '../generated/plan_format';
import { Plan, bufferRecord, recDim, recRank } from '../plan';

const MAX_OPERANDS: i32 = 3;
const DIMS = memory.data(MAX_RANK * 4, 16);
const STRIDES = memory.data(MAX_OPERANDS * MAX_RANK * 4, 16);
let rank: i32 = 0;

@inline function dimAt(i: i32): i32 { return load<i32>(DIMS + (<usize>i << 2)); }
@inline function setDim(i: i32, d: i32): void { store<i32>(DIMS + (<usize>i << 2), d); }
@inline function strideAt(k: i32, i: i32): i32 {
  return load<i32>(STRIDES + (<usize>(k * MAX_RANK + i) << 2));
}
@inline function setStride(k: i32, i: i32, s: i32): void {
  store<i32>(STRIDES + (<usize>(k * MAX_RANK + i) << 2), s);
}

/** Starts a broadcast over the shape of buffer `out`. */
export function broadcastInit(plan: Plan, out: i32): void {
  const rec = bufferRecord(plan, out);
  rank = recRank(rec);
  for (let i = 0; i < rank; i++) setDim(i, recDim(rec, i));
}

/** Sets operand k's strides from buffer `id`, right-aligned against the output. */
export function broadcastOperand(plan: Plan, k: i32, id: i32): void {
  const rec = bufferRecord(plan, id);
  const lead = rank - recRank(rec);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = i >= lead ? recDim(rec, i - lead) : 1;
    setStride(k, i, d == 1 ? 0 : stride);
    stride *= d;
  }
}

function moveDim(from: i32, to: i32, operands: i32): void {
  setDim(to, dimAt(from));
  for (let k = 0; k < operands; k++) setStride(k, to, strideAt(k, from));
}

/** Dim `i` folds into the kept dim `p` before it when every operand's strides line up. */
function mergeable(p: i32, i: i32, operands: i32): bool {
  for (let k = 0; k < operands; k++) {
    if (strideAt(k, p) != strideAt(k, i) * dimAt(i)) return false;
  }
  return true;
}

/** Drops size-1 dims and merges contiguous ones. */
export function broadcastCollapse(operands: i32): void {
  let kept = 0;
  for (let i = 0; i < rank; i++) {
    if (dimAt(i) == 1) continue;
    if (kept > 0 && mergeable(kept - 1, i, operands)) {
      setDim(kept - 1, dimAt(kept - 1) * dimAt(i));
      for (let k = 0; k < operands; k++) setStride(k, kept - 1, strideAt(k, i));
    } else {
      moveDim(i, kept++, operands);
    }
  }
  rank = kept;
}

/** Elements per row (the innermost collapsed dim). */
export function broadcastInner(): i32 {
  return rank == 0 ? 1 : dimAt(rank - 1);
}

export function broadcastInnerStride(k: i32): i32 {
  return rank == 0 ? 0 : strideAt(k, rank - 1);
}

export function broadcastRows(): i32 {
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= dimAt(i);
  return rows;
}

/** Element offset of operand k at the start of row `row`. */
export function broadcastOffset(k: i32, row: i32): i32 {
  let offset = 0;
  for (let i = rank - 2; i >= 0; i--) {
    const d = dimAt(i);
    offset += (row % d) * strideAt(k, i);
    row /= d;
  }
  return offset;
}
