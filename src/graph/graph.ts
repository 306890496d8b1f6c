/**
 * A Graph describes computation and holds no values (the seed's first rule).
 *
 *   const g = new tf.Graph();
 *   const c = g.asDefault(() => tf.add(tf.constant(1), 2));
 *   g.getTensorByName('Add:0') === c;
 */
import { NotFoundError, RuntimeError } from '../runtime/errors.js';
import type { DType } from './dtypes.js';
import { Operation, type AttrValue } from './operation.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { popDefaultGraph, pushDefaultGraph } from './default-graph.js';

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export interface NewOperation {
  type: string;
  /** The requested name; made unique and prefixed with the current name scope. */
  name: string;
  inputs: readonly Tensor[];
  attrs?: Record<string, AttrValue>;
  outputs: readonly OutputSpec[];
  controlInputs?: readonly Operation[];
}

/** Collection keys TensorFlow uses (`tf.GraphKeys`). */
export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
} as const;

export class Graph {
  private readonly operations: Operation[] = [];
  private readonly byName = new Map<string, Operation>();
  /** Lower-cased name → how many times it was handed out (TensorFlow's unique_name). */
  private readonly namesInUse = new Map<string, number>();
  private readonly consumers = new Map<Tensor, Operation[]>();
  private readonly collections = new Map<string, unknown[]>();
  private readonly controlStack: Operation[][] = [];
  private scope = '';
  private isFinalized = false;
  /** The graph-level random seed (`tf.setRandomSeed`); null when unset. */
  seed: number | null = null;

  /** Runs `fn` with this graph as the default graph; nests, and returns what fn returns. */
  asDefault<T>(fn: () => T): T {
    pushDefaultGraph(this);
    try {
      return fn();
    } finally {
      popDefaultGraph(this);
    }
  }

  get finalized(): boolean { return this.isFinalized; }
  /** Makes the graph read-only: creating an operation afterwards throws. */
  finalize(): void { this.isFinalized = true; }

  /** Bumped by every new operation, so caches can tell the graph grew. */
  get version(): number { return this.operations.length; }

  getOperations(): Operation[] { return [...this.operations]; }

  getOperationByName(name: string): Operation {
    const op = this.byName.get(name);
    if (!op) {
      const hint = name.includes(':') ? ` Did you mean the tensor '${name}'? Use getTensorByName.` : '';
      throw new NotFoundError(`The name '${name}' refers to an Operation not in the graph.${hint}`);
    }
    return op;
  }

  getTensorByName(name: string): Tensor {
    const match = /^(.+):(\d+)$/.exec(name);
    if (!match) {
      throw new NotFoundError(
        `The name '${name}' looks like an (invalid) Operation name, not a Tensor. Tensor names must be of the form "<op_name>:<output_index>".`);
    }
    const op = this.byName.get(match[1]);
    if (!op) throw new NotFoundError(`The name '${name}' refers to a Tensor which does not exist. The operation, '${match[1]}', does not exist in the graph.`);
    const index = Number(match[2]);
    if (index >= op.outputs.length) {
      throw new NotFoundError(`The name '${name}' refers to a Tensor which does not exist. The operation, '${match[1]}', exists but only has ${op.outputs.length} outputs.`);
    }
    return op.outputs[index];
  }

  consumersOf(tensor: Tensor): Operation[] { return [...(this.consumers.get(tensor) ?? [])]; }

  addToCollection(key: string, value: unknown): void {
    const list = this.collections.get(key) ?? [];
    list.push(value);
    this.collections.set(key, list);
  }

  getCollection<T = unknown>(key: string): T[] { return [...((this.collections.get(key) ?? []) as T[])]; }

  /** TensorFlow's unique_name: `foo`, then `foo_1`, `foo_2`, ... within the current scope. */
  uniqueName(name: string, markAsUsed = true): string {
    const full = this.scope + name;
    const key = full.toLowerCase();
    let count = this.namesInUse.get(key) ?? 0;
    if (markAsUsed) this.namesInUse.set(key, count + 1);
    if (count === 0) return full;
    while (this.namesInUse.has(`${key}_${count}`)) count++;
    if (markAsUsed) this.namesInUse.set(`${key}_${count}`, 1);
    return `${full}_${count}`;
  }

  /**
   * `tf.nameScope`: names made inside fn get the prefix `name/` (made unique
   * like op names); fn receives the scope, e.g. `'a_1/'`.
   */
  nameScope<T>(name: string | null, fn: (scope: string) => T): T {
    const saved = this.scope;
    if (name === null || name === '') this.scope = '';
    else if (name.endsWith('/')) this.scope = name; // re-enter an existing scope, as TensorFlow does
    else this.scope = this.uniqueName(name) + '/';
    try {
      return fn(this.scope);
    } finally {
      this.scope = saved;
    }
  }

  get currentNameScope(): string { return this.scope.replace(/\/$/, ''); }

  /** `tf.controlDependencies`: ops made inside fn run after `ops`; `null` clears them. */
  controlDependencies<T>(ops: readonly Operation[] | null, fn: () => T): T {
    for (const op of ops ?? []) this.checkOwns(op);
    this.controlStack.push(ops === null ? [] : [...ops]);
    const saved = ops === null ? this.controlStack.splice(0, this.controlStack.length - 1) : null;
    try {
      return fn();
    } finally {
      this.controlStack.pop();
      if (saved) this.controlStack.unshift(...saved);
    }
  }

  private activeControlInputs(inputs: readonly Tensor[]): Operation[] {
    const seen = new Set<Operation>(inputs.map((t) => t.op));
    const result: Operation[] = [];
    for (const frame of this.controlStack) {
      for (const op of frame) {
        if (!seen.has(op)) { seen.add(op); result.push(op); }
      }
    }
    return result;
  }

  /** Appends an operation whose outputs were already inferred by its op builder. */
  addOperation(spec: NewOperation): Operation {
    if (this.isFinalized) throw new RuntimeError('Graph is finalized and cannot be modified.');
    for (const item of [...spec.inputs, ...(spec.controlInputs ?? [])]) this.checkOwns(item);
    const control = [...this.activeControlInputs(spec.inputs), ...(spec.controlInputs ?? [])];
    const name = this.operationName(spec.name);
    const op = new Operation(this, this.operations.length, name, spec.type, [...spec.inputs],
      [...new Set(control)], { ...(spec.attrs ?? {}) });
    spec.outputs.forEach((o, i) => op.outputs.push(new Tensor(op, i, o.dtype, o.shape)));
    this.operations.push(op);
    this.byName.set(name, op);
    for (const t of spec.inputs) this.consumers.set(t, [...(this.consumers.get(t) ?? []), op]);
    return op;
  }

  /** A name ending in '/' is a scope taken as the exact op name, as TensorFlow does for variables. */
  private operationName(requested: string): string {
    if (!requested.endsWith('/')) return this.uniqueName(requested);
    const exact = requested.slice(0, -1);
    if (this.byName.has(exact)) throw new RuntimeError(`Duplicate node name in graph: '${exact}'`);
    const key = exact.toLowerCase();
    this.namesInUse.set(key, Math.max(1, this.namesInUse.get(key) ?? 0));
    return exact;
  }

  private checkOwns(item: Tensor | Operation): void {
    if (item.graph !== this) {
      throw new RuntimeError(`${item.toString()} must be from the same graph as the operation being created.`);
    }
  }
}
