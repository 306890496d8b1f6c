// The native backend under test and ways to run plans on it, for the native-*.test.ts files.
import { expect } from 'vitest';
import type { TypedArray } from '../src/graph/dtypes.js';
import type { RunFailure } from '../src/runtime/backend.js';
import { loadNativeAddon, loadNativeBackend } from '../src/runtime/native-backend.js';
import { bytesOf, encoded, ok, runFresh, type PlanSpec } from './plan-helpers.js';

export const backend = loadNativeBackend();

/** Loads and runs a plan in a fresh session; returns the fetches or the failure. */
export const runPlan = (spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] | RunFailure => runFresh(backend, spec, feeds);

/** Runs a plan in a fresh session; throws on a failure. */
export const fetchAll = (spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] => ok(runPlan(spec, feeds));

/** Runs a plan in a fresh session with `threads` intra-op threads. */
export const fetchWith = (threads: number, spec: PlanSpec, feeds: TypedArray[] = []): ArrayBuffer[] =>
  ok(runFresh(backend, spec, feeds, { intraOpParallelismThreads: threads }));

/**
 * Loads `spec` corrupted one to three words at a time, 3000 times: each load
 * fails with INVALID_PLAN or OUT_OF_MEMORY, or the plan runs (a RangeError for
 * feeds it no longer wants), never a crash.
 */
export function expectNoCrashOnCorruption(spec: PlanSpec, seed: number): void {
  const session = loadNativeAddon().createSession({});
  const base = encoded(spec).bytes;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let loaded = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const bytes = base.slice();
    const w = new Int32Array(bytes.buffer);
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
      const at = Math.floor(random() * w.length);
      w[at] = random() < 0.7 ? Math.floor(random() * 12) - 3 : (random() * 2 ** 32) | 0;
    }
    let id: number;
    try {
      id = session.loadPlan(bytes);
    } catch (e) {
      expect(['INVALID_PLAN', 'OUT_OF_MEMORY']).toContain((e as { code?: string }).code);
      continue;
    }
    loaded++;
    // A surviving plan may now want other feeds: a RangeError, never a crash.
    try { session.run(id, [bytesOf(new Float32Array(4))]); } catch (e) { expect(e).toBeInstanceOf(RangeError); }
    session.freePlan(id);
  }
  expect(loaded).toBeGreaterThan(5);
  session.close();
}
