/**
 * The plan IR: what the compiler passes build and `encodePlan` turns into the
 * binary format of plan-format.ts.
 */
import type { DType } from '../graph/dtypes.js';
import type { KernelId } from './plan-format.js';

export type RegionName = 'arena' | 'constant';

export interface PlanBuffer {
  dtype: DType;
  shape: number[];
  region: RegionName;
  /** Byte offset in the arena or the constants blob; set by the memory planner. */
  byteOffset: number;
  /** Contents of a constant buffer. */
  data?: Uint8Array;
  /** Set when this buffer is another shape over the memory of buffer `viewOf`. */
  viewOf?: number;
}

export interface PlanStep {
  kernel: KernelId;
  inputs: number[];
  outputs: number[];
  attrs: number[];
  /** Name of the graph operation the step came from, for error messages. */
  opName: string;
  /** Every graph operation a fused step computes, for `explain`. */
  fusedFrom?: string[];
}

export interface PlanVariable {
  /** The variable's index in its graph: the session's storage key. */
  slot: number;
  dtype: DType;
  shape: number[];
  name: string;
}

export interface PlanIR {
  buffers: PlanBuffer[];
  steps: PlanStep[];
  vars: PlanVariable[];
  feeds: number[];
  fetches: number[];
  arenaBytes: number;
  /** The most bytes live at once: the least any arena layout could use. */
  peakLiveBytes?: number;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function byteSize(buffer: PlanBuffer): number {
  return elementCount(buffer.shape) * buffer.dtype.size;
}

/** The buffer that owns the memory a view (or chain of views) sees. */
export function rootOf(plan: PlanIR, index: number): number {
  let at = index;
  while (plan.buffers[at].viewOf !== undefined) at = plan.buffers[at].viewOf!;
  return at;
}
