// Conv2D's operands (plan-format.ts): in[x, filter(, bias)] out[y]
// attr[geometry, activation(, param, filterVar)]. The geometry is the window
// kernels' WINDOW_ATTRS words; y is [N, OH, OW, O] with O its last dim; the
// filter is read as the [K, O] matrix (K = KH*KW*C) of its K*O elements,
// from input 1 or, with filterVar >= 0, from that var-table entry's storage
// (the inputs are then [x(, bias)]).
//
//   const k = convK(step); // rows of the filter matrix
import { WINDOW_ATTRS, Window } from '../generated/plan_format';
import {
  Plan, bufferRecord, recDim, recRank, stepAttr, stepIn, stepNumAttr, stepNumIn, stepOut,
} from '../plan';

/** Attribute counts of the two forms: geometry + activation, then param and filterVar. */
export const CONV_ATTRS: i32 = WINDOW_ATTRS + 1;
export const CONV_ATTRS_LONG: i32 = WINDOW_ATTRS + 3;

@inline export function convActivation(step: usize): i32 { return stepAttr(step, WINDOW_ATTRS); }
/** The activation's parameter (float32 bits); 0 in the short form. */
@inline export function convParam(step: usize): i32 {
  return stepNumAttr(step) == CONV_ATTRS_LONG ? stepAttr(step, WINDOW_ATTRS + 1) : 0;
}
/** The var-table index holding the filter, or -1 when the filter is input 1. */
@inline export function convFilterVar(step: usize): i32 {
  return stepNumAttr(step) == CONV_ATTRS_LONG ? stepAttr(step, WINDOW_ATTRS + 2) : -1;
}

/** The bias buffer id, or -1 without a bias. */
export function convBias(step: usize): i32 {
  const at = convFilterVar(step) >= 0 ? 1 : 2;
  return stepNumIn(step) > at ? stepIn(step, at) : -1;
}

/** KH*KW*C in i64 (validation bounds it by 2^31 - 1 before kernels use convK). */
export function convK64(step: usize): i64 {
  return <i64>stepAttr(step, Window.KH) * <i64>stepAttr(step, Window.KW) * <i64>stepAttr(step, Window.C);
}
@inline export function convK(step: usize): i32 { return <i32>convK64(step); }

/** Output channels: y's last dim (y has rank >= 1 once validated). */
export function convO(plan: Plan, step: usize): i32 {
  const rec = bufferRecord(plan, stepOut(step, 0));
  return recDim(rec, recRank(rec) - 1);
}

/** Rows of the GEMM: N*OH*OW (validation bounds it when O > 0). */
export function convM(step: usize): i32 {
  return stepAttr(step, Window.N) * stepAttr(step, Window.OH) * stepAttr(step, Window.OW);
}
