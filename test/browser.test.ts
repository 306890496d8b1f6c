// sessionflow in a real browser: a page bundled by esbuild for the browser
// (tiny app in test/fixtures/browser-app) runs in headless chromium from a
// local static server, and its values are checked here. Needs the build
// (dist/), /usr/bin/chromium and playwright-core; in CI (CI set) their absence
// fails the test, elsewhere it is skipped with a message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serveStatic } from '../scripts/static-server.mjs';
import { browserUnavailable, bundleForBrowser, launchChromium, root } from './browser-harness.js';

const missing = await browserUnavailable();
if (missing && process.env.CI) {
  describe('the browser build', () => {
    it('runs in chromium', () => { throw new Error(`the browser test cannot run in CI: ${missing}`); });
  });
} else {
  // Outside CI a machine without chromium reports the real suite as skipped.
  if (missing) console.warn(`browser.test.ts skipped: ${missing}`);
  describe.skipIf(Boolean(missing))('the browser build', browserSuite);
}

interface PageResult {
  error?: string; readyError?: string; beforeReady?: string; backend?: string;
  seed?: unknown[];
  matmul?: { backend: string; run: number[][]; runAsync: number[][] };
  train?: { losses: number[]; w: number; b: number };
}

function browserSuite() {
  const site = mkdtempSync(join(tmpdir(), 'sessionflow-browser-'));
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Browser;
  let bundleInputs: string[] = [];

  beforeAll(async () => {
    // The layout of the package: the bundle in app/, the .wasm one level up
    // (as dist/esm/browser.js finds dist/sessionflow.wasm), and a copy elsewhere.
    ({ inputs: bundleInputs } = await bundleForBrowser(join(root, 'test/fixtures/browser-app/main.js'), join(site, 'app/main.js')));
    copyFileSync(join(root, 'test/fixtures/browser-app/index.html'), join(site, 'index.html'));
    for (const file of ['sessionflow.wasm', 'sessionflow-relaxed.wasm']) copyFileSync(join(root, 'dist', file), join(site, file));
    rmSync(join(site, 'elsewhere'), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(site, 'elsewhere')));
    copyFileSync(join(root, 'dist/sessionflow.wasm'), join(site, 'elsewhere/sessionflow.wasm'));
    server = await serveStatic({ root: site, lifetimeMs: 120_000 });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(site, { recursive: true, force: true });
  });

  async function open(query = ''): Promise<PageResult> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    try {
      await page.goto(`${server.url}index.html${query}`);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 30_000 });
      const result = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
      expect(errors).toEqual([]);
      return result;
    } finally {
      await page.close();
    }
  }

  it('bundles the browser entry, with nothing from Node', () => {
    expect(bundleInputs.some((input) => input.endsWith('browser.js'))).toBe(true);
    expect(bundleInputs.filter((input) => /native-backend|wasm-backend|package-root|node-backends/.test(input))).toEqual([]);
  });

  it('runs the seed walkthrough, a matmul and a training run after tf.ready()', async () => {
    const before = server.requests.length;
    const result = await open();
    expect(result.error).toBeUndefined();
    expect(result.beforeReady).toMatch(/await tf\.ready\(\)/);
    expect(result.backend).toBe('wasm');
    expect(result.seed).toEqual([13, 'FailedPreconditionError: Attempting to use uninitialized value foo', 42]);
    expect(result.matmul).toEqual({ backend: 'wasm', run: [[7, 7], [0, 0]], runAsync: [[7, 7], [0, 0]] });
    const { losses, w, b } = result.train!;
    expect(losses.length).toBe(11);
    losses.slice(1).forEach((loss, i) => expect(loss).toBeLessThan(losses[i]));
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.01);
    expect(w).toBeCloseTo(3, 1);
    expect(b).toBeCloseTo(-1, 1);
    // Chromium has relaxed SIMD, so the probe picks that build, found next to the package entry.
    expect(server.requests.slice(before).filter((path) => path.endsWith('.wasm'))).toEqual(['/sessionflow-relaxed.wasm']);
  });

  it('loads the module from tf.ready({ wasmURL })', async () => {
    const before = server.requests.length;
    const result = await open('?wasm=/elsewhere/sessionflow.wasm');
    expect(result.seed).toEqual([13, 'FailedPreconditionError: Attempting to use uninitialized value foo', 42]);
    expect(server.requests.slice(before).filter((path) => path.endsWith('.wasm'))).toEqual(['/elsewhere/sessionflow.wasm']);
  });

  it('renders the browser example (npm run example:browser): XOR learned, loss curve drawn', async () => {
    const { buildBrowserExample } = await import('../scripts/example-browser.mjs');
    const example = await serveStatic({ root: await buildBrowserExample(), lifetimeMs: 60_000 });
    const page = await browser.newPage();
    try {
      await page.goto(example.url);
      await page.waitForFunction(() => document.body.dataset.done, undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => document.body.dataset.done)).toBe('true');
      expect(await page.textContent('#status')).toMatch(/Trained 400 steps in \d+ ms on wasm: loss 0\.\d+ → 0\.00\d+/);
      expect(await page.locator('#loss polyline').count()).toBe(1);
    } finally {
      await page.close();
      await example.close();
    }
  });

  it('says where it looked and how to fix it when the module is missing', async () => {
    const result = await open('?wasm=/missing.wasm');
    expect(result.readyError).toMatch(/cannot load the WebAssembly backend from .*\/missing\.wasm: the server answered 404/);
    expect(result.readyError).toMatch(/wasmURL/);
  });
}
