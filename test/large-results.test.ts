// Large fetches (64 KiB and more) skip the arena: native computes them
// straight into fresh, unzeroed result arrays, wasm copies them into such
// arrays. Each case below would read stale or foreign bytes if a fetch that
// shares its arena range with another buffer were written in the wrong place.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { BACKENDS } from './support.js';

const N = 70_000; // float32: 280 KB; bool: 70 KB, both over the 64 KiB line
const ramp = Float32Array.from({ length: N }, (_, k) => k - 1000);
const expectEach = (got: ArrayLike<number>, f: (k: number) => number) => {
  expect(got.length).toBe(N);
  for (let k = 0; k < N; k++) if (got[k] !== f(k)) expect({ k, got: got[k] }).toEqual({ k, got: f(k) });
};

describe.each(BACKENDS)('large results on %s', (backend) => {
  function session() {
    const graph = new tf.Graph();
    const t = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [N], 'x');
      const y = tf.add(tf.mul(x, 2), 1);
      const z = tf.mul(y, 3); // reads y after y is written
      const v = new tf.Variable(tf.zeros([N]), { name: 'v' });
      return {
        x, y, z, v,
        square: tf.reshape(y, [350, 200]),
        asInt: tf.cast(x, tf.int32),
        positive: tf.greater(x, 0),
        assign: v.assign(tf.neg(x)),
        divided: tf.floorDiv(tf.cast(x, tf.int32), tf.placeholder(tf.int32, [], 'd')),
        init: tf.globalVariablesInitializer(),
      };
    });
    const sess = new tf.Session({ graph, backend });
    sess.run(t.init);
    return { sess, t, feed: new Map([[t.x, new tf.NDArray(ramp, [N])]]) };
  }

  it('returns a computed fetch and one computed from it', () => {
    const { sess, t, feed } = session();
    const [y, z] = sess.run([t.y, t.z], feed);
    expectEach(y.data as Float32Array, (k) => 2 * (k - 1000) + 1);
    expectEach(z.data as Float32Array, (k) => 3 * (2 * (k - 1000) + 1));
    sess.close();
  });

  it('returns a fetched feed, a fetch twice and a reshaped view of a fetch', () => {
    const { sess, t, feed } = session();
    const [x, y1, y2, square] = sess.run([t.x, t.y, t.y, t.square], feed);
    expectEach(x.data as Float32Array, (k) => k - 1000);
    for (const y of [y1, y2]) expectEach(y.data as Float32Array, (k) => 2 * (k - 1000) + 1);
    expect(square.shape).toEqual([350, 200]);
    expectEach(square.data as Float32Array, (k) => 2 * (k - 1000) + 1);
    sess.close();
  });

  it('returns int32 and bool results and a variable, before and after an assign', () => {
    const { sess, t, feed } = session();
    const [asInt, positive, before] = sess.run([t.asInt, t.positive, t.v], feed);
    expect(asInt.data).toBeInstanceOf(Int32Array);
    expectEach(asInt.data as Int32Array, (k) => k - 1000);
    expectEach(Array.from(positive.data as Uint8Array), (k) => (k > 1000 ? 1 : 0));
    expectEach(before.data as Float32Array, () => 0);
    sess.run(t.assign, feed);
    expectEach(sess.run(t.v).data as Float32Array, (k) => 1000 - k);
    sess.close();
  });

  it('gives every run its own arrays', () => {
    const { sess, t, feed } = session();
    const first = sess.run(t.y, feed).data as Float32Array;
    first.fill(7);
    const second = sess.run(t.y, feed).data as Float32Array;
    expect(second).not.toBe(first);
    expectEach(second, (k) => 2 * (k - 1000) + 1);
    expect(first[5]).toBe(7);
    sess.close();
  });

  it('stays usable after a run fails', () => {
    const { sess, t, feed } = session();
    const d = sess.graph.getTensorByName('d:0');
    expect(() => sess.run(t.divided, new Map([...feed, [d, new tf.NDArray(new Int32Array([0]), [])]]))).toThrow(tf.errors.InvalidArgumentError);
    const divided = sess.run(t.divided, new Map([...feed, [d, new tf.NDArray(new Int32Array([3]), [])]]));
    expectEach(divided.data as Int32Array, (k) => Math.floor((k - 1000) / 3));
    expectEach(sess.run(t.y, feed).data as Float32Array, (k) => 2 * (k - 1000) + 1);
    sess.close();
  });
});
