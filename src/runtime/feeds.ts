/**
 * `Session.run`'s feed argument: a Map keyed by Tensor, Variable or name, or a
 * plain object keyed by name. Any tensor can be fed; values are checked
 * against the tensor's dtype and static shape as TensorFlow checks them.
 */
import type { Graph } from '../graph/graph.js';
import { formatShapeTuple, isCompatible } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { hostValue, type HostValue, type Value } from '../ops/convert.js';
import { Variable } from '../ops/state.js';
import { InvalidArgumentError } from './errors.js';
import { checkGraph, resolveName } from './fetches.js';

export type FeedKey = Tensor | Variable | string;
export type Feeds = ReadonlyMap<FeedKey, Value> | { readonly [name: string]: Value };

/**
 * Fed tensors and their values, sorted by tensor name so the order is
 * canonical. Typed data is used in place unless `copy` asks for a snapshot
 * (a queued runAsync reads it later).
 */
export function normalizeFeeds(feeds: Feeds | undefined, graph: Graph, copy = false): [Tensor, HostValue][] {
  if (feeds === undefined || feeds === null) return [];
  const entries: Iterable<[FeedKey, Value]> = feeds instanceof Map ? feeds : Object.entries(feeds);
  const fed: [Tensor, HostValue][] = [];
  for (const [key, value] of entries) {
    const tensor = resolveKey(key, graph);
    if (fed.some(([t]) => t === tensor)) throw new InvalidArgumentError(`Tensor '${tensor.name}' is fed more than once.`);
    fed.push([tensor, feedValue(tensor, value, copy)]);
  }
  return fed.length < 2 ? fed : fed.sort(([a], [b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function resolveKey(key: FeedKey, graph: Graph): Tensor {
  if (key instanceof Variable) return checkGraph(key.ref, graph);
  if (key instanceof Tensor) return checkGraph(key, graph);
  if (typeof key === 'string') {
    const item = resolveName(key, graph);
    return item instanceof Tensor ? item : item.outputs[0] ?? notFeedable(key);
  }
  throw new TypeError(`Cannot interpret feed key ${String(key)} as a Tensor: use a Tensor, a Variable or a tensor name.`);
}

function notFeedable(name: string): never {
  throw new InvalidArgumentError(`Cannot feed '${name}': the operation has no outputs.`);
}

function feedValue(tensor: Tensor, value: Value, copy: boolean): HostValue {
  let host: HostValue;
  try {
    host = hostValue(value, tensor.dtype, copy);
  } catch (e) {
    throw new InvalidArgumentError(`Cannot feed a value to Tensor '${tensor.name}', which has dtype ${tensor.dtype.name}: ${(e as Error).message}`);
  }
  if (!isCompatible(tensor.staticShapeRef, host.shape)) {
    throw new InvalidArgumentError(`Cannot feed value of shape ${formatShapeTuple(host.shape)} for Tensor '${tensor.name}', which has shape '${formatShapeTuple(tensor.shape)}'`);
  }
  return host;
}
