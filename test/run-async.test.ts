// Session.runAsync: the same values as run; on native the run happens on a
// libuv worker thread (the event loop stays free); runs on one session are
// serialized in call order; close() during a run lets it finish first.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

function seedGraph() {
  const graph = new tf.Graph();
  const parts = graph.asDefault(() => {
    const v = new tf.Variable(42, { name: 'foo' });
    const x = tf.placeholder(tf.float32, [null, 3], 'x');
    const w = new tf.Variable(tf.ones([3, 2]), { name: 'w' });
    return {
      v, init: tf.initializeAllVariables(), assign: v.assign(13), increment: v.assignAdd(1),
      y: tf.nn.relu(tf.add(tf.matmul(x, w), 1)), mean: tf.reduceMean(x),
    };
  });
  return { graph, ...parts };
}

/** A plan long enough to watch: `depth` chained n×n matmuls, scaled to stay finite. */
function longGraph(n: number, depth: number) {
  const graph = new tf.Graph();
  const out = graph.asDefault(() => {
    let x: tf.Tensor = tf.placeholder(tf.float32, [n, n], 'x');
    const w = tf.fill([n, n], 1 / n);
    for (let i = 0; i < depth; i++) x = tf.matmul(x, w);
    return tf.reduceSum(x);
  });
  return { graph, out, feeds: { x: new tf.NDArray(new Float32Array(n * n).fill(1), [n, n]) } };
}

describe.each(BACKENDS)('runAsync on %s', (backend) => {
  it('gives what run gives: values, structures, feeds and errors', async () => {
    const { graph, v, init, assign, y, mean } = seedGraph();
    using sess = new tf.Session({ graph, backend });
    await expect(sess.runAsync(v)).rejects.toThrow(tf.errors.FailedPreconditionError);
    await expect(sess.runAsync(v)).rejects.toThrow('Attempting to use uninitialized value foo');
    expect(await sess.runAsync(init)).toBeNull();
    await sess.runAsync(assign);
    const feeds = { x: [[1, 2, 3], [-4, -5, -6]] };
    const asyncResult = await sess.runAsync({ v, pair: [y, mean] }, feeds);
    const syncResult = sess.run({ v, pair: [y, mean] }, feeds);
    expect(asyncResult.v.toArray()).toEqual(13);
    expect(asyncResult.pair[0].toArray()).toEqual(syncResult.pair[0].toArray());
    expect(asyncResult.pair[0].toArray()).toEqual([[7, 7], [0, 0]]);
    expect(asyncResult.pair[1].item()).toBe(syncResult.pair[1].item());
    await expect(sess.runAsync(y, { x: [[1, 2]] })).rejects.toThrow(tf.errors.InvalidArgumentError);
    expect((await sess.runAsync(v)).item()).toBe(13); // still usable after a failure
  });

  it('serializes calls on one session in call order; run and explain throw while one is pending', async () => {
    const { graph, v, init, increment } = seedGraph();
    using sess = new tf.Session({ graph, backend });
    sess.run(init);
    const runs = [sess.runAsync(increment), sess.runAsync(v), sess.runAsync(increment), sess.runAsync(v)];
    expect(() => sess.run(v)).toThrow(tf.errors.RuntimeError);
    expect(() => sess.run(v)).toThrow(/runAsync\(\) call\(s\) on this session are pending: runs on one session are serialized/);
    expect(() => sess.explain(v)).toThrow(/pending/);
    const values = (await Promise.all(runs)).map((r) => r?.item());
    expect(values).toEqual([43, 43, 44, 44]);
    expect(sess.run(v).item()).toBe(44);
  });

  it('reads the feeds at the call: changing them afterwards changes nothing', async () => {
    const { graph, mean } = seedGraph();
    using sess = new tf.Session({ graph, backend });
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const pending = sess.runAsync(mean, { x: new tf.NDArray(data, [2, 3]) });
    data.fill(100);
    expect((await pending).item()).toBe(3.5);
  });

  it('close() while a run is in flight: that run finishes, queued ones reject, memory is freed after', async () => {
    const { graph, v, init, increment } = seedGraph();
    const sess = new tf.Session({ graph, backend });
    sess.run(init);
    const inFlight = sess.runAsync(increment);
    const queued = sess.runAsync(v);
    sess.close();
    expect((await inFlight).item()).toBe(43);
    await expect(queued).rejects.toThrow('Attempted to use a closed Session.');
    await expect(sess.runAsync(v)).rejects.toThrow('Attempted to use a closed Session.');
  });
});

describe.runIf(BACKENDS.includes('native'))('runAsync on native, off the main thread', () => {
  it('keeps the event loop responsive while a long run is in flight', async () => {
    let depth = 4;
    let long = longGraph(384, depth);
    using probe = new tf.Session({ graph: long.graph, backend: 'native' });
    let started = performance.now();
    probe.run(long.out, long.feeds);
    // Grow the plan until one run takes at least ~150 ms here.
    while (performance.now() - started < 150 && depth < 256) {
      depth *= 2;
      long = longGraph(384, depth);
      using sess = new tf.Session({ graph: long.graph, backend: 'native' });
      sess.run(long.out, long.feeds); // compile and warm up
      started = performance.now();
      sess.run(long.out, long.feeds);
    }
    using sess = new tf.Session({ graph: long.graph, backend: 'native' });
    const expected = sess.run(long.out, long.feeds).item();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 5);
    const t0 = performance.now();
    const pending = sess.runAsync(long.out, long.feeds);
    const result = await pending;
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    expect(result.item()).toBe(expected);
    expect(elapsed).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(Math.min(5, Math.floor(elapsed / 20)));
  });

  it('a sync run of another session proceeds while one runs async', async () => {
    const long = longGraph(256, 16);
    const { graph, v, init } = seedGraph();
    using busy = new tf.Session({ graph: long.graph, backend: 'native' });
    using other = new tf.Session({ graph, backend: 'native' });
    other.run(init);
    const pending = busy.runAsync(long.out, long.feeds);
    expect(other.run(v).item()).toBe(42);
    expect((await pending).item()).toBeCloseTo(256 * 256, -2);
  });
});

describe('tf.ready() in Node', () => {
  it('resolves at once to the default backend; sessions never needed it', async () => {
    expect(await tf.ready()).toBe(BACKENDS[0]);
  });
});
