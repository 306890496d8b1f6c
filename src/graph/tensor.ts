/**
 * A symbolic handle to one output of an Operation. It holds no value: run it in
 * a Session to get an NDArray.
 *
 *   const c = tf.add(a, b);   // c.name === 'Add:0', c.shape === [2, 3]
 */
import type { DType } from './dtypes.js';
import type { Graph } from './graph.js';
import type { Operation } from './operation.js';
import { formatShapeTuple, type Shape } from './shape.js';

export class Tensor {
  /** `op:index`, computed once: run() keys its plan cache by it. */
  readonly name: string;

  constructor(
    readonly op: Operation,
    readonly valueIndex: number,
    readonly dtype: DType,
    private readonly staticShape: Shape,
  ) {
    this.name = `${op.name}:${valueIndex}`;
  }

  get graph(): Graph { return this.op.graph; }
  /** The static shape: `null` dims are unknown until a run; `null` means unknown rank. */
  get shape(): Shape { return this.staticShape === null ? null : [...this.staticShape]; }
  /** The static shape without a copy, for hot paths that only read it. */
  get staticShapeRef(): Shape { return this.staticShape; }
  get rank(): number | null { return this.staticShape === null ? null : this.staticShape.length; }
  /** The operations that take this tensor as an input. */
  consumers(): Operation[] { return this.graph.consumersOf(this); }

  toString(): string {
    return `Tensor("${this.name}", shape=${formatShapeTuple(this.staticShape)}, dtype=${this.dtype.name})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}
