// Randomly generated graphs of the foundation's ops give the same results on
// the native addon and on wasm: bit-equal for integer and bool results, within
// float32 rounding for float ones.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

/** A small deterministic PRNG (mulberry32), so every failure reproduces from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

type R = ReturnType<typeof rng>;
const FLOAT_UNARY = [tf.neg, tf.abs, tf.square, tf.sqrt, tf.exp, tf.log, tf.sigmoid, tf.tanh, tf.nn.relu, tf.nn.relu6, tf.nn.elu, tf.nn.softplus, tf.sign, tf.floor, tf.ceil, tf.round, tf.rsqrt, tf.reciprocal];
const INT_UNARY = [tf.neg, tf.abs, tf.square, tf.sign, tf.nn.relu];
const NUMERIC_BINARY = [tf.add, tf.sub, tf.mul, tf.maximum, tf.minimum, tf.squaredDifference];
const COMPARISONS = [tf.equal, tf.notEqual, tf.less, tf.lessEqual, tf.greater, tf.greaterEqual];
const REDUCTIONS = [tf.reduceSum, tf.reduceMean, tf.reduceMax, tf.reduceMin];

function randomShape(r: R): number[] {
  return Array.from({ length: r.int(4) }, () => 1 + r.int(5));
}

/** A shape that broadcasts with `shape`: some dims dropped from the left or set to 1. */
function broadcastable(r: R, shape: number[]): number[] {
  return shape.slice(r.int(shape.length + 1)).map((d) => (r.next() < 0.3 ? 1 : d));
}

function randomData(r: R, dtype: tf.DType, size: number): number[] {
  return Array.from({ length: size }, () => (dtype === tf.int32 ? r.int(41) - 20 : Math.round((r.next() * 8 - 4) * 64) / 64));
}

function leaf(r: R, dtype: tf.DType, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.constant(randomData(r, dtype, size), { dtype, shape });
}

/** Grows a random expression of `depth` ops; returns its root tensor. */
function grow(r: R, t: tf.Tensor, depth: number): tf.Tensor {
  for (let i = 0; i < depth; i++) t = step(r, t);
  return t;
}

function step(r: R, t: tf.Tensor): tf.Tensor {
  const shape = t.shape as number[];
  const float = t.dtype === tf.float32;
  switch (r.int(8)) {
    case 0: return r.pick(float ? FLOAT_UNARY : INT_UNARY)(t);
    case 1: case 2: return r.pick(NUMERIC_BINARY)(t, leaf(r, t.dtype, broadcastable(r, shape)));
    case 3: {
      if (shape.length === 0) return tf.reshape(t, [1, 1]);
      const perm = shape.map((_, i) => i).sort(() => r.next() - 0.5);
      return tf.transpose(t, perm);
    }
    case 4: {
      if (shape.length === 0) return t;
      const axis = r.int(shape.length);
      return r.pick(REDUCTIONS)(t, r.next() < 0.3 ? null : axis, r.next() < 0.5);
    }
    case 5: {
      const other = leaf(r, t.dtype, broadcastable(r, shape));
      return tf.where(r.pick(COMPARISONS)(t, other), t, other);
    }
    case 6: {
      const k = shape.length === 0 ? 1 : shape[shape.length - 1];
      const rows = shape.reduce((a, b) => a * b, 1) / k;
      return tf.matmul(tf.reshape(t, [rows, k]), leaf(r, t.dtype, [k, 1 + r.int(4)]), { transposeA: false });
    }
    default: return float ? tf.cast(tf.cast(t, tf.int32), tf.float32) : tf.cast(t, tf.float32);
  }
}

describe.runIf(BACKENDS.length === 2)('native and wasm agree on random graphs', () => {
  it('300 random graphs', () => {
    let ops = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const graph = new tf.Graph();
      const out = graph.asDefault(() => {
        const dtype = r.next() < 0.7 ? tf.float32 : tf.int32;
        return grow(r, leaf(r, dtype, randomShape(r)), 1 + r.int(6));
      });
      ops += graph.getOperations().length;
      const [a, b] = (['native', 'wasm'] as const).map((backend) => {
        using sess = new tf.Session({ graph, backend });
        return sess.run(out);
      });
      expect(a.shape, `seed ${seed}`).toEqual(b.shape);
      expect(a.dtype, `seed ${seed}`).toBe(b.dtype);
      if (a.dtype !== 'float32') {
        expect(Array.from(a.data), `seed ${seed}`).toEqual(Array.from(b.data));
        continue;
      }
      a.data.forEach((x, i) => {
        const y = b.data[i];
        if (Number.isNaN(x) || !Number.isFinite(x)) { expect(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)), `seed ${seed} [${i}]: ${x} vs ${y}`).toBe(true); return; }
        expect(Math.abs(x - y), `seed ${seed} [${i}]: ${x} vs ${y}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(x)));
      });
    }
    expect(ops).toBeGreaterThan(1500); // the graphs are not trivial
  });
});
