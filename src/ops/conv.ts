/**
 * Convolution and pooling over NHWC images: `tf.nn.conv2d`, `maxPool`,
 * `avgPool`, and the two convolution gradients TensorFlow exposes.
 *
 * A convolution is one Conv2D step: the product of the patches (each output
 * position's taps as one row, Im2Col's matrix) by the filter seen as
 * [kh*kw*cin, cout], which backends compute without writing the patches out;
 * a 1x1 convolution with stride 1 is a MatMul of the image itself. Either way
 * a GEMM does the arithmetic, bias and activation fuse into its epilogue, and
 * a variable filter stays packed between runs. The gradients are
 * convolutions too: for the filter, of the input's channels by dy; for the
 * input with stride 1, of dy by the flipped filter; only a strided input
 * gradient takes Col2Im (Im2Col's adjoint) after a MatMul by the filter
 * transposed.
 *
 *   const h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'), b));
 *   const p = tf.nn.maxPool(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID');
 */
import { float32, int32 } from '../graph/dtypes.js';
import { formatShape, type Dim, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Kernel, PoolOp, UnaryOp, WINDOW_ATTRS } from '../compiler/plan-format.js';
import type { Operation } from '../graph/operation.js';
import { InvalidArgumentError, UnimplementedError } from '../runtime/errors.js';
import { makeTensor, toTensor } from './build.js';
import { FLOAT, checkDType, checkSameDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { defineOps, type InferArgs, type InputSpec, type LowerContext, type OpTable } from './registry.js';

export type Padding = 'SAME' | 'VALID';

/** Per spatial axis (height, width): window size (unknown while a filter's is), stride, dilation. */
interface WindowAttrs {
  ksize: [Dim, Dim];
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

/** One spatial axis: the output size and the padding before the image (TensorFlow's rule). */
function axisWindow(input: Dim, k: Dim, stride: number, dilation: number, padding: Padding, describe: () => string): { out: Dim; padBefore: number } {
  if (input === null || k === null) return { out: null, padBefore: 0 };
  const effective = (k - 1) * dilation + 1;
  if (padding === 'VALID') {
    const out = Math.trunc((input - effective + stride) / stride);
    if (out < 0) {
      throw new InvalidArgumentError(`Computed output size would be negative: ${out} [input_size: ${input}, effective_filter_size: ${effective}, stride: ${stride}] for ${describe()}`);
    }
    return { out, padBefore: 0 };
  }
  const out = Math.ceil(input / stride);
  const padTotal = Math.max((out - 1) * stride + effective - input, 0);
  return { out, padBefore: Math.floor(padTotal / 2) };
}

/** The output [N, OH, OW, channels] of a window op over `image`. */
function windowOutput(image: Shape, w: WindowAttrs, channels: Dim, describe: () => string): Dim[] {
  if (image === null) return [null, null, null, channels];
  const rows = axisWindow(image[1], w.ksize[0], w.strides[0], w.dilations[0], w.padding, describe);
  const cols = axisWindow(image[2], w.ksize[1], w.strides[1], w.dilations[1], w.padding, describe);
  return [image[0], rows.out, cols.out, channels];
}

/** The WINDOW_ATTRS words of plan-format.ts for a concrete image [N, H, W, C]. */
function geometry(image: readonly number[], w: WindowAttrs, describe: () => string): number[] {
  const [n, h, wd, c] = image;
  const rows = axisWindow(h, w.ksize[0], w.strides[0], w.dilations[0], w.padding, describe);
  const cols = axisWindow(wd, w.ksize[1], w.strides[1], w.dilations[1], w.padding, describe);
  const g = [n, h, wd, c, rows.out!, cols.out!, w.ksize[0]!, w.ksize[1]!, ...w.strides, ...w.dilations, rows.padBefore, cols.padBefore];
  if (g.length !== WINDOW_ATTRS) throw new Error('unreachable: window geometry has the wrong length');
  return g;
}

function checkRank(input: InputSpec, rank: number, describe: () => string, all: readonly InputSpec[]): void {
  if (input.shape !== null && input.shape.length !== rank) {
    throw new InvalidArgumentError(`Shape must be rank ${rank} but is rank ${input.shape.length} for ${describe()} with input shapes: ${all.map((i) => formatShape(i.shape)).join(', ')}.`);
  }
}

const known = (d: Dim | undefined): d is number => d !== null && d !== undefined;

function convAttrs(attrs: InferArgs['attrs'], filter: Shape): WindowAttrs {
  return {
    ksize: [filter?.[0] ?? null, filter?.[1] ?? null],
    strides: attrs.strides as [number, number],
    dilations: attrs.dilations as [number, number],
    padding: attrs.padding as Padding,
  };
}

function poolAttrs(attrs: InferArgs['attrs']): WindowAttrs {
  return { ksize: attrs.ksize as [number, number], strides: attrs.strides as [number, number], dilations: [1, 1], padding: attrs.padding as Padding };
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

/** x [N, H, W, C] as Im2Col rows [N*OH*OW, KH*KW*C], or as [N*H*W, C] when the window is 1x1 with stride 1. */
function patches(ctx: LowerContext, image: number, g: number[]): number {
  const [n, h, w, c, oh, ow, kh, kw] = g;
  if (pointwise(g)) return ctx.view(image, [n * h * w, c]);
  const rows = ctx.temp(float32, [n * oh * ow, kh * kw * c]);
  ctx.emit(Kernel.Im2Col, [image], [rows], g);
  return rows;
}

/** One Conv2D step (Im2Col and the GEMM at once); a 1x1 stride-1 convolution is a MatMul of the image. */
function lowerConv2D(ctx: LowerContext): void {
  const filter = ctx.inputShapes[1];
  const g = geometry(ctx.inputShapes[0], convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, , , c, oh, ow, kh, kw] = g;
  const cout = filter[3];
  const out = ctx.output(0);
  if (!pointwise(g)) {
    ctx.emit(Kernel.Conv2D, [ctx.input(0), ctx.input(1)], [out], [...g, UnaryOp.Identity]);
    return;
  }
  const weights = ctx.view(ctx.input(1), [kh * kw * c, cout]);
  ctx.emit(Kernel.MatMul, [ctx.view(ctx.input(0), [n * oh * ow, c]), weights], [ctx.view(out, [n * oh * ow, cout])], [0, 0, UnaryOp.Identity]);
}

/** A 1x1 window moved one pixel at a time over the whole image: the patches are the image's pixels. */
function pointwise(g: readonly number[]): boolean {
  const [, h, w, , oh, ow, kh, kw, sh, sw, , , pt, pl] = g;
  return kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === h && ow === w;
}

/**
 * dx, the convolution transposed. With stride 1 that is itself a convolution:
 * of dy by the filter flipped in space with its channel axes swapped, padded by
 * the window's span less the forward padding, so it runs as one Conv2D (no
 * [M, kh*kw*cin] matrix). Larger strides spread dy's values apart instead: there
 * dx = Col2Im(dy x filter^T), each tap's share of every output position it fed.
 */
function lowerBackpropInput(ctx: LowerContext): void {
  const filter = ctx.inputShapes[0];
  const image = ctx.outputShapes[0];
  const g = geometry(image, convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = g;
  const cout = filter[3];
  const out = ctx.output(0);
  if (pointwise(g) || sh !== 1 || sw !== 1) {
    const dy = ctx.view(ctx.input(1), [n * oh * ow, cout]);
    const weights = ctx.view(ctx.input(0), [kh * kw * c, cout]);
    if (pointwise(g)) {
      ctx.emit(Kernel.MatMul, [dy, weights], [ctx.view(out, [n * h * w, c])], [0, 1, UnaryOp.Identity]);
      return;
    }
    const rows = ctx.temp(float32, [n * oh * ow, kh * kw * c]);
    ctx.emit(Kernel.MatMul, [dy, weights], [rows], [0, 1, UnaryOp.Identity]);
    ctx.emit(Kernel.Col2Im, [rows], [out], g);
    return;
  }
  const taps = kh * kw;
  // Tap (kh, kw) -> (kh-1-kh, kw-1-kw) is tap t -> taps-1-t: one gather reverses both axes.
  const reversed = ctx.constant(int32, [taps], Int32Array.from({ length: taps }, (_, t) => taps - 1 - t));
  const flipped = ctx.temp(float32, [1, taps, c * cout]);
  ctx.emit(Kernel.Gather, [ctx.view(ctx.input(0), [1, taps, c * cout]), reversed], [flipped], [1, taps, c * cout]);
  const swapped = ctx.temp(float32, [taps, cout, c]);
  ctx.emit(Kernel.Transpose, [ctx.view(flipped, [taps, c, cout])], [swapped], [0, 2, 1]);
  const back = [n, oh, ow, cout, h, w, kh, kw, 1, 1, dh, dw, (kh - 1) * dh - pt, (kw - 1) * dw - pl];
  ctx.emit(Kernel.Conv2D, [ctx.input(1), ctx.view(swapped, [kh, kw, cout, c])], [out], [...back, UnaryOp.Identity]);
}

/**
 * dfilter [kh, kw, cin, cout]: each tap's sum over the batch and the output
 * positions of x times dy, which is a convolution too: of x seen as cin
 * images of the batch's channels ([cin, H, W, N]) by dy seen as an
 * [OH, OW, N, cout] filter, strides and dilations trading places. One Conv2D
 * between two transposes, so no [M, kh*kw*cin] patch matrix is written.
 */
function lowerBackpropFilter(ctx: LowerContext): void {
  const filter = ctx.outputShapes[0];
  const g = geometry(ctx.inputShapes[0], convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = g;
  const cout = filter[3];
  if (pointwise(g)) {
    const dy = ctx.view(ctx.input(1), [n * oh * ow, cout]);
    ctx.emit(Kernel.MatMul, [patches(ctx, ctx.input(0), g), dy], [ctx.view(ctx.output(0), [kh * kw * c, cout])], [1, 0, UnaryOp.Identity]);
    return;
  }
  const images = ctx.temp(float32, [c, h, w, n]);
  ctx.emit(Kernel.Transpose, [ctx.input(0)], [images], [3, 1, 2, 0]);
  const taps = ctx.temp(float32, [oh, ow, n, cout]);
  ctx.emit(Kernel.Transpose, [ctx.input(1)], [taps], [1, 2, 0, 3]);
  const perChannel = ctx.temp(float32, [c, kh, kw, cout]);
  ctx.emit(Kernel.Conv2D, [images, taps], [perChannel], [c, h, w, n, kh, kw, oh, ow, dh, dw, sh, sw, pt, pl, UnaryOp.Identity]);
  ctx.emit(Kernel.Transpose, [perChannel], [ctx.output(0)], [1, 2, 0, 3]);
}

function lowerPool(ctx: LowerContext, op: number): void {
  const g = geometry(ctx.inputShapes[0], poolAttrs(ctx.op.attrs), describeOp(ctx));
  ctx.emit(Kernel.Pool, [ctx.input(0)], [ctx.output(0)], [op, ...g]);
}

function lowerPoolGrad(ctx: LowerContext, op: number): void {
  const g = geometry(ctx.inputShapes[0], poolAttrs(ctx.op.attrs), describeOp(ctx));
  const inputs = op === PoolOp.Max ? [ctx.input(0), ctx.input(1)] : [ctx.input(1)];
  ctx.emit(Kernel.PoolGrad, inputs, [ctx.output(0)], [op, ...g]);
}

/** A convolution op's strides, dilations and padding, for the ops of its gradient. */
function windowOpAttrs(op: Operation) {
  return { strides: op.getAttr<number[]>('strides'), dilations: op.getAttr<number[]>('dilations'), padding: op.getAttr<Padding>('padding') };
}

const describeOp = (ctx: LowerContext) => () => `'${ctx.op.name}' (op: '${ctx.op.type}')`;

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
