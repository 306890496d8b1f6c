/**
 * Making and reshaping tensors: constants, placeholders, identity, reshape,
 * transpose, fill, select, shape queries.
 *
 *   const x = tf.placeholder(tf.float32, [null, 3], 'x');
 *   const y = tf.reshape(tf.transpose(x), [-1]);
 */
import { bool, float32, int32, toDType, type DTypeLike } from '../graph/dtypes.js';
import { broadcastShapes, formatShape, isCompatible, isFullyDefined, numElements, type Dim, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Kernel } from '../compiler/plan-format.js';
import { InvalidArgumentError, UnimplementedError, nodeSuffix } from '../runtime/errors.js';
import { constantTensor, makeTensor, toTensor, toTensorPair } from './build.js';
import { checkDType, checkSameDType } from './checks.js';
import { hostValue, type TensorLike, type Value } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type GradientFn, type InferArgs, type LowerContext, type OpTable } from './registry.js';
import { reshapeLike, sumToShapeOf } from './shape-helpers.js';
import { reduceSum } from './reduce.js';

const aliasInput = (ctx: LowerContext) => ctx.alias(0, ctx.input(0));
const ND = NOT_DIFFERENTIABLE;
/** Gradient of ops that only re-view memory: dy takes the input's shape back. */
const reshapeGrad: GradientFn = (op, [dy]) => [dy && reshapeLike(dy, op.inputs[0])];

const arrayOps = {
  Const: {
    infer: ({ attrs }) => [{ dtype: toDType(attrs.dtype as DTypeLike), shape: attrs.shape as number[] }],
    lower: (ctx) => {
      const dtype = ctx.op.outputs[0].dtype;
      ctx.alias(0, ctx.constant(dtype, ctx.outputShapes[0], ctx.op.getAttr<ArrayBufferView>('value')));
    },
    gradient: ND,
  },
  Placeholder: {
    infer: ({ attrs, compiling, describe }) => {
      const dtype = toDType(attrs.dtype as DTypeLike);
      const shape = attrs.shape as Shape;
      // Reached while compiling only when not fed: the fetches need a value.
      if (compiling) {
        const name = describe().split("'")[1];
        throw new InvalidArgumentError(`You must feed a value for placeholder tensor '${name}' with dtype ${dtype.tfName}${shape === null ? '' : ` and shape ${formatShape(shape)}`}${nodeSuffix(name)}`);
      }
      return [{ dtype, shape }];
    },
    lower: () => { throw new Error('unreachable: an unfed placeholder fails in infer'); },
    gradient: ND,
  },
  PlaceholderWithDefault: {
    infer: ({ inputs: [input], attrs, compiling, describe }) => {
      const shape = attrs.shape as Shape;
      if (isFullyDefined(input.shape) && !isCompatible(shape, input.shape)) {
        throw new InvalidArgumentError(`Incompatible shapes for ${describe()}: default value has shape ${formatShape(input.shape)} but the placeholder's shape is ${formatShape(shape)}.`);
      }
      return [{ dtype: input.dtype, shape: compiling ? input.shape : shape }];
    },
    lower: aliasInput,
    gradient: (_op, [dy]) => [dy],
  },
  Identity: { infer: ({ inputs: [x] }) => [x], lower: aliasInput, gradient: (_op, [dy]) => [dy] },
  StopGradient: { infer: ({ inputs: [x] }) => [x], lower: aliasInput, gradient: ND },
  Reshape: { infer: inferReshape, lower: aliasInput, gradient: reshapeGrad },
  ExpandDims: { infer: inferExpandDims, lower: aliasInput, gradient: reshapeGrad },
  Squeeze: { infer: inferSqueeze, lower: aliasInput, gradient: reshapeGrad },
  Transpose: {
    infer: inferTranspose,
    lower: (ctx) => {
      const perm = ctx.op.getAttr<number[] | null>('perm') ?? [...ctx.inputShapes[0].keys()].reverse();
      if (perm.every((p, i) => p === i)) return aliasInput(ctx);
      ctx.emit(Kernel.Transpose, [ctx.input(0)], [ctx.output(0)], perm);
    },
    gradient: (op, [dy]) => {
      const perm = op.getAttr<number[] | null>('perm');
      const inverse = perm && perm.map((_, i) => perm.indexOf(i));
      return [dy && transpose(dy, inverse)];
    },
  },
  Fill: {
    infer: ({ inputs: [value], attrs, describe }) => {
      if (value.shape !== null && value.shape.length !== 0) {
        throw new InvalidArgumentError(`value must be a scalar, but it has shape ${formatShape(value.shape)} for ${describe()}`);
      }
      return [{ dtype: value.dtype, shape: attrs.dims as number[] }];
    },
    lower: (ctx) => ctx.emit(Kernel.Fill, [ctx.input(0)], [ctx.output(0)]),
    gradient: (_op, [dy]) => [dy && reduceSum(dy)],
  },
  ZerosLike: { infer: ({ inputs: [x] }) => [x], lower: (ctx) => fillLike(ctx, 0), gradient: ND },
  OnesLike: { infer: ({ inputs: [x] }) => [x], lower: (ctx) => fillLike(ctx, 1), gradient: ND },
  Select: {
    infer: inferSelect,
    lower: lowerSelect,
    gradient: (op, [dy]) => {
      if (!dy) return [null, null, null];
      const [cond, x, y] = op.inputs;
      return [null, sumToShapeOf(where(cond, dy, 0), x), sumToShapeOf(where(cond, 0, dy), y)];
    },
  },
  Shape: {
    infer: ({ inputs: [x] }) => [{ dtype: int32, shape: [x.shape === null ? null : x.shape.length] }],
    lower: (ctx) => ctx.alias(0, ctx.constant(int32, [ctx.inputShapes[0].length], Int32Array.from(ctx.inputShapes[0]))),
    gradient: ND,
  },
  Size: {
    infer: () => [{ dtype: int32, shape: [] }],
    lower: (ctx) => ctx.alias(0, ctx.constant(int32, [], Int32Array.of(numElements(ctx.inputShapes[0])))),
    gradient: ND,
  },
  Rank: {
    infer: () => [{ dtype: int32, shape: [] }],
    lower: (ctx) => ctx.alias(0, ctx.constant(int32, [], Int32Array.of(ctx.inputShapes[0].length))),
    gradient: ND,
  },
} satisfies OpTable;

defineOps(arrayOps);

function fillLike(ctx: LowerContext, value: number): void {
  const dtype = ctx.op.outputs[0].dtype;
  const data = dtype.allocate(1);
  data[0] = value;
  ctx.emit(Kernel.Fill, [ctx.constant(dtype, [], data)], [ctx.output(0)]);
}

function inferReshape({ inputs: [x], attrs, describe }: InferArgs) {
  const target = attrs.shape as number[];
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1 || target.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new InvalidArgumentError(`Invalid shape ${formatShape(target)} for ${describe()}: at most one dimension may be -1 and the others must be non-negative integers.`);
  }
  if (!isFullyDefined(x.shape)) return [{ dtype: x.dtype, shape: target.map((d) => (d === -1 ? null : d)) as Dim[] }];
  const n = numElements(x.shape);
  const known = numElements(target.filter((d) => d !== -1));
  const inferred = unknown === 1 && known !== 0 && n % known === 0 ? n / known : undefined;
  const shape = target.map((d) => (d === -1 ? inferred ?? -1 : d));
  if (shape.includes(-1) || numElements(shape) !== n) {
    throw new InvalidArgumentError(`Cannot reshape a tensor with ${n} elements to shape ${formatShape(target)} (${unknown ? 'a multiple of ' : ''}${known} elements) for ${describe()} with input shapes: ${formatShape(x.shape)}.`);
  }
  return [{ dtype: x.dtype, shape }];
}

function inferExpandDims({ inputs: [x], attrs, describe }: InferArgs) {
  if (x.shape === null) return [{ dtype: x.dtype, shape: null }];
  const rank = x.shape.length;
  const axis = attrs.axis as number;
  if (!Number.isInteger(axis) || axis < -rank - 1 || axis > rank) {
    throw new InvalidArgumentError(`Tried to expand dim index ${axis} for tensor with ${rank} dimensions. for ${describe()}`);
  }
  const at = axis < 0 ? axis + rank + 1 : axis;
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, at), 1, ...x.shape.slice(at)] }];
}

function inferSqueeze({ inputs: [x], attrs, describe }: InferArgs) {
  const axes = attrs.squeezeDims as number[];
  if (x.shape === null) return [{ dtype: x.dtype, shape: null }];
  const rank = x.shape.length;
  const wanted = new Set(axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new InvalidArgumentError(`Tried to squeeze dim index ${a} for tensor with ${rank} dimensions. for ${describe()}`);
    return a < 0 ? a + rank : a;
  }));
  const shape: Dim[] = [];
  for (const [i, d] of x.shape.entries()) {
    if (wanted.size > 0 && !wanted.has(i)) { shape.push(d); continue; }
    if (wanted.size > 0 && d !== 1 && d !== null) throw new InvalidArgumentError(`Can not squeeze dim[${i}], expected a dimension of 1, got ${d} for ${describe()} with input shapes: ${formatShape(x.shape)}.`);
    if (wanted.size === 0 && d === null) return [{ dtype: x.dtype, shape: null }];
    if (d !== 1 && wanted.size === 0) shape.push(d);
  }
  return [{ dtype: x.dtype, shape }];
}

function inferTranspose({ inputs: [x], attrs, describe }: InferArgs) {
  const perm = attrs.perm as number[] | null;
  if (x.shape === null) return [{ dtype: x.dtype, shape: perm === null ? null : perm.map(() => null) }];
  const order = perm ?? [...x.shape.keys()].reverse();
  const valid = order.length === x.shape.length && [...order].sort((a, b) => a - b).every((p, i) => p === i);
  if (!valid) throw new InvalidArgumentError(`transpose expects a vector of size ${x.shape.length}. But input(1) is a vector of size ${order.length} or not a permutation: ${formatShape(order)} for ${describe()}`);
  return [{ dtype: x.dtype, shape: order.map((p) => x.shape![p]) }];
}

/**
 * TensorFlow 1's Select: a rank-1 `cond` with a higher-rank `x` picks whole rows;
 * otherwise cond, x and y broadcast together (TensorFlow 2's where).
 */
function inferSelect({ inputs: [cond, x, y], describe }: InferArgs) {
  checkDType(cond, [bool], 'condition');
  checkSameDType([x, y], 'Select', ['t', 'e']);
  const values = broadcastShapes(x.shape, y.shape, describe);
  if (isRowSelect(cond.shape, values)) {
    if (cond.shape![0] !== null && values![0] !== null && cond.shape![0] !== values![0]) {
      throw new InvalidArgumentError(`Dimensions must be equal, but are ${cond.shape![0]} and ${values![0]} for ${describe()}: a vector condition must have as many elements as the first dimension of the values.`);
    }
    return [{ dtype: x.dtype, shape: values }];
  }
  return [{ dtype: x.dtype, shape: broadcastShapes(cond.shape, values, describe) }];
}

function isRowSelect(cond: Shape, values: Shape): boolean {
  return cond !== null && values !== null && cond.length === 1 && values.length > 1;
}

function lowerSelect(ctx: LowerContext): void {
  const [condShape, xShape] = ctx.inputShapes;
  let cond = ctx.input(0);
  if (isRowSelect(condShape, ctx.outputShapes[0]) && xShape.length > 1) {
    cond = ctx.view(cond, [condShape[0], ...ctx.outputShapes[0].slice(1).map(() => 1)]);
  }
  ctx.emit(Kernel.Select, [cond, ctx.input(1), ctx.input(2)], [ctx.output(0)]);
}

export interface ConstantOptions {
  dtype?: DTypeLike;
  shape?: number[];
  name?: string;
}

/** `tf.constant(value, { dtype, shape, name })`: a scalar with a shape fills it. */
export function constant(value: Value, options: ConstantOptions = {}): Tensor {
  const { dtype, shape, name = 'Const' } = options;
  if (shape === undefined) return constantTensor(value, dtype, name);
  const host = hostValue(value, dtype);
  const size = numElements(shape);
  if (host.data.length !== size && host.data.length !== 1) {
    throw new InvalidArgumentError(`Expected a scalar or ${size} values for shape ${formatShape(shape)}, got ${host.data.length}.`);
  }
  const data = host.data.length === size ? host.data : host.dtype.allocate(size).fill(host.data[0]);
  return makeTensor('Const', [], { value: data, dtype: host.dtype.name, shape: [...shape] }, name);
}

/** `tf.placeholder(dtype, shape?, name?)`: `null` dims (or an absent shape) take the fed value's size. */
export function placeholder(dtype: DTypeLike, shape: Shape | undefined = null, name = 'Placeholder'): Tensor {
  return makeTensor('Placeholder', [], { dtype: toDType(dtype).name, shape: shape ?? null }, name);
}

export function placeholderWithDefault(input: TensorLike, shape: Shape, name = 'PlaceholderWithDefault'): Tensor {
  return makeTensor('PlaceholderWithDefault', [toTensor(input)], { shape }, name);
}

export function identity(input: TensorLike, name = 'Identity'): Tensor {
  return makeTensor('Identity', [toTensor(input)], {}, name);
}

/** `tf.stopGradient(input)`: the same value, but gradients do not flow through it. */
export function stopGradient(input: TensorLike, name = 'StopGradient'): Tensor {
  return makeTensor('StopGradient', [toTensor(input)], {}, name);
}

export function reshape(tensor: TensorLike, shape: number[], name = 'Reshape'): Tensor {
  return makeTensor('Reshape', [toTensor(tensor)], { shape: [...shape] }, name);
}

export function expandDims(input: TensorLike, axis: number, name = 'ExpandDims'): Tensor {
  return makeTensor('ExpandDims', [toTensor(input)], { axis }, name);
}

export function squeeze(input: TensorLike, axis: number | number[] = [], name = 'Squeeze'): Tensor {
  return makeTensor('Squeeze', [toTensor(input)], { squeezeDims: typeof axis === 'number' ? [axis] : [...axis] }, name);
}

export function transpose(a: TensorLike, perm: number[] | null = null, name = 'transpose'): Tensor {
  return makeTensor('Transpose', [toTensor(a)], { perm: perm && [...perm] }, name);
}

export function fill(dims: number[], value: TensorLike, name = 'Fill'): Tensor {
  checkDims(dims);
  return makeTensor('Fill', [toTensor(value)], { dims: [...dims] }, name);
}

export function zeros(shape: number[], dtype: DTypeLike = float32, name = 'zeros'): Tensor {
  return fill(shape, constantTensor(toDType(dtype) === bool ? false : 0, dtype, 'zeros/Const'), name);
}

export function ones(shape: number[], dtype: DTypeLike = float32, name = 'ones'): Tensor {
  return fill(shape, constantTensor(toDType(dtype) === bool ? true : 1, dtype, 'ones/Const'), name);
}

export function zerosLike(tensor: TensorLike, name = 'zeros_like'): Tensor {
  return makeTensor('ZerosLike', [toTensor(tensor)], {}, name);
}

export function onesLike(tensor: TensorLike, name = 'ones_like'): Tensor {
  return makeTensor('OnesLike', [toTensor(tensor)], {}, name);
}

/** `tf.where(condition, x, y)`: elements of x where condition is true, else of y. */
export function where(condition: TensorLike, x: TensorLike, y: TensorLike, name = 'Select'): Tensor {
  if (x === undefined || y === undefined) {
    throw new UnimplementedError('tf.where(condition) with one argument (the coordinates of true elements) has a data-dependent shape, '
      + 'which shape-specialised plans do not support; pass both x and y: tf.where(condition, x, y).');
  }
  const [tx, ty] = toTensorPair(x, y);
  const cond = toTensor(condition, bool, tx.graph);
  return makeTensor('Select', [cond, tx, ty], {}, name);
}

export function shape(input: TensorLike, name = 'Shape'): Tensor {
  return makeTensor('Shape', [toTensor(input)], {}, name);
}

export function size(input: TensorLike, name = 'Size'): Tensor {
  return makeTensor('Size', [toTensor(input)], {}, name);
}

export function rank(input: TensorLike, name = 'Rank'): Tensor {
  return makeTensor('Rank', [toTensor(input)], {}, name);
}

function checkDims(dims: number[]): void {
  if (!Array.isArray(dims) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`dims must be a list of non-negative integers, got ${JSON.stringify(dims)}`);
  }
}
