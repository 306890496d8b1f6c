// Memory stays flat: 2,000 sessions created and closed, and 2,000 dropped
// without close() (the FinalizationRegistry frees their backend memory once
// collected), on each backend. Each case runs in `node --expose-gc`.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './support.js';

const child = fileURLToPath(new URL('./fixtures/memory-child.mjs', import.meta.url));

// A single-threaded GC and a small young generation keep V8 sizing its own heap
// (steps of 10-20 MiB of rss otherwise) out of what is measured.
const NODE_FLAGS = ['--expose-gc', '--single-threaded-gc', '--max-semi-space-size=1'];

// Leaked, the 2,000 sessions would hold about 250 MiB of variables and arenas;
// a quiet machine measures 1-3 MiB of drift, a loaded one (two test workers on
// two cores) up to about 10 MiB of allocator noise.
const FLAT_MIB = 16;

function measure(mode: 'close' | 'drop', backend: string): { growthMiB: number; rss: number[] } {
  const out = execFileSync(process.execPath, [...NODE_FLAGS, child, mode, backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

describe.each(BACKENDS)('memory on %s', (backend) => {
  it('stays flat over 2,000 sessions created, run and closed', () => {
    const { growthMiB, rss } = measure('close', backend);
    expect(growthMiB, `rss every 100 sessions (MiB): ${rss.join(' ')}`).toBeLessThan(FLAT_MIB);
  }, 60_000);

  it('frees sessions dropped without close() once they are collected', () => {
    const { growthMiB, rss } = measure('drop', backend);
    expect(growthMiB, `rss every 100 sessions (MiB): ${rss.join(' ')}`).toBeLessThan(FLAT_MIB);
  }, 60_000);
});
