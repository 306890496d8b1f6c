// Packed B kept per MatMul (and Conv2D: its filter) step between runs (docs/kernels.md allows it): a
// constant b is packed once when the plan loads; a variable b at its first
// use and again only after the variable was written, which the executor
// records by bumping the variable's write version (VarEntry.version).
// Entries live in the plan's stepCache table and die with the plan.
//
//   const status = matmulPrepare(plan);                  // at load
//   const packed = packedVarB(plan, index, entry, ...);  // 0: out of memory
import { Kernel, Region, Status } from '../generated/plan_format';
import { sf_alloc, sf_alloc_zeroed } from '../allocator';
import {
  Plan, bufferRecord, recOffset, recRegion, stepIn, stepKernel, stepWords,
} from '../plan';
import { VarEntry } from '../session';
import { fail, saturatedBytes } from '../status';
import { convFilterVar, convK, convO } from './conv2d-shape';
import { matmulBVar, matmulK, matmulN, matmulTransB } from './matmul-shape';
import { packB, packedBBytes } from './matmul-pack';

/** An entry's 64-byte header; the packed words follow (64-byte aligned). */
@unmanaged class CacheHead {
  data: usize;
  version: i32;
  valid: i32;
}
const HEAD: usize = 64;

@inline function slotAt(plan: Plan, index: i32): usize {
  return plan.stepCache + (<usize>index << alignof<usize>());
}

/** A new (invalid) entry for step `index` with room for `bytes`; 0 when out of memory. */
function entryNew(plan: Plan, index: i32, bytes: usize): usize {
  if (!plan.stepCache) plan.stepCache = sf_alloc_zeroed(<usize>plan.numSteps << alignof<usize>());
  if (!plan.stepCache) return 0;
  const e = sf_alloc(HEAD + bytes);
  if (!e) return 0;
  changetype<CacheHead>(e).valid = 0;
  store<usize>(slotAt(plan, index), e);
  return e;
}

/** The packed constant b of step `index`, or 0 when it has none. */
export function packedConstB(plan: Plan, index: i32): usize {
  if (!plan.stepCache) return 0;
  const e = load<usize>(slotAt(plan, index));
  return e ? e + HEAD : 0;
}

/** The packed variable b of step `index`, re-packed when the variable changed; 0 when out of memory. */
export function packedVarB(plan: Plan, index: i32, v: VarEntry, transB: bool, K: i32, N: i32): usize {
  let e = plan.stepCache ? load<usize>(slotAt(plan, index)) : 0;
  if (!e) e = entryNew(plan, index, packedBBytes(K, N));
  if (!e) return 0;
  const head = changetype<CacheHead>(e);
  if (!head.valid || head.data != v.data || head.version != v.version) {
    packB(e + HEAD, v.data, transB, K, N);
    head.data = v.data;
    head.version = v.version;
    head.valid = 1;
  }
  return e + HEAD;
}

let constK: i32 = 0;
let constN: i32 = 0;
let constTransB: bool = false;

/**
 * The constant b of a MatMul step, or the constant filter of a Conv2D step
 * (read as [K, O]), with its shape in constK, constN, constTransB; 0 when the
 * step has none.
 */
function constantB(plan: Plan, step: usize): usize {
  const kernel = stepKernel(step);
  if (kernel == Kernel.MatMul && matmulBVar(step) < 0) {
    constK = matmulK(plan, step);
    constN = matmulN(plan, step);
    constTransB = matmulTransB(step);
  } else if (kernel == Kernel.Conv2D && convFilterVar(step) < 0) {
    constK = convK(step);
    constN = convO(plan, step);
    constTransB = false;
  } else return 0;
  const rec = bufferRecord(plan, stepIn(step, 1));
  return recRegion(rec) == Region.Constant ? plan.consts + <usize>recOffset(rec) : 0;
}

/** Packs the b of every MatMul step (and filter of every Conv2D step) that is a constant; Ok or OutOfMemory. */
export function matmulPrepare(plan: Plan): i32 {
  let step = plan.steps;
  for (let i = 0; i < plan.numSteps; i++) {
    const b = constantB(plan, step);
    if (b) {
      const bytes = packedBBytes(constK, constN);
      const e = entryNew(plan, i, bytes);
      if (!e) return fail(Status.OutOfMemory, saturatedBytes(<u64>bytes));
      packB(e + HEAD, b, constTransB, constK, constN);
    }
    step += <usize>stepWords(step) << 2;
  }
  return Status.Ok;
}
