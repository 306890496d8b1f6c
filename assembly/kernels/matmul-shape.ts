// MatMul operand shapes: a [M, K] ([K, M] when transA), b [K, N] ([N, K] when
// transB), c [M, N], optional bias [N]; float32 or int32 throughout.
// attr[transA, transB, activation(, param, bVar)]: with bVar >= 0, b is that
// var-table entry's storage read as [K, N] ([N, K] when transB) whatever its
// rank (a conv filter [kh, kw, cin, N] is [kh*kw*cin, N]), so only its element
// count must be K*N; the inputs are then [a(, bias)].
//
//   const m = matmulM(plan, step); // rows of c
import { DTypeCode, UnaryOp } from '../generated/plan_format';
import {
  Plan, bufferRecord, recDType, recDim, recRank, stepAttr, stepIn, stepNumAttr, stepNumIn,
  stepNumOut, stepOut, varCount, varDType, varRecord,
} from '../plan';
import { unaryValid } from '../validate-ops';
import { packedBBytes64 } from './matmul-pack';

@inline export function matmulTransA(step: usize): bool { return stepAttr(step, 0) != 0; }
@inline export function matmulTransB(step: usize): bool { return stepAttr(step, 1) != 0; }
@inline export function matmulActivation(step: usize): i32 { return stepAttr(step, 2); }
/** The activation's parameter (float32 bits); 0 in the three-attr form. */
@inline export function matmulParam(step: usize): i32 { return stepNumAttr(step) == 5 ? stepAttr(step, 3) : 0; }
/** The var-table index holding b, or -1 when b is input 1. */
@inline export function matmulBVar(step: usize): i32 { return stepNumAttr(step) == 5 ? stepAttr(step, 4) : -1; }

/** The bias buffer id, or -1 without a bias. */
export function matmulBias(step: usize): i32 {
  const at = matmulBVar(step) >= 0 ? 1 : 2;
  return stepNumIn(step) > at ? stepIn(step, at) : -1;
}

export function matmulM(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepOut(step, 0)), 0);
}
export function matmulN(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepOut(step, 0)), 1);
}
export function matmulK(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepIn(step, 0)), matmulTransA(step) ? 0 : 1);
}

/** b is op(b) [K, N]: its buffer's dims, or a variable of K*N elements of any rank. */
function bShapeValid(plan: Plan, step: usize, k: i32, n: i32): bool {
  // A packed B (cached for a variable or constant) is sized in 32 bits: it must fit,
  // however few columns (N = 1 pads every k row to a whole strip).
  if (packedBBytes64(k, n) > <i64>I32.MAX_VALUE) return false;
  const v = matmulBVar(step);
  if (v >= 0) return <i64>varCount(varRecord(plan, v)) == <i64>k * <i64>n;
  const b = bufferRecord(plan, stepIn(step, 1));
  const transB = matmulTransB(step);
  return recDim(b, transB ? 1 : 0) == k && recDim(b, transB ? 0 : 1) == n;
}

function bVarDTypeValid(plan: Plan, step: usize, dtype: i32): bool {
  const v = matmulBVar(step);
  return v < 0 || varDType(varRecord(plan, v)) == dtype; // a buffer b is checked with the other inputs
}

function operandsValid(plan: Plan, step: usize): bool {
  const dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
  if (dtype != DTypeCode.float32 && dtype != DTypeCode.int32) return false;
  const biasAt = matmulBVar(step) >= 0 ? 1 : 2;
  for (let i = 0, n = stepNumIn(step); i < n; i++) {
    const rec = bufferRecord(plan, stepIn(step, i));
    if (recDType(rec) != dtype || recRank(rec) != (i == biasAt ? 1 : 2)) return false;
  }
  return recRank(bufferRecord(plan, stepOut(step, 0))) == 2 && bVarDTypeValid(plan, step, dtype);
}

function shapesValid(plan: Plan, step: usize): bool {
  const a = bufferRecord(plan, stepIn(step, 0));
  const m = matmulM(plan, step);
  const n = matmulN(plan, step);
  const k = matmulK(plan, step);
  if (recDim(a, matmulTransA(step) ? 1 : 0) != m || !bShapeValid(plan, step, k, n)) return false;
  const bias = matmulBias(step);
  return bias < 0 || recDim(bufferRecord(plan, bias), 0) == n;
}

/** Attribute counts and values, and the number of inputs they imply. */
function attrsValid(plan: Plan, step: usize): bool {
  const nAttr = stepNumAttr(step);
  if (nAttr != 3 && nAttr != 5) return false;
  const transA = stepAttr(step, 0);
  const transB = stepAttr(step, 1);
  if ((transA != 0 && transA != 1) || (transB != 0 && transB != 1)) return false;
  const bVar = matmulBVar(step);
  if (bVar < -1 || bVar >= plan.numVars) return false;
  const nIn = stepNumIn(step) + (bVar >= 0 ? 1 : 0);
  return (nIn == 2 || nIn == 3) && stepNumOut(step) == 1;
}

/** The epilogue runs the Unary kernel's functions; LeakyRelu takes the param. */
export function activationValid(op: i32, dtype: i32): bool {
  return unaryValid(op, dtype) || (op == UnaryOp.LeakyRelu && dtype == DTypeCode.float32);
}

export function matmulValid(plan: Plan, step: usize): bool {
  if (!attrsValid(plan, step) || !operandsValid(plan, step)) return false;
  const dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
  return activationValid(matmulActivation(step), dtype) && shapesValid(plan, step);
}
