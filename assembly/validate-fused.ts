// Load-time checks of the Fused, FusedReduce and Softmax steps: the program's
// registers are defined before use and in range, every instruction's dtypes
// follow the Unary / Binary / Select / Cast rules, the last register has the
// output's dtype, and the inputs broadcast to the evaluated shape.
//
//   case Kernel.Fused: return fusedValid(plan, step);
import {
  BufferField, DTypeCode, FUSED_INSTR_WORDS, FusedKind, MAX_RANK, ReduceOp, Region,
} from './generated/plan_format';
import {
  Plan, bufferRecord, dtypeSize, recBytes, recCount, recDType, recDim, recOffset, recRank, recRegion,
  stepAttr, stepIn, stepNumAttr, stepNumIn, stepNumOut, stepOut,
} from './plan';
import { binaryValid, unaryValid } from './validate-ops';

/** Bounds the program so register tables stay small. */
export const MAX_INSTRUCTIONS: i32 = 4096;

@inline function word(step: usize, at: i32, i: i32, field: i32): i32 {
  return stepAttr(step, at + 1 + i * FUSED_INSTR_WORDS + field);
}

/** dtype of register r: an input buffer's, or the defining instruction's. */
export function registerDType(plan: Plan, step: usize, at: i32, r: i32): i32 {
  const k = stepNumIn(step);
  return r < k ? recDType(bufferRecord(plan, stepIn(step, r))) : word(step, at, r - k, 2);
}

function instructionValid(plan: Plan, step: usize, at: i32, i: i32): bool {
  const defined = stepNumIn(step) + i;
  const kind = word(step, at, i, 0);
  const op = word(step, at, i, 1);
  const dtype = word(step, at, i, 2);
  const a = word(step, at, i, 3);
  const b = word(step, at, i, 4);
  const c = word(step, at, i, 5);
  if (dtypeSize(dtype) == 0) return false;
  if (kind == FusedKind.Const) return true;
  if (a < 0 || a >= defined) return false;
  const da = registerDType(plan, step, at, a);
  if (kind == FusedKind.Unary) return da == dtype && unaryValid(op, dtype);
  if (kind == FusedKind.Cast) return true;
  if (b < 0 || b >= defined) return false;
  const db = registerDType(plan, step, at, b);
  if (kind == FusedKind.Binary) return da == db && binaryValid(op, da, dtype);
  if (kind != FusedKind.Select || c < 0 || c >= defined) return false;
  return da == DTypeCode.bool && db == dtype && registerDType(plan, step, at, c) == dtype;
}

/** The program at attr `at` (nInstr, then the instructions) fills the rest of the attrs. */
function programValid(plan: Plan, step: usize, at: i32, outDType: i32): bool {
  const n = stepAttr(step, at);
  if (n < 0 || n > MAX_INSTRUCTIONS || stepNumAttr(step) != at + 1 + n * FUSED_INSTR_WORDS) return false;
  const registers = stepNumIn(step) + n;
  if (registers == 0) return false;
  for (let i = 0; i < n; i++) if (!instructionValid(plan, step, at, i)) return false;
  return registerDType(plan, step, at, registers - 1) == outDType;
}

/** numpy broadcasting of buffer `id` against the `rank` i32 dims at `dims` (a record's or attrs). */
function broadcastsToDims(plan: Plan, id: i32, dims: usize, rank: i32): bool {
  const ri = bufferRecord(plan, id);
  const rankIn = recRank(ri);
  if (rankIn > rank) return false;
  for (let k = 1; k <= rankIn; k++) {
    const d = recDim(ri, rankIn - k);
    if (d != 1 && d != load<i32>(dims + (<usize>(rank - k) << 2))) return false;
  }
  return true;
}

function inputsBroadcast(plan: Plan, step: usize, dims: usize, rank: i32): bool {
  for (let i = 0, n = stepNumIn(step); i < n; i++) {
    if (!broadcastsToDims(plan, stepIn(step, i), dims, rank)) return false;
  }
  return true;
}

/**
 * aliasingValid allows an input to share y's exact byte range; the tiled
 * evaluation is safe with that only when the input is y's very elements.
 */
function inPlaceValid(plan: Plan, step: usize): bool {
  const ry = bufferRecord(plan, stepOut(step, 0));
  for (let i = 0, n = stepNumIn(step); i < n; i++) {
    const rx = bufferRecord(plan, stepIn(step, i));
    const same = recRegion(rx) == Region.Arena && recOffset(rx) == recOffset(ry) && recBytes(rx) == recBytes(ry);
    if (same && recBytes(rx) > 0 && recCount(rx) != recCount(ry)) return false;
  }
  return true;
}

/** Fused: in[x...] out[y] attr[nInstr, instr...]. */
export function fusedValid(plan: Plan, step: usize): bool {
  if (stepNumOut(step) != 1 || stepNumAttr(step) < 1) return false;
  const y = bufferRecord(plan, stepOut(step, 0));
  if (!programValid(plan, step, 0, recDType(y))) return false;
  const dims = y + (<usize>BufferField.Dims << 2);
  return inputsBroadcast(plan, step, dims, recRank(y)) && inPlaceValid(plan, step);
}

/** The reduced view [outer, n, inner] of FusedReduce's dims, or false when they overflow. */
function reduceDimsValid(step: usize, rank: i32, first: i32, last: i32): bool {
  if (rank < 1 || rank > MAX_RANK || first < 0 || first > last || last >= rank) return false;
  let total: i64 = 1;
  for (let k = 0; k < rank; k++) {
    const d = stepAttr(step, 2 + k);
    if (d < 0) return false;
    if (d > 0) total *= <i64>d; // nonzero dims alone must fit, so every sub-product does
    if (total > 0x7FFFFFFF) return false;
  }
  return true;
}

/** Product of FusedReduce dims [from, to). */
export function fusedReduceSpan(step: usize, from: i32, to: i32): i32 {
  let p = 1;
  for (let k = from; k < to; k++) p *= stepAttr(step, 2 + k);
  return p;
}

function reduceOpValid(op: i32, dtype: i32): bool {
  if (op >= ReduceOp.Sum && op <= ReduceOp.Prod) return dtype == DTypeCode.float32 || dtype == DTypeCode.int32;
  return (op == ReduceOp.Any || op == ReduceOp.All) && dtype == DTypeCode.bool;
}

/** FusedReduce: in[x...] out[y] attr[op, rank, dims[rank], first, last, nInstr, instr...]. */
export function fusedReduceValid(plan: Plan, step: usize): bool {
  if (stepNumOut(step) != 1 || stepNumAttr(step) < 2) return false;
  const rank = stepAttr(step, 1);
  if (rank < 1 || rank > MAX_RANK || stepNumAttr(step) < 5 + rank) return false;
  const first = stepAttr(step, 2 + rank);
  const last = stepAttr(step, 3 + rank);
  if (!reduceDimsValid(step, rank, first, last)) return false;
  const y = bufferRecord(plan, stepOut(step, 0));
  if (!reduceOpValid(stepAttr(step, 0), recDType(y))) return false;
  if (fusedReduceSpan(step, 0, first) * fusedReduceSpan(step, last + 1, rank) != recCount(y)) return false;
  if (!programValid(plan, step, 4 + rank, recDType(y))) return false;
  const dims = step + 16 + (<usize>(stepNumIn(step) + stepNumOut(step) + 2) << 2); // attr 2
  return inputsBroadcast(plan, step, dims, rank);
}

/** Softmax: in[x] out[y] attr[rows, cols, log], float32, same element count. */
export function softmaxValid(plan: Plan, step: usize): bool {
  if (stepNumIn(step) != 1 || stepNumOut(step) != 1 || stepNumAttr(step) != 3) return false;
  const rx = bufferRecord(plan, stepIn(step, 0));
  const ry = bufferRecord(plan, stepOut(step, 0));
  if (recDType(rx) != DTypeCode.float32 || recDType(ry) != DTypeCode.float32) return false;
  const rows = <i64>stepAttr(step, 0);
  const cols = <i64>stepAttr(step, 1);
  const log = stepAttr(step, 2);
  if (rows < 0 || cols < 0 || (log != 0 && log != 1)) return false;
  return rows * cols == <i64>recCount(rx) && recCount(rx) == recCount(ry);
}
