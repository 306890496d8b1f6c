/**
 * sessionflow's API, shared by the Node entry (index.ts) and the browser
 * entry (browser.ts), which differ only in the backends they register.
 *
 *   import * as tf from 'sessionflow';
 *   const graph = new tf.Graph();
 *   const { v, init } = graph.asDefault(() => {
 *     const v = new tf.Variable(42, { name: 'foo' });
 *     return { v, init: tf.globalVariablesInitializer() };
 *   });
 *   using sess = new tf.Session({ graph });
 *   sess.run(init);
 *   console.log(sess.run(v)); // 42
 */
import { getDefaultGraph } from './graph/default-graph.js';
import type { Operation } from './graph/operation.js';
import { operationOf, type Runnable } from './ops/control.js';

export { Graph, GraphKeys } from './graph/graph.js';
export { Operation } from './graph/operation.js';
export { Tensor } from './graph/tensor.js';
export { DType, float32, int32, bool, type DTypeName, type DTypeLike } from './graph/dtypes.js';
export type { Shape, Dim } from './graph/shape.js';
export { getDefaultGraph, resetDefaultGraph, nameScope } from './graph/default-graph.js';

export * from './ops/math.js';
export * from './ops/array.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export { noOp, group } from './ops/control.js';
export {
  Variable, type VariableOptions, globalVariables, trainableVariables, variablesInitializer,
  globalVariablesInitializer, initializeAllVariables,
} from './ops/state.js';
export type { TensorLike, Value } from './ops/convert.js';
export * from './ops/indexing.js';
export { stopGradient } from './ops/array.js';
export { setRandomSeed, randomUniform, randomNormal, truncatedNormal, randomShuffle } from './ops/random.js';
export * from './ops/initializers.js';
export { getVariable, variableScope, AUTO_REUSE, type GetVariableOptions } from './ops/variable-scope.js';
export * as nn from './ops/nn.js';
export * as losses from './ops/losses.js';
export * as train from './train/index.js';
export { gradients } from './train/gradients.js';

export { Session, type SessionOptions } from './runtime/session.js';
export { NDArray } from './runtime/ndarray.js';
export type { Fetches, FetchResult } from './runtime/fetches.js';
export type { Feeds } from './runtime/feeds.js';
export type { BackendName, SessionConfig } from './runtime/backend.js';
export { availableBackends, ready, type ReadyOptions, type WasmURL } from './runtime/backends.js';
export * as errors from './runtime/errors.js';

/** `tf.controlDependencies(ops, fn)`: ops made in fn (in the default graph) run after `ops`. */
export function controlDependencies<T>(ops: readonly Runnable[] | null, fn: () => T): T {
  const list: Operation[] | null = ops === null ? null : ops.map(operationOf);
  const graph = list?.[0]?.graph ?? getDefaultGraph();
  return graph.controlDependencies(list, fn);
}
