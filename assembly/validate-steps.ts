// Per-kernel validation of a plan's steps: operand counts, attribute counts,
// dtype combinations and shapes, as docs/kernels.md defines them. Runs once
// at load so the kernels can trust their operands.
//
//   const bad = stepsValidate(plan); // -1, or the first invalid step's index
import {
  AssignMode, DTypeCode, Kernel, ReduceOp, Region,
} from './generated/plan_format';
import {
  Plan, bufferRecord, recBytes, recCount, recDType, recDim, recOffset, recRank, recRegion, stepIn, stepKernel,
  stepNumAttr, stepNumIn, stepNumOut, stepOut, stepAttr, stepWords, varRecord, varCount, varDType,
} from './plan';
import { unaryValid, binaryValid } from './validate-ops';
import { matmulValid } from './kernels/matmul-shape';
import { fusedReduceValid, fusedValid, softmaxValid } from './validate-fused';
import { trainOverlapValid, trainStepValid } from './validate-train';
import { windowValid } from './validate-window';
import { conv2dValid } from './validate-conv';

const MAX_OPERANDS: i32 = 64;
/** Fused programs live in the attrs (6 words per instruction). */
const MAX_ATTRS: i32 = 1 << 15;

@inline export function dtypeOf(plan: Plan, id: i32): i32 { return recDType(bufferRecord(plan, id)); }
@inline export function countOf(plan: Plan, id: i32): i32 { return recCount(bufferRecord(plan, id)); }

function sameShape(plan: Plan, a: i32, b: i32): bool {
  const ra = bufferRecord(plan, a);
  const rb = bufferRecord(plan, b);
  if (recRank(ra) != recRank(rb)) return false;
  for (let k = 0; k < recRank(ra); k++) if (recDim(ra, k) != recDim(rb, k)) return false;
  return true;
}

/** numpy broadcasting: right-aligned, each dim equals the output's or is 1. */
export function broadcastsTo(plan: Plan, input: i32, output: i32): bool {
  const ri = bufferRecord(plan, input);
  const ro = bufferRecord(plan, output);
  const rankIn = recRank(ri);
  const rankOut = recRank(ro);
  if (rankIn > rankOut) return false;
  for (let k = 1; k <= rankIn; k++) {
    const d = recDim(ri, rankIn - k);
    if (d != 1 && d != recDim(ro, rankOut - k)) return false;
  }
  return true;
}

export function arity(step: usize, nIn: i32, nOut: i32, nAttr: i32): bool {
  return stepNumIn(step) == nIn && stepNumOut(step) == nOut && stepNumAttr(step) == nAttr;
}

function copyValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 0)) return false;
  const x = stepIn(step, 0);
  const y = stepOut(step, 0);
  return dtypeOf(plan, x) == dtypeOf(plan, y) && countOf(plan, x) == countOf(plan, y);
}

function fillValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 0)) return false;
  const x = stepIn(step, 0);
  return countOf(plan, x) == 1 && dtypeOf(plan, x) == dtypeOf(plan, stepOut(step, 0));
}

function unaryStepValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 1) && !arity(step, 1, 1, 2)) return false; // attr[op(, param)]
  const x = stepIn(step, 0);
  const y = stepOut(step, 0);
  const dtype = dtypeOf(plan, x);
  return dtype == dtypeOf(plan, y) && countOf(plan, x) == countOf(plan, y)
    && unaryValid(stepAttr(step, 0), dtype);
}

function binaryStepValid(plan: Plan, step: usize): bool {
  if (!arity(step, 2, 1, 1)) return false;
  const a = stepIn(step, 0);
  const b = stepIn(step, 1);
  const y = stepOut(step, 0);
  if (dtypeOf(plan, a) != dtypeOf(plan, b)) return false;
  if (!binaryValid(stepAttr(step, 0), dtypeOf(plan, a), dtypeOf(plan, y))) return false;
  return broadcastsTo(plan, a, y) && broadcastsTo(plan, b, y);
}

function selectValid(plan: Plan, step: usize): bool {
  if (!arity(step, 3, 1, 0)) return false;
  const c = stepIn(step, 0);
  const x = stepIn(step, 1);
  const y = stepIn(step, 2);
  const z = stepOut(step, 0);
  if (dtypeOf(plan, c) != DTypeCode.bool) return false;
  if (dtypeOf(plan, x) != dtypeOf(plan, z) || dtypeOf(plan, y) != dtypeOf(plan, z)) return false;
  return broadcastsTo(plan, c, z) && broadcastsTo(plan, x, z) && broadcastsTo(plan, y, z);
}

function castValid(plan: Plan, step: usize): bool {
  return arity(step, 1, 1, 0) && countOf(plan, stepIn(step, 0)) == countOf(plan, stepOut(step, 0));
}

function reduceValid(plan: Plan, step: usize): bool {
  if (!arity(step, 1, 1, 4)) return false;
  const x = stepIn(step, 0);
  const y = stepOut(step, 0);
  const op = stepAttr(step, 0);
  const outer = <i64>stepAttr(step, 1);
  const n = <i64>stepAttr(step, 2);
  const inner = <i64>stepAttr(step, 3);
  if (outer < 0 || n < 0 || inner < 0) return false;
  if (outer * n > 0x7FFFFFFF && inner > 0) return false; // keeps the products below 2^62
  if (outer * n * inner != <i64>countOf(plan, x) || outer * inner != <i64>countOf(plan, y)) return false;
  const dtype = dtypeOf(plan, x);
  if (dtype != dtypeOf(plan, y)) return false;
  if (op >= ReduceOp.Sum && op <= ReduceOp.Prod) return dtype != DTypeCode.bool;
  return (op == ReduceOp.Any || op == ReduceOp.All) && dtype == DTypeCode.bool;
}

function transposeValid(plan: Plan, step: usize): bool {
  if (stepNumIn(step) != 1 || stepNumOut(step) != 1) return false;
  const rx = bufferRecord(plan, stepIn(step, 0));
  const ry = bufferRecord(plan, stepOut(step, 0));
  const rank = recRank(rx);
  if (recDType(rx) != recDType(ry) || recRank(ry) != rank || stepNumAttr(step) != rank) return false;
  let seen: u32 = 0;
  for (let i = 0; i < rank; i++) {
    const p = stepAttr(step, i);
    if (p < 0 || p >= rank || (seen & (1 << p)) != 0) return false;
    seen |= 1 << p;
    if (recDim(ry, i) != recDim(rx, p)) return false;
  }
  return true;
}

/** The buffer matches variable `index` of the var table in dtype and size. */
function matchesVar(plan: Plan, index: i32, id: i32): bool {
  if (index < 0 || index >= plan.numVars) return false;
  const rec = varRecord(plan, index);
  return varDType(rec) == dtypeOf(plan, id) && varCount(rec) == countOf(plan, id);
}

function varReadValid(plan: Plan, step: usize): bool {
  return arity(step, 0, 1, 1) && matchesVar(plan, stepAttr(step, 0), stepOut(step, 0));
}

function varAssignValid(plan: Plan, step: usize): bool {
  if (stepNumIn(step) != 1 || stepNumOut(step) > 1 || stepNumAttr(step) != 2) return false;
  const index = stepAttr(step, 0);
  const mode = stepAttr(step, 1);
  const v = stepIn(step, 0);
  if (!matchesVar(plan, index, v)) return false;
  if (stepNumOut(step) == 1 && !matchesVar(plan, index, stepOut(step, 0))) return false;
  if (mode == AssignMode.Assign) return true;
  return (mode == AssignMode.Add || mode == AssignMode.Sub) && dtypeOf(plan, v) != DTypeCode.bool;
}

function kernelValid(plan: Plan, step: usize): bool {
  switch (stepKernel(step)) {
    case Kernel.Copy: return copyValid(plan, step);
    case Kernel.Fill: return fillValid(plan, step);
    case Kernel.Unary: return unaryStepValid(plan, step);
    case Kernel.Binary: return binaryStepValid(plan, step);
    case Kernel.Select: return selectValid(plan, step);
    case Kernel.Cast: return castValid(plan, step);
    case Kernel.MatMul: return matmulValid(plan, step);
    case Kernel.Reduce: return reduceValid(plan, step);
    case Kernel.Transpose: return transposeValid(plan, step);
    case Kernel.VarRead: return varReadValid(plan, step);
    case Kernel.VarAssign: return varAssignValid(plan, step);
    case Kernel.Fused: return fusedValid(plan, step);
    case Kernel.FusedReduce: return fusedReduceValid(plan, step);
    case Kernel.Softmax: return softmaxValid(plan, step);
    case Kernel.ArgReduce: case Kernel.OneHot: case Kernel.Gather: case Kernel.ScatterAdd:
    case Kernel.Random: case Kernel.Shuffle: case Kernel.ApplyUpdate: return trainStepValid(plan, step);
    case Kernel.Im2Col: case Kernel.Col2Im: case Kernel.Pool: case Kernel.PoolGrad: return windowValid(plan, step);
    case Kernel.Conv2D: return conv2dValid(plan, step);
    default: return false;
  }
}

/**
 * How an input may share arena bytes with the output: kernels that read
 * everything before writing (or move bytes like memmove) accept any overlap,
 * elementwise kernels accept exactly the same range (in place), MatMul, Reduce,
 * Transpose and the window kernels (Conv2D too) none, since they would silently compute garbage.
 */
function aliasingValid(plan: Plan, step: usize, input: i32, output: i32): bool {
  const ri = bufferRecord(plan, input);
  const ro = bufferRecord(plan, output);
  if (recRegion(ri) != Region.Arena) return true;
  const si = <i64>recOffset(ri);
  const so = <i64>recOffset(ro);
  const ei = si + <i64>recBytes(ri);
  const eo = so + <i64>recBytes(ro);
  if (ei <= so || eo <= si || si == ei || so == eo) return true;
  const kernel = stepKernel(step);
  if (kernel == Kernel.Copy || kernel == Kernel.Fill || kernel == Kernel.VarAssign) return true;
  if (kernel == Kernel.MatMul || kernel == Kernel.Reduce || kernel == Kernel.Transpose) return false;
  if (kernel == Kernel.FusedReduce) return false;
  if (kernel >= Kernel.Im2Col && kernel <= Kernel.Conv2D) return false; // they gather and scatter
  if (kernel >= Kernel.ArgReduce && kernel <= Kernel.ApplyUpdate) return trainOverlapValid(kernel);
  return si == so && ei == eo;
}

function aliasesValid(plan: Plan, step: usize): bool {
  for (let o = 0, nOut = stepNumOut(step); o < nOut; o++) {
    for (let i = 0, nIn = stepNumIn(step); i < nIn; i++) {
      if (!aliasingValid(plan, step, stepIn(step, i), stepOut(step, o))) return false;
    }
  }
  return true;
}

/** Buffer ids in range; outputs in the arena (constants are never written). */
function operandsValid(plan: Plan, step: usize): bool {
  for (let i = 0, n = stepNumIn(step); i < n; i++) {
    const id = stepIn(step, i);
    if (id < 0 || id >= plan.numBuffers) return false;
  }
  for (let i = 0, n = stepNumOut(step); i < n; i++) {
    const id = stepOut(step, i);
    if (id < 0 || id >= plan.numBuffers) return false;
    if (recRegion(bufferRecord(plan, id)) != Region.Arena) return false;
  }
  return true;
}

function countsValid(step: usize): bool {
  const nIn = stepNumIn(step);
  const nOut = stepNumOut(step);
  const nAttr = stepNumAttr(step);
  return nIn >= 0 && nIn <= MAX_OPERANDS && nOut >= 0 && nOut <= MAX_OPERANDS
    && nAttr >= 0 && nAttr <= MAX_ATTRS;
}

/**
 * Walks every step record inside the steps section and checks its kernel.
 * Returns -1 when all are valid, else the index of the first invalid step.
 */
export function stepsValidate(plan: Plan): i32 {
  let step = plan.steps;
  const end = plan.consts;
  for (let s = 0; s < plan.numSteps; s++) {
    if (step + 16 > end || !countsValid(step)) return s;
    const next = step + (<usize>stepWords(step) << 2);
    if (next > end) return s;
    if (!operandsValid(plan, step) || !kernelValid(plan, step) || !aliasesValid(plan, step)) return s;
    step = next;
  }
  return -1;
}
