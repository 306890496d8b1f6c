/**
 * Drops steps whose results nothing reads any more (fusion can orphan a
 * variable read whose readers now take the variable directly). Steps with
 * effects beyond their outputs always stay.
 */
import { Kernel } from '../plan-format.js';
import { rootOf, type PlanIR } from '../plan.js';
import { analyzeUses, withoutSteps } from './uses.js';

/** Kernels that write variables or advance random streams. */
const EFFECTFUL: ReadonlySet<number> = new Set([Kernel.VarAssign, Kernel.ApplyUpdate, Kernel.Random, Kernel.Shuffle]);

export function removeDeadSteps(plan: PlanIR): void {
  for (;;) {
    const uses = analyzeUses(plan);
    const dead = new Set<number>();
    plan.steps.forEach((step, i) => {
      if (EFFECTFUL.has(step.kernel) || step.outputs.length === 0) return;
      // An output may be a view (a convolution's GEMM writes its [M, cout] rows): what counts is its root.
      const unread = (o: number) => !uses.pinned.has(rootOf(plan, o)) && (uses.readers.get(rootOf(plan, o)) ?? []).length === 0;
      if (step.outputs.every(unread)) dead.add(i);
    });
    if (dead.size === 0) return;
    withoutSteps(plan, dead);
  }
}
