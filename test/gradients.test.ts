// Every differentiable op's gradient against central finite differences of the
// forward computation, on every backend. Both run in float32, so the check uses
// eps = 1e-2 and a tolerance of 2e-2 (relative, or absolute below 1): curvature
// and float32 rounding both stay well inside that.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { makeTensor } from '../src/ops/build.js';
import { NOT_DIFFERENTIABLE, getOpDef, registeredOpTypes } from '../src/ops/registry.js';
import { BACKENDS } from './support.js';

type Input = { shape: number[]; values: number[] };
interface Case { op: string; inputs: Input[]; build: (...xs: tf.Tensor[]) => tf.Tensor }

/** Deterministic values in [lo, hi], kept away from zero when `avoidZero`. */
function vals(shape: number[], lo = -2, hi = 2, seed = 1, avoidZero = false): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => {
    let v = lo + ((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1 + 1) % 1 * (hi - lo);
    if (avoidZero && Math.abs(v) < 0.3) v += v < 0 ? -0.3 : 0.3;
    return Math.round(v * 1000) / 1000;
  });
  return { shape, values };
}

const unary = (op: string, fn: (x: tf.Tensor) => tf.Tensor, lo = -2, hi = 2, avoidZero = false): Case =>
  ({ op, inputs: [vals([2, 3], lo, hi, 1, avoidZero)], build: fn });
const binary = (op: string, fn: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, y: Input = vals([3], -2, 2, 2)): Case =>
  ({ op, inputs: [vals([2, 3], -2, 2, 1), y], build: fn });

const CASES: Case[] = [
  unary('Neg', tf.neg), unary('Abs', tf.abs, -2, 2, true), unary('Square', tf.square),
  unary('Sqrt', tf.sqrt, 0.5, 3), unary('Rsqrt', tf.rsqrt, 0.5, 3), unary('Exp', tf.exp),
  unary('Log', tf.log, 0.5, 3), unary('Log1p', tf.log1p, -0.5, 3), unary('Expm1', tf.expm1),
  unary('Sin', tf.sin), unary('Cos', tf.cos), unary('Sigmoid', tf.sigmoid), unary('Tanh', tf.tanh),
  unary('Reciprocal', tf.reciprocal, 0.5, 3), unary('Relu', tf.nn.relu, -2, 2, true),
  unary('Relu6', tf.nn.relu6, -2, 5, true), unary('Elu', tf.nn.elu, -2, 2, true), unary('Softplus', tf.nn.softplus),
  unary('LeakyRelu', (x) => tf.nn.leakyRelu(x, 0.3), -2, 2, true),
  binary('Add', tf.add), binary('AddV2', (x, y) => makeTensor('AddV2', [x, y])), binary('Sub', tf.sub), binary('Mul', tf.mul),
  binary('RealDiv', tf.div, vals([3], 0.5, 2, 2)), binary('FloorMod', tf.floorMod, vals([3], 2.5, 3.5, 2)),
  { op: 'Pow', inputs: [vals([2, 3], 0.5, 2), vals([3], -1, 2, 2)], build: tf.pow },
  binary('Maximum', tf.maximum), binary('Minimum', tf.minimum), binary('SquaredDifference', tf.squaredDifference),
  { op: 'AddN', inputs: [vals([2, 2]), vals([2, 2], -1, 1, 3), vals([2, 2], 0, 1, 4)], build: (a, b, c) => tf.addN([a, b, c]) },
  unary('Cast', (x) => tf.cast(x, tf.float32)), unary('Identity', tf.identity),
  unary('PlaceholderWithDefault', (x) => tf.placeholderWithDefault(x, [2, 3])),
  unary('Reshape', (x) => tf.reshape(x, [3, 2])), unary('ExpandDims', (x) => tf.expandDims(x, 1)),
  { op: 'Squeeze', inputs: [vals([2, 1, 3])], build: (x) => tf.squeeze(x, 1) },
  { op: 'Transpose', inputs: [vals([2, 3, 2])], build: (x) => tf.transpose(x, [1, 2, 0]) },
  { op: 'Fill', inputs: [vals([])], build: (v) => tf.fill([2, 2], v) },
  { op: 'Select', inputs: [vals([2, 3]), vals([3], -2, 2, 2)], build: (x, y) => tf.where(tf.constant([[true, false, true], [false, false, true]]), x, y) },
  unary('Sum', (x) => tf.reduceSum(x, 1)), unary('Mean', (x) => tf.reduceMean(x, 0, true)),
  unary('Max', (x) => tf.reduceMax(x, 1)), unary('Min', (x) => tf.reduceMin(x)),
  unary('Prod', (x) => tf.reduceProd(x, 1), 0.5, 2),
  { op: 'MatMul', inputs: [vals([2, 3]), vals([3, 4], -1, 1, 2)], build: (a, b) => tf.matmul(a, b) },
  { op: 'MatMul', inputs: [vals([3, 2]), vals([4, 3], -1, 1, 2)], build: (a, b) => tf.matmul(a, b, { transposeA: true, transposeB: true }) },
  unary('Softmax', tf.nn.softmax), unary('LogSoftmax', tf.nn.logSoftmax),
  binary('BiasAdd', tf.nn.biasAdd),
  { op: 'GatherV2', inputs: [vals([4, 3])], build: (p) => tf.gather(p, tf.constant([2, 0, 2]), 0) },
  { op: 'SumToShapeOf', inputs: [vals([2, 3])], build: (x) => makeTensor('SumToShapeOf', [x, tf.zeros([1, 3])]) },
  { op: 'BroadcastToShapeOf', inputs: [vals([3])], build: (x) => makeTensor('BroadcastToShapeOf', [x, tf.zeros([2, 3])], { axes: null, reinsert: false }) },
  { op: 'ReshapeLike', inputs: [vals([2, 3])], build: (x) => makeTensor('ReshapeLike', [x, tf.zeros([6])]) },
  { op: 'Conv2D', inputs: [vals([1, 4, 4, 2]), vals([3, 3, 2, 2], -1, 1, 2)], build: (x, f) => tf.nn.conv2d(x, f, 1, 'SAME') },
  { op: 'Conv2D', inputs: [vals([2, 5, 4, 1]), vals([2, 2, 1, 3], -1, 1, 2)], build: (x, f) => tf.nn.conv2d(x, f, 2, 'VALID', { dilations: [2, 1] }) },
  { op: 'Conv2DBackpropInput', inputs: [vals([2, 2, 1, 2], -1, 1, 2), vals([1, 3, 3, 2])], build: (f, dy) => tf.nn.conv2dBackpropInput([1, 3, 3, 1], f, dy, 1, 'SAME') },
  { op: 'Conv2DBackpropFilter', inputs: [vals([1, 3, 3, 1]), vals([1, 2, 2, 2], -1, 1, 2)], build: (x, dy) => tf.nn.conv2dBackpropFilter(x, [2, 2, 1, 2], dy, 2, 'SAME') },
  // Values a quarter apart, so a step of eps never changes which tap is a window's max.
  { op: 'MaxPool', inputs: [{ shape: [1, 4, 4, 1], values: [5, -3, 2, 7, -1, 4, 0, -6, 3, -5, 6, 1, -2, -7, -4, 8].map((v) => v / 4) }], build: (x) => tf.nn.maxPool(x, 3, 2, 'SAME') },
  { op: 'AvgPool', inputs: [vals([1, 5, 4, 2])], build: (x) => tf.nn.avgPool(x, [2, 3], [2, 1], 'SAME') },
  { op: 'AvgPoolGrad', inputs: [vals([1, 3, 2, 2])], build: (dy) => makeTensor('AvgPoolGrad', [tf.zeros([1, 5, 4, 2]), dy], { ksize: [2, 3], strides: [2, 2], padding: 'SAME' }) },
];

/** Rows whose gradient function throws UnimplementedError, each with a graph that reaches it. */
const UNIMPLEMENTED: Record<string, () => tf.Tensor> = {
  MaxPoolGrad: () => makeTensor('MaxPoolGrad', [tf.zeros([1, 2, 2, 1]), tf.zeros([1, 1, 1, 1])], { ksize: [2, 2], strides: [2, 2], padding: 'VALID' }),
};

/** Composite functions built from the rows above, checked the same way. */
const COMPOSITES: Case[] = [
  { op: 'softmaxCrossEntropyWithLogits', inputs: [vals([2, 3])], build: (z) => tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.constant([[0.2, 0.3, 0.5], [1, 0, 0]]), logits: z }) },
  { op: 'sparseSoftmaxCrossEntropyWithLogits', inputs: [vals([2, 3])], build: (z) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant([2, 0]), logits: z }) },
  { op: 'sigmoidCrossEntropyWithLogits', inputs: [vals([2, 3])], build: (z) => tf.nn.sigmoidCrossEntropyWithLogits({ labels: tf.constant([[0, 1, 0.5], [1, 1, 0]]), logits: z }) },
  unary('l2Loss', tf.nn.l2Loss), unary('clipByValue', (x) => tf.clipByValue(x, -1, 1), -2, 2, true),
  binary('meanSquaredError', (x, y) => tf.losses.meanSquaredError(x, y)),
  unary('softmax axis 0', (x) => tf.nn.softmax(x, 0)),
  unary('Prod with a zero', (x) => tf.reduceProd(tf.mul(x, tf.constant([[1, 0, 1], [1, 1, 1]], { dtype: tf.float32 })), 1), 0.5, 2),
];

function checkGradient(backend: tf.BackendName, c: Case): void {
  const graph = new tf.Graph();
  const { xs, loss, grads } = graph.asDefault(() => {
    const xs = c.inputs.map((input, i) => tf.placeholder(tf.float32, input.shape, `x${i}`));
    const y = c.build(...xs);
    // A fixed, uneven upstream gradient, so every output element matters differently.
    const n = (y.shape as number[]).reduce((a, b) => a * b, 1);
    const weights = tf.reshape(tf.constant(Array.from({ length: n }, (_, i) => 0.5 + ((i * 7) % 5) / 4), { dtype: tf.float32 }), y.shape as number[]);
    const loss = tf.reduceSum(tf.mul(y, weights));
    return { xs, loss, grads: tf.gradients(loss, xs) };
  });
  using sess = new tf.Session({ graph, backend });
  const feeds = (values: number[][]) => new Map(xs.map((x, i) => [x, new tf.NDArray(Float32Array.from(values[i]), c.inputs[i].shape)]));
  const base = c.inputs.map((input) => input.values);
  const analytic = sess.run(grads.map((g) => g!), feeds(base)).map((g) => Array.from(g.data));
  const eps = 1e-2;
  base.forEach((values, k) => values.forEach((_, j) => {
    const at = (delta: number) => sess.run(loss, feeds(base.map((v, i) => (i === k ? v.map((x, jj) => (jj === j ? x + delta : x)) : v)))).item() as number;
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(analytic[k][j] - numeric), `${c.op}: d/dx${k}[${j}] analytic ${analytic[k][j]} vs numeric ${numeric}`)
      .toBeLessThanOrEqual(2e-2 * Math.max(1, Math.abs(numeric)));
  }));
}

describe('every differentiable row has a gradient check', () => {
  it('covers the registry', () => {
    const differentiable = registeredOpTypes().filter((t) => typeof getOpDef(t).gradient === 'function');
    const covered = new Set([...CASES.map((c) => c.op), ...Object.keys(UNIMPLEMENTED)]);
    expect(differentiable.filter((t) => !covered.has(t))).toEqual([]);
  });

  it.each(Object.entries(UNIMPLEMENTED))('%s says its gradient is not implemented', (_, build) => {
    new tf.Graph().asDefault(() => {
      const y = build();
      expect(() => tf.gradients(tf.reduceSum(y), [y.op.inputs[1]])).toThrow(tf.errors.UnimplementedError);
    });
  });

  it('rows without a gradient and not marked say so when differentiated', () => {
    const undeclared = registeredOpTypes().filter((t) => getOpDef(t).gradient === undefined);
    expect(undeclared).toEqual([]); // every row decides: a gradient or NOT_DIFFERENTIABLE
    expect(getOpDef('Equal').gradient).toBe(NOT_DIFFERENTIABLE);
  });
});

describe.each(BACKENDS)('gradients on %s', (backend) => {
  it.each(CASES.map((c, i) => [`${c.op}#${i}`, c] as const))('%s', (_, c) => checkGradient(backend, c));
  it.each(COMPOSITES.map((c) => [c.op, c] as const))('%s', (_, c) => checkGradient(backend, c));
});
