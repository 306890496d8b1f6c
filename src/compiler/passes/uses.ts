/**
 * Who writes and who reads each buffer of a plan: the facts every rewrite pass
 * checks before merging steps.
 */
import { rootOf, type PlanIR } from '../plan.js';

export interface BufferUses {
  /** Buffer id → the step that writes it. */
  producer: Map<number, number>;
  /** Root buffer → the steps reading it or any view of it (once per read). */
  readers: Map<number, number[]>;
  /** Roots that must survive the run: feeds and fetches. */
  pinned: Set<number>;
}

export function analyzeUses(plan: PlanIR): BufferUses {
  const producer = new Map<number, number>();
  const readers = new Map<number, number[]>();
  plan.steps.forEach((step, i) => {
    step.outputs.forEach((b) => producer.set(b, i));
    for (const b of step.inputs) {
      const root = rootOf(plan, b);
      readers.set(root, [...(readers.get(root) ?? []), i]);
    }
  });
  const pinned = new Set([...plan.feeds, ...plan.fetches].map((b) => rootOf(plan, b)));
  return { producer, readers, pinned };
}

/** True when `step` is the only reader of buffer `b`, reading it directly (not through a view). */
export function readOnlyBy(plan: PlanIR, uses: BufferUses, b: number, step: number): boolean {
  if (rootOf(plan, b) !== b || uses.pinned.has(b)) return false;
  const readers = uses.readers.get(b) ?? [];
  return readers.length > 0 && readers.every((r) => r === step) && plan.steps[step].inputs.every((x) => rootOf(plan, x) !== b || x === b);
}

/** Drops the steps at `indices` (already merged elsewhere), keeping the order of the rest. */
export function withoutSteps(plan: PlanIR, indices: ReadonlySet<number>): void {
  plan.steps = plan.steps.filter((_, i) => !indices.has(i));
}
