/**
 * Ops that order work without computing values: noOp and group.
 *
 *   const train = tf.group([updateA, updateB]);   // runs both, returns null
 */
import type { Operation } from '../graph/operation.js';
import { Tensor } from '../graph/tensor.js';
import { makeOp } from './build.js';
import { isConvertible, type TensorConvertible } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type OpTable } from './registry.js';

const controlOps = {
  NoOp: { infer: () => [], lower: () => {}, gradient: NOT_DIFFERENTIABLE },
} satisfies OpTable;

defineOps(controlOps);

export function noOp(name = 'NoOp'): Operation {
  return makeOp('NoOp', [], {}, { name });
}

export type Runnable = Operation | Tensor | TensorConvertible;

/** The operation behind a tensor, a variable's initializer-free op, or the op itself. */
export function operationOf(item: Runnable): Operation {
  if (item instanceof Tensor) return item.op;
  if (isConvertible(item)) return item.toTensor().op;
  return item;
}

/** `tf.group(inputs)`: one op that runs after all of `inputs`. */
export function group(inputs: readonly Runnable[], options: { name?: string } = {}): Operation {
  return makeOp('NoOp', [], {}, { name: options.name ?? 'group_deps', controlInputs: inputs.map(operationOf) });
}
