/**
 * The steps whose product ends in a GEMM epilogue, MatMul and Conv2D, and
 * where their attrs keep the epilogue: an activation, its parameter and the
 * variable read as B (the filter), after each kernel's own leading words
 * (MatMul's transA and transB, Conv2D's window geometry).
 *
 *   const { activation, bVar } = gemmEpilogue(step);
 *   step.attrs = withGemmEpilogue(step, { activation: UnaryOp.Relu });
 */
import { Kernel, UnaryOp, WINDOW_ATTRS } from './plan-format.js';
import type { PlanStep } from './plan.js';

export interface GemmEpilogue {
  activation: number;
  /** The activation's parameter as float32 bits (LeakyRelu's alpha). */
  param: number;
  /** The var-table index B is read from, or -1 when B is an input. */
  bVar: number;
}

export const isGemmStep = (step: PlanStep): boolean => step.kernel === Kernel.MatMul || step.kernel === Kernel.Conv2D;

/** Where the epilogue's words start. */
const leading = (step: PlanStep): number => (step.kernel === Kernel.MatMul ? 2 : WINDOW_ATTRS);

export function gemmEpilogue(step: PlanStep): GemmEpilogue {
  const at = leading(step);
  const [activation = UnaryOp.Identity, param = 0, bVar = -1] = step.attrs.slice(at);
  return { activation, param, bVar };
}

/** The step's attrs with parts of its epilogue replaced, in the short form when param and bVar are defaults. */
export function withGemmEpilogue(step: PlanStep, change: Partial<GemmEpilogue>): number[] {
  const e = { ...gemmEpilogue(step), ...change };
  const tail = e.param === 0 && e.bVar === -1 ? [e.activation] : [e.activation, e.param, e.bVar];
  return [...step.attrs.slice(0, leading(step)), ...tail];
}
