/**
 * Drops buffers no step, feed or fetch refers to any more (merged away by the
 * fusion passes) and renumbers the rest, so the plan carries only live buffers.
 */
import type { PlanIR } from '../plan.js';

export function compactBuffers(plan: PlanIR): void {
  const keep = new Set<number>();
  const mark = (b: number) => {
    for (let at: number | undefined = b; at !== undefined && !keep.has(at); at = plan.buffers[at].viewOf) keep.add(at);
  };
  plan.steps.forEach((s) => [...s.inputs, ...s.outputs].forEach(mark));
  [...plan.feeds, ...plan.fetches].forEach(mark);
  const renumber = new Map<number, number>();
  const buffers = plan.buffers.filter((_, i) => keep.has(i));
  plan.buffers.forEach((_, i) => { if (keep.has(i)) renumber.set(i, renumber.size); });
  const map = (b: number) => renumber.get(b)!;
  for (const b of buffers) if (b.viewOf !== undefined) b.viewOf = map(b.viewOf);
  for (const s of plan.steps) { s.inputs = s.inputs.map(map); s.outputs = s.outputs.map(map); }
  plan.feeds = plan.feeds.map(map);
  plan.fetches = plan.fetches.map(map);
  plan.buffers = buffers;
}
