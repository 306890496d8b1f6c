// NDArray prints as numpy's str() does: expected texts come from numpy
// (test/fixtures/make_print_fixtures.py wrote print.json).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { NDArray } from '../src/index.js';

interface PrintCase { dtype: string; shape: number[]; data: (number | boolean | null)[]; nonfinite: string[] | null; text: string }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/print.json', import.meta.url), 'utf8')) as { cases: Record<string, PrintCase> };

function toNDArray(c: PrintCase): NDArray {
  if (c.dtype === 'bool') return new NDArray(Uint8Array.from(c.data as boolean[], (b) => (b ? 1 : 0)), c.shape, 'bool');
  if (c.dtype === 'int32') return new NDArray(Int32Array.from(c.data as number[]), c.shape, 'int32');
  const values = c.data.map((v, i) => (v === null ? Number(c.nonfinite![i].replace('inf', 'Infinity')) : (v as number)));
  return new NDArray(Float32Array.from(values), c.shape, 'float32');
}

describe('NDArray printing matches numpy', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const array = toNDArray(c);
      expect(array.toString()).toBe(c.text);
      expect(inspect(array)).toBe(c.text);
    });
  }
});

describe('NDArray accessors', () => {
  it('item, toArray and size', () => {
    const a = new NDArray(Float32Array.of(1, 2, 3, 4), [2, 2]);
    expect(a.size).toBe(4);
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(new NDArray(Int32Array.of(13), []).item()).toBe(13);
    expect(new NDArray(Uint8Array.of(1, 0), [2], 'bool').toArray()).toEqual([true, false]);
    expect(() => a.item()).toThrow(/size 1/);
  });

  it('rejects data that does not fit its shape or dtype', () => {
    expect(() => new NDArray(Float32Array.of(1, 2, 3), [2, 2])).toThrow(RangeError);
    expect(() => new NDArray(Float32Array.of(1), [1], 'int32')).toThrow(TypeError);
  });
});
