/**
 * sessionflow for browsers (bundlers pick it through the `browser` export
 * condition): WebAssembly fetched from next to the package's build. Its module
 * graph imports nothing from Node.
 *
 *   import * as tf from 'sessionflow';
 *   await tf.ready();                 // or tf.ready({ wasmURL: '/assets/sessionflow.wasm' })
 *   using sess = new tf.Session({ graph });
 */
import { registerBackend } from './runtime/backends.js';
import { browserWasmLoader } from './runtime/wasm-browser.js';

// dist/esm/browser.js → dist/sessionflow*.wasm. Bundlers that understand
// `new URL(literal, import.meta.url)` (Vite, webpack 5, Parcel) copy the files.
// Evaluated in ready(): a bundle without import.meta (IIFE) fails there, asking for wasmURL.
registerBackend('wasm', browserWasmLoader(() => ({
  simd: new URL('../sessionflow.wasm', import.meta.url),
  relaxed: new URL('../sessionflow-relaxed.wasm', import.meta.url),
})));

export * from './api.js';
