/**
 * Elementwise math: unary functions, binary arithmetic with numpy
 * broadcasting, comparisons and logic, casts.
 *
 *   tf.add(x, 1); tf.maximum(a, b); tf.nn.relu(x); tf.cast(x, tf.float32)
 */
import { bool, float32, float32Bits, toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import { broadcastShapes } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { BinaryOp, Kernel, UnaryOp, type BinaryOpCode, type UnaryOpCode } from '../compiler/plan-format.js';
import { makeTensor, toTensor, toTensorPair } from './build.js';
import { ALL, BOOL, FLOAT, NUMERIC, checkDType, checkSameDType } from './checks.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { where } from './array.js';
import type { TensorLike } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type GradientFn, type OpDef, type OpTable } from './registry.js';
import { sumToShapeOf } from './shape-helpers.js';

type Gradient = GradientFn | typeof NOT_DIFFERENTIABLE;

/** A unary row; its gradient sees x (the input), y (the output) and dy. */
function unary(code: UnaryOpCode, allowed: readonly DType[], gradient: ((x: Tensor, y: Tensor, dy: Tensor) => Tensor) | typeof NOT_DIFFERENTIABLE): OpDef {
  return {
    infer: ({ inputs: [x] }) => {
      checkDType(x, allowed);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    lower: (ctx) => ctx.emit(Kernel.Unary, [ctx.input(0)], [ctx.output(0)], [code]),
    gradient: gradient === NOT_DIFFERENTIABLE ? gradient : (op, [dy]) => [dy && gradient(op.inputs[0], op.outputs[0], dy)],
  };
}

/** A binary row; its gradient's results are summed back over broadcast dims. */
function binary(code: BinaryOpCode, allowed: readonly DType[], gradient: ((x: Tensor, y: Tensor, dy: Tensor, z: Tensor) => [Tensor, Tensor]) | typeof NOT_DIFFERENTIABLE, result?: DType): OpDef {
  return {
    infer: ({ type, inputs, describe }) => {
      checkSameDType(inputs, type);
      checkDType(inputs[0], allowed);
      return [{ dtype: result ?? inputs[0].dtype, shape: broadcastShapes(inputs[0].shape, inputs[1].shape, describe) }];
    },
    lower: (ctx) => ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [code]),
    gradient: gradient === NOT_DIFFERENTIABLE ? gradient : (op, [dy]) => {
      if (!dy) return [null, null];
      const [x, y] = op.inputs;
      const [gx, gy] = gradient(x, y, dy, op.outputs[0]);
      return [sumToShapeOf(gx, x), sumToShapeOf(gy, y)];
    },
  };
}

const ND = NOT_DIFFERENTIABLE;
const comparison = (code: BinaryOpCode, allowed: readonly DType[]) => binary(code, allowed, ND, bool);
const addGrad = (_x: Tensor, _y: Tensor, dy: Tensor): [Tensor, Tensor] => [dy, dy];
/** Gradients of max/min: dy goes to whichever input was picked (x on ties). */
const pickGrad = (pickX: (x: Tensor, y: Tensor) => Tensor) => (x: Tensor, y: Tensor, dy: Tensor): [Tensor, Tensor] => {
  const mask = pickX(x, y);
  return [where(mask, dy, 0), where(mask, 0, dy)];
};

const mathOps = {
  Neg: unary(UnaryOp.Neg, NUMERIC, (_x, _y, dy) => neg(dy)),
  Abs: unary(UnaryOp.Abs, NUMERIC, (x, _y, dy) => mul(dy, sign(x))),
  Square: unary(UnaryOp.Square, NUMERIC, (x, _y, dy) => mul(dy, mul(x, 2))),
  Sqrt: unary(UnaryOp.Sqrt, FLOAT, (_x, y, dy) => div(mul(dy, 0.5), y)),
  Rsqrt: unary(UnaryOp.Rsqrt, FLOAT, (_x, y, dy) => mul(dy, mul(mul(square(y), y), -0.5))),
  Exp: unary(UnaryOp.Exp, FLOAT, (_x, y, dy) => mul(dy, y)),
  Log: unary(UnaryOp.Log, FLOAT, (x, _y, dy) => div(dy, x)),
  Log1p: unary(UnaryOp.Log1p, FLOAT, (x, _y, dy) => div(dy, add(x, 1))),
  Expm1: unary(UnaryOp.Expm1, FLOAT, (x, _y, dy) => mul(dy, exp(x))),
  Sin: unary(UnaryOp.Sin, FLOAT, (x, _y, dy) => mul(dy, cos(x))),
  Cos: unary(UnaryOp.Cos, FLOAT, (x, _y, dy) => neg(mul(dy, sin(x)))),
  Sigmoid: unary(UnaryOp.Sigmoid, FLOAT, (_x, y, dy) => mul(dy, mul(y, sub(1, y)))),
  Tanh: unary(UnaryOp.Tanh, FLOAT, (_x, y, dy) => mul(dy, sub(1, square(y)))),
  Sign: unary(UnaryOp.Sign, NUMERIC, ND),
  Floor: unary(UnaryOp.Floor, FLOAT, ND),
  Ceil: unary(UnaryOp.Ceil, FLOAT, ND),
  Round: unary(UnaryOp.Round, FLOAT, ND),
  Reciprocal: unary(UnaryOp.Reciprocal, FLOAT, (_x, y, dy) => neg(mul(dy, square(y)))),
  LogicalNot: unary(UnaryOp.LogicalNot, BOOL, ND),
  // Activation gradients read the output, not the input, so the forward op can
  // still fold into a GEMM epilogue (its input is read by nothing else).
  Relu: unary(UnaryOp.Relu, NUMERIC, (_x, y, dy) => where(greater(y, 0), dy, 0)),
  Relu6: unary(UnaryOp.Relu6, NUMERIC, (_x, y, dy) => where(logicalAnd(greater(y, 0), less(y, 6)), dy, 0)),
  Elu: unary(UnaryOp.Elu, FLOAT, (_x, y, dy) => where(greater(y, 0), dy, mul(dy, add(y, 1)))),
  Softplus: unary(UnaryOp.Softplus, FLOAT, (x, _y, dy) => mul(dy, sigmoid(x))),
  LeakyRelu: {
    infer: ({ inputs: [x] }) => {
      checkDType(x, FLOAT, 'features');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    lower: (ctx) => ctx.emit(Kernel.Unary, [ctx.input(0)], [ctx.output(0)], [UnaryOp.LeakyRelu, float32Bits(ctx.op.getAttr<number>('alpha'))]),
    gradient: (op, [dy]) => [dy && where(greater(op.inputs[0], 0), dy, mul(dy, op.getAttr<number>('alpha')))],
  },

  Add: binary(BinaryOp.Add, NUMERIC, addGrad),
  AddV2: binary(BinaryOp.Add, NUMERIC, addGrad),
  Sub: binary(BinaryOp.Sub, NUMERIC, (_x, _y, dy) => [dy, neg(dy)]),
  Mul: binary(BinaryOp.Mul, NUMERIC, (x, y, dy) => [mul(dy, y), mul(x, dy)]),
  RealDiv: binary(BinaryOp.Div, FLOAT, (x, y, dy) => [div(dy, y), mul(neg(dy), div(div(x, y), y))]),
  FloorDiv: {
    infer: binary(BinaryOp.Div, NUMERIC, ND).infer,
    // The Div kernel floors integer quotients itself; float quotients are floored after.
    lower: (ctx) => {
      if (ctx.op.outputs[0].dtype !== float32) return ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [BinaryOp.Div]);
      const quotient = ctx.temp(float32, ctx.outputShapes[0]);
      ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [quotient], [BinaryOp.Div]);
      ctx.emit(Kernel.Unary, [quotient], [ctx.output(0)], [UnaryOp.Floor]);
    },
    gradient: ND,
  },
  FloorMod: binary(BinaryOp.FloorMod, NUMERIC, (x, y, dy) => [dy, mul(neg(dy), floor(div(x, y)))]),
  Pow: binary(BinaryOp.Pow, NUMERIC, (x, y, dy, z) => [
    mul(dy, mul(y, pow(x, sub(y, 1)))),
    mul(dy, mul(z, where(greater(x, 0), log(where(greater(x, 0), x, 1)), 0))),
  ]),
  Maximum: binary(BinaryOp.Maximum, NUMERIC, pickGrad((x, y) => greaterEqual(x, y))),
  Minimum: binary(BinaryOp.Minimum, NUMERIC, pickGrad((x, y) => lessEqual(x, y))),
  SquaredDifference: binary(BinaryOp.SquaredDifference, NUMERIC, (x, y, dy) => {
    const d = mul(dy, mul(sub(x, y), 2));
    return [d, neg(d)];
  }),
  Equal: comparison(BinaryOp.Equal, ALL),
  NotEqual: comparison(BinaryOp.NotEqual, ALL),
  Less: comparison(BinaryOp.Less, NUMERIC),
  LessEqual: comparison(BinaryOp.LessEqual, NUMERIC),
  Greater: comparison(BinaryOp.Greater, NUMERIC),
  GreaterEqual: comparison(BinaryOp.GreaterEqual, NUMERIC),
  LogicalAnd: binary(BinaryOp.LogicalAnd, BOOL, ND),
  LogicalOr: binary(BinaryOp.LogicalOr, BOOL, ND),

  AddN: {
    infer: ({ type, inputs, describe }) => {
      checkSameDType(inputs, type, inputs.map((_, i) => `inputs[${i}]`));
      checkDType(inputs[0], NUMERIC, 'inputs');
      const shape = inputs.reduce((s, t) => broadcastShapes(s, t.shape, describe) ?? s, inputs[0].shape);
      return [{ dtype: inputs[0].dtype, shape }];
    },
    // A chain of adds; the fusion pass turns it into one pass over memory.
    lower: (ctx) => {
      let sum = ctx.input(0);
      for (let i = 1; i < ctx.op.inputs.length; i++) {
        const out = i === ctx.op.inputs.length - 1 ? ctx.output(0) : ctx.temp(ctx.op.outputs[0].dtype, ctx.outputShapes[0]);
        ctx.emit(Kernel.Binary, [sum, ctx.input(i)], [out], [BinaryOp.Add]);
        sum = out;
      }
      if (ctx.op.inputs.length === 1) ctx.alias(0, sum);
    },
    gradient: (op, [dy]) => op.inputs.map(() => dy),
  },

  Cast: {
    infer: ({ inputs: [x], attrs }) => [{ dtype: toDType(attrs.DstT as DTypeLike), shape: x.shape }],
    lower: (ctx) => ctx.emit(Kernel.Cast, [ctx.input(0)], [ctx.output(0)]),
    // Gradients flow between float types only.
    gradient: (op, [dy]) => [dy && op.inputs[0].dtype === float32 && dy.dtype === float32 ? dy : null],
  },
} satisfies OpTable;

defineOps(mathOps);

type UnaryBuilder = (x: TensorLike, name?: string) => Tensor;
type BinaryBuilder = (x: TensorLike, y: TensorLike, name?: string) => Tensor;

const unaryBuilder = (type: string): UnaryBuilder =>
  (x, name) => makeTensor(type, [toTensor(x)], {}, name ?? type);
const binaryBuilder = (type: string): BinaryBuilder =>
  (x, y, name) => makeTensor(type, toTensorPair(x, y), {}, name ?? type);

export const neg = unaryBuilder('Neg');
export const negative = neg;
export const abs = unaryBuilder('Abs');
export const square = unaryBuilder('Square');
export const sqrt = unaryBuilder('Sqrt');
export const rsqrt = unaryBuilder('Rsqrt');
export const exp = unaryBuilder('Exp');
export const log = unaryBuilder('Log');
export const sigmoid = unaryBuilder('Sigmoid');
export const tanh = unaryBuilder('Tanh');
export const sign = unaryBuilder('Sign');
export const floor = unaryBuilder('Floor');
export const ceil = unaryBuilder('Ceil');
export const round = unaryBuilder('Round');
export const reciprocal = unaryBuilder('Reciprocal');
export const logicalNot = unaryBuilder('LogicalNot');
export const relu = unaryBuilder('Relu');
export const relu6 = unaryBuilder('Relu6');
export const elu = unaryBuilder('Elu');
export const softplus = unaryBuilder('Softplus');
export const log1p = unaryBuilder('Log1p');
export const expm1 = unaryBuilder('Expm1');
export const sin = unaryBuilder('Sin');
export const cos = unaryBuilder('Cos');

/** `tf.nn.leakyRelu(features, alpha = 0.2)`: x where x >= 0, else alpha * x. */
export function leakyRelu(features: TensorLike, alpha = 0.2, name = 'LeakyRelu'): Tensor {
  return makeTensor('LeakyRelu', [toTensor(features)], { alpha }, name);
}

/** `tf.addN(inputs)`: the elementwise sum of tensors of one shape. */
export function addN(inputs: readonly TensorLike[], name = 'AddN'): Tensor {
  if (inputs.length === 0) throw new InvalidArgumentError('addN needs at least one input.');
  const first = toTensor(inputs[0]);
  return makeTensor('AddN', [first, ...inputs.slice(1).map((t) => toTensor(t, first.dtype, first.graph))], {}, name);
}


export const add = binaryBuilder('Add');
export const subtract = binaryBuilder('Sub');
export const sub = subtract;
export const multiply = binaryBuilder('Mul');
export const mul = multiply;
export const floorDiv = binaryBuilder('FloorDiv');
export const floorMod = binaryBuilder('FloorMod');
export const mod = floorMod;
export const pow = binaryBuilder('Pow');
export const maximum = binaryBuilder('Maximum');
export const minimum = binaryBuilder('Minimum');
export const squaredDifference = binaryBuilder('SquaredDifference');
export const equal = binaryBuilder('Equal');
export const notEqual = binaryBuilder('NotEqual');
export const less = binaryBuilder('Less');
export const lessEqual = binaryBuilder('LessEqual');
export const greater = binaryBuilder('Greater');
export const greaterEqual = binaryBuilder('GreaterEqual');
export const logicalAnd = binaryBuilder('LogicalAnd');
export const logicalOr = binaryBuilder('LogicalOr');

/** `tf.div` (TensorFlow 1, Python 2 semantics): true division for floats, floor division for integers. */
export function div(x: TensorLike, y: TensorLike, name?: string): Tensor {
  const [a, b] = toTensorPair(x, y);
  const type = a.dtype === float32 ? 'RealDiv' : 'FloorDiv';
  return makeTensor(type, [a, b], {}, name ?? type);
}

/** `tf.divide` / `tf.truediv`: integers are cast to float32 first, as TensorFlow casts them to a float. */
export function divide(x: TensorLike, y: TensorLike, name?: string): Tensor {
  const [a, b] = toTensorPair(x, y);
  const toFloat = (t: Tensor) => (t.dtype === float32 ? t : cast(t, float32));
  return makeTensor('RealDiv', [toFloat(a), toFloat(b)], {}, name ?? 'truediv');
}
export const truediv = divide;

export function cast(x: TensorLike, dtype: DTypeLike, name = 'Cast'): Tensor {
  const t = toTensor(x);
  const to = toDType(dtype);
  return makeTensor('Cast', [t], { DstT: to.name, SrcT: t.dtype.name }, name);
}

/** `tf.clipByValue(t, min, max)`: t limited to [min, max]; gradients pass where t is inside. */
export function clipByValue(t: TensorLike, clipValueMin: TensorLike, clipValueMax: TensorLike, name = 'clip_by_value'): Tensor {
  const x = toTensor(t);
  return minimum(maximum(x, toTensor(clipValueMin, x.dtype, x.graph)), toTensor(clipValueMax, x.dtype, x.graph), name);
}
