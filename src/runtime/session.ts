/**
 * A Session runs the parts of a graph its fetches need and holds every value:
 * variables, intermediates (the seed's second rule). Sessions of one graph are
 * independent.
 *
 *   using sess = new tf.Session({ graph });
 *   sess.run(init);
 *   sess.run(v);                 // NDArray
 *   sess.run([a, { b }], { x: 1 }); // [NDArray, { b: NDArray }]
 *   await sess.runAsync(v);      // the same, off the main thread on native
 */
import { getDefaultGraph } from '../graph/default-graph.js';
import type { Graph } from '../graph/graph.js';
import type { Operation } from '../graph/operation.js';
import type { Tensor } from '../graph/tensor.js';
import type { TypedArray } from '../graph/dtypes.js';
import { compilePlan, type CompiledPlan } from '../compiler/compile.js';
import { explainPlan, type PlanExplanation } from '../compiler/explain.js';
import { encodePlan } from '../compiler/encode.js';
import { byteSize, type PlanIR } from '../compiler/plan.js';
import { Status } from '../compiler/plan-format.js';
import type { HostValue } from '../ops/convert.js';
import { isRunFailure, type BackendName, type BackendPlan, type BackendSession, type RunFailure, type SessionConfig } from './backend.js';
import { resolveBackend, type BackendChoice } from './backends.js';
import {
  FailedPreconditionError, InternalError, InvalidArgumentError, OpError, ResourceExhaustedError, RuntimeError, nodeSuffix,
} from './errors.js';
import { normalizeFeeds, type Feeds } from './feeds.js';
import { flattenFetches, type FetchResult, type Fetches, type FlatFetches } from './fetches.js';
import { resultArray } from './ndarray.js';

export interface SessionOptions {
  graph?: Graph;
  backend?: BackendChoice;
  config?: SessionConfig;
  /** Merge steps into fused kernels (default true); false runs the plain lowering. */
  fuse?: boolean;
}

interface CachedPlan {
  key: string;
  compiled: CompiledPlan;
  /** Loaded into the backend on first run (explain compiles without loading). */
  loaded?: BackendPlan;
}

/** Sessions fuse unless created with `fuse: false` (to see or debug the plain lowering). */
const FUSE_BY_DEFAULT = true;

/** Plans kept per session; the least recently used is freed past this. */
const PLAN_CACHE_SIZE = 64;

/** Frees the backend memory of sessions dropped without close(). */
const orphans = new FinalizationRegistry<BackendSession>((backend) => backend.close());

export class Session {
  readonly graph: Graph;
  /** Which engine runs this session's plans: 'native' or 'wasm'. */
  readonly backend: BackendName;
  private readonly engine: BackendSession;
  private readonly plans = new Map<string, CachedPlan>();
  /** The previous run's request and plan, for repeatsLast. */
  private last?: { fetches: Fetches; flat: FlatFetches; feeds: [Tensor, readonly number[]][]; plan: CachedPlan };
  private closed = false;
  /** runAsync calls not yet settled; they run one after another, in call order. */
  private pending = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly fuse: boolean;
  /** Seeds the session's unseeded random ops: each session draws its own numbers. */
  private readonly randomSeed = Math.floor(Math.random() * 2 ** 31);

  constructor(options: SessionOptions = {}) {
    this.graph = options.graph ?? getDefaultGraph();
    const backend = resolveBackend(options.backend ?? 'auto');
    this.backend = backend.name;
    this.engine = backend.createSession(options.config ?? {});
    this.fuse = options.fuse ?? FUSE_BY_DEFAULT;
    orphans.register(this, this.engine, this);
  }

  /**
   * Runs what `fetches` need, with `feeds` replacing tensors' values, and returns
   * the fetched values in the fetches' structure (null for operations).
   */
  run<F extends Fetches>(fetches: F, feeds?: Feeds): FetchResult<F> {
    this.checkIdle('run');
    const { flat, plan, bytes } = this.prepare(fetches, feeds);
    return this.finish(flat, plan, this.engine.runTyped(plan.loaded!, bytes)) as FetchResult<F>;
  }

  /**
   * `run` as a Promise. On native the plan runs on a libuv worker thread, so
   * the event loop stays free; on wasm it runs at once (the promise carries
   * the result). Calls on one session run one at a time in call order, and
   * `run`/`explain` throw while any is pending. Fetches and feeds are read at
   * the call; close() lets the run in flight finish and rejects the queued ones.
   */
  runAsync<F extends Fetches>(fetches: F, feeds?: Feeds): Promise<FetchResult<F>> {
    if (this.closed) return Promise.reject(new RuntimeError('Attempted to use a closed Session.'));
    let flat: FlatFetches, fed: [Tensor, HostValue][];
    try {
      flat = flattenFetches(fetches, this.graph);
      fed = normalizeFeeds(feeds, this.graph, true); // a snapshot: later changes by the caller do not leak in
    } catch (error) {
      return Promise.reject(error);
    }
    // An idle session starts the run now (so a close() right after lets it finish); else it waits its turn.
    const started = this.pending++ === 0 ? this.runQueued(flat, fed) : this.queue.then(() => this.runQueued(flat, fed));
    const result: Promise<unknown> = started.finally(() => { this.pending--; });
    this.queue = result.catch(() => undefined);
    return result as Promise<FetchResult<F>>;
  }

  /** One runAsync when its turn comes: compile (on this thread), then run on the backend. */
  private async runQueued(flat: FlatFetches, fed: [Tensor, HostValue][]): Promise<unknown> {
    if (this.closed) throw new RuntimeError('Attempted to use a closed Session.');
    const plan = this.planFor(flat.tensors, flat.targets, fed);
    plan.loaded ??= this.load(plan.compiled);
    return this.finish(flat, plan, await this.engine.runAsync(plan.loaded, fed.map(([, value]) => bytesOf(value))));
  }

  /**
   * How `run(fetches, feeds)` executes: the compiled plan's steps, what each
   * fused, buffer sizes and arena bytes. Compiles (and caches) without running.
   */
  explain(fetches: Fetches, feeds?: Feeds): PlanExplanation {
    this.checkIdle('explain');
    const flat = flattenFetches(fetches, this.graph);
    return explainPlan(this.planFor(flat.tensors, flat.targets, normalizeFeeds(feeds, this.graph)).compiled);
  }

  /** Frees the session's memory: its variables, arena and plans. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.plans.clear();
    orphans.unregister(this);
    this.engine.close();
  }

  [Symbol.dispose](): void { this.close(); }

  private checkIdle(method: string): void {
    if (this.closed) throw new RuntimeError('Attempted to use a closed Session.');
    if (this.pending > 0) {
      throw new RuntimeError(`Session.${method}() was called while ${this.pending} runAsync() call(s) on this session are pending: ` +
        'runs on one session are serialized, so await them first (or use another Session).');
    }
  }

  private prepare(fetches: Fetches, feeds: Feeds | undefined) {
    // Only a single leaf can be reused by identity: an array or object may have changed since.
    const leaf = typeof fetches !== 'object' || !(Array.isArray(fetches) || Object.getPrototypeOf(fetches) === Object.prototype);
    const flat = leaf && this.last?.fetches === fetches ? this.last.flat : flattenFetches(fetches, this.graph);
    const fed = normalizeFeeds(feeds, this.graph);
    const plan = leaf && this.repeatsLast(fetches, fed) ? this.last!.plan : this.planFor(flat.tensors, flat.targets, fed);
    plan.loaded ??= this.load(plan.compiled);
    // Tensors and shapes only: the values stay the caller's, free to be collected.
    this.last = { fetches, flat, feeds: fed.map(([t, v]) => [t, v.shape]), plan };
    return { flat, plan, bytes: fed.map(([, value]) => bytesOf(value)) };
  }

  /**
   * A loop that runs the same fetches with feeds of the same tensors and shapes
   * skips the plan-cache lookup (the hot path `overhead` measures).
   */
  private repeatsLast(fetches: Fetches, fed: [Tensor, HostValue][]): boolean {
    const last = this.last;
    if (!last || last.fetches !== fetches || last.feeds.length !== fed.length || this.plans.get(last.plan.key) !== last.plan) return false;
    return fed.every(([t, v], i) => t === last.feeds[i][0] && sameShape(v.shape, last.feeds[i][1]));
  }

  /** The fetched buffers as NDArrays in the fetches' structure, or the run's error. */
  private finish(flat: FlatFetches, plan: CachedPlan, result: ArrayBuffer[] | TypedArray[] | RunFailure): unknown {
    if (isRunFailure(result)) throw runError(plan.compiled, result);
    const specs = plan.compiled.fetchSpecs;
    const arrays = result.map((value, i) => {
      const data = value instanceof ArrayBuffer ? specs[i].dtype.view(value) : value;
      return resultArray(data, specs[i].shape, specs[i].dtype);
    });
    return flat.rebuild(arrays);
  }

  private planFor(tensors: Tensor[], targets: Operation[], fed: [Tensor, HostValue][]): CachedPlan {
    let key = '';
    for (const t of tensors) key += `${t.name},`;
    key += '|';
    for (const op of targets) key += `${op.name},`;
    key += '|';
    for (const [t, v] of fed) key += `${t.name}[${v.shape}]`;
    const cached = this.plans.get(key);
    if (cached) {
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const compiled = compilePlan({ fetches: tensors, targets, feeds: new Map(fed.map(([t, v]) => [t, v.shape])), fuse: this.fuse, sessionSeed: this.randomSeed,
      evaluate: (plan) => this.evaluate(plan),
    });
    const entry: CachedPlan = { key, compiled };
    this.plans.set(key, entry);
    if (this.plans.size > PLAN_CACHE_SIZE) this.evictOldest();
    return entry;
  }

  private load(compiled: CompiledPlan): BackendPlan {
    try {
      return this.engine.loadPlan(compiled.encoded);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'OUT_OF_MEMORY') {
        throw new ResourceExhaustedError(`OOM when allocating the arena of ${compiled.encoded.arenaBytes} bytes for this run: ${(e as Error).message}`);
      }
      throw new InternalError(`The ${this.backend} backend rejected a plan: ${(e as Error).message}`);
    }
  }

  /** Runs a constants-only plan on this session's backend, for constant folding. */
  private evaluate(plan: PlanIR): ArrayBuffer[] | null {
    const slot = (b: number) => ({ byteOffset: plan.buffers[b].byteOffset, byteLength: byteSize(plan.buffers[b]) });
    const loaded = this.engine.loadPlan({ bytes: encodePlan(plan), arenaBytes: plan.arenaBytes, feeds: [], fetches: plan.fetches.map(slot) });
    try {
      const result = this.engine.run(loaded, []);
      return isRunFailure(result) ? null : result;
    } finally {
      this.engine.freePlan(loaded);
    }
  }

  private evictOldest(): void {
    const [key, oldest] = this.plans.entries().next().value!;
    this.plans.delete(key);
    if (oldest.loaded) this.engine.freePlan(oldest.loaded);
  }
}

function bytesOf(value: HostValue): Uint8Array {
  return new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
}

/** A backend failure in TensorFlow's words, naming the node that failed. */
function runError(compiled: CompiledPlan, failure: RunFailure): OpError {
  const opName = compiled.ir.steps[failure.step]?.opName ?? '<unknown>';
  const suffix = nodeSuffix(opName);
  switch (failure.status) {
    case Status.UninitializedVariable:
      return new FailedPreconditionError(`Attempting to use uninitialized value ${compiled.ir.vars[failure.arg]?.name ?? '<unknown>'}${suffix}`);
    case Status.IntegerDivisionByZero:
      return new InvalidArgumentError(`Integer division by zero${suffix}`);
    case Status.NegativeIntegerPower:
      return new InvalidArgumentError(`Integers to negative integer powers are not allowed${suffix}`);
    case Status.OutOfMemory:
      return new ResourceExhaustedError(`OOM when allocating ${failure.arg} bytes${suffix}`);
    case Status.IndexOutOfRange: // Gather and ScatterAdd: attrs [outer, n, inner]
      return new InvalidArgumentError(`indices[${failure.arg}] is not in [0, ${compiled.ir.steps[failure.step]?.attrs[1]})${suffix}`);
    default:
      return new InternalError(`The backend failed with status ${failure.status}${suffix}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
