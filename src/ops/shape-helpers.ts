/**
 * Internal ops that gradients use to undo broadcasting and reductions. Their
 * shapes come from another tensor's concrete shape at compile time, so they
 * work with unknown (`null`) dims.
 *
 *   sumToShapeOf(dy, x)            // dy summed over the dims x was broadcast along
 *   broadcastToShapeOf(dy, x, axes)  // a reduction's gradient spread back over x
 */
import type { Tensor } from '../graph/tensor.js';
import { FusedKind, Kernel, ReduceOp, UnaryOp } from '../compiler/plan-format.js';
import { makeTensor } from './build.js';
import { defineOps, type LowerContext, type OpTable } from './registry.js';
import { emitReduce } from './reduce.js';

/** The dims of `from` that broadcasting stretched to reach `to` (numpy rules). */
export function broadcastAxes(from: readonly number[], to: readonly number[]): number[] {
  const lead = to.length - from.length;
  return [...to.keys()].filter((i) => i < lead || (from[i - lead] === 1 && to[i] !== 1));
}

/** `shape` with the reduced `axes` put back as 1s (a reduction's keepDims shape). */
export function keepDimsShape(shape: readonly number[], axes: readonly number[] | null): number[] {
  return shape.map((d, i) => (axes === null || axes.includes(i) || axes.includes(i - shape.length) ? 1 : d));
}

/** One Fused step that broadcasts its single input to the output's shape. */
function emitBroadcast(ctx: LowerContext, input: number): void {
  const dtype = ctx.op.outputs[0].dtype.code;
  ctx.emit(Kernel.Fused, [input], [ctx.output(0)], [1, FusedKind.Unary, UnaryOp.Identity, dtype, 0, 0, 0]);
}

const helperOps = {
  SumToShapeOf: {
    infer: ({ inputs: [t, like] }) => [{ dtype: t.dtype, shape: like.shape }],
    lower: (ctx) => {
      const [from, to] = ctx.inputShapes;
      const axes = broadcastAxes(to, from);
      if (axes.length === 0) return ctx.alias(0, ctx.input(0));
      emitReduce(ctx, ctx.input(0), from, axes, ReduceOp.Sum, ctx.output(0));
    },
    gradient: (op, [dy]) => [dy && broadcastToShapeOf(dy, op.inputs[0]), null],
  },
  BroadcastToShapeOf: {
    infer: ({ inputs: [t, like] }) => [{ dtype: t.dtype, shape: like.shape }],
    lower: (ctx) => {
      const [from, to] = ctx.inputShapes;
      // Without `reinsert`, plain numpy broadcasting already lines the dims up.
      const reinsert = ctx.op.getAttr<boolean>('reinsert');
      const kept = reinsert ? keepDimsShape(to, ctx.op.getAttr<number[] | null>('axes')) : from;
      emitBroadcast(ctx, ctx.view(ctx.input(0), kept));
    },
    gradient: (op, [dy]) => [dy && sumToShapeOf(dy, op.inputs[0]), null],
  },
  ReshapeLike: {
    infer: ({ inputs: [t, like] }) => [{ dtype: t.dtype, shape: like.shape }],
    lower: (ctx) => ctx.alias(0, ctx.input(0)),
    gradient: (op, [dy]) => [dy && reshapeLike(dy, op.inputs[0]), null],
  },
} satisfies OpTable;

defineOps(helperOps);

export function sumToShapeOf(t: Tensor, like: Tensor): Tensor {
  return makeTensor('SumToShapeOf', [t, like], {}, 'Sum');
}

/**
 * Spreads `t` over like's shape. With `reducedAxes` (null = all), t is a
 * reduction of like over those axes without keepDims, and they are put back
 * as 1s first; without, t broadcasts by numpy's rules.
 */
export function broadcastToShapeOf(t: Tensor, like: Tensor, reducedAxes?: number[] | null): Tensor {
  const reinsert = reducedAxes !== undefined;
  return makeTensor('BroadcastToShapeOf', [t, like], { axes: reducedAxes ?? null, reinsert }, 'BroadcastTo');
}

export function reshapeLike(t: Tensor, like: Tensor): Tensor {
  return makeTensor('ReshapeLike', [t, like], {}, 'Reshape');
}
