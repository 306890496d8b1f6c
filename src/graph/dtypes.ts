/**
 * The element types sessionflow computes with, named as TensorFlow names them.
 *
 *   tf.float32.name === 'float32'; tf.int32.size === 4
 */
import { DTypeCode } from '../compiler/plan-format.js';

export type DTypeName = 'float32' | 'int32' | 'bool';

export type TypedArrayFor<D extends DTypeName> = D extends 'float32'
  ? Float32Array
  : D extends 'int32'
    ? Int32Array
    : Uint8Array;
export type TypedArray = Float32Array | Int32Array | Uint8Array;

export class DType {
  private constructor(
    readonly name: DTypeName,
    readonly code: number,
    readonly size: number,
    /** What TensorFlow calls it in messages ("with dtype float"). */
    readonly tfName: string,
  ) {}

  static readonly float32 = new DType('float32', DTypeCode.float32, 4, 'float');
  static readonly int32 = new DType('int32', DTypeCode.int32, 4, 'int32');
  static readonly bool = new DType('bool', DTypeCode.bool, 1, 'bool');

  get isFloating(): boolean { return this === DType.float32; }
  get isInteger(): boolean { return this === DType.int32; }
  get isNumeric(): boolean { return this !== DType.bool; }

  /** A fresh zero-filled typed array of `length` elements of this dtype. */
  allocate(length: number): TypedArray {
    if (this === DType.float32) return new Float32Array(length);
    if (this === DType.int32) return new Int32Array(length);
    return new Uint8Array(length);
  }

  /** A typed array of this dtype viewing `buffer`. */
  view(buffer: ArrayBuffer, byteOffset = 0, length = (buffer.byteLength - byteOffset) / this.size): TypedArray {
    if (this === DType.float32) return new Float32Array(buffer, byteOffset, length);
    if (this === DType.int32) return new Int32Array(buffer, byteOffset, length);
    return new Uint8Array(buffer, byteOffset, length);
  }

  toString(): string { return `<dtype: '${this.name}'>`; }
}

export const float32 = DType.float32;
export const int32 = DType.int32;
export const bool = DType.bool;

export type DTypeLike = DType | DTypeName;

/** Accepts `tf.float32` or `'float32'`; throws TypeError for anything else. */
export function toDType(value: DTypeLike): DType {
  if (value instanceof DType) return value;
  const found = ({ float32, int32, bool } as Record<string, DType | undefined>)[value];
  if (!found) throw new TypeError(`Unsupported dtype ${JSON.stringify(value)}: sessionflow has float32, int32 and bool.`);
  return found;
}

export function dtypeOfArray(array: TypedArray): DType | undefined {
  if (array instanceof Float32Array) return float32;
  if (array instanceof Int32Array) return int32;
  if (array instanceof Uint8Array) return bool;
  return undefined;
}

/** The IEEE bits of `value` rounded to float32, as a signed int32 (how plans carry float attrs). */
export function float32Bits(value: number): number {
  return new Int32Array(Float32Array.of(value).buffer)[0];
}
