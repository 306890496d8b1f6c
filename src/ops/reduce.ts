/**
 * Reductions over axes: sum, mean, max, min, prod, any, all.
 *
 *   tf.reduceSum(x)            // every element
 *   tf.reduceMean(x, 1, true)  // along axis 1, keeping it as size 1
 */
import { normalizeAxis, type Dim } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Kernel, ReduceOp, type ReduceOpCode } from '../compiler/plan-format.js';
import { numElements } from '../graph/shape.js';
import { makeTensor, toTensor } from './build.js';
import { BOOL, NUMERIC, checkDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type GradientFn, type InferArgs, type LowerContext, type OpDef, type OpTable } from './registry.js';
import { float32, type DType } from '../graph/dtypes.js';
import type { Operation } from '../graph/operation.js';
import { broadcastToShapeOf } from './shape-helpers.js';
import { cast, div, equal, floorDiv, logicalAnd, mul } from './math.js';
import { size, where } from './array.js';

function reduction(code: ReduceOpCode, allowed: readonly DType[], gradient: GradientFn | typeof NOT_DIFFERENTIABLE): OpDef {
  return {
    infer: (args) => {
      checkDType(args.inputs[0], allowed, 'input');
      return [{ dtype: args.inputs[0].dtype, shape: reducedShape(args) }];
    },
    lower: (ctx) => lowerReduce(ctx, code),
    gradient,
  };
}

/** Spreads a reduction's result (or its gradient) back over the input's shape. */
function spreader(op: Operation): (t: Tensor) => Tensor {
  const axes = op.getAttr<number[] | null>('axis');
  return op.getAttr<boolean>('keepDims') ? (t) => broadcastToShapeOf(t, op.inputs[0]) : (t) => broadcastToShapeOf(t, op.inputs[0], axes);
}

const sumGrad: GradientFn = (op, [dy]) => [dy && spreader(op)(dy)];

/** Mean: the sum's gradient divided by how many elements each output averaged. */
const meanGrad: GradientFn = (op, [dy]) => {
  if (!dy) return [null];
  const count = cast(floorDiv(size(op.inputs[0]), size(op.outputs[0])), float32);
  return [div(spreader(op)(dy), count)];
};

/** Max/Min: dy shared equally among the elements that attained the extreme. */
const extremeGrad: GradientFn = (op, [dy]) => {
  if (!dy) return [null];
  const spread = spreader(op);
  const axes = op.getAttr<number[] | null>('axis');
  const hits = cast(equal(op.inputs[0], spread(op.outputs[0])), float32);
  const count = broadcastToShapeOf(reduceSum(hits, axes, true), op.inputs[0]);
  return [div(mul(hits, spread(dy)), count)];
};

/**
 * Prod: each element's gradient is the product of the others. Computed from the
 * zero count so that inputs with zeros get exact results, not 0/0.
 */
const prodGrad: GradientFn = (op, [dy]) => {
  if (!dy) return [null];
  const x = op.inputs[0];
  const axes = op.getAttr<number[] | null>('axis');
  const spread = spreader(op);
  const isZero = equal(x, 0);
  const keep = (t: Tensor) => broadcastToShapeOf(t, x);
  const zeros = keep(reduceSum(cast(isZero, float32), axes, true));
  const nonZeroProduct = keep(reduceProd(where(isZero, 1, x), axes, true));
  const others = where(equal(zeros, 0), div(spread(op.outputs[0]), where(isZero, 1, x)),
    where(logicalAnd(equal(zeros, 1), isZero), nonZeroProduct, 0));
  return [mul(spread(dy), others)];
};

const reduceOps = {
  Sum: reduction(ReduceOp.Sum, NUMERIC, sumGrad),
  Mean: reduction(ReduceOp.Mean, NUMERIC, meanGrad),
  Max: reduction(ReduceOp.Max, NUMERIC, extremeGrad),
  Min: reduction(ReduceOp.Min, NUMERIC, extremeGrad),
  Prod: reduction(ReduceOp.Prod, NUMERIC, prodGrad),
  Any: reduction(ReduceOp.Any, BOOL, NOT_DIFFERENTIABLE),
  All: reduction(ReduceOp.All, BOOL, NOT_DIFFERENTIABLE),
} satisfies OpTable;

defineOps(reduceOps);

/** The reduced axes, normalised and sorted; `null` attr means every axis. */
function reducedAxes(axis: number[] | null, rank: number, describe: () => string): number[] {
  if (axis === null) return [...Array(rank).keys()];
  return [...new Set(axis.map((a) => normalizeAxis(a, rank, describe)))].sort((a, b) => a - b);
}

function reducedShape({ inputs: [x], attrs, describe }: InferArgs): Dim[] | null {
  const axis = attrs.axis as number[] | null;
  const keepDims = attrs.keepDims as boolean;
  if (x.shape === null) return axis === null && !keepDims ? [] : null;
  const axes = new Set(reducedAxes(axis, x.shape.length, describe));
  return x.shape.flatMap((d, i) => (axes.has(i) ? (keepDims ? [1] : []) : [d]));
}

function lowerReduce(ctx: LowerContext, code: ReduceOpCode): void {
  const shape = ctx.inputShapes[0];
  const axes = reducedAxes(ctx.op.getAttr<number[] | null>('axis'), shape.length, () => `'${ctx.op.name}'`);
  emitReduce(ctx, ctx.input(0), shape, axes, code, ctx.output(0));
}

/**
 * Reduce kernels see [outer, n, inner]. Contiguous axes map straight onto that;
 * scattered ones are first transposed to the end. `axes` are sorted and unique.
 */
export function emitReduce(ctx: LowerContext, input: number, shape: readonly number[], axes: readonly number[], code: ReduceOpCode, output: number): void {
  let source = input;
  let dims = [...shape];
  let first = axes[0] ?? shape.length;
  let last = axes[axes.length - 1] ?? shape.length - 1;
  if (axes.length > 0 && last - first + 1 !== axes.length) {
    const kept = [...shape.keys()].filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    dims = perm.map((p) => shape[p]);
    source = ctx.temp(ctx.op.inputs[0].dtype, dims);
    ctx.emit(Kernel.Transpose, [input], [source], perm);
    [first, last] = [kept.length, shape.length - 1];
  }
  const outer = numElements(dims.slice(0, first));
  const n = axes.length === 0 ? 1 : numElements(dims.slice(first, last + 1));
  const inner = axes.length === 0 ? numElements(dims) : numElements(dims.slice(last + 1));
  ctx.emit(Kernel.Reduce, [source], [output], [code, axes.length === 0 ? 1 : outer, n, inner]);
}

type ReduceBuilder = (x: TensorLike, axis?: number | number[] | null, keepDims?: boolean, name?: string) => Tensor;

function reduceBuilder(type: string): ReduceBuilder {
  return (x, axis = null, keepDims = false, name = type) => {
    const axes = axis === null || axis === undefined ? null : typeof axis === 'number' ? [axis] : [...axis];
    return makeTensor(type, [toTensor(x)], { axis: axes, keepDims }, name);
  };
}

export const reduceSum = reduceBuilder('Sum');
export const reduceMean = reduceBuilder('Mean');
export const reduceMax = reduceBuilder('Max');
export const reduceMin = reduceBuilder('Min');
export const reduceProd = reduceBuilder('Prod');
export const reduceAny = reduceBuilder('Any');
export const reduceAll = reduceBuilder('All');

