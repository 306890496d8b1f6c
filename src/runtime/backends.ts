/**
 * Picks the engine for a Session: an explicit `backend` option, else the
 * SESSIONFLOW_BACKEND environment variable, else the native addon with the
 * wasm module as fallback. Each backend loads once per process.
 */
import type { Backend, BackendName } from './backend.js';
import { loadNativeBackend } from './native-backend.js';
import { loadWasmBackend } from './wasm-backend.js';

export type BackendChoice = BackendName | 'auto';

const loaders: Record<BackendName, () => Backend> = { native: loadNativeBackend, wasm: loadWasmBackend };

export function resolveBackend(choice: BackendChoice = 'auto'): Backend {
  const wanted = choice === 'auto' ? envChoice() : choice;
  if (wanted !== 'auto') {
    if (!(wanted in loaders)) throw new TypeError(`Unknown backend '${wanted}': use 'auto', 'native' or 'wasm'.`);
    return loaders[wanted]();
  }
  try {
    return loadNativeBackend();
  } catch {
    return loadWasmBackend();
  }
}

function envChoice(): BackendChoice {
  const value = typeof process !== 'undefined' ? process.env?.SESSIONFLOW_BACKEND : undefined;
  return (value || 'auto') as BackendChoice;
}

/** The backends that load here, for tests and benchmarks that cover every engine. */
export function availableBackends(): BackendName[] {
  return (Object.keys(loaders) as BackendName[]).filter((name) => {
    try { loaders[name](); return true; } catch { return false; }
  });
}
