/**
 * The contract between a Session and the engine that runs its plans. Two
 * implementations: the C++ addon (native-backend.ts) and the AssemblyScript
 * module (wasm-core.ts, loaded by wasm-backend.ts in Node and wasm-browser.ts
 * in browsers). A run crosses into the backend once.
 */
import type { StatusCode } from '../compiler/plan-format.js';
import type { DTypeName, TypedArray } from '../graph/dtypes.js';

export type BackendName = 'native' | 'wasm';

export interface SessionConfig {
  /** Threads for one kernel's work; 0 or absent means one per core. */
  intraOpParallelismThreads?: number;
}

/** Where a feed or fetch lives in the session arena. */
export interface ArenaSlot {
  byteOffset: number;
  byteLength: number;
  /** The element type, for runTyped's results (bytes when absent). */
  dtype?: DTypeName;
}

/** A plan ready to hand to a backend: the bytes plus its feed and fetch slots. */
export interface EncodedPlan {
  bytes: Uint8Array;
  arenaBytes: number;
  feeds: ArenaSlot[];
  fetches: ArenaSlot[];
}

/** A failed run: the status, the step that failed and a status-specific argument. */
export interface RunFailure {
  status: StatusCode;
  step: number;
  arg: number;
}

/** An opaque handle to a plan loaded into one backend session. */
export interface BackendPlan {
  readonly encoded: EncodedPlan;
}

export interface BackendSession {
  /**
   * Validates and keeps the plan (its constants are copied into backend memory)
   * and grows the session arena to the plan's arenaBytes. Throws an Error whose
   * `code` is 'INVALID_PLAN' or 'OUT_OF_MEMORY' when it cannot.
   */
  loadPlan(plan: EncodedPlan): BackendPlan;
  freePlan(plan: BackendPlan): void;
  /**
   * Copies each feed's bytes into its arena slot, runs every step, and returns
   * each fetch as a fresh ArrayBuffer of exactly its slot's byteLength, owned by
   * the caller. A failure leaves the session usable.
   */
  run(plan: BackendPlan, feeds: readonly Uint8Array[]): ArrayBuffer[] | RunFailure;
  /**
   * `run` returning each fetch as a fresh typed array of its slot's dtype:
   * small results then live on the JS heap, which is much cheaper than an
   * ArrayBuffer each (the per-run overhead Session.run cares about).
   */
  runTyped(plan: BackendPlan, feeds: readonly Uint8Array[]): TypedArray[] | RunFailure;
  /**
   * `run` as a Promise. Native copies the feeds and runs on a worker thread
   * (nothing else may touch the session until it settles); wasm runs at once.
   */
  runAsync(plan: BackendPlan, feeds: readonly Uint8Array[]): Promise<ArrayBuffer[] | RunFailure>;
  /** Frees the arena, the variables and every plan (after an in-flight runAsync). Idempotent. */
  close(): void;
}

export interface Backend {
  readonly name: BackendName;
  createSession(config: SessionConfig): BackendSession;
}

/**
 * Results this large get memory the backend fills completely, so it is not
 * zeroed first (Node's Buffer.allocUnsafeSlow); below it, V8's own typed
 * arrays are cheaper.
 */
export const LARGE_RESULT_BYTES = 64 * 1024;

type NodeBufferConstructor = { allocUnsafeSlow(size: number): Uint8Array };
const nodeBuffer = (globalThis as { Buffer?: NodeBufferConstructor }).Buffer;

/** An uninitialised typed array of `slot`'s dtype and size, for the backend to fill entirely. */
export function uninitializedResult(slot: ArenaSlot): TypedArray {
  const bytes = slot.byteLength;
  const memory = nodeBuffer && bytes >= LARGE_RESULT_BYTES ? nodeBuffer.allocUnsafeSlow(bytes).buffer : new ArrayBuffer(bytes);
  if (slot.dtype === 'float32') return new Float32Array(memory, 0, bytes / 4);
  if (slot.dtype === 'int32') return new Int32Array(memory, 0, bytes / 4);
  return new Uint8Array(memory, 0, bytes);
}

/** A fresh typed array holding `slot`'s bytes of `memory`. */
export function sliceSlot(memory: ArrayBuffer, base: number, slot: ArenaSlot): TypedArray {
  const start = base + slot.byteOffset;
  if (slot.byteLength >= LARGE_RESULT_BYTES) {
    const result = uninitializedResult(slot);
    new Uint8Array(result.buffer, 0, slot.byteLength).set(new Uint8Array(memory, start, slot.byteLength));
    return result;
  }
  if (slot.dtype === 'float32') return new Float32Array(memory, start, slot.byteLength / 4).slice();
  if (slot.dtype === 'int32') return new Int32Array(memory, start, slot.byteLength / 4).slice();
  return new Uint8Array(memory, start, slot.byteLength).slice();
}

export function isRunFailure(result: ArrayBuffer[] | TypedArray[] | RunFailure): result is RunFailure {
  return !Array.isArray(result);
}
