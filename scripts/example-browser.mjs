// `npm run example:browser`: bundles examples/browser/main.ts for the browser
// with esbuild (so `sessionflow` resolves to its browser entry), lays the page
// out in build/examples/browser/ and serves it on 127.0.0.1 until Ctrl-C.
//   npm run example:browser            # prints the URL to open
//   PORT=8080 npm run example:browser
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const site = join(root, 'build/examples/browser');

/** The page, its bundle and the .wasm files in one folder; returns it. */
export async function buildBrowserExample() {
  mkdirSync(site, { recursive: true });
  await build({
    entryPoints: [join(root, 'examples/browser/main.ts')], outfile: join(site, 'main.js'),
    bundle: true, format: 'esm', platform: 'browser', conditions: ['browser'], target: 'es2022',
    sourcemap: true, logLevel: 'warning',
  });
  copyFileSync(join(root, 'examples/browser/index.html'), join(site, 'index.html'));
  // esbuild does not copy assets: the page passes their location to tf.ready({ wasmURL }).
  for (const file of ['sessionflow.wasm', 'sessionflow-relaxed.wasm']) copyFileSync(join(root, 'dist', file), join(site, file));
  return site;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const served = await buildBrowserExample();
  const server = await serveStatic({ root: served, port: Number(process.env.PORT ?? 0) });
  console.log(`sessionflow browser example: ${server.url}  (Ctrl-C to stop)`);
}
