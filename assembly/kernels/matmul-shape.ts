// MatMul operand shapes: a [M, K] ([K, M] when transA), b [K, N] ([N, K] when
// transB), c [M, N], optional bias [N]; float32 or int32 throughout.
//
//   const m = matmulM(plan, step); // rows of c
import { DTypeCode } from '../generated/plan_format';
import {
  Plan, bufferRecord, recDType, recDim, recRank, stepAttr, stepIn, stepNumAttr, stepNumIn,
  stepNumOut, stepOut,
} from '../plan';
import { unaryValid } from '../validate-ops';

@inline export function matmulTransA(step: usize): bool { return stepAttr(step, 0) != 0; }
@inline export function matmulTransB(step: usize): bool { return stepAttr(step, 1) != 0; }
@inline export function matmulActivation(step: usize): i32 { return stepAttr(step, 2); }

export function matmulM(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepOut(step, 0)), 0);
}
export function matmulN(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepOut(step, 0)), 1);
}
export function matmulK(plan: Plan, step: usize): i32 {
  return recDim(bufferRecord(plan, stepIn(step, 0)), matmulTransA(step) ? 0 : 1);
}

function operandsValid(plan: Plan, step: usize): bool {
  const dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
  if (dtype != DTypeCode.float32 && dtype != DTypeCode.int32) return false;
  for (let i = 0, n = stepNumIn(step); i < n; i++) {
    const rec = bufferRecord(plan, stepIn(step, i));
    if (recDType(rec) != dtype || recRank(rec) != (i == 2 ? 1 : 2)) return false;
  }
  return recRank(bufferRecord(plan, stepOut(step, 0))) == 2;
}

function shapesValid(plan: Plan, step: usize): bool {
  const a = bufferRecord(plan, stepIn(step, 0));
  const b = bufferRecord(plan, stepIn(step, 1));
  const transA = matmulTransA(step);
  const transB = matmulTransB(step);
  const m = matmulM(plan, step);
  const n = matmulN(plan, step);
  const k = matmulK(plan, step);
  if (recDim(a, transA ? 1 : 0) != m) return false;
  if (recDim(b, transB ? 1 : 0) != k || recDim(b, transB ? 0 : 1) != n) return false;
  return stepNumIn(step) == 2 || recDim(bufferRecord(plan, stepIn(step, 2)), 0) == n;
}

export function matmulValid(plan: Plan, step: usize): bool {
  const nIn = stepNumIn(step);
  if ((nIn != 2 && nIn != 3) || stepNumOut(step) != 1 || stepNumAttr(step) != 3) return false;
  const transA = stepAttr(step, 0);
  const transB = stepAttr(step, 1);
  if ((transA != 0 && transA != 1) || (transB != 0 && transB != 1)) return false;
  if (!operandsValid(plan, step)) return false;
  const dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
  return unaryValid(matmulActivation(step), dtype) && shapesValid(plan, step);
}
