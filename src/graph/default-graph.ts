/**
 * The default-graph stack behind `graph.asDefault`, `tf.getDefaultGraph` and
 * `tf.resetDefaultGraph`. Op builders add to `getDefaultGraph()`.
 */
import { RuntimeError } from '../runtime/errors.js';
// A cycle with graph.ts, safe because Graph is only constructed at call time.
import { Graph } from './graph.js';

const stack: Graph[] = [];
let globalDefault: Graph | undefined;

export function getDefaultGraph(): Graph {
  if (stack.length > 0) return stack[stack.length - 1];
  globalDefault ??= new Graph();
  return globalDefault;
}

/** Replaces the global default graph with a new, empty one. */
export function resetDefaultGraph(): void {
  if (stack.length > 0) {
    throw new RuntimeError('Do not use tf.resetDefaultGraph() to clear nested graphs. If you need a cleared graph, exit the nesting and create a new graph.');
  }
  globalDefault = new Graph();
}

export function pushDefaultGraph(graph: Graph): void { stack.push(graph); }

export function popDefaultGraph(graph: Graph): void {
  if (stack[stack.length - 1] !== graph) throw new RuntimeError('Default graph stack is corrupted: graphs must be exited in the order they were entered.');
  stack.pop();
}

export function nameScope<T>(name: string | null, fn: (scope: string) => T): T {
  return getDefaultGraph().nameScope(name, fn);
}
