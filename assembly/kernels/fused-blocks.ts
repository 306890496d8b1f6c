// The Fused kernel's register-block evaluator, for programs that are float32
// throughout, read only full-size (Direct) or one-value (Scalar) inputs and
// have only Unary and Binary instructions (and folded multiply-adds): it runs
// every instruction over one block of BLOCK elements, then the next block,
// and the last instruction writes straight to y. Against the tile loop of
// fused-eval.ts, each instruction is decoded once per run instead of once per
// tile, and the common ops (Add, Sub, Mul, Div, the multiply-add, Tanh,
// Sigmoid) run as the tile path's own row loops inlined here over a block;
// every other op calls the tile path's row function over the block. Either
// way each element goes through the same code, so the bits are the same.
// The elements after the last whole block are left to fusedEval.
//
//   const done = fusedBlocksReady() ? fusedBlocksRun(total, y) : 0; // after fusedBegin
//   for (let t = done; t < total; t += fusedTile()) fusedEval(t, min(fusedTile(), total - t), y + t * 4);
import { BinaryOp, DTypeCode, FusedKind, UnaryOp } from '../generated/plan_format';
import { binaryRow, binaryRows } from './binary';
import { Add, DivF32, Mul, Sub } from './binary-ops';
import {
  DIRECT, GATHER, SCALAR, TILE, fusedInputCount, fusedInstr, fusedReg, fusedRegCount, fusedSlotCount,
} from './fused-eval';
import { mulAddCase } from './fused-muladd';
import { Sigmoid, Tanh, unaryApply, unaryLoop } from './unary';

/**
 * Elements per block: long enough that an instruction's loop hides its
 * dispatch and exit, short enough that every live register stays in L1 beside
 * the input streams. fused_chain over 4M elements, median step (baseline /
 * relaxed SIMD): tiles 10.3 / 8.7 ms; blocks of 64: 11.1 / 9.3, 128: 10.1 /
 * 8.5, 256: 9.8 / 8.3, 512: 10.1 / 8.0.
 */
const BLOCK: i32 = 256;
const MAX_REGS: i32 = 16;
const MAX_INSTRS: i32 = 256;

// What an instruction runs: a loop inlined here, or the tile path's row function.
const UNARY_ROW: i32 = 0;
const TANH: i32 = 1;
const SIGMOID: i32 = 2;
const BINARY_ROW: i32 = 3;
const ADD: i32 = 4;
const SUB: i32 = 5;
const MUL: i32 = 6;
const DIV: i32 = 7;
const MUL_ADD: i32 = 8; // x*c + b (either order: mulAddRows adds in this one)
const MUL_SUB: i32 = 9; // x*c - b
const SUB_MUL: i32 = 10; // b - x*c

/**
 * One instruction over a block. An operand is at `a + start * aMoves` for the
 * block's first element `start`: aMoves is 4 for a Direct input and 0 for a
 * block register or a Scalar's value, which sa (0) marks as one value.
 */
@unmanaged class BlockInstr {
  code: i32;
  op: i32;
  param: f32; // Unary: the op's param (LeakyRelu's alpha); multiply-add: the scalar factor c
  sa: i32;
  sb: i32;
  a: usize; // multiply-add: x
  b: usize;
  aMoves: usize;
  bMoves: usize;
  dst: usize; // a block register, or 0: y
}
const INSTR_BYTES: usize = 40;

const REGS = memory.data(MAX_REGS * BLOCK * 4, 16);
const PROGRAM = memory.data(<i32>INSTR_BYTES * MAX_INSTRS, 16);
let count = 0;

@inline function blockInstr(i: i32): BlockInstr { return changetype<BlockInstr>(PROGRAM + <usize>i * INSTR_BYTES); }

// ---- building the block program ------------------------------------------------------

/** Float32 registers only, no Gather input, a varying result, Unary and Binary instructions, few live registers. */
function blocksPossible(): bool {
  const numIn = fusedInputCount();
  const numRegs = fusedRegCount();
  if (numRegs == numIn || fusedReg(numRegs - 1).mode != TILE) return false;
  if (fusedSlotCount() > MAX_REGS) return false;
  let varying = 0;
  for (let r = 0; r < numRegs; r++) {
    const reg = fusedReg(r);
    if (reg.dtype != DTypeCode.float32 || reg.mode == GATHER) return false;
    if (r < numIn || reg.mode != TILE) continue;
    const kind = fusedInstr(r - numIn, 0);
    if (kind != FusedKind.Unary && kind != FusedKind.Binary) return false;
    varying++;
  }
  return varying <= MAX_INSTRS;
}

/** Points operand `which` (0: a, 1: b) of `out` at register r. */
function operandSet(out: BlockInstr, which: i32, r: i32): void {
  const reg = fusedReg(r);
  let at = reg.mode == SCALAR ? reg.ptr : reg.base;
  if (reg.mode == TILE) at = REGS + <usize>(reg.slot * BLOCK) * 4;
  const moves: usize = reg.mode == DIRECT ? 4 : 0;
  const stride = reg.mode == SCALAR ? 0 : 1;
  if (which == 0) { out.a = at; out.aMoves = moves; out.sa = stride; }
  else { out.b = at; out.bMoves = moves; out.sb = stride; }
}

@inline function unaryCode(op: i32): i32 {
  return op == UnaryOp.Tanh ? TANH : op == UnaryOp.Sigmoid ? SIGMOID : UNARY_ROW;
}

function binaryCode(op: i32): i32 {
  switch (op) {
    case BinaryOp.Add: return ADD;
    case BinaryOp.Sub: return SUB;
    case BinaryOp.Mul: return MUL;
    case BinaryOp.Div: return DIV;
  }
  return BINARY_ROW;
}

/** Add or Sub instruction i with its Folded Mul register m, read as mulAddExecute (fused-eval.ts) reads them. */
function mulAddBuild(out: BlockInstr, i: i32, m: i32): void {
  const numIn = fusedInputCount();
  const scalarFirst = fusedReg(fusedInstr(m - numIn, 3)).mode == SCALAR;
  const left = fusedInstr(i, 3) == m;
  operandSet(out, 0, fusedInstr(m - numIn, scalarFirst ? 4 : 3));
  operandSet(out, 1, fusedInstr(i, left ? 4 : 3));
  out.param = load<f32>(fusedReg(fusedInstr(m - numIn, scalarFirst ? 3 : 4)).ptr);
  out.code = fusedInstr(i, 1) != BinaryOp.Sub ? MUL_ADD : left ? MUL_SUB : SUB_MUL; // as mulAddRows
}

function instrBuild(out: BlockInstr, i: i32, last: bool): void {
  const r = fusedInputCount() + i;
  const reg = fusedReg(r);
  out.op = fusedInstr(i, 1);
  out.dst = last ? 0 : REGS + <usize>(reg.slot * BLOCK) * 4;
  out.sb = 0;
  out.b = 0;
  out.bMoves = 0;
  if (reg.mulOf >= 0) {
    mulAddBuild(out, i, reg.mulOf);
  } else if (fusedInstr(i, 0) == FusedKind.Unary) {
    out.code = unaryCode(out.op);
    out.param = reinterpret<f32>(fusedInstr(i, 5));
    operandSet(out, 0, fusedInstr(i, 3));
  } else {
    out.code = binaryCode(out.op);
    operandSet(out, 0, fusedInstr(i, 3));
    operandSet(out, 1, fusedInstr(i, 4));
  }
}

/**
 * After fusedBegin: builds the block program when the prepared one qualifies;
 * false leaves the whole run to fusedEval.
 */
export function fusedBlocksReady(): bool {
  if (!blocksPossible()) return false;
  const numIn = fusedInputCount();
  const last = fusedRegCount() - 1;
  count = 0;
  for (let r = numIn; r <= last; r++) {
    if (fusedReg(r).mode != TILE) continue; // Scalar: computed once; Folded: inside its reader
    instrBuild(blockInstr(count++), r - numIn, r == last);
  }
  return true;
}

// ---- running it -------------------------------------------------------------------------

/** Instruction `ins` over the block whose first element is `start`, y the block's place in the result. */
function blockExecute(ins: BlockInstr, start: usize, y: usize): void {
  const a = ins.a + start * ins.aMoves;
  const b = ins.b + start * ins.bMoves;
  const dst = ins.dst ? ins.dst : y;
  switch (ins.code) {
    case TANH: { unaryLoop<f32, Tanh>(a, dst, BLOCK); break; }
    case SIGMOID: { unaryLoop<f32, Sigmoid>(a, dst, BLOCK); break; }
    case ADD: { binaryRow<f32, f32, Add<f32>>(a, ins.sa, b, ins.sb, dst, BLOCK); break; }
    case SUB: { binaryRow<f32, f32, Sub<f32>>(a, ins.sa, b, ins.sb, dst, BLOCK); break; }
    case MUL: { binaryRow<f32, f32, Mul<f32>>(a, ins.sa, b, ins.sb, dst, BLOCK); break; }
    case DIV: { binaryRow<f32, f32, DivF32>(a, ins.sa, b, ins.sb, dst, BLOCK); break; }
    case MUL_ADD: { mulAddCase(a, ins.param, b, ins.sb, dst, BLOCK, false, true); break; }
    case MUL_SUB: { mulAddCase(a, ins.param, b, ins.sb, dst, BLOCK, true, true); break; }
    case SUB_MUL: { mulAddCase(a, ins.param, b, ins.sb, dst, BLOCK, true, false); break; }
    case UNARY_ROW: { unaryApply(ins.op, DTypeCode.float32, a, dst, BLOCK, ins.param); break; }
    default: binaryRows(ins.op, DTypeCode.float32, a, ins.sa, b, ins.sb, dst, BLOCK);
  }
}

/** Runs the block program over the whole blocks of [0, total) into y (float32); returns how many elements it did. */
export function fusedBlocksRun(total: i32, y: usize): i32 {
  const blocks = total / BLOCK;
  for (let k = 0; k < blocks; k++) {
    const start = <usize>(k * BLOCK);
    const out = y + (start << 2);
    for (let i = 0; i < count; i++) blockExecute(blockInstr(i), start, out);
  }
  return blocks * BLOCK;
}
