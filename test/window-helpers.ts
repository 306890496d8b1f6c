// The window kernels (Im2Col, Col2Im, Pool, PoolGrad) against their numpy
// fixture, as plans any backend runs: one source for the native and wasm tests.
// The fixture (test/fixtures/window-kernels.json) comes from
// make_window_fixtures.py, which computes each kernel by plain loops in
// float32 in the order plan-format.ts fixes, so results must match bit for bit.
import { readFileSync } from 'node:fs';
import { Kernel, PoolOp, Window } from '../src/compiler/plan-format.js';
import { float32 } from '../src/graph/dtypes.js';
import type { Backend } from '../src/runtime/backend.js';
import { computeOn, type BufferSpec } from './plan-helpers.js';

export interface WindowCase {
  name: string;
  /** The WINDOW_ATTRS words: N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL. */
  geometry: number[];
  x: number[];
  im2col: number[];
  cols: number[];
  col2im: number[];
  maxPool: number[];
  avgPool: number[];
  dy: number[];
  maxPoolGrad: number[];
  avgPoolGrad: number[];
}

export const windowCases: WindowCase[] = JSON.parse(
  readFileSync(new URL('./fixtures/window-kernels.json', import.meta.url), 'utf8'),
).cases;

/** The shapes a geometry implies: image [N, H, W, C], cols [N*OH*OW, KH*KW*C], pooled [N, OH, OW, C]. */
export function windowShapes(g: readonly number[]) {
  const [n, h, w, c, oh, ow, kh, kw] = [Window.N, Window.H, Window.W, Window.C, Window.OH, Window.OW, Window.KH, Window.KW].map((i) => g[i]);
  return { image: [n, h, w, c], cols: [n * oh * ow, kh * kw * c], pooled: [n, oh, ow, c] };
}

const input = (shape: number[], values: number[]): BufferSpec => ({ dtype: float32, shape, data: Float32Array.from(values), fed: true });

/** Every kernel of case `c` run on `backend`: [kernel, actual, expected]. */
export function windowChecks(backend: Backend, c: WindowCase): [string, Float32Array, Float32Array][] {
  const s = windowShapes(c.geometry);
  const g = c.geometry;
  const run = (inputs: BufferSpec[], shape: number[], kernel: (typeof Kernel)[keyof typeof Kernel], attrs: number[]) =>
    new Float32Array(computeOn(backend, inputs, [float32, shape], kernel, attrs));
  const x = input(s.image, c.x);
  const dy = input(s.pooled, c.dy);
  return [
    ['Im2Col', run([x], s.cols, Kernel.Im2Col, g), Float32Array.from(c.im2col)],
    ['Col2Im', run([input(s.cols, c.cols)], s.image, Kernel.Col2Im, g), Float32Array.from(c.col2im)],
    ['Pool Max', run([x], s.pooled, Kernel.Pool, [PoolOp.Max, ...g]), Float32Array.from(c.maxPool)],
    ['Pool Avg', run([x], s.pooled, Kernel.Pool, [PoolOp.Avg, ...g]), Float32Array.from(c.avgPool)],
    ['PoolGrad Max', run([x, dy], s.image, Kernel.PoolGrad, [PoolOp.Max, ...g]), Float32Array.from(c.maxPoolGrad)],
    ['PoolGrad Avg', run([dy], s.image, Kernel.PoolGrad, [PoolOp.Avg, ...g]), Float32Array.from(c.avgPoolGrad)],
  ];
}
