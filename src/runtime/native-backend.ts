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
import type {
  Backend, BackendPlan, BackendSession, EncodedPlan, RunFailure, SessionConfig,
} from './backend.js';
import { packageRoot } from './package-root.js';

/** The addon's JS surface (native/addon.cc). */
export interface NativeAddon {
  readonly planVersion: number;
  createSession(config?: SessionConfig): NativeSessionHandle;
}

type NativeRunResult = ArrayBuffer[] | { status: number; step: number; arg: number };

export interface NativeSessionHandle {
  readonly closed: boolean;
  /** Throws an Error with code 'INVALID_PLAN' | 'OUT_OF_MEMORY' | 'SESSION_CLOSED'. */
  loadPlan(bytes: Uint8Array): number;
  freePlan(planId: number): boolean;
  run(planId: number, feeds: readonly Uint8Array[]): NativeRunResult;
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

class NativePlan implements BackendPlan {
  constructor(readonly encoded: EncodedPlan, readonly id: number, readonly owner: NativeBackendSession) {}
}

class NativeBackendSession implements BackendSession {
  constructor(private readonly handle: NativeSessionHandle) {}

  loadPlan(plan: EncodedPlan): BackendPlan {
    return new NativePlan(plan, this.handle.loadPlan(plan.bytes), this);
  }

  freePlan(plan: BackendPlan): void {
    this.handle.freePlan(this.own(plan).id);
  }

  run(plan: BackendPlan, feeds: readonly Uint8Array[]): ArrayBuffer[] | RunFailure {
    const result = this.handle.run(this.own(plan).id, feeds);
    if (Array.isArray(result)) return result;
    return { status: result.status as StatusCode, step: result.step, arg: result.arg };
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
