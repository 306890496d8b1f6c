/**
 * graph + fetches + feed shapes → an ExecutionPlan ready for a backend:
 * prune → lower (concrete shapes, steps) → CSE → fold constants → fuse (GEMM epilogues,
 * elementwise trees, reductions) → plan memory → encode.
 */
import type { DType } from '../graph/dtypes.js';
import type { Operation } from '../graph/operation.js';
import type { Tensor } from '../graph/tensor.js';
import type { EncodedPlan } from '../runtime/backend.js';
import { ResourceExhaustedError } from '../runtime/errors.js';
import { encodePlan } from './encode.js';
import { lowerToPlan } from './lower.js';
import { planMemory } from './memory.js';
import { compactBuffers } from './passes/compact.js';
import { eliminateCommonSubexpressions } from './passes/cse.js';
import { removeDeadSteps } from './passes/dead-steps.js';
import { foldConstants, type Evaluate } from './passes/fold-constants.js';
import { fuseElementwise } from './passes/fuse-elementwise.js';
import { fuseMatMulEpilogues } from './passes/fuse-matmul.js';
import { byteSize, type PlanIR } from './plan.js';
import { neededOps } from './prune.js';

export interface CompileOptions {
  /** Merge steps into fused kernels (on by default; off to see the plain lowering). */
  fuse?: boolean;
  /** Seeds random ops that have none; a Session picks one at random. */
  sessionSeed?: number;
  /** Runs constants-only steps at compile time (constant folding); absent, nothing is folded. */
  evaluate?: Evaluate;
}

export interface CompileRequest extends CompileOptions {
  fetches: readonly Tensor[];
  targets: readonly Operation[];
  /** Fed tensors with the concrete shapes of this run's values, in feed order. */
  feeds: ReadonlyMap<Tensor, readonly number[]>;
}

export interface CompiledPlan {
  ir: PlanIR;
  encoded: EncodedPlan;
  /** Each fetch's dtype and (frozen, shared by every result) shape. */
  fetchSpecs: { dtype: DType; shape: readonly number[] }[];
  /** How many graph operations the plan was compiled from. */
  opCount: number;
}

/** The arena's offsets are int32 words in the plan. */
const MAX_ARENA_BYTES = 2 ** 31 - 1;

export function compilePlan({ fetches, targets, feeds, fuse = true, sessionSeed = 0, evaluate }: CompileRequest): CompiledPlan {
  const ops = neededOps(fetches, targets, new Set(feeds.keys()));
  const ir = lowerToPlan({ ops, feeds, fetches, sessionSeed });
  eliminateCommonSubexpressions(ir);
  if (evaluate) foldConstants(ir, evaluate);
  if (fuse) {
    fuseMatMulEpilogues(ir);
    fuseElementwise(ir);
    removeDeadSteps(ir);
  }
  compactBuffers(ir);
  planMemory(ir);
  if (ir.arenaBytes > MAX_ARENA_BYTES) {
    throw new ResourceExhaustedError(`OOM when allocating the run's tensors: they need ${ir.arenaBytes} bytes, more than a plan can address (${MAX_ARENA_BYTES}).`);
  }
  const slot = (b: number) => ({ byteOffset: ir.buffers[b].byteOffset, byteLength: byteSize(ir.buffers[b]) });
  return {
    ir,
    encoded: {
      bytes: encodePlan(ir), arenaBytes: ir.arenaBytes, feeds: ir.feeds.map(slot),
      fetches: ir.fetches.map((b) => ({ ...slot(b), dtype: ir.buffers[b].dtype.name })),
    },
    fetchSpecs: ir.fetches.map((b) => ({ dtype: ir.buffers[b].dtype, shape: Object.freeze([...ir.buffers[b].shape]) })),
    opCount: ops.length,
  };
}
