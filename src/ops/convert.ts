/**
 * Turning JS values into tensors: numbers, booleans, nested arrays, typed
 * arrays and NDArrays become Const ops; Variables give their value.
 * Integer-valued numbers make int32 and others float32, as Python ints and
 * floats do in TensorFlow.
 */
import { bool, dtypeOfArray, float32, int32, toDType, type DType, type DTypeLike, type TypedArray } from '../graph/dtypes.js';
import { Tensor } from '../graph/tensor.js';
import { NDArray, type NestedArray } from '../runtime/ndarray.js';

/** Anything that stands for a tensor: Variables implement this. */
export interface TensorConvertible {
  toTensor(): Tensor;
}

export type Value = number | boolean | NestedArray<number | boolean> | TypedArray | Float64Array | NDArray;
export type TensorLike = Tensor | TensorConvertible | Value;

export interface HostValue {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

export function isConvertible(value: unknown): value is TensorConvertible {
  return typeof value === 'object' && value !== null && typeof (value as TensorConvertible).toTensor === 'function';
}

/**
 * Converts a JS value to dense data of `dtype` (inferred when absent), with
 * TensorFlow's checks. Typed data of the right dtype is used as it is unless
 * `copy` asks for a snapshot.
 */
export function hostValue(value: Value, dtype?: DTypeLike, copy = true): HostValue {
  if (typeof value === 'number' && dtype !== undefined) return scalarValue(value, toDType(dtype));
  if (value instanceof NDArray) return castHost(toDType(value.dtype), [...value.shape], value.data, dtype, copy);
  if (ArrayBuffer.isView(value)) {
    const array = value as TypedArray | Float64Array;
    const own = array instanceof Float64Array ? undefined : dtypeOfArray(array as TypedArray);
    if (!own) {
      if (!(array instanceof Float64Array)) throw new TypeError(`Cannot convert a ${array.constructor.name} to a tensor: use Float32Array, Int32Array or Uint8Array (bool).`);
      return castHost(float32, [array.length], Array.from(array), dtype, true);
    }
    return castHost(own, [array.length], array as TypedArray, dtype, copy);
  }
  const shape: number[] = [];
  const flat: (number | boolean)[] = [];
  flatten(value, 0, shape, flat);
  const type = dtype !== undefined ? toDType(dtype) : inferScalarsDType(flat);
  const data = type.allocate(flat.length);
  flat.forEach((v, i) => { data[i] = checkElement(v, type); });
  return { dtype: type, shape, data };
}

function castHost(own: DType, shape: number[], data: ArrayLike<number>, dtype: DTypeLike | undefined, copy: boolean): HostValue {
  const type = dtype === undefined ? own : toDType(dtype);
  if (type !== own && !(own === int32 && type === float32)) {
    throw new TypeError(`Cannot convert ${own.name} data to a ${type.name} tensor: cast it first (tf.cast) or pass data of dtype ${type.name}.`);
  }
  if (type === own && !copy) return { dtype: type, shape, data: data as TypedArray };
  const out = type.allocate(data.length);
  out.set(data as ArrayLike<number>);
  return { dtype: type, shape, data: out };
}

/** A bare number as a scalar of `dtype` (the common feed), with the same checks as arrays. */
function scalarValue(value: number, dtype: DType): HostValue {
  const data = dtype.allocate(1);
  data[0] = checkElement(value, dtype);
  return { dtype, shape: [], data };
}

function flatten(value: unknown, depth: number, shape: number[], out: (number | boolean)[]): void {
  if (Array.isArray(value)) {
    if (depth === shape.length) {
      if (out.length > 0) throw nonRectangular();
      shape.push(value.length);
    } else if (shape[depth] !== value.length) {
      throw nonRectangular();
    }
    for (const item of value) flatten(item, depth + 1, shape, out);
    return;
  }
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TypeError(`Failed to convert object of type ${describeType(value)} to Tensor. Contents: ${String(value)}. Consider casting elements to a supported type.`);
  }
  if (depth !== shape.length) throw nonRectangular();
  out.push(value);
}

function nonRectangular(): Error {
  return new RangeError("Can't convert non-rectangular nested array to Tensor.");
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'Array' : typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
}

function inferScalarsDType(flat: (number | boolean)[]): DType {
  if (flat.length === 0) return float32;
  const booleans = flat.filter((v) => typeof v === 'boolean').length;
  if (booleans === flat.length) return bool;
  if (booleans > 0) throw new TypeError('Cannot mix booleans and numbers in one tensor.');
  return (flat as number[]).every((v) => Number.isInteger(v) && !Object.is(v, -0)) ? int32 : float32;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function checkElement(v: number | boolean, dtype: DType): number {
  if (dtype === bool) {
    if (typeof v !== 'boolean') throw new TypeError(`Expected bool, got ${v} of type 'number' instead.`);
    return v ? 1 : 0;
  }
  if (typeof v === 'boolean') throw new TypeError(`Expected ${dtype.name}, got ${v} of type 'boolean' instead.`);
  if (dtype === int32) {
    if (!Number.isInteger(v)) throw new TypeError(`Expected int32, got ${v} of type 'number' instead.`);
    if (v < INT32_MIN || v > INT32_MAX) throw new RangeError(`Can't convert ${v} to an int32 tensor (value out of range). Pass { dtype: tf.float32 } for large numbers.`);
  }
  return v;
}
