// The addon is context-aware: several worker_threads load sessionflow (the
// dist build) at once, each training in its own sessions, while the main
// thread's sessions keep their values. A worker terminated mid-run leaves the
// process healthy.
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

const script = new URL('./fixtures/worker-train.mjs', import.meta.url);

function runWorker(data: object): Promise<Record<string, { backend: string; w: number; c: number; tag: number; first: number; last: number }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: data });
    worker.once('message', (result) => { resolve(result); void worker.terminate(); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`worker exited with ${code}`)); });
  });
}

describe('worker_threads', () => {
  it('train in parallel in several workers; the main thread\'s sessions are unaffected', async () => {
    const graph = new tf.Graph();
    const { v, assign } = graph.asDefault(() => {
      const v = new tf.Variable(0, { name: 'main' });
      return { v, assign: v.assign(7) };
    });
    const mains = BACKENDS.map((backend) => new tf.Session({ graph, backend }));
    mains.forEach((sess) => sess.run(assign));

    const slopes = [1.5, -2, 3.25, 0.5];
    const results = await Promise.all(slopes.map((a, i) => runWorker({ a, b: i - 1, backends: BACKENDS, steps: 120 })));
    results.forEach((result, i) => {
      for (const backend of BACKENDS) {
        const r = result[backend];
        expect(r.backend).toBe(backend);
        expect(r.tag).toBe(Math.round(slopes[i] * 1000));
        expect(r.last).toBeLessThan(r.first * 1e-3);
        expect(r.w).toBeCloseTo(slopes[i], 2);
        expect(r.c).toBeCloseTo(i - 1, 2);
      }
    });
    mains.forEach((sess) => {
      expect(sess.run(v).item()).toBe(7);
      sess.close();
    });
  });

  it('a worker terminated while it runs leaves the process and other sessions working', async () => {
    const worker = new Worker(script, { workerData: { a: 1, b: 0, backends: BACKENDS, steps: 1_000_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await worker.terminate()).toBe(1);
    const result = await runWorker({ a: 2, b: 1, backends: BACKENDS, steps: 100 });
    for (const backend of BACKENDS) expect(result[backend].w).toBeCloseTo(2, 2);
  });
});
