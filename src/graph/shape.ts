/**
 * Static shapes: a dimension is a number or `null` (unknown, TensorFlow's `?`),
 * and a whole shape may be `null` (unknown rank).
 */
import { InvalidArgumentError } from '../runtime/errors.js';

export type Dim = number | null;
export type Shape = Dim[] | null;

export function isFullyDefined(shape: Shape): shape is number[] {
  return shape !== null && shape.every((d) => d !== null);
}

/** `[?,3]` as in TensorFlow's messages; `<unknown>` for an unknown rank. */
export function formatShape(shape: Shape): string {
  if (shape === null) return '<unknown>';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** `(?, 3)` as Python prints a TensorShape, for messages TensorFlow writes that way. */
export function formatShapeTuple(shape: Shape): string {
  if (shape === null) return '<unknown>';
  const dims = shape.map((d) => (d === null ? '?' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** True when the two shapes could describe the same tensor: unknown dims and ranks match anything. */
export function isCompatible(a: Shape, b: Shape): boolean {
  if (a === null || b === null) return true;
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

export function numElements(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Numpy broadcasting of two static shapes; unknown dims stay unknown unless
 * the other side fixes them. Throws InvalidArgumentError when they cannot broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape, describe: () => string): Shape {
  if (a === null || b === null) return null;
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    out.push(broadcastDim(da, db, () =>
      `Dimensions must be equal, but are ${da} and ${db} for ${describe()} with input shapes: ${formatShape(a)}, ${formatShape(b)}.`));
  }
  return out;
}

function broadcastDim(a: Dim, b: Dim, message: () => string): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null) return b;
  if (b === null) return a;
  if (a !== b) throw new InvalidArgumentError(message());
  return a;
}

/** Normalises a possibly negative axis against `rank`, with TensorFlow's range message. */
export function normalizeAxis(axis: number, rank: number, describe: () => string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InvalidArgumentError(
      `Invalid reduction dimension ${axis} for input with ${rank} dimensions. for ${describe()}`);
  }
  return axis < 0 ? axis + rank : axis;
}
