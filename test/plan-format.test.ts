// The C++ and AssemblyScript views of the plan format are generated from
// src/compiler/plan-format.ts; the committed copies must match it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain .mjs build script without types
import { generate } from '../scripts/gen-plan-format.mjs';

describe('generated plan-format views', () => {
  it('are up to date (run `npm run gen` after editing plan-format.ts)', async () => {
    const files = (await generate()) as Record<string, string>;
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'), path).toBe(text);
    }
  });
});
