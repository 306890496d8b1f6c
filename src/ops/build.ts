/**
 * The one path by which op builders add operations: convert inputs, infer
 * outputs from the op's registry row, append to the inputs' graph (or the
 * default graph).
 */
import { toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import { getDefaultGraph } from '../graph/default-graph.js';
import type { Graph } from '../graph/graph.js';
import type { AttrValue, Operation } from '../graph/operation.js';
import { Tensor } from '../graph/tensor.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { hostValue, isConvertible, type TensorLike, type Value } from './convert.js';
import { getOpDef } from './registry.js';

export interface OpOptions {
  name?: string;
  controlInputs?: readonly Operation[];
}

/** Appends an op of a registered type; its outputs come from the row's `infer`. */
export function makeOp(type: string, inputs: readonly Tensor[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): Operation {
  const graph = graphOf([...inputs, ...(options.controlInputs ?? [])]);
  const name = options.name ?? type;
  const describe = () => `'${graph.uniqueName(name, false)}' (op: '${type}')`;
  const outputs = getOpDef(type).infer({ type, inputs: inputs.map((t) => ({ dtype: t.dtype, shape: t.shape })), attrs, describe });
  return graph.addOperation({ type, name, inputs, attrs, outputs, controlInputs: options.controlInputs });
}

/** Like makeOp, returning the single output. */
export function makeTensor(type: string, inputs: readonly Tensor[], attrs: Record<string, AttrValue> = {}, name?: string): Tensor {
  return makeOp(type, inputs, attrs, { name }).outputs[0];
}

function graphOf(items: readonly (Tensor | Operation)[]): Graph {
  if (items.length === 0) return getDefaultGraph();
  const graph = items[0].graph;
  for (const item of items) {
    if (item.graph !== graph) throw new InvalidArgumentError(`${item.toString()} must be from the same graph as ${items[0].toString()}.`);
  }
  return graph;
}

/** A Const op holding `value`, created in `graph` (the default graph when absent). */
export function constantTensor(value: Value, dtype?: DTypeLike, name = 'Const', graph?: Graph): Tensor {
  const host = hostValue(value, dtype);
  const make = () => makeTensor('Const', [], { value: host.data, dtype: host.dtype.name, shape: host.shape }, name);
  return graph && graph !== getDefaultGraph() ? graph.asDefault(make) : make();
}

/**
 * Any tensor-like value as a Tensor. A bare value takes `dtypeHint` (the dtype
 * of the tensor it stands next to) and lands in `graph` when given.
 */
export function toTensor(value: TensorLike, dtypeHint?: DType, graph?: Graph, name?: string): Tensor {
  if (value instanceof Tensor) return value;
  if (isConvertible(value)) return value.toTensor();
  return constantTensor(value, dtypeHint, name ?? 'Const', graph);
}

/** Converts a binary op's operands: bare values take the dtype of the tensor beside them. */
export function toTensorPair(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const ta = a instanceof Tensor ? a : isConvertible(a) ? a.toTensor() : undefined;
  const tb = b instanceof Tensor ? b : isConvertible(b) ? b.toTensor() : undefined;
  const x = ta ?? toTensor(a, tb?.dtype, tb?.graph);
  const y = tb ?? toTensor(b, x.dtype, x.graph);
  return [x, y];
}

export function dtypeOrDefault(dtype: DTypeLike | undefined, fallback: DType): DType {
  return dtype === undefined ? fallback : toDType(dtype);
}
