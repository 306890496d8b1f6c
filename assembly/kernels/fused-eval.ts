// The Fused program interpreter shared by Fused and FusedReduce: registers are
// tiles of a few hundred elements, so a program of any length streams its
// inputs once and keeps intermediates in L1. Each instruction runs the same
// row functions as the Unary / Binary / Select / Cast kernels.
//
//   fusedBegin(plan, step, programAttr, dims, rank, total, 0, true); // per run
//   for (let t = 0; t < total; t += fusedTile()) fusedEval(t, min(tile, total - t), dst);
//
// Registers by how they are read:
//   Direct  a full-size input, read in place
//   Scalar  one value (scalar inputs, Const, instructions of scalars only),
//           computed once per run and read with stride 0
//   Gather  a broadcast input copied into its tile by runs
//   Tile    an instruction's result, recomputed per tile
//   Folded  a Mul by a scalar computed inside its only reader (fused-muladd.ts)
// The state is module-global: the module is single-threaded and one step
// finishes before the next starts.
import { BinaryOp, DTypeCode, FUSED_INSTR_WORDS, FusedKind, MAX_RANK, Status } from '../generated/plan_format';
import { sf_alloc, sf_free } from '../allocator';
import { fail } from '../status';
import {
  Plan, bufferPointer, bufferRecord, dtypeSize, recCount, recDType, recDim, recRank, stepAttr, stepIn,
  stepNumIn, stepNumOut,
} from '../plan';
import { binaryCheck, binaryRows } from './binary';
import { castApply, selectRow } from './elementwise';
import { mulAddRows } from './fused-muladd';
import { unaryApply } from './unary';

export const DIRECT: i32 = 0;
export const SCALAR: i32 = 1;
export const GATHER: i32 = 2;
export const TILE: i32 = 3;
export const FOLDED: i32 = 4;

/** Per register: where this tile's values are, how to step through them, and the scalar value. */
@unmanaged export class Reg {
  ptr: usize;
  base: usize; // Direct and Gather: the buffer; Tile: its slot
  mode: i32;
  dtype: i32;
  value: u32;
  slot: i32; // Gather and Tile: index of the scratch tile holding it
  lastUse: i32; // Tile: the last instruction that reads it
  uses: i32; // how many Tile instructions read it
  mulOf: i32; // Tile Add or Sub: the Folded Mul register it computes too, else -1
}
const REG_BYTES: usize = 48;

/**
 * Tile length: what fits a ~24 KiB L1 budget across the scratch tiles, at
 * most TILE_MAX. Tile registers share tiles by liveness, so most programs need
 * only a few and get the cap. A Fused step, which streams its inputs once,
 * caps at TILE_STREAM: the hardware prefetcher runs a few KiB ahead of a
 * stream, so with 2 KiB tiles an input's next lines arrive while a
 * transcendental pass computes (fused_chain at 4M elements: ~11.8 ms with
 * 2048-element tiles, ~10.5 ms with 512). Reductions keep long tiles: their
 * column chunks are tile-wide.
 */
const L1_BUDGET: i32 = 24 << 10;
const TILE_MIN: i32 = 64;
const TILE_MAX: i32 = 2048;
const TILE_STREAM: i32 = 512;

/** Collapsed dims and element strides of each Gather input (at most 64 inputs). */
const MAX_INPUTS: i32 = 64;
const GATHER_DIMS = memory.data(MAX_INPUTS * MAX_RANK * 4, 16);
const GATHER_STRIDES = memory.data(MAX_INPUTS * MAX_RANK * 4, 16);
const GATHER_RANK = memory.data(MAX_INPUTS * 4, 16);
const COORDS = memory.data(MAX_RANK * 4, 16);

let scratch: usize = 0;
let scratchBytes: usize = 0;
let regs: usize = 0;
let tiles: usize = 0;
let tile: i32 = 0;
let numIn: i32 = 0;
let numRegs: i32 = 0;
let numSlots: i32 = 0;
let program: usize = 0;
let planStep: usize = 0;

@inline function reg(r: i32): Reg { return changetype<Reg>(regs + <usize>r * REG_BYTES); }
@inline function slot(i: i32): usize { return tiles + <usize>i * <usize>tile * 4; }
@inline function instr(i: i32, field: i32): i32 {
  return load<i32>(program + (<usize>(i * FUSED_INSTR_WORDS + field) << 2));
}
@inline function stride(r: i32): i32 { return reg(r).mode == SCALAR ? 0 : 1; }

export function fusedTile(): i32 { return tile; }

// The prepared program, read by the register-block evaluator (fused-blocks.ts).
export function fusedInputCount(): i32 { return numIn; }
export function fusedRegCount(): i32 { return numRegs; }
export function fusedSlotCount(): i32 { return numSlots; }
export function fusedReg(r: i32): Reg { return reg(r); }
export function fusedInstr(i: i32, field: i32): i32 { return instr(i, field); }

/** Scratch tile `i` of the `extra` ones fusedBegin reserved after the registers'. */
export function fusedExtraSlot(i: i32): usize { return slot(numSlots + i); }

/** Grows the module's register scratch (keeping its contents); it is reused by every later run. */
function scratchReserve(bytes: usize): bool {
  if (bytes <= scratchBytes) return true;
  const p = sf_alloc(bytes);
  if (!p) return false;
  if (scratch) memory.copy(p, scratch, scratchBytes);
  sf_free(scratch);
  scratch = p;
  scratchBytes = bytes;
  return true;
}

// ---- inputs ------------------------------------------------------------------------

@inline function gatherWord(table: usize, k: i32, i: i32): usize {
  return table + (<usize>(k * MAX_RANK + i) << 2);
}

/** Input k's strides against dims (0 where broadcast), size-1 dims dropped, contiguous dims merged. */
function gatherSetup(plan: Plan, k: i32, id: i32, dims: usize, rank: i32): void {
  const rec = bufferRecord(plan, id);
  const lead = rank - recRank(rec);
  let step = 1;
  let kept = 0;
  for (let i = rank - 1; i >= 0; i--) {
    const d = load<i32>(dims + (<usize>i << 2));
    const din = i >= lead ? recDim(rec, i - lead) : 1;
    const s = din == 1 ? 0 : step;
    step *= din;
    if (d == 1) continue;
    const prev = kept - 1; // innermost-first while building
    if (kept > 0 && load<i32>(gatherWord(GATHER_STRIDES, k, prev)) * load<i32>(gatherWord(GATHER_DIMS, k, prev)) == s) {
      store<i32>(gatherWord(GATHER_DIMS, k, prev), load<i32>(gatherWord(GATHER_DIMS, k, prev)) * d);
      continue;
    }
    store<i32>(gatherWord(GATHER_DIMS, k, kept), d);
    store<i32>(gatherWord(GATHER_STRIDES, k, kept), s);
    kept++;
  }
  store<i32>(GATHER_RANK + (<usize>k << 2), kept);
}

function inputSetup(plan: Plan, k: i32, total: i32, dims: usize, rank: i32): void {
  const id = stepIn(planStep, k);
  const rec = bufferRecord(plan, id);
  const r = reg(k);
  r.dtype = recDType(rec);
  r.base = bufferPointer(plan, id);
  const count = recCount(rec);
  if (count == 1) {
    r.mode = SCALAR;
    r.value = r.dtype == DTypeCode.bool ? <u32>(load<u8>(r.base) != 0) : load<u32>(r.base);
    r.ptr = changetype<usize>(r) + offsetof<Reg>('value');
  } else if (count == total) {
    r.mode = DIRECT;
  } else {
    r.mode = GATHER;
    gatherSetup(plan, k, id, dims, rank);
  }
}

/** Fills n elements at dst with the one at src. */
function splatElements(dst: usize, src: usize, n: i32, size: usize): void {
  if (size == 1) { memory.fill(dst, load<u8>(src), <usize>n); return; }
  const v = load<u32>(src);
  for (let i = 0; i < n; i++) store<u32>(dst + (<usize>i << 2), v);
}

/** Copies gather input k's elements [t0, t0 + len) of the broadcast into its tile, by runs. */
function gatherTile(k: i32, t0: i32, len: i32): void {
  const r = reg(k);
  const size = <usize>dtypeSize(r.dtype);
  const rank = load<i32>(GATHER_RANK + (<usize>k << 2)); // innermost first
  let rem = t0;
  let offset = 0;
  for (let i = 0; i < rank; i++) {
    const d = load<i32>(gatherWord(GATHER_DIMS, k, i));
    const c = rem % d;
    rem /= d;
    store<i32>(COORDS + (<usize>i << 2), c);
    offset += c * load<i32>(gatherWord(GATHER_STRIDES, k, i));
  }
  const inner = load<i32>(gatherWord(GATHER_DIMS, k, 0));
  const s = load<i32>(gatherWord(GATHER_STRIDES, k, 0));
  for (let done = 0; done < len;) {
    const c = load<i32>(COORDS);
    const run = min(inner - c, len - done);
    const dst = r.ptr + <usize>done * size;
    if (s) memory.copy(dst, r.base + <usize>offset * size, <usize>run * size);
    else splatElements(dst, r.base + <usize>offset * size, run, size);
    done += run;
    offset += run * s;
    if (c + run < inner) store<i32>(COORDS, c + run);
    else offset = gatherCarry(k, rank, offset - inner * s);
  }
}

/** Moves to the next row of the outer dims (odometer); returns the new element offset. */
function gatherCarry(k: i32, rank: i32, offset: i32): i32 {
  store<i32>(COORDS, 0);
  for (let i = 1; i < rank; i++) {
    const at = COORDS + (<usize>i << 2);
    const d = load<i32>(gatherWord(GATHER_DIMS, k, i));
    const s = load<i32>(gatherWord(GATHER_STRIDES, k, i));
    const c = load<i32>(at) + 1;
    if (c < d) { store<i32>(at, c); return offset + s; }
    store<i32>(at, 0);
    offset -= (d - 1) * s;
  }
  return offset;
}

// ---- instructions ------------------------------------------------------------------

/** Runs instruction i over n elements into dst; a Status (int32 division and power). */
function execute(i: i32, n: i32, dst: usize): i32 {
  if (reg(numIn + i).mulOf >= 0) {
    mulAddExecute(i, reg(numIn + i).mulOf, n, dst);
    return Status.Ok;
  }
  const kind = instr(i, 0);
  const op = instr(i, 1);
  const a = instr(i, 3);
  const b = instr(i, 4);
  const c = instr(i, 5);
  if (kind == FusedKind.Unary) {
    unaryApply(op, reg(a).dtype, reg(a).ptr, dst, n, reinterpret<f32>(c));
  } else if (kind == FusedKind.Binary) {
    const status = binaryCheck(op, reg(a).dtype, reg(b).ptr, stride(b) ? n : 1);
    if (status != Status.Ok) return status;
    binaryRows(op, reg(a).dtype, reg(a).ptr, stride(a), reg(b).ptr, stride(b), dst, n);
  } else if (kind == FusedKind.Select) {
    selectRow(instr(i, 2), reg(a).ptr, stride(a), reg(b).ptr, stride(b), reg(c).ptr, stride(c), dst, n);
  } else if (kind == FusedKind.Cast) {
    castApply(reg(a).dtype, instr(i, 2), reg(a).ptr, dst, n);
  }
  return Status.Ok;
}

/** Consts and instructions over scalars become Scalar registers, computed here once. */
function instructionSetup(i: i32): i32 {
  const r = reg(numIn + i);
  const kind = instr(i, 0);
  r.mulOf = -1; // before execute() below: scratch still holds the last program's folds
  r.dtype = instr(i, 2);
  r.ptr = changetype<usize>(r) + offsetof<Reg>('value');
  if (kind == FusedKind.Const) {
    r.mode = SCALAR;
    r.value = r.dtype == DTypeCode.bool ? <u32>(instr(i, 3) != 0) : <u32>instr(i, 3);
    return Status.Ok;
  }
  let scalar = stride(instr(i, 3)) == 0;
  if (kind == FusedKind.Binary || kind == FusedKind.Select) scalar = scalar && stride(instr(i, 4)) == 0;
  if (kind == FusedKind.Select) scalar = scalar && stride(instr(i, 5)) == 0;
  if (!scalar) {
    r.mode = TILE;
    return Status.Ok;
  }
  r.mode = SCALAR;
  return execute(i, 1, r.ptr);
}

// ---- multiply-add folding ----------------------------------------------------------

@inline function isF32Binary(i: i32, op: i32): bool {
  return instr(i, 0) == FusedKind.Binary && instr(i, 1) == op && instr(i, 2) == DTypeCode.float32;
}

/** Register r is a Tile float32 Mul of a register by a scalar, read by one instruction. */
function foldableMul(r: i32): bool {
  if (r < numIn || reg(r).mode != TILE || reg(r).uses != 1 || !isF32Binary(r - numIn, BinaryOp.Mul)) return false;
  return (stride(instr(r - numIn, 3)) == 0) != (stride(instr(r - numIn, 4)) == 0);
}

/** Marks each Tile Add or Sub with a foldable Mul operand to compute it (mulOf), the Mul as Folded. */
function mulAddsFold(): void {
  const n = numRegs - numIn;
  for (let r = 0; r < numRegs; r++) { reg(r).uses = 0; reg(r).mulOf = -1; }
  for (let i = 0; i < n; i++) {
    if (reg(numIn + i).mode != TILE) continue;
    for (let f = 0, m = operandCount(instr(i, 0)); f < m; f++) reg(instr(i, 3 + f)).uses++;
  }
  for (let i = 0; i < n; i++) {
    if (reg(numIn + i).mode != TILE || !(isF32Binary(i, BinaryOp.Add) || isF32Binary(i, BinaryOp.Sub))) continue;
    const m = foldableMul(instr(i, 3)) ? instr(i, 3) : foldableMul(instr(i, 4)) ? instr(i, 4) : -1;
    if (m < 0) continue;
    reg(numIn + i).mulOf = m;
    reg(m).mode = FOLDED;
  }
}

/** Runs Add/Sub instruction i with its Folded Mul register m over n elements into dst. */
function mulAddExecute(i: i32, m: i32, n: i32, dst: usize): void {
  const scalarFirst = stride(instr(m - numIn, 3)) == 0;
  const x = reg(instr(m - numIn, scalarFirst ? 4 : 3)).ptr;
  const c = load<f32>(reg(instr(m - numIn, scalarFirst ? 3 : 4)).ptr);
  const left = instr(i, 3) == m;
  const b = instr(i, left ? 4 : 3);
  mulAddRows(instr(i, 1), left, x, c, reg(b).ptr, stride(b), dst, n);
}

// ---- scratch tiles -----------------------------------------------------------------

/** How many registers an instruction of `kind` reads (fields a, b, c in order). */
@inline function operandCount(kind: i32): i32 {
  if (kind == FusedKind.Const) return 0;
  if (kind == FusedKind.Binary) return 2;
  return kind == FusedKind.Select ? 3 : 1;
}

/**
 * Gives each Gather input and Tile register (but the result, which goes to
 * dst) a scratch tile, reusing the tile of a register once its last reader
 * has run; an instruction never writes a tile one of its inputs is in (Cast
 * changes element size, so in place is not safe for every kind). `busy` has
 * room for one word per register. Returns the number of tiles.
 */
function slotsAssign(busy: usize): i32 {
  for (let r = 0; r < numRegs; r++) reg(r).lastUse = -1;
  for (let i = 0, n = numRegs - numIn; i < n; i++) {
    if (reg(numIn + i).mode != TILE) continue;
    for (let f = 0, m = operandCount(instr(i, 0)); f < m; f++) {
      const r = instr(i, 3 + f);
      reg(r).lastUse = i;
      if (reg(r).mode == FOLDED) { // its operands are read here instead
        reg(instr(r - numIn, 3)).lastUse = i;
        reg(instr(r - numIn, 4)).lastUse = i;
      }
    }
  }
  let count = 0;
  for (let k = 0; k < numIn; k++) {
    if (reg(k).mode != GATHER) continue;
    store<i32>(busy + (<usize>count << 2), i32.MAX_VALUE);
    reg(k).slot = count++;
  }
  for (let i = 0, n = numRegs - numIn; i < n - 1; i++) {
    const r = reg(numIn + i);
    if (r.mode != TILE) continue;
    let s = 0;
    while (s < count && load<i32>(busy + (<usize>s << 2)) >= i) s++;
    if (s == count) count++;
    store<i32>(busy + (<usize>s << 2), r.lastUse);
    r.slot = s;
  }
  return count;
}

/** Points registers at their tiles and Scalar ones at their own value, once scratch has its final place. */
function regsPlace(): void {
  for (let k = 0; k < numRegs; k++) {
    const r = reg(k);
    if (r.mode == SCALAR) r.ptr = changetype<usize>(r) + offsetof<Reg>('value');
    else if (r.mode == GATHER) r.ptr = slot(r.slot);
    else if (r.mode == TILE) r.base = slot(r.slot);
  }
}

// ---- per run and per tile ---------------------------------------------------------------

/**
 * Prepares a run of the program at attr `at` of `step` over the virtual shape
 * `dims` (rank dims, total elements > 0), with `extra` spare tiles for the
 * caller; `streaming` (a Fused step) caps tiles at TILE_STREAM. Returns a
 * Status: OutOfMemory, or an error of a scalar instruction.
 */
export function fusedBegin(plan: Plan, step: usize, at: i32, dims: usize, rank: i32, total: i32, extra: i32, streaming: bool): i32 {
  planStep = step;
  numIn = stepNumIn(step);
  const numInstr = stepAttr(step, at);
  numRegs = numIn + numInstr;
  program = step + 16 + (<usize>(numIn + stepNumOut(step) + at + 1) << 2);
  const regBytes = (<usize>numRegs * REG_BYTES + 63) & ~63;
  if (!scratchReserve(regBytes + (<usize>numRegs << 2))) return fail(Status.OutOfMemory, <i32>min(regBytes, 0x7FFFFFFF));
  regs = scratch;
  for (let k = 0; k < numIn; k++) inputSetup(plan, k, total, dims, rank);
  for (let i = 0; i < numInstr; i++) {
    const status = instructionSetup(i);
    if (status != Status.Ok) return status;
  }
  mulAddsFold();
  numSlots = slotsAssign(scratch + regBytes);
  const count = numSlots + extra;
  tile = min(streaming ? TILE_STREAM : TILE_MAX, max(TILE_MIN, (L1_BUDGET / 4 / max(1, count)) & ~15));
  const bytes = regBytes + <usize>count * <usize>tile * 4;
  if (!scratchReserve(bytes)) return fail(Status.OutOfMemory, <i32>min(bytes, 0x7FFFFFFF));
  regs = scratch;
  tiles = scratch + regBytes;
  regsPlace();
  return Status.Ok;
}

/** Evaluates elements [t0, t0 + len) (len <= fusedTile()) of the result into dst. */
export function fusedEval(t0: i32, len: i32, dst: usize): i32 {
  for (let k = 0; k < numIn; k++) {
    const r = reg(k);
    if (r.mode == DIRECT) r.ptr = r.base + <usize>t0 * <usize>dtypeSize(r.dtype);
    else if (r.mode == GATHER) gatherTile(k, t0, len);
  }
  const last = numRegs - 1;
  for (let i = 0, n = numRegs - numIn; i < n; i++) {
    const r = reg(numIn + i);
    if (r.mode != TILE) continue;
    r.ptr = numIn + i == last ? dst : r.base;
    const status = execute(i, len, r.ptr);
    if (status != Status.Ok) return status;
  }
  const result = reg(last);
  const size = <usize>dtypeSize(result.dtype);
  if (result.mode == SCALAR) splatElements(dst, result.ptr, len, size);
  else if (result.ptr != dst) memory.copy(dst, result.ptr, <usize>len * size);
  return Status.Ok;
}
