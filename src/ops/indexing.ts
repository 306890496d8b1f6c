/**
 * Picking by index: argMax/argMin, oneHot, gather (and gather's gradient).
 *
 *   tf.argMax(logits, 1); tf.oneHot(labels, 10); tf.gather(embeddings, ids)
 */
import { float32, int32, toDType, type DTypeLike } from '../graph/dtypes.js';
import { formatShape, normalizeAxis, numElements } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { ArgOp, Kernel } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { transpose } from './array.js';
import { constantTensor, makeTensor, toTensor } from './build.js';
import { ALL, NUMERIC, checkDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type LowerContext, type OpDef, type OpTable } from './registry.js';

/** [outer, n, inner] of `shape` split at `axis`. */
function splitAt(shape: readonly number[], axis: number): [number, number, number] {
  return [numElements(shape.slice(0, axis)), shape[axis], numElements(shape.slice(axis + 1))];
}

function argReduce(op: number): OpDef {
  return {
    infer: ({ inputs: [x], attrs, describe }) => {
      checkDType(x, NUMERIC, 'input');
      if (x.shape === null) return [{ dtype: int32, shape: null }];
      const axis = normalizeAxis(attrs.axis as number, x.shape.length, describe);
      return [{ dtype: int32, shape: x.shape.filter((_, i) => i !== axis) }];
    },
    lower: (ctx) => {
      const shape = ctx.inputShapes[0];
      const axis = normalizeAxis(ctx.op.getAttr<number>('axis'), shape.length, () => `'${ctx.op.name}'`);
      if (shape[axis] === 0) throw new InvalidArgumentError(`Reduction axis ${axis} is empty in shape ${formatShape(shape)}`);
      ctx.emit(Kernel.ArgReduce, [ctx.input(0)], [ctx.output(0)], [op, ...splitAt(shape, axis)]);
    },
    gradient: NOT_DIFFERENTIABLE,
  };
}

function gatherShape(params: number[] | null, indices: (number | null)[] | null, axis: number) {
  if (params === null || indices === null) return null;
  return [...params.slice(0, axis), ...indices, ...params.slice(axis + 1)];
}

const indexingOps = {
  ArgMax: argReduce(ArgOp.Max),
  ArgMin: argReduce(ArgOp.Min),
  OneHot: {
    infer: ({ inputs: [indices, on, off], attrs }) => {
      checkDType(indices, [int32], 'indices');
      if (on.dtype !== off.dtype) throw new TypeError('onValue and offValue must have the same dtype.');
      return [{ dtype: on.dtype, shape: indices.shape === null ? null : [...indices.shape, attrs.depth as number] }];
    },
    lower: (ctx) => ctx.emit(Kernel.OneHot, [ctx.input(0), ctx.input(1), ctx.input(2)], [ctx.output(0)], [ctx.op.getAttr<number>('depth')]),
    gradient: NOT_DIFFERENTIABLE,
  },
  GatherV2: {
    infer: ({ inputs: [params, indices], attrs, describe }) => {
      checkDType(params, ALL, 'params');
      checkDType(indices, [int32], 'indices');
      if (params.shape === null) return [{ dtype: params.dtype, shape: null }];
      const axis = normalizeAxis(attrs.axis as number, params.shape.length, describe);
      return [{ dtype: params.dtype, shape: gatherShape(params.shape as number[], indices.shape, axis) }];
    },
    lower: (ctx) => {
      const shape = ctx.inputShapes[0];
      const axis = normalizeAxis(ctx.op.getAttr<number>('axis'), shape.length, () => `'${ctx.op.name}'`);
      ctx.emit(Kernel.Gather, [ctx.input(0), ctx.input(1)], [ctx.output(0)], splitAt(shape, axis));
    },
    gradient: (op, [dy]) => [dy && makeTensor('GatherGrad', [dy, op.inputs[1], op.inputs[0]], { axis: op.getAttr<number>('axis') }, 'GatherGrad'), null],
  },
  /** Scatter-adds gather's output gradient back into the shape of its params. */
  GatherGrad: {
    infer: ({ inputs: [dy, , params] }) => [{ dtype: dy.dtype, shape: params.shape }],
    lower: (ctx) => lowerGatherGrad(ctx),
    gradient: NOT_DIFFERENTIABLE,
  },
} satisfies OpTable;

defineOps(indexingOps);

function lowerGatherGrad(ctx: LowerContext): void {
  const shape = ctx.inputShapes[2];
  const axis = normalizeAxis(ctx.op.getAttr<number>('axis'), shape.length, () => `'${ctx.op.name}'`);
  ctx.emit(Kernel.ScatterAdd, [ctx.input(0), ctx.input(1)], [ctx.output(0)], splitAt(shape, axis));
}

/** Index of the largest value along `axis` (int32; TensorFlow's default is int64). */
export function argMax(input: TensorLike, axis = 0, name = 'ArgMax'): Tensor {
  return makeTensor('ArgMax', [toTensor(input)], { axis }, name);
}

export function argMin(input: TensorLike, axis = 0, name = 'ArgMin'): Tensor {
  return makeTensor('ArgMin', [toTensor(input)], { axis }, name);
}

export interface OneHotOptions {
  onValue?: number;
  offValue?: number;
  axis?: number;
  dtype?: DTypeLike;
  name?: string;
}

/** `tf.oneHot(indices, depth)`: a new last axis (or `axis`) of `depth` with onValue at each index. */
export function oneHot(indices: TensorLike, depth: number, options: OneHotOptions = {}): Tensor {
  const { onValue = 1, offValue = 0, axis = -1, dtype = float32, name = 'one_hot' } = options;
  if (!Number.isInteger(depth) || depth < 0) throw new InvalidArgumentError(`depth must be a non-negative integer, got ${depth}`);
  const ids = toTensor(indices, int32);
  const type = toDType(dtype);
  const on = constantTensor(onValue, type, 'on_value', ids.graph);
  const off = constantTensor(offValue, type, 'off_value', ids.graph);
  const result = makeTensor('OneHot', [ids, on, off], { depth }, name);
  const rank = result.rank;
  if (axis === -1 || rank === null || axis === rank - 1) return result;
  const perm = [...Array(rank - 1).keys()];
  perm.splice(axis < 0 ? axis + rank : axis, 0, rank - 1);
  return transpose(result, perm);
}

/** `tf.gather(params, indices, axis = 0)`: slices of params picked by indices along axis. */
export function gather(params: TensorLike, indices: TensorLike, axis = 0, name = 'GatherV2'): Tensor {
  const p = toTensor(params);
  return makeTensor('GatherV2', [p, toTensor(indices, int32, p.graph)], { axis }, name);
}
