/**
 * The native backend: the C++ Node-API addon, from a local build
 * (build/Release/sessionflow.node, `npm run build:native`) or else the
 * prebuild the package ships (prebuilds/<platform>-<arch>/sessionflow.node).
 * One `run` is one call into C++; `runAsync` runs on the libuv thread pool.
 *
 *   const backend = loadNativeBackend();
 *   const session = backend.createSession({});
 *   const plan = session.loadPlan(encoded);
 *   const result = session.run(plan, [feedBytes]); // ArrayBuffer[] | RunFailure
 *   session.close();
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { arch, platform } from 'node:process';
import type { StatusCode } from '../compiler/plan-format.js';
import {
  LARGE_RESULT_BYTES, sliceSlot, uninitializedResult, type Backend, type BackendPlan, type BackendSession, type EncodedPlan, type RunFailure, type SessionConfig,
} from './backend.js';
import type { TypedArray } from '../graph/dtypes.js';
import { packageRoot } from './package-root.js';

/** The addon's JS surface (native/addon.cc). */
export interface NativeAddon {
  readonly planVersion: number;
  createSession(config?: SessionConfig): NativeSessionHandle;
}

type NativeFailure = { status: number; step: number; arg: number };
type NativeRunResult = ArrayBuffer[] | NativeFailure;

export interface NativeSessionHandle {
  readonly closed: boolean;
  /** Throws an Error with code 'INVALID_PLAN' | 'OUT_OF_MEMORY' | 'SESSION_CLOSED'. */
  loadPlan(bytes: Uint8Array): number;
  freePlan(planId: number): boolean;
  /** Returns new buffers, or fills `outputs` (one per fetch, exact sizes) and returns undefined. */
  run(planId: number, feeds: readonly Uint8Array[]): NativeRunResult;
  run(planId: number, feeds: readonly Uint8Array[], outputs: ArrayBuffer[]): NativeFailure | undefined;
  /** A view of the session's arena (detached when it moves: call again after loadPlan). */
  arena(): ArrayBuffer;
  /**
   * Runs with the feeds already in the arena (or read from `external`, one
   * entry or null per feed); the fetches stay there, except those given an
   * `outputs` entry (exactly the fetch's size), which are written into it.
   */
  runInArena(planId: number, external?: (Uint8Array | null)[] | null, outputs?: (Uint8Array | null)[]): NativeFailure | undefined;
  /** Copies the feeds, runs on a libuv worker thread; one at a time per session (else SESSION_BUSY). */
  runAsync(planId: number, feeds: readonly Uint8Array[]): Promise<NativeRunResult>;
  /** Closing during a runAsync defers freeing the memory until the run finishes. */
  close(): void;
}

/** Where the addon is looked for, in order: a local build, then the package's prebuild. */
export function nativeAddonCandidates(): string[] {
  const root = packageRoot();
  return [
    join(root, 'build', 'Release', 'sessionflow.node'),
    join(root, 'prebuilds', `${platform}-${arch}`, 'sessionflow.node'),
  ];
}

let cachedAddon: NativeAddon | undefined;
let cachedFailure: Error | undefined;

/** Loads the addon once per process; throws one Error naming each path tried, why it failed, and the fix. */
export function loadNativeAddon(): NativeAddon {
  if (cachedAddon) return cachedAddon;
  if (cachedFailure) throw cachedFailure;
  const causes: string[] = [];
  let candidates: string[] = [];
  try {
    candidates = nativeAddonCandidates();
  } catch (error) {
    causes.push((error as Error).message);
  }
  for (const path of candidates) {
    if (!existsSync(path)) { causes.push(`${path}: the file does not exist`); continue; }
    try {
      cachedAddon = createRequire(import.meta.url)(path) as NativeAddon;
      return cachedAddon;
    } catch (cause) {
      causes.push(`${path}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
    }
  }
  cachedFailure = new Error(
    `sessionflow: cannot load the native backend for ${platform}-${arch}. Tried:\n${causes.map((c) => `  - ${c}`).join('\n')}\n` +
      'Fix: in a checkout, build it with `npm run build:native` (needs cmake and a C++17 compiler); an installed ' +
      `package ships prebuilds/${platform}-${arch} only when it was packed on that platform. ` +
      "Or use WebAssembly: new tf.Session({ backend: 'wasm' }) or SESSIONFLOW_BACKEND=wasm.",
  );
  throw cachedFailure;
}

/** Feeds this large are read where they are rather than copied into the arena. */
const IN_PLACE_FEED_BYTES = 64 * 1024;

/**
 * Whether feed i can be read from the caller's memory: it is large, and no
 * fetch returns it (a fetch is read back from the arena).
 */
function readInPlace(plan: EncodedPlan, i: number): boolean {
  const feed = plan.feeds[i];
  if (feed.byteLength < IN_PLACE_FEED_BYTES) return false;
  return plan.fetches.every((f) => f.byteOffset + f.byteLength <= feed.byteOffset || f.byteOffset >= feed.byteOffset + feed.byteLength);
}

class NativePlan implements BackendPlan {
  /** Whether any fetch is large enough to be computed straight into its result array. */
  readonly largeFetches: boolean;

  constructor(readonly encoded: EncodedPlan, readonly id: number, readonly owner: NativeBackendSession) {
    this.largeFetches = encoded.fetches.some((slot) => slot.byteLength >= LARGE_RESULT_BYTES);
  }
}

class NativeBackendSession implements BackendSession {
  private arena?: Uint8Array;

  constructor(private readonly handle: NativeSessionHandle) {}

  loadPlan(plan: EncodedPlan): BackendPlan {
    const loaded = new NativePlan(plan, this.handle.loadPlan(plan.bytes), this);
    this.arena = undefined; // the arena may have grown (the addon detached the old view)
    return loaded;
  }

  freePlan(plan: BackendPlan): void {
    this.handle.freePlan(this.own(plan).id);
  }

  /**
   * Feeds go straight into the arena through a view of it and fetches are
   * sliced out of it, so a run is one small call into the addon (as on wasm).
   */
  run(plan: BackendPlan, feeds: readonly Uint8Array[]): ArrayBuffer[] | RunFailure {
    const failure = this.runInArena(plan, feeds);
    if (failure) return failure;
    const memory = this.arenaView().buffer as ArrayBuffer;
    return plan.encoded.fetches.map((slot) => memory.slice(slot.byteOffset, slot.byteOffset + slot.byteLength));
  }

  /** Large fetches are computed straight into fresh result arrays; small ones are sliced out of the arena. */
  runTyped(plan: BackendPlan, feeds: readonly Uint8Array[]): TypedArray[] | RunFailure {
    const slots = plan.encoded.fetches;
    const direct = this.own(plan).largeFetches
      ? slots.map((slot) => (slot.byteLength >= LARGE_RESULT_BYTES ? uninitializedResult(slot) : null))
      : undefined;
    const outputs = direct?.map((array) => (array ? new Uint8Array(array.buffer, array.byteOffset, array.byteLength) : null));
    const failure = this.runInArena(plan, feeds, outputs);
    if (failure) return failure;
    const memory = this.arenaView().buffer as ArrayBuffer;
    return slots.map((slot, i) => direct?.[i] ?? sliceSlot(memory, 0, slot));
  }

  private runInArena(plan: BackendPlan, feeds: readonly Uint8Array[], outputs?: (Uint8Array | null)[]): RunFailure | undefined {
    const native = this.own(plan);
    const slots = native.encoded.feeds;
    if (feeds.length !== slots.length) throw new RangeError(`sessionflow: the plan takes ${slots.length} feeds but run got ${feeds.length}`);
    const arena = this.arenaView();
    let external: (Uint8Array | null)[] | undefined;
    feeds.forEach((bytes, i) => {
      if (bytes.byteLength !== slots[i].byteLength) {
        throw new RangeError(`sessionflow: feed ${i} has ${bytes.byteLength} bytes; the plan expects ${slots[i].byteLength}`);
      }
      if (readInPlace(native.encoded, i)) (external ??= feeds.map(() => null))[i] = bytes;
      else arena.set(bytes, slots[i].byteOffset);
    });
    const failure = outputs ? this.handle.runInArena(native.id, external ?? null, outputs)
      : external ? this.handle.runInArena(native.id, external) : this.handle.runInArena(native.id);
    return failure && { status: failure.status as StatusCode, step: failure.step, arg: failure.arg };
  }

  /** The arena view, fetched again after a plan load may have moved the arena. */
  private arenaView(): Uint8Array {
    this.arena ??= new Uint8Array(this.handle.arena());
    return this.arena;
  }

  async runAsync(plan: BackendPlan, feeds: readonly Uint8Array[]): Promise<ArrayBuffer[] | RunFailure> {
    const result = await this.handle.runAsync(this.own(plan).id, feeds);
    if (Array.isArray(result)) return result;
    return { status: result.status as StatusCode, step: result.step, arg: result.arg };
  }

  close(): void {
    this.handle.close();
  }

  private own(plan: BackendPlan): NativePlan {
    if (!(plan instanceof NativePlan) || plan.owner !== this) {
      throw new TypeError('sessionflow: this plan was loaded into another session or backend');
    }
    return plan;
  }
}

export function loadNativeBackend(): Backend {
  const addon = loadNativeAddon();
  return {
    name: 'native',
    createSession: (config: SessionConfig) => new NativeBackendSession(addon.createSession(config)),
  };
}
