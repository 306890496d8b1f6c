/**
 * The Node entry's backends, in 'auto' order: the native addon (a local build,
 * then the package's prebuild), then WebAssembly read from disk.
 */
import { registerBackend } from './backends.js';
import { loadNativeBackend } from './native-backend.js';
import { loadWasmBackend } from './wasm-backend.js';

registerBackend('native', { load: loadNativeBackend });
registerBackend('wasm', { load: () => loadWasmBackend() });
