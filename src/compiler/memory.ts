/**
 * Arena layout: gives every arena buffer a 64-byte aligned offset. Views share
 * their base buffer's memory. Each buffer has its own space for now; sharing
 * space between buffers whose lifetimes do not overlap comes with the
 * liveness planner.
 */
import { alignUp } from './encode.js';
import { byteSize, rootOf, type PlanIR } from './plan.js';

export function planMemory(plan: PlanIR): void {
  let arenaBytes = 0;
  for (const buffer of plan.buffers) {
    if (buffer.region !== 'arena' || buffer.viewOf !== undefined) continue;
    buffer.byteOffset = arenaBytes;
    arenaBytes = alignUp(arenaBytes + byteSize(buffer));
  }
  for (const buffer of plan.buffers) {
    if (buffer.viewOf !== undefined) buffer.byteOffset = plan.buffers[rootOf(plan, buffer.viewOf)].byteOffset;
  }
  plan.arenaBytes = arenaBytes;
}
