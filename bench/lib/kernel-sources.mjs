// The TypeScript sources the kernel microbenchmarks drive directly (plan
// encoder, wasm loader, plan-format enums), bundled once by esbuild into
// build/ (so packageRoot() still finds this package) and imported.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadKernelSources() {
  const entry = join(root, 'build', 'bench-kernel-sources.mjs');
  await build({
    stdin: {
      contents: "export { encodePlan, alignUp } from './src/compiler/encode.ts';\n"
        + "export { loadWasmBackend, createWasmBackend } from './src/runtime/wasm-backend.ts';\n"
        + "export { float32 } from './src/graph/dtypes.ts';\n"
        + "export * from './src/compiler/plan-format.ts';\n",
      resolveDir: root, loader: 'ts',
    },
    bundle: true, platform: 'node', format: 'esm', outfile: entry, logLevel: 'warning',
  });
  return import(pathToFileURL(entry).href);
}
