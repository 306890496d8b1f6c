// Builds sessionflow: `node scripts/build.mjs [gen] [ts] [wasm] [native]` (all by default).
//   gen     C++ and AssemblyScript views of src/compiler/plan-format.ts
//   ts      tsc → dist/esm, then one CommonJS bundle → dist/cjs
//   wasm    asc → dist/sessionflow.wasm (SIMD128) and dist/sessionflow-relaxed.wasm (relaxed SIMD)
//   native  cmake-js → build/Release/sessionflow.node, copied to
//           prebuilds/<platform>-<arch>/sessionflow.node for `npm pack`; when it
//           cannot be built (no compiler, no cmake) the library runs on wasm,
//           said once on stderr.
// Set SESSIONFLOW_REQUIRE_NATIVE=1 to make a failed native build fatal.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: options.quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.error) return { ok: false, output: String(result.error.message) };
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function mustRun(label, command, args) {
  if (!run(command, args).ok) {
    console.error(`sessionflow: the ${label} build failed (see above).`);
    process.exit(1);
  }
}

const bin = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

const steps = {
  gen: () => mustRun('plan-format generator', process.execPath, [join(root, 'scripts/gen-plan-format.mjs')]),

  ts: async () => {
    mustRun('TypeScript', process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json']);
    const esbuild = await import('esbuild');
    // One CommonJS file for require(); import.meta.url becomes the bundle's own file URL.
    await esbuild.build({
      entryPoints: [join(root, 'dist/esm/index.js')],
      outfile: join(root, 'dist/cjs/index.cjs'),
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning',
      define: { 'import.meta.url': '__sessionflow_module_url' },
      banner: { js: "const __sessionflow_module_url = require('node:url').pathToFileURL(__filename).href;" },
    });
    mkdirSync(join(root, 'dist/cjs'), { recursive: true });
    writeFileSync(join(root, 'dist/cjs/index.d.cts'), "export * from '../esm/index.js';\n");
  },

  wasm: () => {
    mustRun('WebAssembly', process.execPath, [bin('assemblyscript', 'bin/asc.js'), 'assembly/index.ts', '--target', 'release']);
    mustRun('WebAssembly (relaxed SIMD)', process.execPath, [bin('assemblyscript', 'bin/asc.js'), 'assembly/index.ts', '--target', 'relaxed']);
  },

  native: () => {
    const result = run(process.execPath, [bin('cmake-js', 'bin/cmake-js'), 'build', '--log-level', 'warn'], { quiet: true });
    if (result.ok) {
      // The packed tarball carries this platform's addon, so installs need no compiler.
      const prebuilds = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
      mkdirSync(prebuilds, { recursive: true });
      copyFileSync(join(root, 'build/Release/sessionflow.node'), join(prebuilds, 'sessionflow.node'));
      return;
    }
    if (process.env.SESSIONFLOW_REQUIRE_NATIVE === '1') {
      console.error(result.output);
      console.error('sessionflow: the native addon failed to build and SESSIONFLOW_REQUIRE_NATIVE=1.');
      process.exit(1);
    }
    const reason = result.output.trim().split('\n').filter(Boolean).slice(-3).join('\n  ');
    console.error(
      'sessionflow: the native addon was not built, so sessions run on WebAssembly (same results, slower).\n' +
      `  cause: ${reason || 'unknown'}\n` +
      '  fix: install a C++17 compiler and cmake, then run `npm run build:native`.');
  },
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(steps)) {
  if (!steps[name]) { console.error(`sessionflow build: unknown step '${name}'`); process.exit(2); }
  await steps[name]();
}
