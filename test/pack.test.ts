// The package as users get it: `npm pack` of the built checkout, installed
// offline into a fresh project (no compiler, no install script), loaded with
// require() and import in child processes, and run on native (the prebuild in
// the tarball) and on wasm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const prebuild = `prebuilds/${process.platform}-${process.arch}/sessionflow.node`;
const work = mkdtempSync(join(tmpdir(), 'sessionflow-pack-'));
const app = join(work, 'app');
let tarball = '';
let files: string[] = [];

const seed = (load: string) => `${load}
const graph = new tf.Graph();
const { v, init, assign } = graph.asDefault(() => {
  const v = new tf.Variable(42, { name: 'foo' });
  return { v, init: tf.initializeAllVariables(), assign: v.assign(13) };
});
const out = [];
for (const backend of ['native', 'wasm']) {
  let sess;
  try { sess = new tf.Session({ graph, backend }); } catch (e) { out.push(backend + ': ' + e.message); continue; }
  sess.run(init); sess.run(assign);
  out.push(sess.backend + ' ' + String(sess.run(v)));
  sess.close();
}
console.log(JSON.stringify(out));`;

function node(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, args, { cwd: app, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

beforeAll(() => {
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  tarball = join(work, packed[0].filename);
  files = packed[0].files.map((f: { path: string }) => f.path);
  mkdirSync(app);
  npm(['init', '-y'], app);
  npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds the built JS, both entries\' types, the .wasm files and this platform\'s addon; no sources', () => {
    for (const file of ['package.json', 'README.md', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/browser.js',
      'dist/esm/browser.d.ts', 'dist/cjs/index.cjs', 'dist/cjs/index.d.cts', 'dist/sessionflow.wasm', 'dist/sessionflow-relaxed.wasm']) {
      expect(files, file).toContain(file);
    }
    if (BACKENDS.includes('native')) expect(files).toContain(prebuild);
    expect(files.filter((f) => /^(src|native|assembly|test|build|scripts)\//.test(f))).toEqual([]);
  });

  it('installs offline without running anything and without a compiler', () => {
    const installed = join(app, 'node_modules/sessionflow');
    expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(['dist', 'package.json']));
    expect(existsSync(join(installed, 'build'))).toBe(false); // nothing was built at install
  });

  const expected = BACKENDS.includes('native') ? ['native 13', 'wasm 13'] : ['wasm 13'];

  it('runs the seed with require()', () => {
    const out = JSON.parse(node(['-e', seed("const tf = require('sessionflow');")]));
    expect(out.filter((line: string) => / 13$/.test(line))).toEqual(expected);
  });

  it('runs the seed with import', () => {
    const out = JSON.parse(node(['--input-type=module', '-e', seed("import * as tf from 'sessionflow';")]));
    expect(out.filter((line: string) => / 13$/.test(line))).toEqual(expected);
  });

  it('without the prebuild, falls back to wasm, and an explicit native gives one error listing each path tried', () => {
    rmSync(join(app, 'node_modules/sessionflow/prebuilds'), { recursive: true, force: true });
    const script = "const tf = require('sessionflow'); console.log(new tf.Session().backend);";
    expect(node(['-e', script])).toBe('wasm');
    const out = JSON.parse(node(['-e', seed("const tf = require('sessionflow');")]));
    expect(out[1]).toBe('wasm 13');
    const error: string = out[0];
    expect(error).toMatch(/^native: sessionflow: cannot load the native backend for \w+-\w+\. Tried:/);
    expect(error).toContain(join(app, 'node_modules/sessionflow/build/Release/sessionflow.node') + ': the file does not exist');
    expect(error).toContain(join(app, 'node_modules/sessionflow', prebuild) + ': the file does not exist');
    expect(error).toMatch(/Fix: .*npm run build:native.*backend: 'wasm'/s);
    expect(() => node(['-e', script], { SESSIONFLOW_BACKEND: 'native' })).toThrow(/cannot load the native backend/);
  });
});

// The root package stays free of runtime dependencies, so the offline install above is honest.
it('has no runtime dependencies and no install script', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(Object.keys(manifest.scripts).filter((name) => /^(pre|post)?install$/.test(name))).toEqual([]);
});
