/**
 * Elementwise math: unary functions, binary arithmetic with numpy
 * broadcasting, comparisons and logic, casts.
 *
 *   tf.add(x, 1); tf.maximum(a, b); tf.nn.relu(x); tf.cast(x, tf.float32)
 */
import { bool, float32, toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import { broadcastShapes } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { BinaryOp, Kernel, UnaryOp, type BinaryOpCode, type UnaryOpCode } from '../compiler/plan-format.js';
import { makeTensor, toTensor, toTensorPair } from './build.js';
import { ALL, BOOL, FLOAT, NUMERIC, checkDType, checkSameDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { defineOps, type OpDef, type OpTable } from './registry.js';

function unary(code: UnaryOpCode, allowed: readonly DType[]): OpDef {
  return {
    infer: ({ inputs: [x] }) => {
      checkDType(x, allowed);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    lower: (ctx) => ctx.emit(Kernel.Unary, [ctx.input(0)], [ctx.output(0)], [code]),
  };
}

function binary(code: BinaryOpCode, allowed: readonly DType[], result?: DType): OpDef {
  return {
    infer: ({ type, inputs, describe }) => {
      checkSameDType(inputs, type);
      checkDType(inputs[0], allowed);
      return [{ dtype: result ?? inputs[0].dtype, shape: broadcastShapes(inputs[0].shape, inputs[1].shape, describe) }];
    },
    lower: (ctx) => ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [code]),
  };
}

const mathOps = {
  Neg: unary(UnaryOp.Neg, NUMERIC),
  Abs: unary(UnaryOp.Abs, NUMERIC),
  Square: unary(UnaryOp.Square, NUMERIC),
  Sqrt: unary(UnaryOp.Sqrt, FLOAT),
  Rsqrt: unary(UnaryOp.Rsqrt, FLOAT),
  Exp: unary(UnaryOp.Exp, FLOAT),
  Log: unary(UnaryOp.Log, FLOAT),
  Sigmoid: unary(UnaryOp.Sigmoid, FLOAT),
  Tanh: unary(UnaryOp.Tanh, FLOAT),
  Sign: unary(UnaryOp.Sign, NUMERIC),
  Floor: unary(UnaryOp.Floor, FLOAT),
  Ceil: unary(UnaryOp.Ceil, FLOAT),
  Round: unary(UnaryOp.Round, FLOAT),
  Reciprocal: unary(UnaryOp.Reciprocal, FLOAT),
  LogicalNot: unary(UnaryOp.LogicalNot, BOOL),
  Relu: unary(UnaryOp.Relu, NUMERIC),
  Relu6: unary(UnaryOp.Relu6, NUMERIC),
  Elu: unary(UnaryOp.Elu, FLOAT),
  Softplus: unary(UnaryOp.Softplus, FLOAT),

  Add: binary(BinaryOp.Add, NUMERIC),
  AddV2: binary(BinaryOp.Add, NUMERIC),
  Sub: binary(BinaryOp.Sub, NUMERIC),
  Mul: binary(BinaryOp.Mul, NUMERIC),
  RealDiv: binary(BinaryOp.Div, FLOAT),
  FloorDiv: {
    infer: binary(BinaryOp.Div, NUMERIC).infer,
    // The Div kernel floors integer quotients itself; float quotients are floored after.
    lower: (ctx) => {
      if (ctx.op.outputs[0].dtype !== float32) return ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [ctx.output(0)], [BinaryOp.Div]);
      const quotient = ctx.temp(float32, ctx.outputShapes[0]);
      ctx.emit(Kernel.Binary, [ctx.input(0), ctx.input(1)], [quotient], [BinaryOp.Div]);
      ctx.emit(Kernel.Unary, [quotient], [ctx.output(0)], [UnaryOp.Floor]);
    },
  },
  FloorMod: binary(BinaryOp.FloorMod, NUMERIC),
  Pow: binary(BinaryOp.Pow, NUMERIC),
  Maximum: binary(BinaryOp.Maximum, NUMERIC),
  Minimum: binary(BinaryOp.Minimum, NUMERIC),
  SquaredDifference: binary(BinaryOp.SquaredDifference, NUMERIC),
  Equal: binary(BinaryOp.Equal, ALL, bool),
  NotEqual: binary(BinaryOp.NotEqual, ALL, bool),
  Less: binary(BinaryOp.Less, NUMERIC, bool),
  LessEqual: binary(BinaryOp.LessEqual, NUMERIC, bool),
  Greater: binary(BinaryOp.Greater, NUMERIC, bool),
  GreaterEqual: binary(BinaryOp.GreaterEqual, NUMERIC, bool),
  LogicalAnd: binary(BinaryOp.LogicalAnd, BOOL),
  LogicalOr: binary(BinaryOp.LogicalOr, BOOL),

  Cast: {
    infer: ({ inputs: [x], attrs }) => [{ dtype: toDType(attrs.DstT as DTypeLike), shape: x.shape }],
    lower: (ctx) => ctx.emit(Kernel.Cast, [ctx.input(0)], [ctx.output(0)]),
  },
} satisfies OpTable;

defineOps(mathOps);

type UnaryBuilder = (x: TensorLike, name?: string) => Tensor;
type BinaryBuilder = (x: TensorLike, y: TensorLike, name?: string) => Tensor;

const unaryBuilder = (type: keyof typeof mathOps): UnaryBuilder =>
  (x, name) => makeTensor(type, [toTensor(x)], {}, name ?? type);
const binaryBuilder = (type: keyof typeof mathOps): BinaryBuilder =>
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
