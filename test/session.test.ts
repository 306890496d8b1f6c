// Sessions: the seed walkthrough, fetch and feed structures, pruning, plan
// caching, independence of sessions and ownership of results, on every backend.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

describe('backends', () => {
  it('both backends load in CI', () => {
    if (process.env.CI) expect(BACKENDS).toEqual(['native', 'wasm']);
    expect(BACKENDS).toContain('wasm');
  });

  it("'auto' prefers the native addon", () => {
    const sess = new tf.Session({ graph: new tf.Graph() });
    expect(sess.backend).toBe(BACKENDS.includes('native') ? 'native' : 'wasm');
    sess.close();
  });
});

describe.each(BACKENDS)('Session on %s', (backend) => {
  it('runs the seed walkthrough verbatim', () => {
    const graph = new tf.Graph();
    const { variable, initialize, assign } = graph.asDefault(() => {
      const variable = new tf.Variable(42, { name: 'foo' });
      const initialize = tf.initializeAllVariables();
      const assign = variable.assign(13);
      return { variable, initialize, assign };
    });
    {
      using sess = new tf.Session({ graph, backend });
      sess.run(initialize);
      sess.run(assign);
      const value = sess.run(variable);
      expect(value.item()).toBe(13);
      expect(String(value)).toBe('13');
    }
    {
      using sess = new tf.Session({ graph, backend });
      expect(() => sess.run(variable)).toThrow(tf.errors.FailedPreconditionError);
      expect(() => sess.run(variable)).toThrow(/Attempting to use uninitialized value foo/);
    }
    {
      using sess = new tf.Session({ graph, backend });
      sess.run(initialize);
      expect(String(sess.run(variable))).toBe('42');
    }
  });

  it('uses the default graph when none is given', () => {
    const graph = new tf.Graph();
    graph.asDefault(() => {
      const c = tf.constant([1, 2]);
      using sess = new tf.Session({ backend });
      expect(sess.graph).toBe(graph);
      expect(sess.backend).toBe(backend);
      expect(sess.run(c).toArray()).toEqual([1, 2]);
    });
  });

  it('fetches nested arrays, objects, names and operations', () => {
    const graph = new tf.Graph();
    const { a, b, noop } = graph.asDefault(() => ({
      a: tf.constant(1, { name: 'a' }), b: tf.constant([2, 3], { name: 'b' }), noop: tf.noOp('nothing'),
    }));
    using sess = new tf.Session({ graph, backend });
    const out = sess.run({ first: [a, { deep: b }], op: noop, byName: 'b:0', opName: 'a' });
    expect(out.first[0].item()).toBe(1);
    expect(out.first[1].deep.toArray()).toEqual([2, 3]);
    expect(out.op).toBeNull();
    expect(out.byName.toArray()).toEqual([2, 3]);
    expect(out.opName).toBeNull();
    const [x, y] = sess.run([a, a]);
    expect(x).not.toBe(y);
  });

  it('feeds by Map (tensor or name keys) and by object, with null dims taking the fed size', () => {
    const graph = new tf.Graph();
    const { x, y } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 2], 'x');
      return { x, y: tf.reduceSum(x, 0) };
    });
    using sess = new tf.Session({ graph, backend });
    expect(sess.run(y, new Map([[x, [[1, 2], [3, 4], [5, 6]]]])).toArray()).toEqual([9, 12]);
    expect(sess.run(y, new Map([['x:0', [[1, 1]]]])).toArray()).toEqual([1, 1]);
    expect(sess.run(y, { x: new tf.NDArray(Float32Array.of(1, 2), [1, 2]) }).toArray()).toEqual([1, 2]);
  });

  it('feeds any tensor, not only placeholders, and skips its producer', () => {
    const graph = new tf.Graph();
    const { mid, out } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2], 'x');
      const mid = tf.mul(x, 2, 'mid');
      return { mid, out: tf.add(mid, 1) };
    });
    using sess = new tf.Session({ graph, backend });
    // x is never fed: feeding mid prunes it away.
    expect(sess.run(out, new Map([[mid, [10, 20]]])).toArray()).toEqual([11, 21]);
    expect(sess.run(out, { x: [1, 2] }).toArray()).toEqual([3, 5]);
  });

  it('big feeds give the same results, also when the feed itself is fetched', () => {
    const graph = new tf.Graph();
    const { x, y, s } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null], 'x');
      return { x, y: tf.add(tf.mul(x, 2), 1), s: tf.reduceSum(x) };
    });
    using sess = new tf.Session({ graph, backend });
    const n = 100_000; // 400 KB: native reads feeds this large in place
    const data = Float32Array.from({ length: n }, (_, i) => (i % 7) - 3);
    const [doubled, echoed] = sess.run([y, x], new Map([[x, new tf.NDArray(data, [n])]]));
    expect(Array.from(doubled.data.subarray(0, 8))).toEqual([-5, -3, -1, 1, 3, 5, 7, -5]);
    expect(doubled.data[n - 1]).toBe(2 * (((n - 1) % 7) - 3) + 1);
    expect(Array.from(echoed.data)).toEqual(Array.from(data));
    const again = sess.run(y, new Map([[x, new tf.NDArray(data.map((v) => -v), [n])]]));
    expect(Array.from(again.data.subarray(0, 3))).toEqual([7, 5, 3]);
    // sum of (i % 7) - 3 over 0..n-1: each full cycle sums to 0
    expect(sess.run(s, new Map([[x, new tf.NDArray(data, [n])]])).item()).toBe([...Array(n % 7).keys()].reduce((a, i) => a + i - 3, 0));
  });

  it('gives bit-identical results for any intra-op thread count', () => {
    const graph = new tf.Graph();
    const { x, y, s } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null], 'x');
      const y = tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(x, 1.5), 0.5)), tf.sigmoid(x)), tf.mul(0.25, x));
      return { x, y, s: tf.reduceSum(y) };
    });
    const n = 300_000; // large enough that native splits the fused step across threads
    const data = new tf.NDArray(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4), [n]);
    const results = [1, 2, 3].map((threads) => {
      using sess = new tf.Session({ graph, backend, config: { intraOpParallelismThreads: threads } });
      return sess.run([y, s], new Map([[x, data]]));
    });
    for (const [y2, s2] of results.slice(1)) {
      expect(Array.from(y2.data)).toEqual(Array.from(results[0][0].data));
      expect(s2.item()).toBe(results[0][1].item());
    }
    // x[0] = 0: y = tanh(0.5) * sigmoid(0) - 0 (float64 reference)
    expect(Math.abs(results[0][0].data[0] - Math.tanh(0.5) * 0.5)).toBeLessThan(1e-6);
  });

  it('runs only what the fetches need', () => {
    const graph = new tf.Graph();
    const { ok } = graph.asDefault(() => {
      const unfed = tf.placeholder(tf.float32, [], 'unfed');
      tf.add(unfed, 1);
      return { ok: tf.constant(7) };
    });
    using sess = new tf.Session({ graph, backend });
    expect(sess.run(ok).item()).toBe(7);
  });

  it('placeholderWithDefault gives the default unless fed', () => {
    const graph = new tf.Graph();
    const p = graph.asDefault(() => tf.placeholderWithDefault(tf.constant([1, 2]), [null], 'p'));
    using sess = new tf.Session({ graph, backend });
    expect(sess.run(p).toArray()).toEqual([1, 2]);
    expect(sess.run(p, { p: [7, 8, 9] }).toArray()).toEqual([7, 8, 9]);
  });

  it('caches compiled plans per fetches and feed shapes', () => {
    const graph = new tf.Graph();
    const { x, y } = graph.asDefault(() => {
      const x = tf.placeholder(tf.int32, [null], 'x');
      return { x, y: tf.mul(x, x) };
    });
    using sess = new tf.Session({ graph, backend });
    const plans = () => (sess as unknown as { plans: Map<string, unknown> }).plans.size;
    sess.run(y, { x: [1, 2] });
    sess.run(y, { x: [3, 4] });
    expect(plans()).toBe(1);
    expect(sess.run(y, new Map([[x, [1, 2, 3]]])).toArray()).toEqual([1, 4, 9]);
    expect(plans()).toBe(2);
  });

  it('keeps each session\'s variables its own', () => {
    const graph = new tf.Graph();
    const { v, init, inc } = graph.asDefault(() => {
      const v = new tf.Variable([1.5, 2.5], { name: 'v' });
      return { v, init: tf.globalVariablesInitializer(), inc: v.assignAdd([1, 1]) };
    });
    using a = new tf.Session({ graph, backend });
    using b = new tf.Session({ graph, backend });
    a.run(init);
    b.run(init);
    a.run(inc);
    expect(a.run(inc).toArray()).toEqual([3.5, 4.5]);
    expect(b.run(v).toArray()).toEqual([1.5, 2.5]);
    expect(b.run(v.assignSub([0.5, 0.5])).toArray()).toEqual([1, 2]);
    expect(a.run(v).toArray()).toEqual([3.5, 4.5]);
  });

  it('variablesInitializer initializes only the listed variables; a tensor can be an initial value', () => {
    const graph = new tf.Graph();
    const { p, q, initP } = graph.asDefault(() => {
      const p = new tf.Variable(tf.ones([2, 2]), { name: 'p' });
      const q = new tf.Variable(tf.mul(p, 3), { name: 'q' });
      return { p, q, initP: tf.variablesInitializer([p]) };
    });
    using sess = new tf.Session({ graph, backend });
    sess.run(initP);
    expect(sess.run(p).toArray()).toEqual([[1, 1], [1, 1]]);
    expect(() => sess.run(q)).toThrow(/uninitialized value q/);
    sess.run(q.initializer);
    expect(sess.run(q).toArray()).toEqual([[3, 3], [3, 3]]);
  });

  it('results belong to the caller: later runs and close() never change them', () => {
    const graph = new tf.Graph();
    const { v, init, bump } = graph.asDefault(() => {
      const v = new tf.Variable([1, 2, 3]);
      return { v, init: tf.globalVariablesInitializer(), bump: v.assignAdd([10, 10, 10]) };
    });
    const sess = new tf.Session({ graph, backend });
    sess.run(init);
    const before = sess.run(v);
    before.data[0] = 99;
    sess.run(bump);
    expect(sess.run(v).toArray()).toEqual([11, 12, 13]);
    const kept = sess.run(v);
    sess.close();
    expect(kept.toArray()).toEqual([11, 12, 13]);
  });

  it('a control dependency runs before the op that has it', () => {
    const graph = new tf.Graph();
    const { v, init, readAfter } = graph.asDefault(() => {
      const v = new tf.Variable(0, { name: 'counter' });
      const bump = v.assignAdd(5);
      const readAfter = tf.controlDependencies([bump], () => tf.identity(v.readValue()));
      return { v, init: tf.globalVariablesInitializer(), readAfter };
    });
    using sess = new tf.Session({ graph, backend });
    sess.run(init);
    sess.run(tf.group([readAfter.op]));
    expect(sess.run(v).item()).toBe(5);
  });

  it('close() is idempotent and a closed session refuses to run', () => {
    const graph = new tf.Graph();
    const c = graph.asDefault(() => tf.constant(1));
    const sess = new tf.Session({ graph, backend });
    sess.close();
    sess.close();
    expect(() => sess.run(c)).toThrow(tf.errors.RuntimeError);
    expect(() => sess.run(c)).toThrow('Attempted to use a closed Session.');
  });

  it('runs the README example', () => {
    const graph = new tf.Graph();
    graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 3], 'x');
      const w = new tf.Variable(tf.ones([3, 2]));
      const y = tf.nn.relu(tf.add(tf.matmul(x, w), 1));
      using sess = new tf.Session({ backend });
      sess.run(tf.globalVariablesInitializer());
      const { out } = sess.run({ out: y }, { x: [[1, 2, 3], [-4, -5, -6]] });
      expect(String(out)).toBe('[[7. 7.]\n [0. 0.]]');
      expect(out.shape).toEqual([2, 2]);
      expect(out.data).toBeInstanceOf(Float32Array);
    });
  });
});
