// A session: a 64-byte aligned arena grown to the largest loaded plan's
// arenaBytes, per-slot variable storage with initialised flags, and the list
// of plans it owns. All of it lives in the module's allocator.
//
//   const s = sessionCreate();
//   const plan = sessionLoadPlan(s, bytes, length); // 0: see lastStatus
//   sessionDestroy(s);                              // frees everything
import { Status } from './generated/plan_format';
import { sf_alloc, sf_alloc_zeroed, sf_free } from './allocator';
import { Plan, planCreate, planDestroy, varRecord, varSlot } from './plan';
import { planValidate } from './validate';
import { stepsValidate } from './validate-steps';
import { fail, lastStatus, saturatedBytes, statusReset, statusSet } from './status';
import { planStreamCount, streamsReserve } from './streams';
import { matmulPrepare } from './kernels/matmul-cache';

@unmanaged export class Session {
  arena: usize;
  arenaBytes: i32;
  vars: usize;
  varCapacity: i32;
  plans: usize;
  /** u32 run counters of the random streams (streams.ts). */
  streams: usize;
  streamCapacity: i32;
}

/** A variable's storage: 16 bytes per slot in the session's var table. */
@unmanaged export class VarEntry {
  data: usize;
  bytes: i32;
  initialized: i32;
  /** Bumped after every step that writes the variable (executor.ts). */
  version: i32;
}

const MIN_ARENA: i32 = 64;

export function sessionCreate(): Session {
  const s = changetype<Session>(sf_alloc_zeroed(offsetof<Session>()));
  if (!changetype<usize>(s)) return s;
  s.arena = sf_alloc(MIN_ARENA);
  if (!s.arena) {
    sf_free(changetype<usize>(s));
    return changetype<Session>(0);
  }
  s.arenaBytes = MIN_ARENA;
  return s;
}

export function sessionVar(s: Session, slot: i32): VarEntry {
  return changetype<VarEntry>(s.vars + (<usize>slot << 4));
}

export function sessionDestroy(s: Session): void {
  while (s.plans) sessionFreePlan(s, changetype<Plan>(s.plans));
  for (let i = 0; i < s.varCapacity; i++) sf_free(sessionVar(s, i).data);
  sf_free(s.vars);
  sf_free(s.streams);
  sf_free(s.arena);
  sf_free(changetype<usize>(s));
}

/** Grows the var table to hold `slots` entries; false when out of memory. */
function varsReserve(s: Session, slots: i32): bool {
  if (slots <= s.varCapacity) return true;
  const table = sf_alloc_zeroed(<usize>slots << 4);
  if (!table) return false;
  if (s.vars) memory.copy(table, s.vars, <usize>s.varCapacity << 4);
  sf_free(s.vars);
  s.vars = table;
  s.varCapacity = slots;
  return true;
}

/** Replaces the arena by a larger one; contents need not survive between runs. */
function arenaReserve(s: Session, bytes: i32): bool {
  if (bytes <= s.arenaBytes) return true;
  const arena = sf_alloc(<usize>bytes);
  if (!arena) return false;
  sf_free(s.arena);
  s.arena = arena;
  s.arenaBytes = bytes;
  return true;
}

function maxSlot(plan: Plan): i32 {
  let top = -1;
  for (let i = 0; i < plan.numVars; i++) top = max(top, varSlot(varRecord(plan, i)));
  return top;
}

function reserveFor(s: Session, plan: Plan): i32 {
  if (!varsReserve(s, maxSlot(plan) + 1)) {
    return fail(Status.OutOfMemory, saturatedBytes(<u64>(maxSlot(plan) + 1) << 4));
  }
  if (!arenaReserve(s, plan.arenaBytes)) return fail(Status.OutOfMemory, plan.arenaBytes);
  const streams = planStreamCount(plan);
  if (!streamsReserve(s, streams)) return fail(Status.OutOfMemory, saturatedBytes(<u64>streams << 2));
  return Status.Ok;
}

function planAttach(s: Session, plan: Plan): void {
  plan.session = changetype<usize>(s);
  plan.next = s.plans;
  if (s.plans) changetype<Plan>(s.plans).prev = changetype<usize>(plan);
  s.plans = changetype<usize>(plan);
}

/**
 * Validates and adopts the plan bytes (always taking ownership); 0 on failure,
 * with lastStatus set and failStep the first invalid step (-1: header or tables).
 */
export function sessionLoadPlan(s: Session, bytes: usize, length: i32): Plan {
  statusReset();
  if (!planValidate(bytes, length)) {
    sf_free(bytes);
    statusSet(Status.InvalidPlan, -1);
    return changetype<Plan>(0);
  }
  const plan = planCreate(bytes, length);
  let status = changetype<usize>(plan) ? Status.Ok : fail(Status.OutOfMemory, length);
  const badStep = status == Status.Ok ? stepsValidate(plan) : -1;
  if (badStep >= 0) status = Status.InvalidPlan;
  if (status == Status.Ok) status = reserveFor(s, plan);
  if (status == Status.Ok) status = matmulPrepare(plan);
  if (status == Status.Ok) {
    planAttach(s, plan);
    return plan;
  }
  if (changetype<usize>(plan)) planDestroy(plan);
  else sf_free(bytes);
  statusSet(status, badStep);
  return changetype<Plan>(0);
}

/** True when `plan` is on the session's list (handles from JS are checked). */
export function sessionOwns(s: Session, plan: usize): bool {
  for (let p = s.plans; p; p = changetype<Plan>(p).next) if (p == plan) return true;
  return false;
}

/** Unlinks and frees a plan of this session; false when it is not one. */
export function sessionFreePlan(s: Session, plan: Plan): bool {
  if (!sessionOwns(s, changetype<usize>(plan))) return false;
  if (plan.prev) changetype<Plan>(plan.prev).next = plan.next;
  else s.plans = plan.next;
  if (plan.next) changetype<Plan>(plan.next).prev = plan.prev;
  planDestroy(plan);
  return true;
}

export { lastStatus };
