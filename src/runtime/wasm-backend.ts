/**
 * The WebAssembly backend in Node: reads dist/sessionflow(-relaxed).wasm from
 * the package and compiles it synchronously, once per process and variant.
 * The backend itself is wasm-core.ts (shared with browsers).
 *
 *   const backend = loadWasmBackend();            // relaxed SIMD when the engine has it
 *   loadWasmBackend({ simd: 'baseline' }).variant; // 'simd'
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WASM_FILES, createWasmBackend, relaxedSimdSupported, type WasmBackend, type WasmVariant } from './wasm-core.js';
import { packageRoot } from './package-root.js';

export * from './wasm-core.js';

export interface WasmLoadOptions {
  /** 'baseline' forces the SIMD128 module; default: env SESSIONFLOW_WASM_SIMD, else 'auto'. */
  simd?: 'auto' | 'baseline';
}

const processBackends = new Map<WasmVariant, WasmBackend>();

function readModule(file: string): Uint8Array<ArrayBuffer> {
  const path = join(packageRoot(), 'dist', file);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw new Error(`sessionflow: cannot read the WebAssembly backend at ${path}; build it with \`npm run build:wasm\``, { cause });
  }
}

function wantedVariant(options: WasmLoadOptions): WasmVariant {
  const simd = options.simd ?? (process.env.SESSIONFLOW_WASM_SIMD === 'baseline' ? 'baseline' : 'auto');
  return simd === 'auto' && relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
}

/**
 * The wasm backend of this process, compiled on first use: the relaxed-SIMD
 * module when the engine validates relaxed SIMD (and the file is there), else
 * the baseline SIMD128 one.
 */
export function loadWasmBackend(options: WasmLoadOptions = {}): WasmBackend {
  const variant = wantedVariant(options);
  const cached = processBackends.get(variant);
  if (cached) return cached;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = readModule(WASM_FILES[variant]);
  } catch (error) {
    if (variant === 'simd') throw error;
    return loadWasmBackend({ simd: 'baseline' }); // an install without the relaxed build still runs
  }
  const backend = createWasmBackend(new WebAssembly.Module(bytes), variant);
  processBackends.set(variant, backend);
  return backend;
}
