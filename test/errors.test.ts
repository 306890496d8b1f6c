// Bad input gets TensorFlow's error classes and words, and the session that
// threw keeps working, on every backend.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS, expectClose } from './support.js';

function setup(backend: tf.BackendName) {
  const graph = new tf.Graph();
  const t = graph.asDefault(() => {
    const x = tf.placeholder(tf.float32, [null, 3], 'x');
    const n = tf.placeholder(tf.int32, [null], 'n');
    const v = new tf.Variable(42, { name: 'foo' });
    return {
      x, n, v,
      sum: tf.reduceSum(x, 1),
      quotient: tf.div(tf.constant([7, 8]), n),
      power: tf.pow(tf.constant([2, 2]), n),
      pair: tf.add(n, tf.placeholder(tf.int32, [null], 'm')),
      ok: tf.constant([1, 2, 3], { name: 'ok' }),
      init: tf.globalVariablesInitializer(),
    };
  });
  const sess = new tf.Session({ graph, backend });
  /** After any error, the session still runs. */
  const stillWorks = () => expect(sess.run(t.ok).toArray()).toEqual([1, 2, 3]);
  return { graph, sess, stillWorks, ...t };
}

describe.each(BACKENDS)('errors on %s', (backend) => {
  it('reading an uninitialized variable', () => {
    const { sess, v, stillWorks } = setup(backend);
    const error = (() => { try { sess.run(v); } catch (e) { return e as tf.errors.OpError; } })()!;
    expect(error).toBeInstanceOf(tf.errors.FailedPreconditionError);
    expect(error).toBeInstanceOf(tf.errors.OpError);
    expect(error.errorCode).toBe(tf.errors.FAILED_PRECONDITION);
    expect(error.name).toBe('FailedPreconditionError');
    expect(error.message).toMatch(/^Attempting to use uninitialized value foo/);
    stillWorks();
  });

  it('an unfed placeholder that the fetches need', () => {
    const { sess, sum, stillWorks } = setup(backend);
    expect(() => sess.run(sum)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(sum)).toThrow("You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]");
    stillWorks();
  });

  it('a feed of the wrong shape', () => {
    const { sess, sum, x, stillWorks } = setup(backend);
    expect(() => sess.run(sum, new Map([[x, [1, 2, 3]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(sum, new Map([[x, [[1, 2]]]]))).toThrow("Cannot feed value of shape (1, 2) for Tensor 'x:0', which has shape '(?, 3)'");
    stillWorks();
  });

  it('a feed of the wrong dtype', () => {
    const { sess, n, quotient, stillWorks } = setup(backend);
    expect(() => sess.run(quotient, new Map([[n, [1.5, 2]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(quotient, new Map([[n, Float32Array.of(1, 2)]]))).toThrow(/dtype int32/);
    expect(() => sess.run(quotient, new Map([[n, [true, false]]]))).toThrow(tf.errors.InvalidArgumentError);
    stillWorks();
  });

  it('unknown fetch and feed names', () => {
    const { sess, ok, stillWorks } = setup(backend);
    expect(() => sess.run('nope:0')).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run('nope')).toThrow(/cannot be interpreted as a Tensor/);
    expect(() => sess.run(ok, { 'ghost:0': 1 })).toThrow(/does not exist/);
    stillWorks();
  });

  it('a tensor or operation of another graph', () => {
    const { sess, stillWorks } = setup(backend);
    const other = new tf.Graph().asDefault(() => tf.placeholder(tf.float32, [], 'x'));
    expect(() => sess.run(other)).toThrow(/is not an element of this graph/);
    expect(() => sess.run(other.op)).toThrow(/is not an element of this graph/);
    expect(() => sess.run('ok:0', new Map([[other, 1]]))).toThrow(/is not an element of this graph/);
    stillWorks();
  });

  it('fetches of an invalid type and tensors fed twice', () => {
    const { sess, n, quotient, stillWorks } = setup(backend);
    expect(() => sess.run(5 as unknown as tf.Tensor)).toThrow(TypeError);
    expect(() => sess.run(quotient, new Map<tf.Tensor | string, number[]>([[n, [1, 1]], ['n:0', [1, 1]]]))).toThrow(/fed more than once/);
    stillWorks();
  });

  it('integer division by zero and negative integer powers at run time', () => {
    const { sess, n, quotient, power, stillWorks } = setup(backend);
    expect(() => sess.run(quotient, new Map([[n, [1, 0]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(quotient, new Map([[n, [1, 0]]]))).toThrow(/^Integer division by zero/);
    expect(sess.run(quotient, new Map([[n, [2, -3]]])).toArray()).toEqual([3, -3]);
    expect(() => sess.run(power, new Map([[n, [1, -1]]]))).toThrow('Integers to negative integer powers are not allowed');
    stillWorks();
  });

  it('fed shapes that do not broadcast at run time', () => {
    const { sess, pair, stillWorks } = setup(backend);
    expect(() => sess.run(pair, { n: [1, 2], m: [1, 2, 3] })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(pair, { n: [1, 2], m: [1, 2, 3] })).toThrow(/Dimensions must be equal, but are 2 and 3/);
    expect(sess.run(pair, { n: [1, 2], m: [3] }).toArray()).toEqual([4, 5]);
    stillWorks();
  });

  it('an index out of range in gather and a label out of range in sparse cross-entropy', () => {
    const graph = new tf.Graph();
    const { ids, picked, labels, loss } = graph.asDefault(() => {
      const ids = tf.placeholder(tf.int32, [null], 'ids');
      const labels = tf.placeholder(tf.int32, [2], 'labels');
      const logits = tf.constant([[1, 2, 3], [1, 2, 3]], { dtype: tf.float32 });
      return { ids, picked: tf.gather(tf.constant([10, 20, 30]), ids, 0, 'pick'), labels, loss: tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }) };
    });
    using sess = new tf.Session({ graph, backend });
    expect(() => sess.run(picked, new Map([[ids, [0, 3]]]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => sess.run(picked, new Map([[ids, [0, 3]]]))).toThrow(/^indices\[1\] is not in \[0, 3\)\n\t \[\[\{\{node pick\}\}\]\]/);
    expect(sess.run(picked, new Map([[ids, [2, 0]]])).toArray()).toEqual([30, 10]);
    expect(() => sess.run(loss, new Map([[labels, [0, 3]]]))).toThrow(/indices\[1\] is not in \[0, 3\)/);
    expect(() => sess.run(loss, new Map([[labels, [-1, 0]]]))).toThrow(tf.errors.InvalidArgumentError);
    // numpy: -log_softmax([1, 2, 3]) picked at 2 and 0
    expectClose(sess.run(loss, new Map([[labels, [2, 0]]])), [0.40760600566864014, 2.4076061248779297], 1e-6);
  });

  it('a closed session', () => {
    const { sess, ok } = setup(backend);
    sess.close();
    expect(() => sess.run(ok)).toThrow('Attempted to use a closed Session.');
  });

  it('the session keeps its variables after an error', () => {
    const { sess, v, init, sum } = setup(backend);
    sess.run(init);
    sess.run(v.assign(7));
    expect(() => sess.run(sum)).toThrow();
    expect(sess.run(v).item()).toBe(7);
  });
});
