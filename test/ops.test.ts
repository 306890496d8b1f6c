// Every op on hand-computed values (or JS Math in float64 as the independent
// reference for transcendental functions), on every backend.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS, evaluate, expectClose, f32, value } from './support.js';

describe.each(BACKENDS)('ops on %s', (backend) => {
  const v = (build: () => tf.Tensor) => value(backend, build);
  const run = (build: () => tf.Tensor) => evaluate(backend, build) as tf.NDArray;

  describe('constants and conversion', () => {
    it('infers int32, float32 and bool from JS values', () => {
      const r = run(() => tf.constant(42));
      expect([r.dtype, r.shape, r.item()]).toEqual(['int32', [], 42]);
      expect(run(() => tf.constant(2.5)).dtype).toBe('float32');
      expect(run(() => tf.constant([true, false])).toArray()).toEqual([true, false]);
      expect(v(() => tf.constant([[1, 2], [3, 4]]))).toEqual([[1, 2], [3, 4]]);
    });

    it('takes dtype and shape options; a scalar fills the shape', () => {
      const r = run(() => tf.constant(7, { dtype: tf.float32, shape: [2, 3] }));
      expect([r.dtype, r.shape]).toEqual(['float32', [2, 3]]);
      expect(r.toArray()).toEqual([[7, 7, 7], [7, 7, 7]]);
      expect(v(() => tf.constant([1, 2, 3, 4, 5, 6], { shape: [3, 2] }))).toEqual([[1, 2], [3, 4], [5, 6]]);
    });

    it('accepts typed arrays and NDArrays', () => {
      expect(run(() => tf.constant(Float32Array.of(0.5, 1.5))).toArray()).toEqual([0.5, 1.5]);
      expect(run(() => tf.constant(Int32Array.of(-1, 9))).dtype).toBe('int32');
      const nd = new tf.NDArray(Int32Array.of(1, 2, 3, 4), [2, 2]);
      expect(v(() => tf.constant(nd))).toEqual([[1, 2], [3, 4]]);
    });

    it('handles empty tensors', () => {
      const r = run(() => tf.constant([], { dtype: tf.float32 }));
      expect([r.shape, r.size]).toEqual([[0], 0]);
      expect(run(() => tf.zeros([2, 0])).shape).toEqual([2, 0]);
    });
  });

  describe('array ops', () => {
    it('identity, reshape with -1, expandDims and squeeze', () => {
      expect(v(() => tf.identity([1, 2, 3]))).toEqual([1, 2, 3]);
      expect(v(() => tf.reshape([1, 2, 3, 4, 5, 6], [2, -1]))).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(v(() => tf.reshape([[5]], []))).toEqual(5);
      expect(run(() => tf.expandDims([1, 2], 0)).shape).toEqual([1, 2]);
      expect(run(() => tf.expandDims([1, 2], -1)).shape).toEqual([2, 1]);
      expect(v(() => tf.squeeze([[[1], [2]]]))).toEqual([1, 2]);
      expect(run(() => tf.squeeze(tf.zeros([1, 2, 1]), [2])).shape).toEqual([1, 2]);
    });

    it('transpose: default reverses the axes, perm permutes them', () => {
      expect(v(() => tf.transpose([[1, 2, 3], [4, 5, 6]]))).toEqual([[1, 4], [2, 5], [3, 6]]);
      const x = [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]; // [2,2,3]
      // out[i][j][k] = x[j][k][i] for perm [2, 0, 1]
      expect(v(() => tf.transpose(x, [2, 0, 1]))).toEqual([
        [[0, 3], [6, 9]], [[1, 4], [7, 10]], [[2, 5], [8, 11]],
      ]);
      expect(v(() => tf.transpose(x, [0, 1, 2]))).toEqual(x);
      expect(v(() => tf.transpose([[true, false]]))).toEqual([[true], [false]]);
    });

    it('fill, zeros, ones, zerosLike, onesLike', () => {
      expect(v(() => tf.fill([2, 2], 9))).toEqual([[9, 9], [9, 9]]);
      expect(run(() => tf.fill([3], 1.5)).dtype).toBe('float32');
      expect(v(() => tf.zeros([2, 1]))).toEqual([[0], [0]]);
      expect(run(() => tf.ones([3], tf.int32)).toArray()).toEqual([1, 1, 1]);
      expect(run(() => tf.ones([2], 'bool')).toArray()).toEqual([true, true]);
      expect(v(() => tf.zerosLike([[1.5, 2]]))).toEqual([[0, 0]]);
      expect(v(() => tf.onesLike([4, 5]))).toEqual([1, 1]);
    });

    it('shape, size and rank of the concrete run', () => {
      const out = evaluate(backend, () => {
        const x = tf.placeholder(tf.float32, [null, 3], 'x');
        return [tf.shape(x), tf.size(x), tf.rank(x)];
      }, () => ({ 'x:0': [[1, 2, 3], [4, 5, 6]] }));
      expect(out.map((a) => a.toArray())).toEqual([[2, 3], 6, 2]);
    });

    it('where: elementwise, broadcasting, and TensorFlow 1 row selection', () => {
      expect(v(() => tf.where([true, false, true], [1, 2, 3], [10, 20, 30]))).toEqual([1, 20, 3]);
      expect(v(() => tf.where([[true], [false]], [[1, 2]], 0))).toEqual([[1, 2], [0, 0]]);
      // A vector condition picks whole rows of 2-D values.
      expect(v(() => tf.where([false, true], [[1, 2], [3, 4]], [[5, 6], [7, 8]]))).toEqual([[5, 6], [3, 4]]);
    });
  });

  describe('unary math', () => {
    const xs = [-2.5, -1, -0.25, 0, 0.5, 1, 3.75];
    const pos = [0.25, 1, 2, 9, 100];
    const check = (fn: (x: tf.Tensor) => tf.Tensor, ref: (x: number) => number, input = xs, rtol = 2e-6) =>
      expectClose(run(() => fn(tf.constant(input, { dtype: tf.float32 }))), input.map((x) => f32(ref(x))), rtol, 1e-7);

    it('neg, abs, square, sign, floor, ceil', () => {
      check(tf.neg, (x) => -x);
      check(tf.abs, Math.abs);
      check(tf.square, (x) => x * x);
      check(tf.sign, Math.sign);
      check(tf.floor, Math.floor);
      check(tf.ceil, Math.ceil);
    });

    it('round halves to even, as TensorFlow does', () => {
      expect(v(() => tf.round([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6]))).toEqual([0, 2, 2, -0, -2, 2, 3]);
    });

    it('sqrt, rsqrt, exp, log, reciprocal', () => {
      check(tf.sqrt, Math.sqrt, pos);
      check(tf.rsqrt, (x) => 1 / Math.sqrt(x), pos);
      check(tf.exp, Math.exp);
      check(tf.log, Math.log, pos);
      check(tf.reciprocal, (x) => 1 / x, pos);
      expectClose(run(() => tf.log(tf.constant([0, -1], { dtype: tf.float32 }))), [-Infinity, NaN]);
    });

    it('activations: sigmoid, tanh, relu, relu6, elu, softplus', () => {
      check(tf.sigmoid, (x) => 1 / (1 + Math.exp(-x)));
      check(tf.nn.sigmoid, (x) => 1 / (1 + Math.exp(-x)));
      check(tf.tanh, Math.tanh);
      check(tf.nn.tanh, Math.tanh);
      check(tf.nn.relu, (x) => Math.max(x, 0));
      check(tf.nn.relu6, (x) => Math.min(Math.max(x, 0), 6), [-1, 3, 7]);
      check(tf.nn.elu, (x) => (x > 0 ? x : Math.expm1(x)));
      check(tf.nn.softplus, (x) => Math.log1p(Math.exp(x)), [...xs, 30, -30]);
      expectClose(run(() => tf.sigmoid(tf.constant([-100, 100], { dtype: tf.float32 }))), [f32(1 / (1 + Math.exp(100))), 1]);
    });

    it('integer neg, abs, square, relu and sign wrap like int32', () => {
      expect(v(() => tf.neg([3, -4, -2147483648]))).toEqual([-3, 4, -2147483648]);
      expect(v(() => tf.abs([-7, 7, -2147483648]))).toEqual([7, 7, -2147483648]);
      expect(v(() => tf.square([-3, 46341]))).toEqual([9, -2147479015]);
      expect(v(() => tf.nn.relu([-3, 0, 5]))).toEqual([0, 0, 5]);
      expect(v(() => tf.sign([-9, 0, 4]))).toEqual([-1, 0, 1]);
    });

    it('logicalNot', () => {
      expect(v(() => tf.logicalNot([true, false]))).toEqual([false, true]);
    });
  });

  describe('binary math and broadcasting', () => {
    it('add, sub, mul on equal shapes', () => {
      expect(v(() => tf.add([1, 2, 3], [10, 20, 30]))).toEqual([11, 22, 33]);
      expect(v(() => tf.sub([[5, 5]], [[1, 7]]))).toEqual([[4, -2]]);
      expect(v(() => tf.mul([1.5, -2], [2, 0.25]))).toEqual([3, -0.5]);
    });

    it('broadcasts [2,3]+[3], [2,1]+[1,3], scalars and rank 3 with rank 2', () => {
      expect(v(() => tf.add([[1, 2, 3], [4, 5, 6]], [10, 20, 30]))).toEqual([[11, 22, 33], [14, 25, 36]]);
      expect(v(() => tf.add([[1], [2]], [[10, 20, 30]]))).toEqual([[11, 21, 31], [12, 22, 32]]);
      expect(v(() => tf.mul(2, [[1, 2], [3, 4]]))).toEqual([[2, 4], [6, 8]]);
      expect(v(() => tf.sub(tf.constant([[[1, 2]], [[3, 4]], [[5, 6]]]), [[1, 1], [0, 0]]))).toEqual([
        [[0, 1], [1, 2]], [[2, 3], [3, 4]], [[4, 5], [5, 6]],
      ]);
    });

    it('broadcasts zero-size dims', () => {
      const r = run(() => tf.add(tf.zeros([0, 3]), tf.constant([1, 2, 3], { dtype: tf.float32 })));
      expect([r.shape, r.size]).toEqual([[0, 3], 0]);
    });

    it('a bare number takes the dtype of the tensor beside it', () => {
      const r = run(() => tf.add(tf.constant([1.5, 2.5]), 1));
      expect([r.dtype, r.toArray()]).toEqual(['float32', [2.5, 3.5]]);
      expect(run(() => tf.mul(tf.constant([2, 3]), 2)).dtype).toBe('int32');
    });

    it('div: true division for floats, floor division for integers', () => {
      const float = (x: number[]) => tf.constant(x, { dtype: tf.float32 });
      expect(v(() => tf.div(float([7, -7, 1]), float([2, 2, 0])))).toEqual([3.5, -3.5, Infinity]);
      expect(v(() => tf.div(tf.constant([7, -7, 7, -7]), [2, 2, -2, -2]))).toEqual([3, -4, -4, 3]);
      expect(v(() => tf.floorDiv([7.5, -7.5], [2, 2]))).toEqual([3, -4]);
      expect(run(() => tf.divide(tf.constant([1, 3]), tf.constant([2, 2]))).toArray()).toEqual([0.5, 1.5]);
    });

    it('floorMod takes the sign of the divisor', () => {
      expect(v(() => tf.floorMod([7, -7, 7, -7], [3, 3, -3, -3]))).toEqual([1, 2, -2, -1]);
      expectClose(run(() => tf.floorMod([7.5, -7.5], [2, 2])), [1.5, 0.5]);
    });

    it('pow on floats and integers', () => {
      expectClose(run(() => tf.pow(tf.constant([2, 9, 4], { dtype: tf.float32 }), [0.5, 0.5, -1])), [Math.SQRT2, 3, 0.25].map(f32));
      expect(v(() => tf.pow([2, -3, 5, 0], [10, 3, 0, 0]))).toEqual([1024, -27, 1, 1]);
    });

    it('maximum, minimum (NaN propagates) and squaredDifference', () => {
      expect(v(() => tf.maximum([1, 5, -2], [3, 4, -1]))).toEqual([3, 5, -1]);
      expect(v(() => tf.minimum([1, 5, -2], [3, 4, -1]))).toEqual([1, 4, -2]);
      expectClose(run(() => tf.maximum([NaN, 1], [1, NaN])), [NaN, NaN]);
      expect(v(() => tf.squaredDifference([1, 5], [4, 1]))).toEqual([9, 16]);
    });

    it('integer add and mul wrap', () => {
      expect(v(() => tf.add([2147483647], [1]))).toEqual([-2147483648]);
      expect(v(() => tf.mul([65536], [65536]))).toEqual([0]);
    });
  });

  describe('comparisons and logic', () => {
    it('equal, notEqual, less, lessEqual, greater, greaterEqual', () => {
      expect(v(() => tf.equal([1, 2, 3], [1, 0, 3]))).toEqual([true, false, true]);
      expect(v(() => tf.equal([true, false], [true, true]))).toEqual([true, false]);
      expect(v(() => tf.notEqual([1.5, 2], [1.5, 3]))).toEqual([false, true]);
      expect(v(() => tf.less([1, 2, 3], 2))).toEqual([true, false, false]);
      expect(v(() => tf.lessEqual([1, 2, 3], 2))).toEqual([true, true, false]);
      expect(v(() => tf.greater([[1], [3]], [2, 0]))).toEqual([[false, true], [true, true]]);
      expect(v(() => tf.greaterEqual([1.5, 2], [1.5, 2.5]))).toEqual([true, false]);
      expect(v(() => tf.equal([NaN], [NaN]))).toEqual([false]);
      expect(v(() => tf.notEqual([NaN], [NaN]))).toEqual([true]);
    });

    it('logicalAnd and logicalOr', () => {
      expect(v(() => tf.logicalAnd([true, true, false], [true, false, false]))).toEqual([true, false, false]);
      expect(v(() => tf.logicalOr([true, false, false], [false, false, true]))).toEqual([true, false, true]);
    });
  });

  describe('cast', () => {
    it('float to int truncates toward zero and saturates; NaN gives 0', () => {
      expect(v(() => tf.cast([1.9, -1.9, 3e9, -3e9, NaN, Infinity], tf.int32))).toEqual([1, -1, 2147483647, -2147483648, 0, 2147483647]);
    });
    it('int to float, to bool and from bool', () => {
      expect(run(() => tf.cast([1, -2], tf.float32)).toArray()).toEqual([1, -2]);
      expect(v(() => tf.cast(tf.constant([16777217]), tf.float32))).toEqual([16777216]);
      expect(v(() => tf.cast([0, 3, -1], tf.bool))).toEqual([false, true, true]);
      expect(v(() => tf.cast([0, 0.5, NaN], tf.bool))).toEqual([false, true, true]);
      expect(v(() => tf.cast([true, false], tf.float32))).toEqual([1, 0]);
      expect(run(() => tf.cast([true, false], 'int32')).dtype).toBe('int32');
    });
  });

  describe('matmul', () => {
    const a = [[1, 2, 3], [4, 5, 6]];
    const b = [[7, 8], [9, 10], [11, 12]];
    const ab = [[58, 64], [139, 154]];
    it('plain and with every transpose combination', () => {
      expect(v(() => tf.matmul(a, b))).toEqual(ab);
      expect(v(() => tf.matmul(tf.transpose(a), b, { transposeA: true }))).toEqual(ab);
      expect(v(() => tf.matmul(a, tf.transpose(b), { transposeB: true }))).toEqual(ab);
      expect(v(() => tf.matmul(tf.transpose(a), tf.transpose(b), { transposeA: true, transposeB: true }))).toEqual(ab);
      expect(run(() => tf.matmul(tf.cast(a, tf.float32), tf.cast(b, tf.float32))).toArray()).toEqual(ab);
    });

    it('matches a float64 reference on larger random matrices', () => {
      const [m, k, n] = [37, 65, 29];
      const rand = (len: number, seed: number) => Float32Array.from({ length: len }, (_, i) => f32(Math.sin(seed * 1000 + i * 12.9898) * 2));
      const x = rand(m * k, 1);
      const y = rand(k * n, 2);
      const expected = Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let t = 0; t < k; t++) s += x[i * k + t] * y[t * n + j];
        return s;
      }));
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const out = run(() => {
          const xa = tf.constant(x, { shape: [m, k] });
          const yb = tf.constant(y, { shape: [k, n] });
          return tf.matmul(ta ? tf.transpose(xa) : xa, tb ? tf.transpose(yb) : yb, { transposeA: ta, transposeB: tb });
        });
        expectClose(out, expected, 1e-5, 1e-4);
      }
    });

    it('K = 0 gives zeros; 1x1', () => {
      expect(v(() => tf.matmul(tf.zeros([2, 0]), tf.zeros([0, 3])))).toEqual([[0, 0, 0], [0, 0, 0]]);
      expect(v(() => tf.matmul([[3]], [[-2]]))).toEqual([[-6]]);
    });
  });

  describe('reductions', () => {
    const x = [[1, 2, 3], [4, 5, 6]];
    it('reduceSum over all, one axis, a negative axis, with keepDims', () => {
      expect(v(() => tf.reduceSum(x))).toEqual(21);
      expect(v(() => tf.reduceSum(x, 0))).toEqual([5, 7, 9]);
      expect(v(() => tf.reduceSum(x, -1))).toEqual([6, 15]);
      expect(v(() => tf.reduceSum(x, 1, true))).toEqual([[6], [15]]);
      expect(v(() => tf.reduceSum(x, null, true))).toEqual([[21]]);
      expect(v(() => tf.reduceSum(x, []))).toEqual(x);
    });

    it('reduceMean (integer mean truncates) and reduceMax', () => {
      expect(v(() => tf.reduceMean(tf.cast(x, tf.float32), 0))).toEqual([2.5, 3.5, 4.5]);
      expect(v(() => tf.reduceMean(x, 0))).toEqual([2, 3, 4]);
      expect(v(() => tf.reduceMean([-3, -4]))).toEqual(-3);
      expect(v(() => tf.reduceMax(x, 1))).toEqual([3, 6]);
      expect(v(() => tf.reduceMax([[-1.5, -0.5]]))).toEqual(-0.5);
    });

    it('reduces several and non-adjacent axes of a 3-D tensor', () => {
      const t = [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]; // [2,2,3]
      expect(v(() => tf.reduceSum(t, [0, 2]))).toEqual([0 + 1 + 2 + 6 + 7 + 8, 3 + 4 + 5 + 9 + 10 + 11]);
      expect(v(() => tf.reduceSum(t, [0, 2], true))).toEqual([[[24], [42]]]);
      expect(v(() => tf.reduceMax(t, [0, 1]))).toEqual([9, 10, 11]);
      expect(v(() => tf.reduceSum(t, [1, 2]))).toEqual([15, 51]);
    });

    it('reduceMin, reduceProd, reduceAny, reduceAll', () => {
      expect(v(() => tf.reduceMin(x, 1))).toEqual([1, 4]);
      expect(v(() => tf.reduceProd(x, 0))).toEqual([4, 10, 18]);
      expect(v(() => tf.reduceAny([[true, false], [false, false]], 1))).toEqual([true, false]);
      expect(v(() => tf.reduceAll([[true, false], [true, true]], 1))).toEqual([false, true]);
    });

    it('empty reductions give the identity of the reduction', () => {
      const empty = () => tf.zeros([0]);
      expect(v(() => tf.reduceSum(empty()))).toEqual(0);
      expect(v(() => tf.reduceProd(empty()))).toEqual(1);
      expect(v(() => tf.reduceMax(empty()))).toEqual(-Infinity);
      expect(v(() => tf.reduceMin(empty()))).toEqual(Infinity);
      expectClose(run(() => tf.reduceMean(empty())), NaN);
      expect(run(() => tf.reduceSum(tf.zeros([0, 3]), 0)).toArray()).toEqual([0, 0, 0]);
    });

    it('sums long float vectors accurately', () => {
      const n = 1 << 20;
      expect(v(() => tf.reduceSum(tf.fill([n], 0.1)))).toBeCloseTo(104857.6, 0);
      expectClose(run(() => tf.reduceMean(tf.fill([n], 0.1))), f32(0.1), 1e-5);
    });
  });
});
