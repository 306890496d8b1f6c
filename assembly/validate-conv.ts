// Load-time validation of Conv2D (plan-format.ts; operands in
// kernels/conv2d-shape.ts): the window geometry's ranges, a float32 image x
// of N*H*W*C, y of N*OH*OW*O (O its last dim), a filter of K*O elements
// (K = KH*KW*C) as input 1 or a float32 variable, a bias [O], an activation
// MatMul's epilogue takes. Every product is formed in i64 and bounded, so a
// plan accepted here cannot make the kernel reach outside its buffers.
//
//   if (!conv2dValid(plan, step)) return s; // from stepsValidate
import { DTypeCode, Window } from './generated/plan_format';
import {
  Plan, bufferRecord, recCount, recDType, recDim, recRank, stepAttr, stepIn, stepNumAttr, stepNumIn, stepNumOut,
  stepOut, varCount, varDType, varRecord,
} from './plan';
import { activationValid } from './kernels/matmul-shape';
import { packedBBytes64 } from './kernels/matmul-pack';
import {
  CONV_ATTRS, CONV_ATTRS_LONG, convActivation, convBias, convFilterVar, convK64, convO,
} from './kernels/conv2d-shape';
import { geometryValid, imageIs, productIs } from './validate-window';

const I32_MAX: i64 = 0x7FFFFFFF;

/** Attribute and operand counts; the filter variable, if any, exists. */
function arityValid(plan: Plan, step: usize): bool {
  const nAttr = stepNumAttr(step);
  if (stepNumOut(step) != 1 || (nAttr != CONV_ATTRS && nAttr != CONV_ATTRS_LONG)) return false;
  const v = convFilterVar(step);
  if (v < -1 || v >= plan.numVars) return false;
  const nIn = stepNumIn(step) + (v >= 0 ? 1 : 0);
  return nIn == 2 || nIn == 3;
}

/** y is float32 [..., O] with N*OH*OW*O elements. */
function outputValid(plan: Plan, step: usize): bool {
  const ry = bufferRecord(plan, stepOut(step, 0));
  if (recDType(ry) != DTypeCode.float32 || recRank(ry) < 1) return false;
  return productIs(stepAttr(step, Window.N), stepAttr(step, Window.OH), stepAttr(step, Window.OW),
    convO(plan, step), 1, 1, recCount(ry));
}

/**
 * The filter has K*O float32 elements (any shape), K < 2^31, and its packed
 * copy (O rounded up to whole strips) fits in 2^31 bytes, so the kernel's
 * 32-bit sizes cannot wrap.
 */
function filterValid(plan: Plan, step: usize, O: i32): bool {
  const K = convK64(step);
  if (K > I32_MAX || packedBBytes64(<i32>K, O) > I32_MAX) return false;
  const v = convFilterVar(step);
  if (v >= 0) {
    const rec = varRecord(plan, v);
    return varDType(rec) == DTypeCode.float32 && <i64>varCount(rec) == K * <i64>O;
  }
  const rec = bufferRecord(plan, stepIn(step, 1));
  return recDType(rec) == DTypeCode.float32 && <i64>recCount(rec) == K * <i64>O;
}

/** No bias, or a float32 [O]. */
function biasValid(plan: Plan, step: usize, O: i32): bool {
  const bias = convBias(step);
  if (bias < 0) return true;
  const rec = bufferRecord(plan, bias);
  return recDType(rec) == DTypeCode.float32 && recRank(rec) == 1 && recDim(rec, 0) == O;
}

export function conv2dValid(plan: Plan, step: usize): bool {
  if (!arityValid(plan, step) || !geometryValid(step, 0)) return false;
  if (!imageIs(plan, step, 0, stepIn(step, 0)) || !outputValid(plan, step)) return false;
  const O = convO(plan, step);
  return filterValid(plan, step, O) && biasValid(plan, step, O)
    && activationValid(convActivation(step), DTypeCode.float32);
}
