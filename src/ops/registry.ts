/**
 * One row per op type: how its outputs' dtypes and shapes follow from its
 * inputs, and how it runs (its lowering to plan steps). Rows live in the family
 * files (math.ts, array.ts, ...) and are gathered in ops/index.ts.
 */
import type { DType } from '../graph/dtypes.js';
import type { OutputSpec } from '../graph/graph.js';
import type { AttrValue, Operation } from '../graph/operation.js';
import type { Tensor } from '../graph/tensor.js';
import type { Shape } from '../graph/shape.js';
import type { KernelId } from '../compiler/plan-format.js';

/** What a shape function sees of an input: static shapes at construction, concrete ones when compiling. */
export interface InputSpec {
  dtype: DType;
  shape: Shape;
}

export type Attrs = Readonly<Record<string, AttrValue>>;

export interface InferArgs {
  /** The op type, e.g. 'Add'. */
  type: string;
  inputs: readonly InputSpec[];
  attrs: Attrs;
  /** `'Add' (op: 'Add')`, for TensorFlow-style messages. */
  describe: () => string;
  /** True when the compiler asks for concrete shapes for a run (false while building the graph). */
  compiling?: boolean;
}

/** What a lowering can ask of the compiler while turning one op into plan steps. */
export interface LowerContext {
  readonly op: Operation;
  readonly inputShapes: readonly number[][];
  readonly outputShapes: readonly number[][];
  /** The buffer holding input i's value. */
  input(i: number): number;
  /** A fresh arena buffer for output i. */
  output(i: number): number;
  /** Output i is the same memory as buffer `buffer`, seen with output i's shape (reshape, identity): no step. */
  alias(i: number, buffer: number): void;
  /** A buffer sharing `buffer`'s memory, seen with another shape of the same element count. */
  view(buffer: number, shape: readonly number[]): number;
  /** Whether output i is consumed or fetched (ops may skip work for unused outputs). */
  isUsed(i: number): boolean;
  constant(dtype: DType, shape: readonly number[], data: ArrayBufferView): number;
  temp(dtype: DType, shape: readonly number[]): number;
  /** The plan's var-table index for the graph variable with this slot. */
  variable(slot: number): number;
  emit(kernel: KernelId, inputs: number[], outputs: number[], attrs?: number[]): void;
  /** Seeds for a random op the user left unseeded: fixed per session, different per op. */
  sessionSeeds(): [number, number];
}

/**
 * Builds the gradients of an op's inputs from the gradients of its outputs
 * (null where no gradient flows to an output); null for an input that gets none.
 */
export type GradientFn = (op: Operation, grads: readonly (Tensor | null)[]) => (Tensor | null)[];

/**
 * Marks ops whose gradient is zero by definition (comparisons, shape queries,
 * random draws): gradients stop there quietly. A row with no `gradient` at all
 * is "not written yet", and tf.gradients through it throws.
 */
export const NOT_DIFFERENTIABLE = 'not differentiable' as const;

export interface OpDef {
  infer(args: InferArgs): OutputSpec[];
  lower(ctx: LowerContext): void;
  /** Inputs taken by reference (the variable itself), not by value. */
  refInputs?: readonly number[];
  gradient?: GradientFn | typeof NOT_DIFFERENTIABLE;
}

export type OpTable = Record<string, OpDef>;

const defs = new Map<string, OpDef>();

/** Each family module registers its rows once, at import. */
export function defineOps(table: OpTable): void {
  for (const [type, def] of Object.entries(table)) {
    if (defs.has(type)) throw new Error(`Op type '${type}' is defined twice.`);
    defs.set(type, def);
  }
}

export function getOpDef(type: string): OpDef {
  const def = defs.get(type);
  if (!def) throw new Error(`No op definition registered for op type '${type}'.`);
  return def;
}

export function registeredOpTypes(): string[] { return [...defs.keys()]; }
