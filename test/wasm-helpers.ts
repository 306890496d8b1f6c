// The wasm backend under test and ways to run plans on it, for the wasm-*.test.ts files.
import { setFlagsFromString } from 'node:v8';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Kernel, type KernelId } from '../src/compiler/plan-format.js';
import { float32, type DType, type TypedArray } from '../src/graph/dtypes.js';
import type { BackendSession, EncodedPlan } from '../src/runtime/backend.js';
import { packageRoot } from '../src/runtime/package-root.js';
import { createWasmBackend, loadWasmBackend, relaxedSimdSupported } from '../src/runtime/wasm-backend.js';
import type { WasmBackend } from '../src/runtime/wasm-core.js';
import { build, computeOn, withWord } from './plan-helpers.js';

export const backend = loadWasmBackend();

/**
 * Both builds of the module, by name: the SIMD128 baseline, and the
 * relaxed-SIMD one where the engine validates it (Node 20 needs V8's flag,
 * set here; it is on by default from Node 22).
 */
export function moduleBuilds(): [string, WasmBackend][] {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  const builds: [string, WasmBackend][] = [['simd', loadWasmBackend({ simd: 'baseline' })]];
  if (relaxedSimdSupported()) {
    const relaxed = readFileSync(join(packageRoot(), 'dist', 'sessionflow-relaxed.wasm'));
    builds.push(['relaxed-simd', createWasmBackend(new WebAssembly.Module(relaxed), 'relaxed-simd')]);
  }
  return builds;
}

/** Runs a one-step plan over fed inputs and returns the single output. */
export function compute(inputs: [DType, number[], TypedArray][], out: [DType, number[]], kernel: KernelId, attrs: number[] = []): ArrayBuffer {
  return computeOn(backend, inputs.map(([dtype, shape, data]) => ({ dtype, shape, data, fed: true })), out, kernel, attrs);
}

export function copyPlan(n: number): EncodedPlan {
  return build([{ dtype: float32, shape: [n] }, { dtype: float32, shape: [n] }], [[Kernel.Copy, [0], [1]]], [0], [1]);
}

interface Corruption { seed: number; trials: number; maxEdits: number; values: number[] }

/**
 * Loads and runs `good` with one to `maxEdits` words set to one of `values`,
 * `trials` times: INVALID_PLAN or a RangeError, never a trap; over 100 load.
 */
export function expectNoTrapOnCorruption(session: BackendSession, good: EncodedPlan, feeds: () => Uint8Array[], c: Corruption): void {
  let seed = c.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = good.bytes.length / 4;
  let loaded = 0;
  for (let trial = 0; trial < c.trials; trial++) {
    let bad = good;
    for (let m = 1 + Math.floor(random() * c.maxEdits); m > 0; m--) bad = withWord(bad, Math.floor(random() * words), c.values[Math.floor(random() * c.values.length)]);
    try {
      const plan = session.loadPlan(bad);
      loaded++;
      session.run(plan, feeds());
      session.freePlan(plan);
    } catch (e) {
      if ((e as { code?: string }).code !== 'INVALID_PLAN' && !(e instanceof RangeError)) throw e;
    }
  }
  expect(loaded).toBeGreaterThan(100);
}
