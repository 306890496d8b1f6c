/**
 * GEMM epilogues: MatMul (or Conv2D) → Add(bias [N]) → activation becomes one
 * step carrying the bias and the activation, and a GEMM step whose B is a
 * plain variable read takes B straight from the variable (so a backend can
 * keep it packed between runs). A MatMul may write a 2-D view of a
 * larger-rank buffer (a 1x1 convolution's [M, cout] rows of its
 * [N, OH, OW, cout] output) and read B through a view (the filter
 * [kh, kw, cin, cout] as [kh*kw*cin, cout]): the consumer then works on the
 * whole buffer, whose rows are the same memory.
 */
import { gemmEpilogue, isGemmStep, withGemmEpilogue } from '../gemm-steps.js';
import { elementCount, rootOf, type PlanIR, type PlanStep } from '../plan.js';
import { BinaryOp, Kernel, UnaryOp } from '../plan-format.js';
import { analyzeUses, readOnlyBy, withoutSteps } from './uses.js';

const ACTIVATIONS: ReadonlySet<number> = new Set([
  UnaryOp.Relu, UnaryOp.Relu6, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Elu, UnaryOp.LeakyRelu,
]);

export function fuseMatMulEpilogues(plan: PlanIR): void {
  foldInto(plan, (m, next, out) => absorbBias(plan, m, next, out));
  foldInto(plan, (m, next, out) => absorbActivation(plan, m, next, out));
  readWeightsFromVariables(plan);
}

/**
 * For each MatMul whose output (the whole buffer it writes, `out`) only feeds
 * one step, asks `absorb` for the merged step; the merged step takes the
 * consumer's place (its other inputs are ready there).
 */
function foldInto(plan: PlanIR, absorb: (matmul: PlanStep, consumer: PlanStep, out: number) => PlanStep | undefined): void {
  const uses = analyzeUses(plan);
  const removed = new Set<number>();
  plan.steps.forEach((step, i) => {
    if (!isGemmStep(step)) return;
    const out = rootOf(plan, step.outputs[0]);
    const readers = uses.readers.get(out) ?? [];
    if (readers.length !== 1 || !readOnlyBy(plan, uses, out, readers[0])) return;
    const merged = absorb(step, plan.steps[readers[0]], out);
    if (!merged) return;
    plan.steps[readers[0]] = { ...merged, fusedFrom: [...(step.fusedFrom ?? [step.opName]), plan.steps[readers[0]].opName] };
    removed.add(i);
  });
  withoutSteps(plan, removed);
}

function absorbBias(plan: PlanIR, m: PlanStep, add: PlanStep, out: number): PlanStep | undefined {
  if (add.kernel !== Kernel.Binary || add.attrs[0] !== BinaryOp.Add || m.inputs.length !== 2 || gemmEpilogue(m).activation !== UnaryOp.Identity) return undefined;
  const bias = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
  const mOut = plan.buffers[m.outputs[0]];
  const n = mOut.shape[mOut.shape.length - 1];
  const biasShape = plan.buffers[bias].shape;
  const isRowVector = elementCount(biasShape) === n && biasShape.slice(0, -1).every((d) => d === 1) && biasShape[biasShape.length - 1] === n;
  if (!isRowVector || !sameShape(plan, add.outputs[0], out) || plan.buffers[bias].dtype !== mOut.dtype) return undefined;
  return { ...m, inputs: [...m.inputs, viewAsVector(plan, bias, n)], outputs: [asShape(plan, add.outputs[0], mOut.shape)] };
}

function absorbActivation(plan: PlanIR, m: PlanStep, unary: PlanStep, out: number): PlanStep | undefined {
  if (unary.kernel !== Kernel.Unary || !ACTIVATIONS.has(unary.attrs[0]) || gemmEpilogue(m).activation !== UnaryOp.Identity) return undefined;
  if (!sameShape(plan, unary.outputs[0], out)) return undefined;
  const attrs = withGemmEpilogue(m, { activation: unary.attrs[0], param: unary.attrs[1] ?? 0 });
  return { ...m, outputs: [asShape(plan, unary.outputs[0], plan.buffers[m.outputs[0]].shape)], attrs };
}

const sameShape = (plan: PlanIR, a: number, b: number) => plan.buffers[a].shape.join() === plan.buffers[b].shape.join();

/** `buffer` seen with `shape` (a view when its own shape differs). */
function asShape(plan: PlanIR, buffer: number, shape: readonly number[]): number {
  const base = plan.buffers[buffer];
  if (base.shape.join() === shape.join()) return buffer;
  plan.buffers.push({ dtype: base.dtype, shape: [...shape], region: base.region, byteOffset: 0, viewOf: buffer });
  return plan.buffers.length - 1;
}

function viewAsVector(plan: PlanIR, buffer: number, n: number): number {
  if (plan.buffers[buffer].shape.length === 1) return buffer;
  const base = plan.buffers[buffer];
  plan.buffers.push({ dtype: base.dtype, shape: [n], region: base.region, byteOffset: 0, viewOf: buffer });
  return plan.buffers.length - 1;
}

/** MatMul(a, VarRead(v)) → MatMul(a) with bVar = v (Conv2D likewise), when v is not written in between. */
function readWeightsFromVariables(plan: PlanIR): void {
  const uses = analyzeUses(plan);
  const removed = new Set<number>();
  plan.steps.forEach((step, i) => {
    if (!isGemmStep(step) || step.inputs.length < 2 || gemmEpilogue(step).bVar !== -1) return;
    const b = rootOf(plan, step.inputs[1]);
    const readAt = uses.producer.get(b);
    if (readAt === undefined || plan.steps[readAt].kernel !== Kernel.VarRead) return;
    const variable = plan.steps[readAt].attrs[0];
    if (writesBetween(plan, variable, readAt, i)) return;
    const inputs = [step.inputs[0], ...step.inputs.slice(2)];
    plan.steps[i] = { ...step, inputs, attrs: withGemmEpilogue(step, { bVar: variable }) };
    // The read is dead when this step was its only reader and reads it no more (A may be the same variable).
    const onlyHere = (uses.readers.get(b) ?? []).every((r) => r === i) && !uses.pinned.has(b);
    if (onlyHere && !inputs.some((x) => rootOf(plan, x) === b)) removed.add(readAt);
  });
  withoutSteps(plan, removed);
}

function writesBetween(plan: PlanIR, variable: number, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) {
    const s = plan.steps[i];
    if (s.kernel === Kernel.VarAssign && s.attrs[0] === variable) return true;
    if (s.kernel === Kernel.ApplyUpdate && s.attrs.slice(1, 4).includes(variable)) return true;
  }
  return false;
}
