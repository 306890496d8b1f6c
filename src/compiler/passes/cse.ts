/**
 * Common-subexpression elimination: a pure step that repeats an earlier one
 * (same kernel, inputs and attrs) is dropped and its readers use the earlier
 * result; identical constants are stored once.
 */
import { Kernel } from '../plan-format.js';
import { type PlanIR } from '../plan.js';
import { withoutSteps } from './uses.js';

/** Kernels whose output depends only on their inputs and attrs. */
const PURE: ReadonlySet<number> = new Set([
  Kernel.Copy, Kernel.Fill, Kernel.Unary, Kernel.Binary, Kernel.Select, Kernel.Cast, Kernel.MatMul,
  Kernel.Reduce, Kernel.Transpose, Kernel.Fused, Kernel.FusedReduce, Kernel.Softmax, Kernel.ArgReduce,
  Kernel.OneHot, Kernel.Gather,
]);

export function eliminateCommonSubexpressions(plan: PlanIR): void {
  const replace = new Map<number, number>();
  const resolve = (b: number) => replace.get(b) ?? b;
  dedupeConstants(plan, replace);
  const seen = new Map<string, number[]>();
  const removed = new Set<number>();
  const pinned = new Set([...plan.feeds, ...plan.fetches]);
  plan.steps.forEach((step, i) => {
    step.inputs = step.inputs.map(resolve);
    if (!PURE.has(step.kernel) || step.outputs.some((o) => pinned.has(o) || hasViews(plan, o))) return;
    const shapes = step.outputs.map((o) => `${plan.buffers[o].dtype.code}[${plan.buffers[o].shape}]`);
    const key = `${step.kernel}|${step.inputs}|${step.attrs}|${shapes}`;
    const earlier = seen.get(key);
    if (!earlier) { seen.set(key, step.outputs); return; }
    step.outputs.forEach((o, k) => replace.set(o, earlier[k]));
    removed.add(i);
  });
  for (const b of plan.buffers) if (b.viewOf !== undefined) b.viewOf = resolve(b.viewOf);
  plan.fetches = plan.fetches.map(resolve);
  withoutSteps(plan, removed);
}

function hasViews(plan: PlanIR, buffer: number): boolean {
  return plan.buffers.some((b) => b.viewOf === buffer);
}

function dedupeConstants(plan: PlanIR, replace: Map<number, number>): void {
  const seen = new Map<string, number[]>();
  plan.buffers.forEach((b, i) => {
    if (b.region !== 'constant' || !b.data || b.viewOf !== undefined) return;
    const key = `${b.dtype.code}[${b.shape}]${fnv1a(b.data)}`;
    const candidates = seen.get(key) ?? [];
    const same = candidates.find((c) => equalBytes(plan.buffers[c].data!, b.data!));
    if (same === undefined) seen.set(key, [...candidates, i]);
    else replace.set(i, same);
  });
}

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
