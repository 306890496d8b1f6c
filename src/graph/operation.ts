/**
 * A node of the graph: its type (a registry row in src/ops), inputs, attrs and
 * output tensors. Operations are made by op builders, never directly.
 */
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

export type AttrValue = number | boolean | string | number[] | null | object;

export class Operation {
  readonly outputs: Tensor[] = [];

  constructor(
    readonly graph: Graph,
    /** Position in the graph: ops only take inputs from earlier ops. */
    readonly id: number,
    readonly name: string,
    readonly type: string,
    readonly inputs: readonly Tensor[],
    readonly controlInputs: readonly Operation[],
    readonly attrs: Readonly<Record<string, AttrValue>>,
  ) {}

  getAttr<T extends AttrValue>(name: string): T {
    if (!(name in this.attrs)) throw new Error(`Operation '${this.name}' has no attr named '${name}'.`);
    return this.attrs[name] as T;
  }

  toString(): string { return `<tf.Operation '${this.name}' type=${this.type}>`; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}
