/**
 * Convolution and pooling over NHWC images: `tf.nn.conv2d`, `maxPool`,
 * `avgPool`, and the two convolution gradients TensorFlow exposes.
 *
 * Here: the op rows (shapes with TensorFlow's checks and errors, gradients)
 * and the public functions. The window arithmetic is in conv-geometry.ts; how
 * each op becomes plan steps (one Conv2D per convolution, whose GEMM never
 * writes the patches out, and convolutions again for the gradients) is in
 * conv-lower.ts.
 *
 *   const h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'), b));
 *   const p = tf.nn.maxPool(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID');
 */
import { float32 } from '../graph/dtypes.js';
import { formatShape, type Dim, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { Operation } from '../graph/operation.js';
import { PoolOp } from '../compiler/plan-format.js';
import { InvalidArgumentError, UnimplementedError } from '../runtime/errors.js';
import { makeTensor, toTensor } from './build.js';
import { FLOAT, checkDType, checkSameDType } from './checks.js';
import { convAttrs, poolAttrs, windowOutput, type Padding, type WindowAttrs } from './conv-geometry.js';
import { lowerBackpropFilter, lowerBackpropInput, lowerConv2D, lowerPool, lowerPoolGrad } from './conv-lower.js';
import type { TensorLike } from './convert.js';
import { defineOps, type InferArgs, type InputSpec, type OpTable } from './registry.js';

export type { Padding } from './conv-geometry.js';

const known = (d: Dim | undefined): d is number => d !== null && d !== undefined;

function checkRank(input: InputSpec, rank: number, describe: () => string, all: readonly InputSpec[]): void {
  if (input.shape !== null && input.shape.length !== rank) {
    throw new InvalidArgumentError(`Shape must be rank ${rank} but is rank ${input.shape.length} for ${describe()} with input shapes: ${all.map((i) => formatShape(i.shape)).join(', ')}.`);
  }
}

function inferConv2D({ inputs, attrs, describe }: InferArgs) {
  const [input, filter] = inputs;
  checkSameDType(inputs, 'Conv2D', ['input', 'filter']);
  checkDType(input, FLOAT, 'input');
  checkRank(input, 4, describe, inputs);
  checkRank(filter, 4, describe, inputs);
  const depth = input.shape?.[3];
  const filterDepth = filter.shape?.[2];
  if (known(depth) && known(filterDepth) && depth !== filterDepth) {
    throw new InvalidArgumentError(`input and filter must have the same depth: ${depth} vs ${filterDepth} for ${describe()}`);
  }
  return [{ dtype: input.dtype, shape: windowOutput(input.shape, convAttrs(attrs, filter.shape), filter.shape?.[3] ?? null, describe) }];
}

/** Checks that dy has the shape the forward op gave for this image. */
function checkGradShape(image: Shape, dy: Shape, w: WindowAttrs, channels: Dim, describe: () => string): void {
  const expected = windowOutput(image, w, channels, describe)!;
  if (dy === null) return;
  if (dy.length !== 4 || expected.some((d, i) => known(d) && known(dy[i]) && d !== dy[i])) {
    throw new InvalidArgumentError(`The gradient has shape ${formatShape(dy)} but the forward op's output has shape ${formatShape(expected)} for ${describe()}`);
  }
}

/** The image shape of a backprop-to-input op: its `like` input's, else the inputSizes attr. */
function imageShapeOf(inputs: readonly InputSpec[], attrs: InferArgs['attrs'], likeAt: number, attr: string): Shape {
  return inputs.length > likeAt ? inputs[likeAt].shape : (attrs[attr] as number[]);
}

/** A convolution op's strides, dilations and padding, for the ops of its gradient. */
function windowOpAttrs(op: Operation) {
  return { strides: op.getAttr<number[]>('strides'), dilations: op.getAttr<number[]>('dilations'), padding: op.getAttr<Padding>('padding') };
}

function inferPool({ inputs: [x], attrs, describe }: InferArgs) {
  checkDType(x, FLOAT, 'input');
  checkRank(x, 4, describe, [x]);
  return [{ dtype: x.dtype, shape: windowOutput(x.shape, poolAttrs(attrs), x.shape?.[3] ?? null, describe) }];
}

/** A pooling gradient: inputs [x, dy]; dx has x's shape. */
function inferPoolGrad({ inputs: [x, dy], attrs, describe }: InferArgs) {
  checkSameDType([x, dy], 'PoolGrad', ['orig_input', 'grad']);
  checkGradShape(x.shape, dy.shape, poolAttrs(attrs), x.shape?.[3] ?? null, describe);
  return [{ dtype: x.dtype, shape: x.shape }];
}

const convOps = {
  Conv2D: {
    infer: inferConv2D,
    lower: lowerConv2D,
    gradient: (op, [dy]) => {
      if (!dy) return [null, null];
      const [x, filter] = op.inputs;
      const attrs = windowOpAttrs(op);
      return [
        makeTensor('Conv2DBackpropInput', [filter, dy, x], { ...attrs, inputSizes: null }, 'Conv2DBackpropInput'),
        makeTensor('Conv2DBackpropFilter', [x, dy, filter], { ...attrs, filterSizes: null }, 'Conv2DBackpropFilter'),
      ];
    },
  },
  // inputs [filter, dy(, like)]: dx has `like`'s shape, else the inputSizes attr
  Conv2DBackpropInput: {
    infer: ({ inputs, attrs, describe }) => {
      const [filter, dy] = inputs;
      checkSameDType([filter, dy], 'Conv2DBackpropInput', ['filter', 'out_backprop']);
      checkDType(filter, FLOAT, 'filter');
      checkRank(filter, 4, describe, inputs);
      const image = imageShapeOf(inputs, attrs, 2, 'inputSizes');
      if (image !== null && image.length !== 4) throw new InvalidArgumentError(`input_sizes must be 4-D, got ${formatShape(image)} for ${describe()}`);
      checkGradShape(image, dy.shape, convAttrs(attrs, filter.shape), filter.shape?.[3] ?? null, describe);
      return [{ dtype: filter.dtype, shape: image }];
    },
    lower: lowerBackpropInput,
    // Linear in both: for the filter, the patches of g against dy; for dy, g convolved by the filter.
    gradient: (op, [g]) => {
      if (!g) return op.inputs.map(() => null);
      const [filter, dy] = op.inputs;
      const attrs = windowOpAttrs(op);
      return [
        makeTensor('Conv2DBackpropFilter', [g, dy, filter], { ...attrs, filterSizes: null }, 'Conv2DBackpropFilter'),
        makeTensor('Conv2D', [g, filter], attrs, 'Conv2D'),
        ...(op.inputs.length > 2 ? [null] : []),
      ];
    },
  },
  // inputs [x, dy(, like)]: dfilter has `like`'s shape, else the filterSizes attr
  Conv2DBackpropFilter: {
    infer: ({ inputs, attrs, describe }) => {
      const [x, dy] = inputs;
      checkSameDType([x, dy], 'Conv2DBackpropFilter', ['input', 'out_backprop']);
      checkDType(x, FLOAT, 'input');
      checkRank(x, 4, describe, inputs);
      const filter = imageShapeOf(inputs, attrs, 2, 'filterSizes');
      if (filter !== null && filter.length !== 4) throw new InvalidArgumentError(`filter_sizes must be 4-D, got ${formatShape(filter)} for ${describe()}`);
      checkGradShape(x.shape, dy.shape, convAttrs(attrs, filter), filter?.[3] ?? null, describe);
      return [{ dtype: x.dtype, shape: filter }];
    },
    lower: lowerBackpropFilter,
    // Linear in both: for x, dy spread back through g; for dy, x convolved by g.
    gradient: (op, [g]) => {
      if (!g) return op.inputs.map(() => null);
      const [x, dy] = op.inputs;
      const attrs = windowOpAttrs(op);
      return [
        makeTensor('Conv2DBackpropInput', [g, dy, x], { ...attrs, inputSizes: null }, 'Conv2DBackpropInput'),
        makeTensor('Conv2D', [x, g], attrs, 'Conv2D'),
        ...(op.inputs.length > 2 ? [null] : []),
      ];
    },
  },
  MaxPool: {
    infer: inferPool,
    lower: (ctx) => lowerPool(ctx, PoolOp.Max),
    gradient: (op, [dy]) => [dy && makeTensor('MaxPoolGrad', [op.inputs[0], dy], { ...op.attrs }, 'MaxPoolGrad')],
  },
  AvgPool: {
    infer: inferPool,
    lower: (ctx) => lowerPool(ctx, PoolOp.Avg),
    gradient: (op, [dy]) => [dy && makeTensor('AvgPoolGrad', [op.inputs[0], dy], { ...op.attrs }, 'AvgPoolGrad')],
  },
  MaxPoolGrad: {
    infer: inferPoolGrad,
    lower: (ctx) => lowerPoolGrad(ctx, PoolOp.Max),
    gradient: () => {
      throw new UnimplementedError('The gradient of MaxPoolGrad (a second derivative of max pooling) is not implemented yet.');
    },
  },
  // inputs [x, dy]; x gives dx its shape (its values are not read)
  AvgPoolGrad: {
    infer: inferPoolGrad,
    lower: (ctx) => lowerPoolGrad(ctx, PoolOp.Avg),
    // Spreading dy evenly over each window is the adjoint of averaging it.
    gradient: (op, [g]) => [null, g && makeTensor('AvgPool', [g], { ...op.attrs }, 'AvgPool')],
  },
} satisfies OpTable;

defineOps(convOps);

// ---- the public functions ---------------------------------------------------------------

export type DataFormat = 'NHWC' | 'NCHW';

export interface Conv2DOptions {
  /** Only 'NHWC' runs on the CPU, as in TensorFlow. */
  dataFormat?: DataFormat;
  /** The spacing of the filter's taps: a number, [h, w], or [1, h, w, 1]. Default 1. */
  dilations?: number | number[];
  name?: string;
}

export interface PoolOptions {
  dataFormat?: DataFormat;
  name?: string;
}

/** A window attribute given as n, [h, w] or [1, h, w, 1] (TensorFlow's NHWC form) → [h, w]. */
function spatial(value: number | number[], field: 'strides' | 'dilations' | 'ksize'): [number, number] {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || ![1, 2, 4].includes(list.length) || !list.every((v) => Number.isInteger(v))) {
    throw new InvalidArgumentError(`Sliding window ${field} field must specify 4 dimensions`);
  }
  if (list.length === 4 && (list[0] !== 1 || list[3] !== 1)) {
    if (field === 'ksize') throw new InvalidArgumentError('Pooling is not yet supported on the batch or depth dimension.');
    throw new InvalidArgumentError(`Current implementation does not yet support ${field} in the batch and depth dimensions.`);
  }
  const [h, w] = list.length === 4 ? [list[1], list[2]] : list.length === 2 ? list : [list[0], list[0]];
  if (h < 1 || w < 1) {
    throw new InvalidArgumentError(field === 'ksize' ? 'Sliding window ksize for dimension 1 was zero.' : `${field[0].toUpperCase()}${field.slice(1)} must be positive, got [${h}, ${w}].`);
  }
  return [h, w];
}

function checkPadding(padding: string): Padding {
  if (padding !== 'SAME' && padding !== 'VALID') {
    throw new InvalidArgumentError(`Value for attr 'padding' of "${padding}" is not in the list of allowed values: "SAME", "VALID"`);
  }
  return padding;
}

function checkFormat(format: DataFormat | undefined, op: string): void {
  if (format !== undefined && format !== 'NHWC') {
    throw new InvalidArgumentError(`The ${op} op currently only supports the NHWC tensor format on the CPU. The op was given the format: ${format}`);
  }
}

/**
 * 2-D convolution (cross-correlation, as TensorFlow) of input [batch, height,
 * width, inChannels] with filter [filterHeight, filterWidth, inChannels,
 * outChannels]: output [batch, outHeight, outWidth, outChannels].
 */
export function conv2d(input: TensorLike, filter: TensorLike, strides: number | number[], padding: Padding, options: Conv2DOptions = {}): Tensor {
  checkFormat(options.dataFormat, 'Conv2D');
  const attrs = { strides: spatial(strides, 'strides'), dilations: spatial(options.dilations ?? 1, 'dilations'), padding: checkPadding(padding) };
  const x = toTensor(input, float32);
  return makeTensor('Conv2D', [x, toTensor(filter, float32, x.graph)], attrs, options.name ?? 'Conv2D');
}

/** The gradient of conv2d with respect to its input, of shape `inputSizes` [batch, height, width, inChannels]. */
export function conv2dBackpropInput(inputSizes: number[], filter: TensorLike, outBackprop: TensorLike, strides: number | number[], padding: Padding, options: Conv2DOptions = {}): Tensor {
  checkFormat(options.dataFormat, 'Conv2DBackpropInput');
  const attrs = { strides: spatial(strides, 'strides'), dilations: spatial(options.dilations ?? 1, 'dilations'), padding: checkPadding(padding), inputSizes: [...inputSizes] };
  const f = toTensor(filter, float32);
  return makeTensor('Conv2DBackpropInput', [f, toTensor(outBackprop, float32, f.graph)], attrs, options.name ?? 'Conv2DBackpropInput');
}

/** The gradient of conv2d with respect to its filter, of shape `filterSizes` [filterHeight, filterWidth, inChannels, outChannels]. */
export function conv2dBackpropFilter(input: TensorLike, filterSizes: number[], outBackprop: TensorLike, strides: number | number[], padding: Padding, options: Conv2DOptions = {}): Tensor {
  checkFormat(options.dataFormat, 'Conv2DBackpropFilter');
  const attrs = { strides: spatial(strides, 'strides'), dilations: spatial(options.dilations ?? 1, 'dilations'), padding: checkPadding(padding), filterSizes: [...filterSizes] };
  const x = toTensor(input, float32);
  return makeTensor('Conv2DBackpropFilter', [x, toTensor(outBackprop, float32, x.graph)], attrs, options.name ?? 'Conv2DBackpropFilter');
}

function pool(type: 'MaxPool' | 'AvgPool', value: TensorLike, ksize: number | number[], strides: number | number[], padding: Padding, options: PoolOptions): Tensor {
  checkFormat(options.dataFormat, type);
  const attrs = { ksize: spatial(ksize, 'ksize'), strides: spatial(strides, 'strides'), padding: checkPadding(padding) };
  return makeTensor(type, [toTensor(value, float32)], attrs, options.name ?? type);
}

/** The largest value of each ksize window of value [batch, height, width, channels]; padding takes no part. */
export function maxPool(value: TensorLike, ksize: number | number[], strides: number | number[], padding: Padding, options: PoolOptions = {}): Tensor {
  return pool('MaxPool', value, ksize, strides, padding, options);
}

/** The mean of each ksize window, over the window's positions inside the image (padding is not counted). */
export function avgPool(value: TensorLike, ksize: number | number[], strides: number | number[], padding: Padding, options: PoolOptions = {}): Tensor {
  return pool('AvgPool', value, ksize, strides, padding, options);
}
