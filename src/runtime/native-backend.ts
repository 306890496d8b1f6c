/**
 * The native backend: the C++ Node-API addon built by `npm run build:native`
 * into build/Release/sessionflow.node. One `run` is one call into C++.
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

export interface NativeSessionHandle {
  readonly closed: boolean;
  /** Throws an Error with code 'INVALID_PLAN' | 'OUT_OF_MEMORY' | 'SESSION_CLOSED'. */
  loadPlan(bytes: Uint8Array): number;
  freePlan(planId: number): boolean;
  run(planId: number, feeds: readonly Uint8Array[]): ArrayBuffer[] | { status: number; step: number; arg: number };
  close(): void;
}

const ADDON_PATH = ['build', 'Release', 'sessionflow.node'];
let cachedAddon: NativeAddon | undefined;

/** Loads the addon once per process; throws one Error naming what was tried and the fix. */
export function loadNativeAddon(): NativeAddon {
  if (cachedAddon) return cachedAddon;
  let path = ADDON_PATH.join('/');
  try {
    path = join(packageRoot(), ...ADDON_PATH);
    if (!existsSync(path)) throw new Error('the file does not exist');
    cachedAddon = createRequire(import.meta.url)(path) as NativeAddon;
    return cachedAddon;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `sessionflow: cannot load the native backend from ${path}: ${why}. ` +
        'Build it with `npm run build:native` (needs cmake and a C++17 compiler), or use the wasm backend.',
      { cause },
    );
  }
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
