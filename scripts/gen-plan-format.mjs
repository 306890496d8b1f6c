// Writes the C++ and AssemblyScript views of src/compiler/plan-format.ts, the
// one source of truth for kernel ids, dtype codes and the plan layout.
// `node scripts/gen-plan-format.mjs` writes them; `--check` exits 1 when the
// committed files differ from what the source would generate.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = 'src/compiler/plan-format.ts';
export const OUTPUTS = {
  cpp: 'native/generated/plan_format.h',
  as: 'assembly/generated/plan_format.ts',
};

async function loadFormat() {
  const source = readFileSync(join(root, SOURCE), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return import('data:text/javascript;base64,' + Buffer.from(outputText).toString('base64'));
}

const banner = `Generated from ${SOURCE} by scripts/gen-plan-format.mjs. Do not edit.`;

// Members that are C++ keywords get a trailing underscore (DTypeCode::bool_).
const CPP_KEYWORDS = new Set(['bool', 'float', 'int', 'double', 'char', 'void', 'default', 'case', 'auto']);
const cppName = (name) => (CPP_KEYWORDS.has(name) ? `${name}_` : name);

function cppHeader(format) {
  const lines = [`// ${banner}`, '#pragma once', '#include <cstdint>', '', 'namespace sf {', ''];
  for (const [name, value] of Object.entries(format.GENERATED_CONSTANTS)) {
    lines.push(`constexpr int32_t ${name} = ${value};`);
  }
  for (const [group, members] of Object.entries(format.GENERATED_ENUMS)) {
    lines.push('', `namespace ${group} {`, 'enum : int32_t {');
    for (const [name, value] of Object.entries(members)) lines.push(`  ${cppName(name)} = ${value},`);
    lines.push('};', `}  // namespace ${group}`);
  }
  lines.push('', '}  // namespace sf', '');
  return lines.join('\n');
}

function asModule(format) {
  const lines = [`// ${banner}`, ''];
  for (const [name, value] of Object.entries(format.GENERATED_CONSTANTS)) {
    lines.push(`export const ${name}: i32 = ${value};`);
  }
  for (const [group, members] of Object.entries(format.GENERATED_ENUMS)) {
    lines.push('', `export namespace ${group} {`);
    for (const [name, value] of Object.entries(members)) lines.push(`  export const ${name}: i32 = ${value};`);
    lines.push('}');
  }
  lines.push('');
  return lines.join('\n');
}

export async function generate() {
  const format = await loadFormat();
  return { [OUTPUTS.cpp]: cppHeader(format), [OUTPUTS.as]: asModule(format) };
}

async function main() {
  const files = await generate();
  const check = process.argv.includes('--check');
  let stale = false;
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    if (check) {
      let current = '';
      try { current = readFileSync(full, 'utf8'); } catch {}
      if (current !== text) { stale = true; console.error(`${path} is out of date: run npm run gen`); }
    } else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
  process.exitCode = stale ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
