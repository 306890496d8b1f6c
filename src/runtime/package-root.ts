/**
 * Finds sessionflow's own package folder, from the sources (vitest), the ESM
 * build (dist/esm) or the CJS bundle (dist/cjs) alike, so built artifacts
 * (build/Release/sessionflow.node, dist/sessionflow.wasm) are found from any of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'sessionflow') {
      return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('sessionflow: cannot find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
