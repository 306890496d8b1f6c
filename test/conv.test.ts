// tf.nn.conv2d, maxPool, avgPool and their gradients against numpy
// (test/fixtures/conv.json, from make_conv_fixtures.py) on every backend;
// their errors in TensorFlow's words; and how they compile: Im2Col and one
// GEMM carrying the bias and activation, the filter read from its variable.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

interface ConvCase {
  name: string; xShape: number[]; fShape: number[]; strides: number[]; dilations: number[]; padding: tf.nn.Padding;
  x: number[]; f: number[]; b: number[]; yShape: number[]; y: number[]; biasRelu: number[]; dy: number[]; dx: number[]; df: number[];
}
interface PoolCase {
  name: string; xShape: number[]; ksize: number[]; strides: number[]; padding: tf.nn.Padding; x: number[]; yShape: number[];
  max: number[]; maxDy: number[]; maxDx: number[]; avg: number[]; avgDy: number[]; avgDx: number[];
}
const fixture: { conv: ConvCase[]; pool: PoolCase[] } = JSON.parse(readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8'));

const nd = (values: number[], shape: number[]) => new tf.NDArray(Float32Array.from(values), shape);

/** Within float32 rounding of the float64 reference: |a - e| <= tol * (1 + |e|) everywhere. */
function expectNear(actual: tf.NDArray, shape: number[], expected: number[], tol = 2e-5): void {
  expect(actual.shape).toEqual(shape);
  const data = actual.data as Float32Array;
  expect(data.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  data.forEach((v, i) => {
    const err = Math.abs(v - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(err <= worst)) { worst = err; at = i; }
  });
  expect(worst, `element ${at}: got ${data[at]}, expected ${expected[at]}`).toBeLessThanOrEqual(tol);
}

function withSession<T>(backend: tf.BackendName, graph: tf.Graph, body: (sess: tf.Session) => T): T {
  const sess = new tf.Session({ graph, backend });
  try {
    return body(sess);
  } finally {
    sess.close();
  }
}

describe.each(BACKENDS)('convolution on %s', (backend) => {
  describe.each(fixture.conv)('conv2d $name', (c) => {
    it('matches numpy, alone and with a bias and relu fused in, for a fed batch of unknown size', () => {
      const graph = new tf.Graph();
      const { x, y, z } = graph.asDefault(() => {
        const x = tf.placeholder(tf.float32, [null, ...c.xShape.slice(1)], 'x');
        const y = tf.nn.conv2d(x, nd(c.f, c.fShape), c.strides, c.padding, { dilations: c.dilations });
        return { x, y, z: tf.nn.relu(tf.nn.biasAdd(y, nd(c.b, [c.fShape[3]]))) };
      });
      expect(y.shape).toEqual([null, ...c.yShape.slice(1)]);
      withSession(backend, graph, (sess) => {
        const [yv, zv] = sess.run([y, z], new Map([[x, nd(c.x, c.xShape)]]));
        expectNear(yv, c.yShape, c.y);
        expectNear(zv, c.yShape, c.biasRelu);
      });
    });

    it('has the gradients numpy computes, for the input and for a variable filter', () => {
      const graph = new tf.Graph();
      const built = graph.asDefault(() => {
        const x = tf.constant(Float32Array.from(c.x), { shape: c.xShape });
        const f = new tf.Variable(nd(c.f, c.fShape), { name: 'filter' });
        const y = tf.nn.conv2d(x, f, c.strides, c.padding, { dilations: c.dilations });
        const loss = tf.reduceSum(tf.mul(y, nd(c.dy, c.yShape)));
        return { init: tf.globalVariablesInitializer(), grads: tf.gradients(loss, [x, f]) };
      });
      withSession(backend, graph, (sess) => {
        sess.run(built.init);
        const [dx, df] = sess.run(built.grads as tf.Tensor[]);
        expectNear(dx, c.xShape, c.dx);
        expectNear(df, c.fShape, c.df);
      });
    });
  });

  describe.each(fixture.pool)('pooling $name', (p) => {
    it.each(['max', 'avg'] as const)('%s pool and its gradient match numpy', (kind) => {
      const graph = new tf.Graph();
      const built = graph.asDefault(() => {
        const x = tf.constant(Float32Array.from(p.x), { shape: p.xShape });
        const op = kind === 'max' ? tf.nn.maxPool : tf.nn.avgPool;
        const y = op(x, [1, ...p.ksize, 1], [1, ...p.strides, 1], p.padding);
        const loss = tf.reduceSum(tf.mul(y, nd(p[`${kind}Dy`], p.yShape)));
        return { y, dx: tf.gradients(loss, [x])[0] as tf.Tensor };
      });
      withSession(backend, graph, (sess) => {
        const [y, dx] = sess.run([built.y, built.dx]);
        expectNear(y, p.yShape, p[kind], 1e-6);
        expectNear(dx, p.xShape, p[`${kind}Dx`], 1e-6);
      });
    });
  });

  it('trains a small CNN: one SGD step moves filter and bias by -lr times their gradients', () => {
    const c = fixture.conv[0];
    const graph = new tf.Graph();
    const built = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, ...c.xShape.slice(1)], 'x');
      const f = new tf.Variable(nd(c.f, c.fShape), { name: 'f' });
      const b = new tf.Variable(nd(c.b, [c.fShape[3]]), { name: 'b' });
      const h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, f, 1, 'SAME'), b));
      const pooled = tf.nn.maxPool(h, 2, 2, 'SAME');
      const loss = tf.reduceMean(tf.square(pooled));
      const grads = tf.gradients(loss, [f, b]) as tf.Tensor[];
      return { x, f, b, loss, grads, train: new tf.train.GradientDescentOptimizer(0.5).minimize(loss), init: tf.globalVariablesInitializer() };
    });
    withSession(backend, graph, (sess) => {
      const feeds = new Map([[built.x, nd(c.x, c.xShape)]]);
      sess.run(built.init);
      const [loss0, df, db] = sess.run([built.loss, ...built.grads], feeds);
      sess.run(built.train, feeds);
      const [f1, b1, loss1] = sess.run([built.f.value(), built.b.value(), built.loss], feeds);
      const stepped = (before: number[], grad: tf.NDArray) => before.map((v, i) => Math.fround(v) - 0.5 * (grad.data as Float32Array)[i]);
      expectNear(f1, c.fShape, stepped(c.f, df), 1e-6);
      expectNear(b1, [c.fShape[3]], stepped(c.b, db), 1e-6);
      expect(loss1.item()).toBeLessThan(loss0.item() as number);
    });
  });
});

describe('convolution errors, in TensorFlow\'s words', () => {
  const build = (body: () => unknown) => new tf.Graph().asDefault(body);
  const x = () => tf.placeholder(tf.float32, [1, 5, 5, 3], 'x');
  const filter = (shape = [3, 3, 3, 2]) => tf.zeros(shape);

  it('rejects inputs of the wrong rank and mismatched depths', () => {
    expect(() => build(() => tf.nn.conv2d(tf.zeros([5, 5, 3]), filter(), 1, 'SAME'))).toThrow(/Shape must be rank 4 but is rank 3 for 'Conv2D' \(op: 'Conv2D'\)/);
    expect(() => build(() => tf.nn.conv2d(x(), filter([3, 3, 2, 2]), 1, 'SAME'))).toThrow(/input and filter must have the same depth: 3 vs 2/);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), 1, 'SAME'))).not.toThrow();
  });

  it('rejects bad strides, dilations, padding, data formats and ksize', () => {
    expect(() => build(() => tf.nn.conv2d(x(), filter(), [2, 1, 1, 1], 'SAME'))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), [2, 1, 1, 1], 'SAME'))).toThrow(/does not yet support strides in the batch and depth dimensions/);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), [1, 1, 1], 'SAME'))).toThrow(/Sliding window strides field must specify 4 dimensions/);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), 1, 'SAME', { dilations: [1, 2, 2, 2] }))).toThrow(/dilations in the batch and depth/);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), 1, 'FULL' as tf.nn.Padding))).toThrow(/Value for attr 'padding' of "FULL" is not in the list of allowed values: "SAME", "VALID"/);
    expect(() => build(() => tf.nn.conv2d(x(), filter(), 1, 'SAME', { dataFormat: 'NCHW' }))).toThrow(/only supports the NHWC tensor format on the CPU. The op was given the format: NCHW/);
    expect(() => build(() => tf.nn.maxPool(x(), [2, 2, 2, 1], 2, 'VALID'))).toThrow(/Pooling is not yet supported on the batch or depth dimension/);
    expect(() => build(() => tf.nn.maxPool(x(), [1, 0, 2, 1], 2, 'VALID'))).toThrow(/Sliding window ksize for dimension 1 was zero/);
  });

  it('rejects a VALID window larger than the image, and integer images', () => {
    expect(() => build(() => tf.nn.conv2d(tf.zeros([1, 2, 2, 3]), filter([4, 4, 3, 1]), 1, 'VALID'))).toThrow(/Computed output size would be negative: -1 \[input_size: 2, effective_filter_size: 4, stride: 1\]/);
    expect(() => build(() => tf.nn.conv2d(tf.zeros([1, 5, 5, 3], tf.int32), tf.zeros([3, 3, 3, 2], tf.int32), 1, 'SAME'))).toThrow(/has DataType int32 not in list of allowed values: float32/);
  });

  it.each(BACKENDS)('reports a fed image too small for its VALID window when it runs (%s), and the session stays usable', (backend) => {
    const graph = new tf.Graph();
    const { img, y } = graph.asDefault(() => {
      const img = tf.placeholder(tf.float32, [1, null, null, 1], 'img');
      return { img, y: tf.nn.maxPool(img, 3, 1, 'VALID') };
    });
    const image = (side: number) => new tf.NDArray(Float32Array.from({ length: side * side }, (_, i) => i), [1, side, side, 1]);
    withSession(backend, graph, (sess) => {
      expect(() => sess.run(y, new Map([[img, image(1)]]))).toThrow(/Computed output size would be negative: -1 \[input_size: 1, effective_filter_size: 3, stride: 1\]/);
      expect(sess.run(y, new Map([[img, image(2)]])).shape).toEqual([1, 0, 0, 1]);
      expect(Array.from(sess.run(y, new Map([[img, image(3)]])).data)).toEqual([8]);
    });
  });
});

describe('how convolution compiles', () => {
  it('is one Conv2D step with the bias and relu in its GEMM epilogue, the filter read from its variable', () => {
    const graph = new tf.Graph();
    const { x, h } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 8, 8, 3], 'x');
      const f = new tf.Variable(tf.zeros([3, 3, 3, 4]), { name: 'f' });
      const b = new tf.Variable(tf.zeros([4]), { name: 'b' });
      return { x, h: tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, f, 1, 'SAME'), b)) };
    });
    const sess = new tf.Session({ graph, backend: BACKENDS[0] });
    const text = String(sess.explain(h, new Map([[x, new tf.NDArray(new Float32Array(384), [2, 8, 8, 3])]])));
    sess.close();
    expect(text).toMatch(/plan: 2 steps/);
    expect(text).toMatch(/Conv2D\+bias\+Relu\s+Conv2D, BiasAdd, Relu\s+float32\[2,8,8,3\] x var f\[3,3,3,4\] x float32\[4\] -> float32\[2,8,8,4\]/);
    expect(text).not.toMatch(/Im2Col|VarRead\s+f\b/);
  });

  it('differentiates a stride-1 convolution by convolutions, writing no patch matrix', () => {
    const graph = new tf.Graph();
    const { x, grads } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [4, 9, 9, 3], 'x');
      const f = new tf.Variable(tf.zeros([3, 3, 3, 5]), { name: 'f' });
      const loss = tf.reduceSum(tf.square(tf.nn.conv2d(x, f, 1, 'SAME')));
      return { x, grads: tf.gradients(loss, [x, f]) as tf.Tensor[] };
    });
    const sess = new tf.Session({ graph, backend: BACKENDS[0] });
    const text = String(sess.explain(grads, new Map([[x, new tf.NDArray(new Float32Array(972), [4, 9, 9, 3])]])));
    sess.close();
    expect(text).not.toMatch(/Im2Col|Col2Im/);
    expect(text).toMatch(/Conv2D\s+gradients\/Conv2D_grad\/Conv2DBackpropInput\s+float32\[4,9,9,5\] x float32\[3,3,5,3\] -> float32\[4,9,9,3\]/);
    expect(text).toMatch(/Conv2D\s+gradients\/Conv2D_grad\/Conv2DBackpropFilter\s+float32\[3,9,9,4\] x float32\[9,9,4,5\] -> float32\[3,3,3,5\]/);
  });

  it('multiplies the image itself for a 1x1 convolution with stride 1', () => {
    const graph = new tf.Graph();
    const { x, y } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2, 4, 4, 6], 'x');
      return { x, y: tf.nn.conv2d(x, tf.zeros([1, 1, 6, 5]), 1, 'SAME') };
    });
    const sess = new tf.Session({ graph, backend: BACKENDS[0] });
    const text = String(sess.explain(y, new Map([[x, new tf.NDArray(new Float32Array(192), [2, 4, 4, 6])]])));
    sess.close();
    expect(text).not.toMatch(/Im2Col/);
    expect(text).toMatch(/MatMul\s+Conv2D\s+float32\[32,6\] x float32\[6,5\] -> float32\[32,5\]/);
  });
});
