/**
 * The WebAssembly backend's core: the AssemblyScript module of assembly/
 * behind the Backend interface, instantiated from a compiled
 * WebAssembly.Module. No Node or DOM API here: the Node loader
 * (wasm-backend.ts) reads the module from disk, the browser loader
 * (wasm-browser.ts) fetches it from a URL.
 *
 *   const backend = createWasmBackend(await WebAssembly.compile(bytes));
 *   backend.variant;                              // 'relaxed-simd' for sessionflow-relaxed.wasm
 *   const session = backend.createSession({});
 *   const plan = session.loadPlan(encoded);
 *   const result = session.run(plan, [feedBytes]); // ArrayBuffer[] or RunFailure
 *   session.close();
 */
import { Status, type StatusCode } from '../compiler/plan-format.js';
import { sliceSlot } from './backend.js';
import type { TypedArray } from '../graph/dtypes.js';
import type {
  ArenaSlot, Backend, BackendPlan, BackendSession, EncodedPlan, RunFailure, SessionConfig,
} from './backend.js';

/** The module's exports (assembly/index.ts); pointers are byte offsets into `memory`. */
interface WasmExports {
  memory: WebAssembly.Memory;
  sf_memory_alloc(bytes: number): number;
  sf_memory_free(ptr: number): void;
  sf_memory_heap_bytes(): number;
  sf_session_create(): number;
  sf_session_destroy(session: number): void;
  sf_session_arena(session: number): number;
  sf_session_run(session: number, plan: number): number;
  sf_plan_load(session: number, bytes: number, length: number): number;
  sf_plan_free(session: number, plan: number): number;
  sf_plan_arena_bytes(plan: number): number;
  sf_plan_feed_count(plan: number): number;
  sf_plan_fetch_count(plan: number): number;
  sf_plan_feed_offset(plan: number, i: number): number;
  sf_plan_feed_bytes(plan: number, i: number): number;
  sf_plan_fetch_offset(plan: number, i: number): number;
  sf_plan_fetch_bytes(plan: number, i: number): number;
  sf_status_last(): number;
  sf_failure_step(): number;
  sf_failure_arg(): number;
  /** 1 in the relaxed-SIMD build (absent from modules built before it existed). */
  sf_build_relaxed_simd?(): number;
}

export type WasmPlanErrorCode = 'INVALID_PLAN' | 'OUT_OF_MEMORY';

function planError(code: WasmPlanErrorCode, detail: string): Error & { code: WasmPlanErrorCode } {
  const message = code === 'INVALID_PLAN'
    ? `sessionflow (wasm): the execution plan is malformed (${detail}); plans must come from encodePlan`
    : `sessionflow (wasm): out of memory while loading the plan (${detail})`;
  return Object.assign(new Error(message), { code });
}

function invalidPart(step: number): string {
  return step < 0 ? 'bad header, buffer, variable, feed or fetch table' : `step ${step} is inconsistent`;
}

/** Wraps the instance's memory; views are refreshed after the memory grows. */
class Heap {
  private view = new Uint8Array(0);
  constructor(readonly exports: WasmExports) {}

  bytes(): Uint8Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = new Uint8Array(this.exports.memory.buffer);
    return this.view;
  }
}

class WasmPlan implements BackendPlan {
  constructor(readonly encoded: EncodedPlan, public handle: number) {}
}

function slotsMatch(slots: readonly ArenaSlot[], count: number, at: (i: number) => [number, number]): boolean {
  if (slots.length !== count) return false;
  return slots.every((slot, i) => {
    const [offset, bytes] = at(i);
    return slot.byteOffset === offset && slot.byteLength === bytes;
  });
}

class WasmSession implements BackendSession {
  private handle: number;
  private arena = 0;
  private readonly plans = new Set<WasmPlan>();

  constructor(private readonly heap: Heap) {
    this.handle = heap.exports.sf_session_create();
    if (this.handle === 0) throw planError('OUT_OF_MEMORY', 'creating a session');
    this.arena = heap.exports.sf_session_arena(this.handle);
  }

  loadPlan(encoded: EncodedPlan): BackendPlan {
    const wasm = this.open();
    const { bytes } = encoded;
    const ptr = wasm.sf_memory_alloc(bytes.byteLength);
    if (ptr === 0) throw planError('OUT_OF_MEMORY', `${bytes.byteLength} plan bytes`);
    this.heap.bytes().set(bytes, ptr);
    const handle = wasm.sf_plan_load(this.handle, ptr, bytes.byteLength); // takes ptr
    if (handle === 0) {
      const status = wasm.sf_status_last();
      throw status === Status.OutOfMemory
        ? planError('OUT_OF_MEMORY', `arena of ${encoded.arenaBytes} bytes`)
        : planError('INVALID_PLAN', invalidPart(wasm.sf_failure_step()));
    }
    this.arena = wasm.sf_session_arena(this.handle);
    const plan = new WasmPlan(encoded, handle);
    if (!this.slotsAgree(plan)) {
      wasm.sf_plan_free(this.handle, handle);
      throw planError('INVALID_PLAN', 'feed or fetch slots differ from the plan bytes');
    }
    this.plans.add(plan);
    return plan;
  }

  freePlan(plan: BackendPlan): void {
    if (!(plan instanceof WasmPlan) || !this.plans.delete(plan) || this.handle === 0) return;
    this.heap.exports.sf_plan_free(this.handle, plan.handle);
    plan.handle = 0;
  }

  run(plan: BackendPlan, feeds: readonly Uint8Array[]): ArrayBuffer[] | RunFailure {
    const failure = this.execute(plan, feeds);
    if (failure) return failure;
    const memory = this.heap.exports.memory.buffer;
    return plan.encoded.fetches.map((slot) => {
      const start = this.arena + slot.byteOffset;
      return memory.slice(start, start + slot.byteLength);
    });
  }

  runTyped(plan: BackendPlan, feeds: readonly Uint8Array[]): TypedArray[] | RunFailure {
    const failure = this.execute(plan, feeds);
    if (failure) return failure;
    const memory = this.heap.exports.memory.buffer;
    return plan.encoded.fetches.map((slot) => sliceSlot(memory, this.arena, slot));
  }

  /** Writes the feeds into the arena and makes the one call into wasm that runs the plan. */
  private execute(plan: BackendPlan, feeds: readonly Uint8Array[]): RunFailure | undefined {
    const wasm = this.open();
    if (!(plan instanceof WasmPlan) || !this.plans.has(plan)) {
      throw new Error('sessionflow (wasm): this plan was freed or belongs to another session');
    }
    this.writeFeeds(plan.encoded.feeds, feeds);
    const status = wasm.sf_session_run(this.handle, plan.handle) as StatusCode;
    return status === Status.Ok ? undefined : { status, step: wasm.sf_failure_step(), arg: wasm.sf_failure_arg() };
  }

  /** wasm runs on the calling thread: the run happens now and the promise carries its result. */
  runAsync(plan: BackendPlan, feeds: readonly Uint8Array[]): Promise<ArrayBuffer[] | RunFailure> {
    try {
      return Promise.resolve(this.run(plan, feeds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    if (this.handle === 0) return;
    this.heap.exports.sf_session_destroy(this.handle);
    this.handle = 0;
    for (const plan of this.plans) plan.handle = 0;
    this.plans.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private open(): WasmExports {
    if (this.handle === 0) throw new Error('sessionflow (wasm): the session is closed');
    return this.heap.exports;
  }

  private slotsAgree(plan: WasmPlan): boolean {
    const wasm = this.heap.exports;
    const { encoded, handle } = plan;
    return encoded.arenaBytes === wasm.sf_plan_arena_bytes(handle)
      && slotsMatch(encoded.feeds, wasm.sf_plan_feed_count(handle),
        (i) => [wasm.sf_plan_feed_offset(handle, i), wasm.sf_plan_feed_bytes(handle, i)])
      && slotsMatch(encoded.fetches, wasm.sf_plan_fetch_count(handle),
        (i) => [wasm.sf_plan_fetch_offset(handle, i), wasm.sf_plan_fetch_bytes(handle, i)]);
  }

  private writeFeeds(slots: readonly ArenaSlot[], feeds: readonly Uint8Array[]): void {
    if (feeds.length !== slots.length) {
      throw new RangeError(`sessionflow (wasm): the plan takes ${slots.length} feeds, got ${feeds.length}`);
    }
    feeds.forEach((feed, i) => {
      if (feed.byteLength !== slots[i].byteLength) {
        throw new RangeError(`sessionflow (wasm): feed ${i} has ${feed.byteLength} bytes, the plan expects ${slots[i].byteLength}`);
      }
    });
    const memory = this.heap.bytes();
    feeds.forEach((feed, i) => memory.set(feed, this.arena + slots[i].byteOffset));
  }
}

/**
 * Which build of the module runs: 'simd' (SIMD128, dist/sessionflow.wasm) or
 * 'relaxed-simd' (the same sources built with relaxed SIMD, whose GEMM
 * micro-kernel fuses multiply-add: dist/sessionflow-relaxed.wasm).
 */
export type WasmVariant = 'simd' | 'relaxed-simd';
export type WasmBackend = Backend & { readonly variant: WasmVariant };

// (module (func (param v128 v128 v128) (result v128)
//   local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** True when this engine compiles relaxed-SIMD code (Chrome 114+, Firefox 145+, Node 22+). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** The module files, as the build names them (dist/ in the package). */
export const WASM_FILES: Record<WasmVariant, string> = {
  simd: 'sessionflow.wasm',
  'relaxed-simd': 'sessionflow-relaxed.wasm',
};

const heaps = new WeakMap<Backend, Heap>();

/** A Backend over a compiled module; its variant is read from the module itself. */
export function createWasmBackend(module: WebAssembly.Module, variant?: WasmVariant): WasmBackend {
  const instance = new WebAssembly.Instance(module, {});
  const exports = instance.exports as unknown as WasmExports;
  const heap = new Heap(exports);
  const backend: WasmBackend = {
    name: 'wasm',
    variant: variant ?? (exports.sf_build_relaxed_simd?.() === 1 ? 'relaxed-simd' : 'simd'),
    createSession(_config: SessionConfig): BackendSession {
      return new WasmSession(heap);
    },
  };
  heaps.set(backend, heap);
  return backend;
}


/** Bytes of linear memory behind a wasm Backend, and the part its heap spans (for tests). */
export function wasmMemoryBytes(backend: Backend): { memory: number; heap: number } {
  const heap = heaps.get(backend);
  if (!heap) throw new TypeError('sessionflow: not a wasm backend');
  return { memory: heap.exports.memory.buffer.byteLength, heap: heap.exports.sf_memory_heap_bytes() };
}
