/**
 * `tf.variableScope` and `tf.getVariable`: variables named by scope, created
 * once and shared on reuse.
 *
 *   const layer = () => tf.getVariable('w', { shape: [3, 3] });
 *   tf.variableScope('dense', () => layer());                  // creates dense/w
 *   tf.variableScope('dense', () => layer(), { reuse: true });  // the same variable
 */
import { float32, int32, toDType, type DTypeLike } from '../graph/dtypes.js';
import { getDefaultGraph } from '../graph/default-graph.js';
import type { Graph } from '../graph/graph.js';
import { formatShape } from '../graph/shape.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { glorotUniformInitializer, zerosInitializer, type Initializer } from './initializers.js';
import { Variable } from './state.js';

export const AUTO_REUSE = 'auto' as const;
export type Reuse = boolean | typeof AUTO_REUSE;

interface Scope {
  name: string;
  reuse: Reuse;
}

interface Store {
  variables: Map<string, Variable>;
  scopes: Scope[];
}

const stores = new WeakMap<Graph, Store>();

function storeOf(graph: Graph): Store {
  let store = stores.get(graph);
  if (!store) stores.set(graph, (store = { variables: new Map(), scopes: [] }));
  return store;
}

/**
 * Runs fn inside variable scope `name` (and a name scope of the same name).
 * `reuse: true` makes getVariable return existing variables; 'auto' creates
 * them the first time. Reuse is inherited by nested scopes.
 */
export function variableScope<T>(name: string, fn: () => T, options: { reuse?: Reuse } = {}): T {
  const graph = getDefaultGraph();
  const { scopes } = storeOf(graph);
  const parent = scopes[scopes.length - 1];
  const reuse = options.reuse ?? parent?.reuse ?? false;
  scopes.push({ name: parent ? `${parent.name}/${name}` : name, reuse: parent?.reuse === true ? true : reuse });
  try {
    return graph.nameScope(name, fn);
  } finally {
    scopes.pop();
  }
}

export interface GetVariableOptions {
  shape?: number[];
  dtype?: DTypeLike;
  initializer?: Initializer;
  trainable?: boolean;
}

export function getVariable(name: string, options: GetVariableOptions = {}): Variable {
  const graph = getDefaultGraph();
  const store = storeOf(graph);
  const scope = store.scopes[store.scopes.length - 1];
  const fullName = scope ? `${scope.name}/${name}` : name;
  const existing = store.variables.get(fullName);
  const reuse = scope?.reuse ?? false;
  if (existing) {
    if (reuse === false) {
      throw new InvalidArgumentError(`Variable ${fullName} already exists, disallowed. Did you mean to set reuse=true or reuse=tf.AUTO_REUSE in variableScope?`);
    }
    checkMatches(existing, options);
    return existing;
  }
  if (reuse === true) {
    throw new InvalidArgumentError(`Variable ${fullName} does not exist, or was not created with tf.getVariable(). Did you mean to set reuse=tf.AUTO_REUSE in variableScope?`);
  }
  if (!options.shape) throw new InvalidArgumentError(`Shape of a new variable (${fullName}) must be fully defined, but instead was <unknown>.`);
  const dtype = toDType(options.dtype ?? float32);
  const initializer = options.initializer ?? (dtype === int32 ? zerosInitializer() : glorotUniformInitializer());
  // Variables live at their full scope name, outside any name scope in force.
  const variable = graph.nameScope(`${fullName}/`, () => new Variable(
    graph.nameScope('Initializer', () => initializer([...options.shape!], dtype)),
    { name: `${fullName}/`, dtype, trainable: options.trainable ?? true },
  ));
  store.variables.set(fullName, variable);
  return variable;
}

function checkMatches(variable: Variable, options: GetVariableOptions): void {
  if (options.shape && formatShape(options.shape) !== formatShape(variable.shape)) {
    throw new InvalidArgumentError(`Trying to share variable ${variable.op.name}, but specified shape ${formatShape(options.shape)} and found shape ${formatShape(variable.shape)}.`);
  }
  if (options.dtype && toDType(options.dtype) !== variable.dtype) {
    throw new InvalidArgumentError(`Trying to share variable ${variable.op.name}, but specified dtype ${toDType(options.dtype).name} and found dtype ${variable.dtype.name}.`);
  }
}
