/**
 * `tf.nn`: activations, softmax and the losses training needs.
 *
 *   const probs = tf.nn.softmax(logits);
 *   const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
 */
import { int32 } from '../graph/dtypes.js';
import { formatShape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { BinaryOp, Kernel } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { constant, stopGradient, transpose } from './array.js';
import { makeTensor, toTensor, toTensorPair } from './build.js';
import { FLOAT, NUMERIC, checkDType, checkSameDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { gather, oneHot } from './indexing.js';
import { abs, add, exp, log1p, mul, neg, relu, square, sub } from './math.js';
import { reduceSum } from './reduce.js';
import { defineOps, type InferArgs, type LowerContext, type OpTable } from './registry.js';
import { sumToShapeOf } from './shape-helpers.js';

export { relu, relu6, elu, softplus, sigmoid, tanh, leakyRelu } from './math.js';
export { avgPool, conv2d, conv2dBackpropFilter, conv2dBackpropInput, maxPool } from './conv.js';
export type { Conv2DOptions, DataFormat, Padding, PoolOptions } from './conv.js';

function inferLastAxis({ inputs: [x], describe }: InferArgs) {
  checkDType(x, FLOAT, 'logits');
  if (x.shape !== null && x.shape.length < 1) throw new InvalidArgumentError(`logits must have >= 1 dimension, got ${formatShape(x.shape)} for ${describe()}`);
  return [{ dtype: x.dtype, shape: x.shape }];
}

function lowerSoftmax(ctx: LowerContext, log: number): void {
  const shape = ctx.inputShapes[0];
  const cols = shape[shape.length - 1];
  const rows = cols === 0 ? 0 : shape.reduce((n, d) => n * d, 1) / cols;
  ctx.emit(Kernel.Softmax, [ctx.input(0)], [ctx.output(0)], [rows, cols, log]);
}

const nnOps = {
  Softmax: {
    infer: inferLastAxis,
    lower: (ctx) => lowerSoftmax(ctx, 0),
    // dx = (dy - sum(dy * y)) * y along the last axis
    gradient: (op, [dy]) => {
      const y = op.outputs[0];
      return [dy && mul(sub(dy, reduceSum(mul(dy, y), -1, true)), y)];
    },
  },
  LogSoftmax: {
    infer: inferLastAxis,
    lower: (ctx) => lowerSoftmax(ctx, 1),
    // dx = dy - exp(y) * sum(dy) along the last axis
    gradient: (op, [dy]) => [dy && sub(dy, mul(exp(op.outputs[0]), reduceSum(dy, -1, true)))],
  },
  BiasAdd: {
    infer: ({ inputs: [value, bias], describe }) => {
      checkSameDType([value, bias], 'BiasAdd', ['value', 'bias']);
      checkDType(value, NUMERIC, 'value');
      const last = value.shape?.[value.shape.length - 1] ?? null;
      if (bias.shape !== null && (bias.shape.length !== 1 || (last !== null && bias.shape[0] !== null && bias.shape[0] !== last))) {
        throw new InvalidArgumentError(`Biases must be 1-D with the size of the last dimension of value: got ${formatShape(bias.shape)} for value ${formatShape(value.shape)} for ${describe()}`);
      }
      return [{ dtype: value.dtype, shape: value.shape }];
    },
    lower: (ctx) => ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [BinaryOp.Add]),
    gradient: (op, [dy]) => [dy, dy && sumToShapeOf(dy, op.inputs[1])],
  },
} satisfies OpTable;

defineOps(nnOps);

/** Applies a last-axis op along `axis` by moving that axis last and back. */
function alongAxis(logits: Tensor, axis: number, apply: (t: Tensor) => Tensor): Tensor {
  const rank = logits.rank;
  if (axis === -1 || (rank !== null && axis === rank - 1)) return apply(logits);
  if (rank === null) throw new InvalidArgumentError('softmax along an axis other than the last needs a known rank.');
  const a = axis < 0 ? axis + rank : axis;
  const perm = [...Array(rank).keys()];
  [perm[a], perm[rank - 1]] = [perm[rank - 1], perm[a]];
  return transpose(apply(transpose(logits, perm)), perm);
}

export function softmax(logits: TensorLike, axis = -1, name = 'Softmax'): Tensor {
  return alongAxis(toTensor(logits), axis, (t) => makeTensor('Softmax', [t], {}, name));
}

export function logSoftmax(logits: TensorLike, axis = -1, name = 'LogSoftmax'): Tensor {
  return alongAxis(toTensor(logits), axis, (t) => makeTensor('LogSoftmax', [t], {}, name));
}

export function biasAdd(value: TensorLike, bias: TensorLike, name = 'BiasAdd'): Tensor {
  return makeTensor('BiasAdd', toTensorPair(value, bias), {}, name);
}

export interface LogitsLoss {
  labels: TensorLike;
  logits: TensorLike;
  name?: string;
}

/**
 * Per-example cross-entropy of softmax(logits) against the label distribution.
 * As TensorFlow 1's version, gradients do not flow into the labels.
 */
export function softmaxCrossEntropyWithLogits({ labels, logits, name = 'softmax_cross_entropy' }: LogitsLoss): Tensor {
  const [l, z] = toTensorPair(labels, logits);
  return neg(reduceSum(mul(stopGradient(l), logSoftmax(z)), -1), name);
}

/** Cross-entropy against integer class labels ([batch] int32 for [batch, classes] logits). */
export function sparseSoftmaxCrossEntropyWithLogits({ labels, logits, name = 'sparse_softmax_cross_entropy' }: LogitsLoss): Tensor {
  const z = toTensor(logits);
  const l = toTensor(labels, int32, z.graph);
  if (l.dtype !== int32) throw new TypeError(`labels must be int32 class indices, got ${l.dtype.name}.`);
  const classes = z.shape?.[z.shape.length - 1];
  if (classes === null || classes === undefined) throw new InvalidArgumentError('sparseSoftmaxCrossEntropyWithLogits needs the number of classes (the last dim of logits) to be known.');
  // Gathering the labels from [0, 1, ..., classes-1] returns them unchanged and
  // fails with InvalidArgumentError on a label outside [0, classes), as TensorFlow does.
  const checked = gather(constant(Int32Array.from({ length: classes }, (_, i) => i), { name: 'class_ids' }), l, 0, 'check_labels');
  return neg(reduceSum(mul(oneHot(checked, classes, { dtype: z.dtype }), logSoftmax(z)), -1), name);
}

/** max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logit. */
export function sigmoidCrossEntropyWithLogits({ labels, logits, name = 'logistic_loss' }: LogitsLoss): Tensor {
  const [z, x] = toTensorPair(labels, logits);
  return add(sub(relu(x), mul(x, z)), log1p(exp(neg(abs(x)))), name);
}

/** sum(t^2) / 2, TensorFlow's weight-decay term. */
export function l2Loss(t: TensorLike, name = 'L2Loss'): Tensor {
  return mul(reduceSum(square(toTensor(t))), 0.5, name);
}

