// Load-time validation of the training kernels (ArgReduce, OneHot, Gather,
// ScatterAdd, Random, Shuffle, ApplyUpdate), as docs/kernels.md defines them:
// operand and attribute counts, dtypes, and the element counts or shapes the
// attributes imply, so the kernels can trust their operands.
//
//   if (!trainStepValid(plan, step)) return s; // from stepsValidate
import {
  ArgOp, DTypeCode, Distribution, Kernel, MAX_RANK, UpdateKind,
} from './generated/plan_format';
import {
  Plan, bufferRecord, recDim, recRank, stepAttr, stepIn, stepKernel, stepNumAttr, stepNumIn, stepNumOut,
  stepOut,
  varCount, varDType, varRecord, varSlot,
} from './plan';
import { arity, countOf, dtypeOf } from './validate-steps';
import { MAX_STREAM } from './streams';

const I32_MAX: i64 = 0x7FFFFFFF;

/** outer * n * inner when all are >= 0 and it fits an int32 element count, else -1. */
function product3(outer: i32, n: i32, inner: i32): i64 {
  if (outer < 0 || n < 0 || inner < 0) return -1;
  if (outer == 0 || n == 0 || inner == 0) return 0;
  const p = <i64>outer * <i64>n;
  if (p > I32_MAX) return -1;
  const q = p * <i64>inner;
  return q > I32_MAX ? -1 : q;
}

@inline function isNumeric(dtype: i32): bool {
  return dtype == DTypeCode.float32 || dtype == DTypeCode.int32;
}

function argReduceValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 4)) return false;
  const op = stepAttr(step, 0);
  const x = stepIn(step, 0);
  const y = stepOut(step, 0);
  const outer = stepAttr(step, 1);
  const n = stepAttr(step, 2);
  const inner = stepAttr(step, 3);
  if (op != ArgOp.Max && op != ArgOp.Min) return false;
  if (!isNumeric(dtypeOf(plan, x)) || dtypeOf(plan, y) != DTypeCode.int32 || n < 1) return false;
  return product3(outer, n, inner) == <i64>countOf(plan, x) && product3(outer, 1, inner) == <i64>countOf(plan, y);
}

/** y's shape is indices' shape plus [depth]; on and off are single values of y's dtype. */
function oneHotValid(plan: Plan, step: usize): bool {
  if (!arity(step, 3, 1, 1)) return false;
  const indices = bufferRecord(plan, stepIn(step, 0));
  const y = bufferRecord(plan, stepOut(step, 0));
  const dtype = dtypeOf(plan, stepOut(step, 0));
  const rank = recRank(indices);
  if (dtypeOf(plan, stepIn(step, 0)) != DTypeCode.int32 || rank + 1 > MAX_RANK || recRank(y) != rank + 1) return false;
  for (let k = 0; k < rank; k++) if (recDim(y, k) != recDim(indices, k)) return false;
  if (recDim(y, rank) != stepAttr(step, 0)) return false;
  for (let i = 1; i <= 2; i++) {
    if (dtypeOf(plan, stepIn(step, i)) != dtype || countOf(plan, stepIn(step, i)) != 1) return false;
  }
  return true;
}

/**
 * Gather and ScatterAdd: `full` is [outer, n, inner] and `rows` [outer, m, inner]
 * with m = the element count of the int32 indices, both of one dtype.
 */
function indexedValid(plan: Plan, step: usize, full: i32, rows: i32): bool {
  if (!arity(step, 2, 1, 3) || dtypeOf(plan, stepIn(step, 1)) != DTypeCode.int32) return false;
  if (dtypeOf(plan, full) != dtypeOf(plan, rows)) return false;
  const outer = stepAttr(step, 0);
  const inner = stepAttr(step, 2);
  const m = countOf(plan, stepIn(step, 1));
  return product3(outer, stepAttr(step, 1), inner) == <i64>countOf(plan, full)
    && product3(outer, m, inner) == <i64>countOf(plan, rows);
}

function gatherValid(plan: Plan, step: usize): bool {
  return stepNumIn(step) == 2 && stepNumOut(step) == 1
    && indexedValid(plan, step, stepIn(step, 0), stepOut(step, 0));
}

function scatterAddValid(plan: Plan, step: usize): bool {
  return stepNumIn(step) == 2 && stepNumOut(step) == 1
    && indexedValid(plan, step, stepOut(step, 0), stepIn(step, 0))
    && isNumeric(dtypeOf(plan, stepOut(step, 0)));
}

@inline function streamValid(stream: i32): bool { return stream >= 0 && stream < MAX_STREAM; }

/** Uniform: float32, or int32 over a non-empty [p0, p1); the normals: float32. */
function randomValid(plan: Plan, step: usize): bool {
  if (!arity(step, 0, 1, 6) || !streamValid(stepAttr(step, 3))) return false;
  const distribution = stepAttr(step, 0);
  const dtype = dtypeOf(plan, stepOut(step, 0));
  if (distribution == Distribution.Uniform && dtype == DTypeCode.int32) return stepAttr(step, 4) < stepAttr(step, 5);
  if (dtype != DTypeCode.float32) return false;
  return distribution >= Distribution.Uniform && distribution <= Distribution.TruncatedNormal;
}

function shuffleValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 3) || !streamValid(stepAttr(step, 2))) return false;
  const x = bufferRecord(plan, stepIn(step, 0));
  const y = bufferRecord(plan, stepOut(step, 0));
  if (dtypeOf(plan, stepIn(step, 0)) != dtypeOf(plan, stepOut(step, 0)) || recRank(x) != recRank(y)) return false;
  for (let k = 0; k < recRank(x); k++) if (recDim(x, k) != recDim(y, k)) return false;
  return true;
}

/** A float32 variable of the plan's var table with `count` elements. */
function floatVar(plan: Plan, index: i32, count: i32): bool {
  if (index < 0 || index >= plan.numVars) return false;
  const rec = varRecord(plan, index);
  return varDType(rec) == DTypeCode.float32 && varCount(rec) == count;
}

/** Hyperparameter inputs per UpdateKind (grad included), and slot variables used. */
function updateInputs(kind: i32): i32 {
  return kind == UpdateKind.GradientDescent ? 2 : kind == UpdateKind.Momentum ? 3 : kind == UpdateKind.Adam ? 7 : 5;
}
function updateSlots(kind: i32): i32 {
  return kind == UpdateKind.GradientDescent ? 0 : kind == UpdateKind.Momentum ? 1 : 2;
}

/** var, slot0 and slot1 are float32 like grad, in distinct storage; unused slots are -1. */
function updateVarsValid(plan: Plan, step: usize, kind: i32, count: i32): bool {
  for (let k = 0; k < 3; k++) {
    const index = stepAttr(step, 1 + k);
    if (k > updateSlots(kind)) {
      if (index != -1) return false;
      continue;
    }
    if (!floatVar(plan, index, count)) return false;
    for (let j = 0; j < k; j++) {
      if (varSlot(varRecord(plan, stepAttr(step, 1 + j))) == varSlot(varRecord(plan, index))) return false;
    }
  }
  return true;
}

function applyUpdateValid(plan: Plan, step: usize): bool {
  const kind = stepAttr(step, 0);
  if (kind < UpdateKind.GradientDescent || kind > UpdateKind.RMSProp) return false;
  if (stepNumIn(step) != updateInputs(kind) || stepNumOut(step) > 1) return false;
  const grad = stepIn(step, 0);
  const count = countOf(plan, grad);
  if (dtypeOf(plan, grad) != DTypeCode.float32 || !updateVarsValid(plan, step, kind, count)) return false;
  const flags = stepAttr(step, 4);
  if (flags != 0 && !(flags == 1 && kind == UpdateKind.Momentum)) return false;
  for (let i = 1; i < stepNumIn(step); i++) {
    if (dtypeOf(plan, stepIn(step, i)) != DTypeCode.float32 || countOf(plan, stepIn(step, i)) != 1) return false;
  }
  if (stepNumOut(step) == 0) return true;
  return dtypeOf(plan, stepOut(step, 0)) == DTypeCode.float32 && countOf(plan, stepOut(step, 0)) == count;
}

/** Validates a step whose kernel is one of the training kernels (15..21). */
export function trainStepValid(plan: Plan, step: usize): bool {
  switch (stepKernel(step)) {
    case Kernel.ArgReduce: return argReduceValid(plan, step);
    case Kernel.OneHot: return oneHotValid(plan, step);
    case Kernel.Gather: return gatherValid(plan, step);
    case Kernel.ScatterAdd: return scatterAddValid(plan, step);
    case Kernel.Random: return randomValid(plan, step);
    case Kernel.Shuffle: return shuffleValid(plan, step);
    case Kernel.ApplyUpdate: return stepNumAttr(step) == 5 && applyUpdateValid(plan, step);
    default: return false;
  }
}

/**
 * May an input share arena bytes with the output? Shuffle copies (memmove) before
 * permuting and ApplyUpdate reads its inputs before writing y, so any overlap is
 * fine; the others read while writing a differently shaped output, so none is.
 */
export function trainOverlapValid(kernel: i32): bool {
  return kernel == Kernel.Shuffle || kernel == Kernel.ApplyUpdate;
}
