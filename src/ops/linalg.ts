/**
 * Matrix multiplication.
 *
 *   tf.matmul(a, b, { transposeB: true })   // a @ b^T
 */
import { formatShape, type Dim } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Kernel, UnaryOp } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { makeTensor, toTensorPair } from './build.js';
import { NUMERIC, checkDType, checkSameDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { defineOps, type InferArgs, type OpTable } from './registry.js';

function inferMatMul({ inputs: [a, b], attrs, describe }: InferArgs) {
  checkSameDType([a, b], 'MatMul', ['a', 'b']);
  checkDType(a, NUMERIC, 'a');
  for (const t of [a, b]) {
    if (t.shape !== null && t.shape.length !== 2) {
      throw new InvalidArgumentError(`Shape must be rank 2 but is rank ${t.shape.length} for ${describe()} with input shapes: ${formatShape(a.shape)}, ${formatShape(b.shape)}.`);
    }
  }
  const [m, ka] = orient(a.shape, attrs.transposeA as boolean);
  const [kb, n] = orient(b.shape, attrs.transposeB as boolean);
  if (ka !== null && kb !== null && ka !== kb) {
    throw new InvalidArgumentError(`Dimensions must be equal, but are ${ka} and ${kb} for ${describe()} with input shapes: ${formatShape(a.shape)}, ${formatShape(b.shape)}.`);
  }
  return [{ dtype: a.dtype, shape: [m, n] }];
}

function orient(shape: Dim[] | null, transposed: boolean): [Dim, Dim] {
  if (shape === null) return [null, null];
  return transposed ? [shape[1], shape[0]] : [shape[0], shape[1]];
}

const linalgOps = {
  MatMul: {
    infer: inferMatMul,
    lower: (ctx) => {
      const flags = [ctx.op.getAttr<boolean>('transposeA') ? 1 : 0, ctx.op.getAttr<boolean>('transposeB') ? 1 : 0];
      ctx.emit(Kernel.MatMul, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [...flags, UnaryOp.Identity]);
    },
    gradient: (op, [dy]) => (dy ? matMulGrad(op.inputs[0], op.inputs[1], dy, op.getAttr('transposeA'), op.getAttr('transposeB')) : [null, null]),
  },
} satisfies OpTable;

defineOps(linalgOps);

/** TensorFlow's MatMul gradient for each transpose combination. */
function matMulGrad(a: Tensor, b: Tensor, dy: Tensor, ta: boolean, tb: boolean): [Tensor, Tensor] {
  if (!ta && !tb) return [matmul(dy, b, { transposeB: true }), matmul(a, dy, { transposeA: true })];
  if (!ta && tb) return [matmul(dy, b), matmul(dy, a, { transposeA: true })];
  if (ta && !tb) return [matmul(b, dy, { transposeB: true }), matmul(a, dy)];
  return [matmul(b, dy, { transposeA: true, transposeB: true }), matmul(dy, a, { transposeA: true, transposeB: true })];
}

export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  name?: string;
}

export function matmul(a: TensorLike, b: TensorLike, options: MatMulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false, name = 'MatMul' } = options;
  return makeTensor('MatMul', toTensorPair(a, b), { transposeA, transposeB }, name);
}
