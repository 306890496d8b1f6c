// Shared helpers: the backends to cover, and running a freshly built graph.
import { expect } from 'vitest';
import * as tf from '../src/index.js';

/**
 * Every behaviour is checked on each backend that loads. CI must have both: a
 * test in session.test.ts fails there when the native addon did not build.
 */
export const BACKENDS = tf.availableBackends();

/** Builds a graph with `build`, runs its result in a new session on `backend`, closes it. */
export function evaluate<F extends tf.Fetches>(backend: tf.BackendName, build: () => F, feeds?: (f: F) => tf.Feeds): tf.FetchResult<F> {
  const graph = new tf.Graph();
  const fetches = graph.asDefault(build);
  const sess = new tf.Session({ graph, backend });
  try {
    return sess.run(fetches, feeds?.(fetches));
  } finally {
    sess.close();
  }
}

/** Runs a one-tensor graph and returns its value as nested arrays. */
export function value(backend: tf.BackendName, build: () => tf.Tensor): unknown {
  return (evaluate(backend, build) as tf.NDArray).toArray();
}

type Nested = number | boolean | Nested[];

/** Elementwise |a - e| <= atol + rtol * |e|, with NaN matching NaN and shapes equal. */
export function expectClose(actual: tf.NDArray | unknown, expected: Nested, rtol = 1e-6, atol = 1e-6): void {
  const got = actual instanceof tf.NDArray ? actual.toArray() : actual;
  const walk = (a: unknown, e: Nested, path: string) => {
    if (Array.isArray(e)) {
      expect(Array.isArray(a), `${path} should be an array`).toBe(true);
      expect((a as unknown[]).length, `${path} length`).toBe(e.length);
      e.forEach((item, i) => walk((a as unknown[])[i], item, `${path}[${i}]`));
      return;
    }
    if (typeof e === 'number' && Number.isNaN(e)) { expect(Number.isNaN(a as number), `${path} should be NaN, got ${a}`).toBe(true); return; }
    if (typeof e === 'number' && !Number.isFinite(e)) { expect(a, path).toBe(e); return; }
    if (typeof e === 'number') {
      expect(Math.abs((a as number) - e), `${path}: got ${a}, expected ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
      return;
    }
    expect(a, path).toBe(e);
  };
  walk(got, expected, 'value');
}

/** float32 rounding of a JS number, for expectations computed in float64. */
export const f32 = Math.fround;
