/**
 * A run's result: a dense, row-major array that the caller owns, printed as
 * numpy prints it.
 *
 *   const r = sess.run(c);   // NDArray
 *   r.shape; r.dtype; r.data; r.item(); r.toArray(); console.log(r)  // [[1. 2.] ...
 */
import { toDType, type DType, type DTypeLike, type DTypeName, type TypedArray } from '../graph/dtypes.js';
import { formatNDArray } from './format.js';

export type NestedArray<T> = T | NestedArray<T>[];
export type Scalar = number | boolean;

export class NDArray {
  readonly dtype: DTypeName;
  readonly shape: readonly number[];
  readonly data: TypedArray;

  constructor(data: TypedArray, shape: readonly number[], dtype?: DTypeLike) {
    if (trusted) {
      // A run's own result: shape (frozen) and dtype already match the data.
      this.dtype = (dtype as DType).name;
      this.shape = shape;
      this.data = data;
      return;
    }
    const type = toDType(dtype === undefined ? inferDType(data) : dtype);
    const size = shape.reduce((n, d) => n * d, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`Invalid shape [${shape.join(', ')}]: dims must be non-negative integers.`);
    if (data.length !== size) throw new RangeError(`NDArray of shape [${shape.join(', ')}] needs ${size} elements, got ${data.length}.`);
    if (type.view(new ArrayBuffer(0)).constructor !== data.constructor) {
      throw new TypeError(`A ${type.name} NDArray needs a ${type.view(new ArrayBuffer(0)).constructor.name}, got ${data.constructor.name}.`);
    }
    this.dtype = type.name;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** The single element as a JS number (or boolean), like numpy's `item()`. */
  item(): Scalar {
    if (this.size !== 1) throw new RangeError(`can only convert an array of size 1 to a scalar, got size ${this.size} (shape [${this.shape.join(', ')}])`);
    return this.element(0);
  }

  /** Nested JS arrays (a bare number or boolean for a scalar). */
  toArray(): NestedArray<Scalar> {
    const build = (dim: number, offset: number): NestedArray<Scalar> => {
      if (dim === this.shape.length) return this.element(offset);
      const stride = this.shape.slice(dim + 1).reduce((n, d) => n * d, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  private element(i: number): Scalar {
    return this.dtype === 'bool' ? this.data[i] !== 0 : this.data[i];
  }

  toString(): string { return formatNDArray(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
  toJSON(): NestedArray<Scalar> { return this.toArray(); }
}

let trusted = false;

/** An NDArray over a run's result, skipping the checks the compiler already guarantees. */
export function resultArray(data: TypedArray, frozenShape: readonly number[], dtype: DType): NDArray {
  trusted = true;
  try {
    return new NDArray(data, frozenShape, dtype);
  } finally {
    trusted = false;
  }
}

function inferDType(data: TypedArray): DTypeName {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  throw new TypeError('NDArray data must be a Float32Array, Int32Array or Uint8Array (bool).');
}
