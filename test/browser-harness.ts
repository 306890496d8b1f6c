// What the browser test needs: an esbuild bundle of a page for the browser,
// Debian's chromium driven by playwright-core, and a clear verdict when either
// is missing (a failure in CI, a skip with a message on a developer machine).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const CHROMIUM = process.env.SESSIONFLOW_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

type Playwright = typeof import('playwright-core');

/** playwright-core from the install, or (until it is a devDependency) from .devdeps/. */
async function loadPlaywright(): Promise<Playwright> {
  try {
    return await import('playwright-core');
  } catch (error) {
    const fallback = join(root, '.devdeps', 'package.json');
    if (!existsSync(fallback)) throw error;
    return createRequire(fallback)('playwright-core') as Playwright;
  }
}

/** Why the browser test cannot run here, or null when it can. */
export async function browserUnavailable(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (apt-get install chromium)`;
  try { await loadPlaywright(); } catch { return 'playwright-core is not installed (npm install)'; }
  return null;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}

/** esbuild bundles `entry` the way a web app's bundler would: browser platform and conditions, ESM. */
export async function bundleForBrowser(entry: string, outfile: string): Promise<{ inputs: string[] }> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', conditions: ['browser'],
    target: 'es2022', metafile: true, logLevel: 'silent', sourcemap: true,
  });
  return { inputs: Object.keys(result.metafile!.inputs) };
}
