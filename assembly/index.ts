// The module's exports: every symbol the TypeScript wrapper
// (src/runtime/wasm-backend.ts) calls, and nothing else.
//
//   const s = sf_session_create();
//   const bytes = sf_memory_alloc(n);   // the wrapper copies the plan here
//   const plan = sf_plan_load(s, bytes, n); // 0: sf_status_last() says why
//   // write feeds at sf_session_arena(s) + offset, then:
//   const status = sf_session_run(s, plan); // sf_failure_step/arg on error
//   sf_session_destroy(s);
import { sf_alloc, sf_free, sf_heap_bytes } from './allocator';
import { Plan, slotBytes, slotOffset } from './plan';
import {
  Session, sessionCreate, sessionDestroy, sessionFreePlan, sessionLoadPlan, sessionOwns,
} from './session';
import { sessionRun } from './executor';
import { failArg, failStep, lastStatus } from './status';
import { Status } from './generated/plan_format';
import { philox, philoxWord } from './kernels/philox';

// ---- memory --------------------------------------------------------------------

/** 64-byte aligned bytes for the wrapper to fill (plan bytes); 0 when out of memory. */
export function sf_memory_alloc(bytes: usize): usize { return sf_alloc(bytes); }
export function sf_memory_free(ptr: usize): void { sf_free(ptr); }
/** Bytes spanned by the heap (it never shrinks, but freed blocks are reused). */
export function sf_memory_heap_bytes(): usize { return sf_heap_bytes(); }

// ---- sessions ------------------------------------------------------------------

/** A new session handle, or 0 when out of memory. */
export function sf_session_create(): usize { return changetype<usize>(sessionCreate()); }
/** Frees the arena, the variables and every plan of the session. */
export function sf_session_destroy(session: usize): void { sessionDestroy(changetype<Session>(session)); }
/** The arena base; it moves only when a plan is loaded. */
export function sf_session_arena(session: usize): usize { return changetype<Session>(session).arena; }

/** Runs a plan of this session once; returns a Status. */
export function sf_session_run(session: usize, plan: usize): i32 {
  const s = changetype<Session>(session);
  if (!sessionOwns(s, plan)) return Status.InvalidPlan;
  return sessionRun(s, changetype<Plan>(plan));
}

// ---- plans -----------------------------------------------------------------------

/** Validates and adopts `length` plan bytes at `bytes` (always taking ownership). */
export function sf_plan_load(session: usize, bytes: usize, length: i32): usize {
  return changetype<usize>(sessionLoadPlan(changetype<Session>(session), bytes, length));
}
/** 1 when the plan belonged to the session and is now freed, else 0. */
export function sf_plan_free(session: usize, plan: usize): i32 {
  return sessionFreePlan(changetype<Session>(session), changetype<Plan>(plan)) ? 1 : 0;
}
export function sf_plan_arena_bytes(plan: usize): i32 { return changetype<Plan>(plan).arenaBytes; }
export function sf_plan_feed_count(plan: usize): i32 { return changetype<Plan>(plan).numFeeds; }
export function sf_plan_fetch_count(plan: usize): i32 { return changetype<Plan>(plan).numFetches; }
export function sf_plan_feed_offset(plan: usize, i: i32): i32 {
  const p = changetype<Plan>(plan);
  return slotOffset(p, p.feeds, i);
}
export function sf_plan_feed_bytes(plan: usize, i: i32): i32 {
  const p = changetype<Plan>(plan);
  return slotBytes(p, p.feeds, i);
}
export function sf_plan_fetch_offset(plan: usize, i: i32): i32 {
  const p = changetype<Plan>(plan);
  return slotOffset(p, p.fetches, i);
}
export function sf_plan_fetch_bytes(plan: usize, i: i32): i32 {
  const p = changetype<Plan>(plan);
  return slotBytes(p, p.fetches, i);
}

// ---- status ------------------------------------------------------------------------

/** The Status of the last load or run. */
export function sf_status_last(): i32 { return lastStatus; }
/** The step index of the last failed run (-1 outside a run). */
export function sf_failure_step(): i32 { return failStep; }
/** The failure's status-specific argument (var index, bytes requested). */
export function sf_failure_arg(): i32 { return failArg; }

// ---- testing -----------------------------------------------------------------------

/** Word k of Philox4x32-10 on counter (c0..c3) and key (k0, k1): known-answer tests. */
export function sf_philox_test(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, k: i32): u32 {
  philox(c0, c1, c2, c3, k0, k1);
  return philoxWord(k & 3);
}

/** 1 in the relaxed-SIMD build (dist/sessionflow-relaxed.wasm), so loaders can tell the files apart. */
export function sf_build_relaxed_simd(): i32 { return ASC_FEATURE_RELAXED_SIMD ? 1 : 0; }
