/**
 * The WebAssembly backend in browsers: `ready()` fetches and compiles the
 * module from a URL (relaxed SIMD when the engine validates it), then
 * sessions are created synchronously as in Node.
 *
 *   registerBackend('wasm', browserWasmLoader(() => ({ simd: new URL('../sessionflow.wasm', import.meta.url) })));
 *   await tf.ready();                                   // or tf.ready({ wasmURL: '/static/sessionflow.wasm' })
 */
import type { Backend } from './backend.js';
import type { BackendLoader, ReadyOptions, WasmURL } from './backends.js';
import { createWasmBackend, relaxedSimdSupported, type WasmBackend } from './wasm-core.js';

const NOT_READY =
  'sessionflow: the WebAssembly backend is not loaded yet. In browsers, `await tf.ready()` once before ' +
  'creating the first Session (it fetches and compiles sessionflow.wasm).';

/** The one URL to fetch: the relaxed-SIMD build when given and supported, else the baseline. */
export function pickWasmURL(location: WasmURL): URL | string {
  if (typeof location === 'string' || location instanceof URL) return location;
  return location.relaxed !== undefined && relaxedSimdSupported() ? location.relaxed : location.simd;
}

async function compileFrom(url: URL | string): Promise<WebAssembly.Module> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw loadError(url, `the request failed (${(cause as Error).message})`, cause);
  }
  if (!response.ok) throw loadError(url, `the server answered ${response.status} ${response.statusText}`);
  const bytes = await response.arrayBuffer(); // not compileStreaming: servers often send another MIME type
  try {
    return await WebAssembly.compile(bytes);
  } catch (cause) {
    const hint = relaxedSimdSupported() ? '' : ' (this engine has no relaxed SIMD: use sessionflow.wasm, not sessionflow-relaxed.wasm)';
    throw loadError(url, `it does not compile as WebAssembly${hint}: ${(cause as Error).message}`, cause);
  }
}

function loadError(url: URL | string, why: string, cause?: unknown): Error {
  return new Error(
    `sessionflow: cannot load the WebAssembly backend from ${String(url)}: ${why}. ` +
      'Serve sessionflow.wasm and sessionflow-relaxed.wasm (the package exports both) and pass their location: ' +
      "`await tf.ready({ wasmURL: { simd: '/sessionflow.wasm', relaxed: '/sessionflow-relaxed.wasm' } })`.",
    { cause },
  );
}

function locate(defaultLocation: () => WasmURL): WasmURL {
  try {
    return defaultLocation();
  } catch (cause) {
    throw new Error('sessionflow: cannot tell where sessionflow.wasm is (this bundle has no import.meta.url): ' +
      "pass it: `await tf.ready({ wasmURL: '/path/to/sessionflow.wasm' })`.", { cause });
  }
}

/** A loader whose backend exists once `ready()` has compiled the module. */
export function browserWasmLoader(defaultLocation: () => WasmURL): BackendLoader {
  let backend: WasmBackend | undefined;
  let loading: Promise<void> | undefined;
  return {
    load(): Backend {
      if (backend) return backend;
      throw new Error(loading ? `${NOT_READY} tf.ready() was called but has not finished: await it.` : NOT_READY);
    },
    ready(options: ReadyOptions): Promise<void> {
      if (backend) return Promise.resolve();
      loading ??= compileFrom(pickWasmURL(options.wasmURL ?? locate(defaultLocation))).then(
        (module) => { backend = createWasmBackend(module); },
        (error) => { loading = undefined; throw error; }, // a later ready() may retry
      );
      return loading;
    },
  };
}
