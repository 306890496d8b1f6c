// Per-session random stream counters: Random and Shuffle steps name a stream,
// and the session counts the runs of each one, so a rerun of a plan draws new
// numbers while two sessions with the same seeds draw the same ones.
//
//   if (!streamsReserve(s, planStreamCount(plan))) ...; // at plan load
//   const r = streamTake(s, stream);                    // per run of the step
import { Kernel } from './generated/plan_format';
import { sf_alloc_zeroed, sf_free } from './allocator';
import { Plan, stepAttr, stepKernel, stepWords } from './plan';
import { Session } from './session';

/** Streams index a per-session table of u32 counters; bound them like var slots. */
export const MAX_STREAM: i32 = 1 << 20;

/** The stream attribute of a Random or Shuffle step, else -1. */
export function stepStream(step: usize): i32 {
  const kernel = stepKernel(step);
  if (kernel == Kernel.Random) return stepAttr(step, 3);
  if (kernel == Kernel.Shuffle) return stepAttr(step, 2);
  return -1;
}

/** One more than the largest stream a (validated) plan uses. */
export function planStreamCount(plan: Plan): i32 {
  let top = -1;
  let step = plan.steps;
  for (let i = 0; i < plan.numSteps; i++) {
    top = max(top, stepStream(step));
    step += <usize>stepWords(step) << 2;
  }
  return top + 1;
}

/** Grows the counter table to `count` streams (new ones start at 0); false when out of memory. */
export function streamsReserve(s: Session, count: i32): bool {
  if (count <= s.streamCapacity) return true;
  const table = sf_alloc_zeroed(<usize>count << 2);
  if (!table) return false;
  if (s.streams) memory.copy(table, s.streams, <usize>s.streamCapacity << 2);
  sf_free(s.streams);
  s.streams = table;
  s.streamCapacity = count;
  return true;
}

/** The number of earlier runs of `stream` in this session, then counts this one. */
export function streamTake(s: Session, stream: i32): u32 {
  const at = s.streams + (<usize>stream << 2);
  const r = load<u32>(at);
  store<u32>(at, r + 1);
  return r;
}
