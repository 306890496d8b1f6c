/**
 * `Session.run`'s fetch argument: a tensor, an operation, a variable, a name,
 * or arrays and plain objects of those, nested. The result mirrors the
 * structure, with NDArrays for tensors and null for operations.
 */
import type { Graph } from '../graph/graph.js';
import { Operation } from '../graph/operation.js';
import { Tensor } from '../graph/tensor.js';
import { Variable } from '../ops/state.js';
import { InvalidArgumentError } from './errors.js';
import type { NDArray } from './ndarray.js';

export type FetchLeaf = Tensor | Operation | Variable | string;
export type Fetches = FetchLeaf | readonly Fetches[] | { readonly [key: string]: Fetches };
export type FetchResult<F> = F extends Operation ? null
  : F extends Tensor | Variable | string ? NDArray
  : F extends readonly unknown[] ? { [K in keyof F]: FetchResult<F[K]> }
  : F extends object ? { [K in keyof F]: FetchResult<F[K]> }
  : never;

export interface FlatFetches {
  tensors: Tensor[];
  targets: Operation[];
  /** Puts the run's values (one per tensor, in order) back into the caller's structure. */
  rebuild(values: readonly NDArray[]): unknown;
}

export function flattenFetches(fetches: Fetches, graph: Graph): FlatFetches {
  const tensors: Tensor[] = [];
  const targets: Operation[] = [];
  const walk = (item: Fetches): (values: readonly NDArray[]) => unknown => {
    if (Array.isArray(item)) {
      const parts = item.map(walk);
      return (values) => parts.map((p) => p(values));
    }
    const leaf = resolveLeaf(item as FetchLeaf | object, graph);
    if (leaf instanceof Tensor) {
      const index = tensors.push(leaf) - 1;
      return (values) => values[index];
    }
    if (leaf instanceof Operation) {
      targets.push(leaf);
      return () => null;
    }
    const entries = Object.entries(leaf).map(([key, value]) => [key, walk(value as Fetches)] as const);
    return (values) => Object.fromEntries(entries.map(([key, p]) => [key, p(values)]));
  };
  const rebuild = walk(fetches);
  return { tensors, targets, rebuild };
}

function resolveLeaf(item: FetchLeaf | object, graph: Graph): Tensor | Operation | object {
  if (typeof item === 'string') return resolveName(item, graph);
  if (item instanceof Variable) return checkGraph(item.ref, graph);
  if (item instanceof Tensor || item instanceof Operation) return checkGraph(item, graph);
  if (item !== null && typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) return item;
  throw new TypeError(`Fetch argument ${describe(item)} has invalid type ${describeType(item)}, must be a string, Tensor, Operation or Variable (or an array or plain object of them).`);
}

/** 'a:0' names a tensor, 'a' an operation (whose fetch gives null), as in TensorFlow. */
export function resolveName(name: string, graph: Graph): Tensor | Operation {
  try {
    return name.includes(':') ? graph.getTensorByName(name) : graph.getOperationByName(name);
  } catch (e) {
    throw new InvalidArgumentError(`Fetch argument '${name}' cannot be interpreted as a Tensor. (${(e as Error).message})`);
  }
}

export function checkGraph<T extends Tensor | Operation>(item: T, graph: Graph): T {
  if (item.graph !== graph) {
    throw new InvalidArgumentError(`${item.toString()} is not an element of this graph.`);
  }
  return item;
}

function describe(item: unknown): string {
  try { return JSON.stringify(item) ?? String(item); } catch { return String(item); }
}

function describeType(item: unknown): string {
  if (item === null) return 'null';
  if (typeof item !== 'object') return typeof item;
  return (item as object).constructor?.name ?? 'object';
}
