/**
 * Constant folding: steps whose inputs are all constants run once, at compile
 * time, on the session's own backend (so folded values are exactly what the
 * step would compute), and their results become constants of the plan.
 * Results larger than their inputs and FOLD_LIMIT (a fill of a big shape, say)
 * stay steps, so plans stay small.
 */
import { gemmEpilogue, isGemmStep } from '../gemm-steps.js';
import { Kernel } from '../plan-format.js';
import { byteSize, rootOf, type PlanBuffer, type PlanIR, type PlanStep } from '../plan.js';
import { planMemory } from '../memory.js';
import { withoutSteps } from './uses.js';

/** Runs a plan of constants-only steps; null when it fails (the step then stays, to fail at run time). */
export type Evaluate = (plan: PlanIR) => ArrayBuffer[] | null;

const FOLD_LIMIT = 64 * 1024;

/** Kernels whose result depends only on their inputs and attrs. */
const FOLDABLE: ReadonlySet<number> = new Set([
  Kernel.Copy, Kernel.Fill, Kernel.Unary, Kernel.Binary, Kernel.Select, Kernel.Cast, Kernel.MatMul,
  Kernel.Reduce, Kernel.Transpose, Kernel.Fused, Kernel.FusedReduce, Kernel.Softmax, Kernel.ArgReduce,
  Kernel.OneHot, Kernel.Gather, Kernel.Im2Col, Kernel.Col2Im, Kernel.Pool, Kernel.PoolGrad, Kernel.Conv2D,
]);

export function foldConstants(plan: PlanIR, evaluate: Evaluate): void {
  const pinned = new Set([...plan.feeds, ...plan.fetches].map((b) => rootOf(plan, b)));
  const known = new Set(plan.buffers.flatMap((b, i) => (b.region === 'constant' ? [i] : [])));
  const folded: number[] = [];
  plan.steps.forEach((step, i) => {
    if (!isFoldable(plan, step, known, pinned)) return;
    folded.push(i);
    step.outputs.forEach((o) => known.add(o));
  });
  if (folded.length === 0) return;
  const values = evaluate(subplan(plan, folded.map((i) => plan.steps[i])));
  if (!values) return;
  const outputs = folded.flatMap((i) => plan.steps[i].outputs);
  // A step may write a view (a convolution's GEMM writes [M, cout] rows of its
  // [N, OH, OW, cout] output): the value belongs to the memory's root buffer.
  outputs.forEach((o, k) => {
    Object.assign(plan.buffers[rootOf(plan, o)], { region: 'constant', data: new Uint8Array(values[k]) } satisfies Partial<PlanBuffer>);
  });
  for (const b of plan.buffers) if (b.viewOf !== undefined && plan.buffers[rootOf(plan, b.viewOf)].region === 'constant') b.region = 'constant';
  withoutSteps(plan, new Set(folded));
}

function isFoldable(plan: PlanIR, step: PlanStep, known: Set<number>, pinned: Set<number>): boolean {
  if (!FOLDABLE.has(step.kernel) || step.inputs.length === 0) return false;
  if (isGemmStep(step) && gemmEpilogue(step).bVar >= 0) return false; // reads a variable
  if (!step.inputs.every((b) => known.has(rootOf(plan, b)))) return false;
  if (step.outputs.some((o) => pinned.has(rootOf(plan, o)))) return false;
  const inBytes = step.inputs.reduce((n, b) => n + byteSize(plan.buffers[b]), 0);
  return step.outputs.every((o) => byteSize(plan.buffers[o]) <= Math.max(FOLD_LIMIT, inBytes));
}

/** The folded steps as a plan of their own: constant inputs, every output fetched. */
function subplan(plan: PlanIR, steps: PlanStep[]): PlanIR {
  const ids = new Map<number, number>();
  const buffers: PlanBuffer[] = [];
  const add = (b: number): number => {
    if (ids.has(b)) return ids.get(b)!;
    const source = plan.buffers[b];
    const viewOf = source.viewOf === undefined ? undefined : add(source.viewOf);
    ids.set(b, buffers.push({ ...source, shape: [...source.shape], viewOf }) - 1);
    return ids.get(b)!;
  };
  const mapped = steps.map((s) => ({ ...s, inputs: s.inputs.map(add), outputs: s.outputs.map(add) }));
  const fetches = mapped.flatMap((s) => s.outputs);
  const mini: PlanIR = { buffers, steps: mapped, vars: [], feeds: [], fetches, arenaBytes: 0 };
  planMemory(mini);
  return mini;
}
