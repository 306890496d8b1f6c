// sessionflow on its two backends: one graph per workload, built with the
// public API, one Session per (graph, backend, threads). A run feeds NDArrays
// and fetches NDArrays, as a user's would.
import * as tf from '../../dist/esm/index.js';

const builders = {
  overhead() {
    const x = tf.placeholder(tf.float32, [], 'x');
    return { feeds: { x }, fetch: tf.add(x, 1) };
  },
  fused_chain({ n }) {
    const x = tf.placeholder(tf.float32, [n], 'x');
    const y = tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(x, 1.5), 0.5)), tf.sigmoid(x)), tf.mul(0.25, x));
    return { feeds: { x }, fetch: y };
  },
  matmul({ n, transposeB }, data) {
    const a = tf.placeholder(tf.float32, [n, n], 'a');
    const b = new tf.Variable(new tf.NDArray(data.b, [n, n]), { name: 'b' });
    return { feeds: { a }, fetch: tf.matmul(a, b, { transposeB }) };
  },
  mlp_infer({ sizes }, data) {
    const x = tf.placeholder(tf.float32, [null, sizes[0]], 'x');
    return { feeds: { x }, fetch: tf.nn.softmax(mlp(x, data.layers)) };
  },
  cnn_infer({ side, channels, kernel }, data) {
    const x = tf.placeholder(tf.float32, [null, side, side, channels[0]], 'x');
    const features = data.convs.reduce((h, { w, b, cin, cout }, i) => {
      const filter = new tf.Variable(new tf.NDArray(w, [kernel, kernel, cin, cout]), { name: `conv${i}` });
      const bias = new tf.Variable(new tf.NDArray(b, [cout]), { name: `conv${i}_bias` });
      return tf.nn.maxPool(tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, filter, 1, 'SAME'), bias)), 2, 2, 'SAME');
    }, x);
    return { feeds: { x }, fetch: tf.nn.softmax(mlp(tf.reshape(features, [-1, data.dense[0].fanIn]), data.dense)) };
  },
  sgd_step({ sizes, lr }, data) {
    const x = tf.placeholder(tf.float32, [null, sizes[0]], 'x');
    const labels = tf.placeholder(tf.int32, [null], 'labels');
    const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits: mlp(x, data.layers) }));
    const train = new tf.train.GradientDescentOptimizer(lr).minimize(loss);
    return { feeds: { x, labels }, fetch: [loss, train] };
  },
};

/** Dense layers with relu between them; the last layer's logits are returned. */
function mlp(x, layers) {
  return layers.reduce((h, { w, b, fanIn, fanOut }, i) => {
    const wv = new tf.Variable(new tf.NDArray(w, [fanIn, fanOut]), { name: `w${i}` });
    const bv = new tf.Variable(new tf.NDArray(b, [fanOut]), { name: `b${i}` });
    const z = tf.nn.biasAdd(tf.matmul(h, wv), bv);
    return i + 1 < layers.length ? tf.nn.relu(z) : z;
  }, x);
}

/** Feed values for a case's placeholders, made once and reused by every run. */
function feedValues(kind, params, data) {
  switch (kind) {
    case 'overhead': return { x: new tf.NDArray(data.x, []) };
    case 'fused_chain': return { x: new tf.NDArray(data.x, [params.n]) };
    case 'matmul': return { a: new tf.NDArray(data.a, [params.n, params.n]) };
    case 'mlp_infer': return { x: new tf.NDArray(data.x, [params.batch, params.sizes[0]]) };
    case 'cnn_infer': return { x: new tf.NDArray(data.x, [params.batch, params.side, params.side, params.channels[0]]) };
    case 'sgd_step': return { x: new tf.NDArray(data.x, [params.batch, params.sizes[0]]), labels: new tf.NDArray(data.labels, [params.batch]) };
  }
  throw new Error(`no feeds for ${kind}`);
}

function makeEngine(backend, label, threadModes) {
  return {
    id: `sessionflow-${backend}`,
    label,
    peer: false,
    packages: [],
    threadModes,
    kinds: Object.keys(builders),
    async prepare(kase, data, threads) {
      const graph = new tf.Graph();
      const built = graph.asDefault(() => ({ ...builders[kase.kind](kase.params, data), init: tf.globalVariablesInitializer() }));
      const config = { intraOpParallelismThreads: threads === 'all' ? 0 : 1 };
      const sess = new tf.Session({ graph, backend, config });
      sess.run(built.init);
      const values = feedValues(kase.kind, kase.params, data);
      const feeds = new Map(Object.entries(built.feeds).map(([name, t]) => [t, values[name]]));
      const first = Array.isArray(built.fetch);
      return {
        run: () => {
          const out = sess.run(built.fetch, feeds);
          return (first ? out[0] : out).data;
        },
        close: () => sess.close(),
      };
    },
  };
}

// The wasm backend has no threads: one variant.
export const sessionflowNative = makeEngine('native', 'sessionflow native', ['1', 'all']);
export const sessionflowWasm = makeEngine('wasm', 'sessionflow wasm', ['1']);
