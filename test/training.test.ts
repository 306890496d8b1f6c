// Training in the graph: tf.gradients' semantics, optimizers against a float64
// reference of TensorFlow's update rules, random ops' seeding, variable scopes,
// and small models trained to a known loss, on every backend.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { defineOps } from '../src/ops/registry.js';
import { makeTensor } from '../src/ops/build.js';
import { BACKENDS, expectClose } from './support.js';

describe('tf.gradients', () => {
  it('gives null for xs the ys do not depend on, and sums over several ys', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2], 'x');
      const unused = tf.placeholder(tf.float32, [2], 'u');
      const grads = tf.gradients([tf.reduceSum(tf.square(x)), tf.reduceSum(tf.mul(x, 3))], [x, unused]);
      expect(grads[1]).toBeNull();
      using sess = new tf.Session({ backend: BACKENDS[0] });
      expect(sess.run(grads[0]!, { x: [1, 2] }).toArray()).toEqual([5, 7]); // 2x + 3
    });
  });

  it('honours gradYs, stopGradient and broadcasting', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2, 3], 'x');
      const b = tf.placeholder(tf.float32, [3], 'b');
      const y = tf.add(x, b);
      const [gb] = tf.gradients(y, [b], [tf.constant([[1, 2, 3], [4, 5, 6]], { dtype: tf.float32 })]);
      const [gx] = tf.gradients(tf.reduceSum(tf.mul(tf.stopGradient(x), x)), [x]);
      using sess = new tf.Session({ backend: BACKENDS[0] });
      expect(sess.run(gb!, { x: [[0, 0, 0], [0, 0, 0]], b: [0, 0, 0] }).toArray()).toEqual([5, 7, 9]);
      expect(sess.run(gx!, { x: [[1, 2, 3], [4, 5, 6]] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    });
  });

  it('differentiates with respect to variables', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = new tf.Variable([1.5, -2], { name: 'w' });
      const [gw] = tf.gradients(tf.reduceSum(tf.square(w)), [w]);
      using sess = new tf.Session({ backend: BACKENDS[0] });
      sess.run(tf.globalVariablesInitializer());
      expect(sess.run(gw!).toArray()).toEqual([3, -4]);
    });
  });

  it('throws for an op whose gradient is not written yet', () => {
    defineOps({ NoGradYet: { infer: ({ inputs: [x] }) => [x], lower: (ctx) => ctx.alias(0, ctx.input(0)) } });
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2], 'x');
      const y = makeTensor('NoGradYet', [x], {}, 'mystery');
      expect(() => tf.gradients(y, [x])).toThrow(tf.errors.LookupError);
      expect(() => tf.gradients(y, [x])).toThrow("No gradient defined for operation 'mystery' (op type: NoGradYet)");
    });
  });
});

/** TensorFlow's update rules in float64, the reference for the fused kernels. */
function reference(kind: string, steps: number, w0: number[], g: number[]): number[] {
  const w = [...w0];
  const s1 = w.map(() => (kind === 'rmsprop' ? 1 : 0));
  const s2 = w.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    w.forEach((_, i) => {
      const grad = g[i];
      if (kind === 'sgd') w[i] -= 0.1 * grad;
      if (kind === 'momentum') { s1[i] = s1[i] * 0.9 + grad; w[i] -= 0.1 * s1[i]; }
      if (kind === 'nesterov') { s1[i] = s1[i] * 0.9 + grad; w[i] -= grad * 0.1 + s1[i] * 0.9 * 0.1; }
      if (kind === 'adam') {
        const lrT = 0.1 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
        s1[i] += (grad - s1[i]) * 0.1;
        s2[i] += (grad * grad - s2[i]) * 0.001;
        w[i] -= lrT * s1[i] / (Math.sqrt(s2[i]) + 1e-8);
      }
      if (kind === 'rmsprop') { s1[i] += (grad * grad - s1[i]) * 0.1; s2[i] = s2[i] * 0.5 + 0.1 * grad / Math.sqrt(s1[i] + 1e-10); w[i] -= s2[i]; }
    });
  }
  return w;
}

const OPTIMIZERS: [string, () => tf.train.Optimizer][] = [
  ['sgd', () => new tf.train.GradientDescentOptimizer(0.1)],
  ['momentum', () => new tf.train.MomentumOptimizer(0.1, 0.9)],
  ['nesterov', () => new tf.train.MomentumOptimizer(0.1, 0.9, { useNesterov: true })],
  ['adam', () => new tf.train.AdamOptimizer(0.1)],
  ['rmsprop', () => new tf.train.RMSPropOptimizer(0.1, { momentum: 0.5 })],
];

describe.each(BACKENDS)('training on %s', (backend) => {
  it.each(OPTIMIZERS)('%s follows TensorFlow\'s update rule', (kind, make) => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = new tf.Variable([1, 2, -1], { name: 'w', dtype: tf.float32 });
      const loss = tf.reduceSum(tf.mul(w, [3, 4, -0.5]));
      const step = tf.train.createGlobalStep();
      const train = make().minimize(loss, { globalStep: step });
      using sess = new tf.Session({ backend });
      sess.run(tf.globalVariablesInitializer());
      for (let i = 0; i < 3; i++) sess.run(train);
      expectClose(sess.run(w), reference(kind, 3, [1, 2, -1], [3, 4, -0.5]), 1e-5, 1e-5);
      expect(sess.run(step).item()).toBe(3);
    });
  });

  it('names slots as TensorFlow does', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = new tf.Variable([1, 2], { name: 'w', dtype: tf.float32 });
      const opt = new tf.train.AdamOptimizer(0.01);
      opt.minimize(tf.reduceSum(tf.square(w)));
      expect(opt.getSlot(w, 'm')!.op.name).toBe('w/Adam');
      expect(opt.getSlot(w, 'v')!.op.name).toBe('w/Adam_1');
      expect(opt.variables().map((v) => v.op.name).sort()).toEqual(['beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1']);
      const pairs = opt.computeGradients(tf.reduceSum(w));
      expect(pairs[0][1]).toBe(w);
    });
  });

  it('fits a linear regression to a known loss', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.setRandomSeed(3);
      const x = tf.placeholder(tf.float32, [null, 1], 'x');
      const y = tf.placeholder(tf.float32, [null, 1], 'y');
      const w = new tf.Variable(tf.randomNormal([1, 1]), { name: 'w' });
      const b = new tf.Variable(tf.zeros([1]), { name: 'b' });
      const loss = tf.losses.meanSquaredError(y, tf.add(tf.matmul(x, w), b));
      const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss);
      using sess = new tf.Session({ backend });
      sess.run(tf.globalVariablesInitializer());
      const xs = [[-1], [-0.5], [0], [0.5], [1], [1.5]];
      const feeds = { x: xs, y: xs.map(([v]) => [2 * v + 1]) };
      for (let i = 0; i < 300; i++) sess.run(train, feeds);
      expect(sess.run(loss, feeds).item()).toBeLessThan(1e-6);
      expectClose(sess.run(w), [[2]], 1e-3, 1e-3);
      expectClose(sess.run(b), [1], 1e-3, 1e-3);
    });
  });

  it('learns XOR with a small MLP and Adam', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.setRandomSeed(7);
      const x = tf.placeholder(tf.float32, [4, 2], 'x');
      const labels = tf.placeholder(tf.int32, [4], 'labels');
      const h = tf.nn.tanh(tf.nn.biasAdd(tf.matmul(x, tf.getVariable('w1', { shape: [2, 8] })), tf.getVariable('b1', { shape: [8], initializer: tf.zerosInitializer() })));
      const logits = tf.nn.biasAdd(tf.matmul(h, tf.getVariable('w2', { shape: [8, 2] })), tf.getVariable('b2', { shape: [2], initializer: tf.zerosInitializer() }));
      const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
      const train = new tf.train.AdamOptimizer(0.05).minimize(loss);
      const predictions = tf.argMax(logits, 1);
      using sess = new tf.Session({ backend });
      sess.run(tf.globalVariablesInitializer());
      const feeds = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [0, 1, 1, 0] };
      for (let i = 0; i < 300; i++) sess.run(train, feeds);
      expect(sess.run(loss, feeds).item()).toBeLessThan(0.05);
      expect(sess.run(predictions, feeds).toArray()).toEqual([0, 1, 1, 0]);
    });
  });
});

describe.each(BACKENDS)('random ops on %s', (backend) => {
  function graphWith<T>(build: () => T): [tf.Graph, T] {
    const g = new tf.Graph();
    return [g, g.asDefault(build)];
  }

  it('the same seeds draw the same numbers in two sessions; a rerun draws new ones', () => {
    const [g, r] = graphWith(() => { tf.setRandomSeed(42); return tf.randomUniform([5]); });
    const a = new tf.Session({ graph: g, backend });
    const b = new tf.Session({ graph: g, backend });
    const first = a.run(r).toArray();
    expect(b.run(r).toArray()).toEqual(first);
    expect(a.run(r).toArray()).not.toEqual(first);
    a.close(); b.close();
  });

  it('unseeded ops differ between sessions', () => {
    const [g, r] = graphWith(() => tf.randomNormal([8]));
    const a = new tf.Session({ graph: g, backend });
    const b = new tf.Session({ graph: g, backend });
    expect(a.run(r).toArray()).not.toEqual(b.run(r).toArray());
    a.close(); b.close();
  });

  it('draws in range with the right moments', () => {
    const [g, [u, n, t, i]] = graphWith(() => [
      tf.randomUniform([20000], { minval: -2, maxval: 3, seed: 1 }),
      tf.randomNormal([20000], { mean: 1, stddev: 2, seed: 2 }),
      tf.truncatedNormal([20000], { stddev: 0.5, seed: 3 }),
      tf.randomUniform([20000], { minval: -3, maxval: 4, dtype: tf.int32, seed: 4 }),
    ]);
    using sess = new tf.Session({ graph: g, backend });
    const [du, dn, dt, di] = sess.run([u, n, t, i]).map((a) => Array.from(a.data));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    expect(Math.min(...du)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...du)).toBeLessThan(3);
    expect(mean(du)).toBeCloseTo(0.5, 1);
    expect(mean(dn)).toBeCloseTo(1, 1);
    expect(std(dn)).toBeCloseTo(2, 1);
    expect(Math.max(...dt.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(std(dt)).toBeCloseTo(0.5 * 0.8796, 1);
    expect(new Set(di)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
  });

  it('randomShuffle permutes rows deterministically per seed', () => {
    const [g, s] = graphWith(() => tf.randomShuffle(tf.reshape(tf.constant([...Array(20).keys()]), [10, 2]), { seed: 5 }));
    using sess = new tf.Session({ graph: g, backend });
    const rows = sess.run(s).toArray() as number[][];
    expect(rows.map((r) => r[0]).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(rows.every(([a, b]) => b === a + 1)).toBe(true);
  });
});

describe.runIf(BACKENDS.length === 2)('random ops across backends', () => {
  it('uniform draws and shuffles are bit-equal on native and wasm', () => {
    const g = new tf.Graph();
    const fetches = g.asDefault(() => { tf.setRandomSeed(9); return [tf.randomUniform([1000]), tf.randomShuffle(tf.constant([...Array(50).keys()]))]; });
    const [a, b] = (['native', 'wasm'] as const).map((backend) => {
      using sess = new tf.Session({ graph: g, backend });
      return sess.run(fetches).map((x) => Array.from(x.data));
    });
    expect(a).toEqual(b);
  });
});

describe('variable scopes', () => {
  it('getVariable creates once and shares on reuse', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = tf.variableScope('dense', () => tf.getVariable('w', { shape: [2, 3] }));
      expect(w.op.name).toBe('dense/w');
      expect(tf.variableScope('dense', () => tf.getVariable('w'), { reuse: true })).toBe(w);
      expect(tf.variableScope('dense', () => tf.getVariable('w'), { reuse: tf.AUTO_REUSE })).toBe(w);
      expect(() => tf.variableScope('dense', () => tf.getVariable('w', { shape: [2, 3] }))).toThrow(/already exists, disallowed/);
      expect(() => tf.variableScope('other', () => tf.getVariable('w'), { reuse: true })).toThrow(/does not exist/);
      expect(() => tf.variableScope('dense', () => tf.getVariable('w', { shape: [3, 3] }), { reuse: true })).toThrow(/specified shape \[3,3\]/);
    });
  });

  it('glorotUniform keeps values within its limit', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = tf.getVariable('w', { shape: [30, 20], initializer: tf.glorotUniformInitializer(1) });
      using sess = new tf.Session({ backend: BACKENDS[0] });
      sess.run(tf.globalVariablesInitializer());
      const limit = Math.sqrt(6 / 50);
      const values = Array.from(sess.run(w).data);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
      expect(Math.max(...values)).toBeGreaterThan(limit * 0.8);
    });
  });
});
