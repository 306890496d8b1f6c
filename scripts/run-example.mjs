// Runs a TypeScript example: esbuild strips the types into build/examples/,
// leaving `sessionflow` and other packages as imports, then node runs it.
//   node scripts/run-example.mjs examples/mnist.ts
import { build } from 'esbuild';
import { basename, join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
if (!entry) { console.error('usage: node scripts/run-example.mjs <example.ts>'); process.exit(2); }
const outfile = join(root, 'build/examples', basename(entry).replace(/\.ts$/, '.mjs'));
await build({ entryPoints: [join(root, entry)], outfile, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
await import(pathToFileURL(outfile).href);
