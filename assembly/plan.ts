// A loaded ExecutionPlan: the plan bytes (owned), the section pointers read
// from its header and a table of resolved buffer addresses.
//
//   const plan = planCreate(bytes, length); // after planValidate said Ok
//   const x = bufferPointer(plan, id);     // arena or constants address
//
// Section layout and field indices come from generated/plan_format.ts.
import {
  BUFFER_WORDS, BufferField, DTypeCode, Header, Region, VAR_WORDS, VarField,
} from './generated/plan_format';
import { sf_alloc, sf_free } from './allocator';

@unmanaged export class Plan {
  bytes: usize;
  length: i32;
  numBuffers: i32;
  numSteps: i32;
  numVars: i32;
  numFeeds: i32;
  numFetches: i32;
  arenaBytes: i32;
  buffers: usize;
  vars: usize;
  feeds: usize;
  fetches: usize;
  steps: usize;
  consts: usize;
  /** numBuffers addresses, valid while resolvedArena is the session's arena. */
  pointers: usize;
  resolvedArena: usize;
  /** numSteps kernel-owned blocks (packed MatMul operands), freed with the plan; 0 until used. */
  stepCache: usize;
  session: usize;
  next: usize;
  prev: usize;
}

@inline export function headerWord(bytes: usize, field: i32): i32 {
  return load<i32>(bytes + (<usize>field << 2));
}

// ---- buffer records --------------------------------------------------------

@inline export function bufferRecord(plan: Plan, id: i32): usize {
  return plan.buffers + (<usize>(id * BUFFER_WORDS) << 2);
}
@inline export function recordWord(rec: usize, field: i32): i32 {
  return load<i32>(rec + (<usize>field << 2));
}
@inline export function recDType(rec: usize): i32 { return recordWord(rec, BufferField.DType); }
@inline export function recRegion(rec: usize): i32 { return recordWord(rec, BufferField.Region); }
@inline export function recOffset(rec: usize): i32 { return recordWord(rec, BufferField.ByteOffset); }
@inline export function recCount(rec: usize): i32 { return recordWord(rec, BufferField.ElementCount); }
@inline export function recRank(rec: usize): i32 { return recordWord(rec, BufferField.Rank); }
@inline export function recDim(rec: usize, k: i32): i32 { return recordWord(rec, BufferField.Dims + k); }

// ---- variable records ------------------------------------------------------

@inline export function varRecord(plan: Plan, index: i32): usize {
  return plan.vars + (<usize>(index * VAR_WORDS) << 2);
}
@inline export function varSlot(rec: usize): i32 { return recordWord(rec, VarField.Slot); }
@inline export function varDType(rec: usize): i32 { return recordWord(rec, VarField.DType); }
@inline export function varCount(rec: usize): i32 { return recordWord(rec, VarField.ElementCount); }

/** Element size in bytes of a dtype code; 0 for an unknown code. */
export function dtypeSize(code: i32): i32 {
  if (code == DTypeCode.float32 || code == DTypeCode.int32) return 4;
  if (code == DTypeCode.bool) return 1;
  return 0;
}

@inline export function recBytes(rec: usize): usize {
  return <usize>recCount(rec) * <usize>dtypeSize(recDType(rec));
}

// ---- steps -----------------------------------------------------------------
// A step record: kernel, nIn, nOut, nAttr, in[nIn], out[nOut], attr[nAttr].

@inline export function stepKernel(step: usize): i32 { return load<i32>(step); }
@inline export function stepNumIn(step: usize): i32 { return load<i32>(step, 4); }
@inline export function stepNumOut(step: usize): i32 { return load<i32>(step, 8); }
@inline export function stepNumAttr(step: usize): i32 { return load<i32>(step, 12); }
@inline export function stepIn(step: usize, i: i32): i32 {
  return load<i32>(step + 16 + (<usize>i << 2));
}
@inline export function stepOut(step: usize, i: i32): i32 {
  return load<i32>(step + 16 + (<usize>(stepNumIn(step) + i) << 2));
}
@inline export function stepAttr(step: usize, i: i32): i32 {
  return load<i32>(step + 16 + (<usize>(stepNumIn(step) + stepNumOut(step) + i) << 2));
}
@inline export function stepWords(step: usize): i32 {
  return 4 + stepNumIn(step) + stepNumOut(step) + stepNumAttr(step);
}

// ---- lifetime --------------------------------------------------------------

/** Wraps validated plan bytes (taking ownership); 0 when out of memory. */
export function planCreate(bytes: usize, length: i32): Plan {
  const plan = changetype<Plan>(sf_alloc(offsetof<Plan>()));
  if (!changetype<usize>(plan)) return plan;
  memory.fill(changetype<usize>(plan), 0, offsetof<Plan>());
  plan.bytes = bytes;
  plan.length = length;
  plan.numBuffers = headerWord(bytes, Header.NumBuffers);
  plan.numSteps = headerWord(bytes, Header.NumSteps);
  plan.numVars = headerWord(bytes, Header.NumVars);
  plan.numFeeds = headerWord(bytes, Header.NumFeeds);
  plan.numFetches = headerWord(bytes, Header.NumFetches);
  plan.arenaBytes = headerWord(bytes, Header.ArenaBytes);
  plan.buffers = bytes + (<usize>headerWord(bytes, Header.BuffersOffset) << 2);
  plan.vars = bytes + (<usize>headerWord(bytes, Header.VarsOffset) << 2);
  plan.feeds = bytes + (<usize>headerWord(bytes, Header.FeedsOffset) << 2);
  plan.fetches = bytes + (<usize>headerWord(bytes, Header.FetchesOffset) << 2);
  plan.steps = bytes + (<usize>headerWord(bytes, Header.StepsOffset) << 2);
  plan.consts = bytes + <usize>headerWord(bytes, Header.ConstByteOffset);
  plan.pointers = sf_alloc(<usize>plan.numBuffers * sizeof<usize>());
  if (!plan.pointers) {
    sf_free(changetype<usize>(plan));
    return changetype<Plan>(0);
  }
  return plan;
}

/** Frees the plan, its bytes, its pointer table and its per-step caches. */
export function planDestroy(plan: Plan): void {
  if (plan.stepCache) {
    for (let i = 0; i < plan.numSteps; i++) sf_free(load<usize>(plan.stepCache + (<usize>i << alignof<usize>())));
    sf_free(plan.stepCache);
  }
  sf_free(plan.pointers);
  sf_free(plan.bytes);
  sf_free(changetype<usize>(plan));
}

/** Recomputes every buffer's address when the session arena has moved. */
export function planResolve(plan: Plan, arena: usize): void {
  if (plan.resolvedArena == arena) return;
  for (let id = 0; id < plan.numBuffers; id++) {
    const rec = bufferRecord(plan, id);
    const base = recRegion(rec) == Region.Arena ? arena : plan.consts;
    store<usize>(plan.pointers + (<usize>id << alignof<usize>()), base + <usize>recOffset(rec));
  }
  plan.resolvedArena = arena;
}

@inline export function bufferPointer(plan: Plan, id: i32): usize {
  return load<usize>(plan.pointers + (<usize>id << alignof<usize>()));
}

/** Address of the feed's (or fetch's) arena buffer, relative to the arena. */
export function slotOffset(plan: Plan, list: usize, i: i32): i32 {
  return recOffset(bufferRecord(plan, load<i32>(list + (<usize>i << 2))));
}

export function slotBytes(plan: Plan, list: usize, i: i32): i32 {
  return <i32>recBytes(bufferRecord(plan, load<i32>(list + (<usize>i << 2))));
}
