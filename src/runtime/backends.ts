/**
 * Picks the engine for a Session from the backends an entry point registered:
 * the Node entry (src/index.ts) registers the native addon then wasm from
 * disk; the browser entry (src/browser.ts) registers wasm fetched from a URL.
 * This file imports no Node module, so the browser's module graph has none.
 *
 *   registerBackend('wasm', { load: () => backend, ready: async (options) => { ... } });
 *   resolveBackend('auto');   // an explicit choice, else SESSIONFLOW_BACKEND, else the first that loads
 *   await ready();            // browsers: fetches and compiles the .wasm
 */
import type { Backend, BackendName } from './backend.js';

export type BackendChoice = BackendName | 'auto';

/** Where the browser finds the WebAssembly module: one file, or both builds for the probe to pick. */
export type WasmURL = string | URL | { simd: string | URL; relaxed?: string | URL };

export interface ReadyOptions {
  /**
   * Browsers: the location of the .wasm (default: `sessionflow.wasm` and
   * `sessionflow-relaxed.wasm` in the package's dist/, found from
   * `import.meta.url`). A single URL may name either build; given both, the
   * relaxed-SIMD one is used when the engine supports it. Ignored in Node.
   */
  wasmURL?: WasmURL;
}

export interface BackendLoader {
  /** The backend, loaded once; throws an Error saying what was tried and the fix. */
  load(): Backend;
  /** Asynchronous preparation before load() can succeed (browsers fetch the module). */
  ready?(options: ReadyOptions): Promise<void>;
}

/** Registered loaders in 'auto' order. */
const registry = new Map<BackendName, BackendLoader>();

export function registerBackend(name: BackendName, loader: BackendLoader): void {
  registry.set(name, loader);
}

export function resolveBackend(choice: BackendChoice = 'auto'): Backend {
  const wanted = choice === 'auto' ? envChoice() : choice;
  if (wanted !== 'auto') return explicitBackend(wanted);
  const failures: Error[] = [];
  for (const loader of registry.values()) {
    try {
      return loader.load();
    } catch (error) {
      failures.push(error as Error);
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new Error(
    registry.size === 0
      ? 'sessionflow: no backend is registered; import sessionflow through its package entry point'
      : `sessionflow: no backend loads here:\n${failures.map((e) => `  - ${e.message}`).join('\n')}`,
    { cause: failures },
  );
}

function explicitBackend(name: string): Backend {
  const loader = registry.get(name as BackendName);
  if (loader) return loader.load();
  if (name === 'native' || name === 'wasm') {
    throw new Error(`sessionflow: the '${name}' backend is not available in this build (browsers have only 'wasm').`);
  }
  throw new TypeError(`Unknown backend '${name}': use 'auto', 'native' or 'wasm'.`);
}

function envChoice(): BackendChoice {
  const value = typeof process !== 'undefined' ? process.env?.SESSIONFLOW_BACKEND : undefined;
  return (value || 'auto') as BackendChoice;
}

/**
 * Resolves once sessions can be created: in browsers it fetches and compiles
 * the WebAssembly module (call it before the first Session); in Node it
 * resolves at once. Gives the backend a new Session picks by default.
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendName> {
  for (const loader of registry.values()) await loader.ready?.(options);
  return resolveBackend('auto').name;
}

/** The backends that load here, for tests and benchmarks that cover every engine. */
export function availableBackends(): BackendName[] {
  return [...registry.entries()].filter(([, loader]) => {
    try { loader.load(); return true; } catch { return false; }
  }).map(([name]) => name);
}
