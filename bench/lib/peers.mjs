// Peers live in bench/peers/node_modules, installed apart from the main
// package (`npm run bench:peers`). This finds them, or says they are missing.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const peersDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers');
export const requirePeer = createRequire(join(peersDir, 'package.json'));
const requireMain = createRequire(import.meta.url);

export function hasPeer(name) {
  try { requirePeer.resolve(name); return true; } catch { return false; }
}

/** The peer's package folder. */
export function peerRoot(name) {
  return dirname(requirePeer.resolve(`${name}/package.json`));
}

/** benchmark.js: a dev dependency of the main package, else the peers' copy. */
export function loadBenchmark() {
  for (const req of [requireMain, requirePeer]) {
    try { return req('benchmark'); } catch { /* try the next place */ }
  }
  throw new Error('benchmark.js is missing: run `npm install` (it is a dev dependency) or `npm run bench:peers`.');
}
