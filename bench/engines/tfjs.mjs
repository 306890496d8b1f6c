// TensorFlow.js on its cpu backend (plain JS) and its wasm backend (XNNPACK,
// SIMD). Eager: a run makes tensors from the fed arrays inside tf.tidy, runs
// the ops and reads the result back with dataSync, so the work is really done.
import { requirePeer, peerRoot } from '../lib/peers.mjs';

let tf = null;
async function loadTf(backend) {
  if (tf) return tf;
  const origWarn = console.warn;
  console.warn = () => {}; // tfjs suggests tfjs-node on load; it cannot install here.
  try { tf = requirePeer('@tensorflow/tfjs'); } finally { console.warn = origWarn; }
  if (backend === 'wasm') {
    const wasm = requirePeer('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${peerRoot('@tensorflow/tfjs-backend-wasm')}/dist/`);
    wasm.setThreadsCount(1);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to start`);
  return tf;
}

const builders = {
  overhead: (tf, p, d) => () => tf.add(tf.tensor(d.x, []), 1),
  fused_chain: (tf, p, d) => () => {
    const x = tf.tensor1d(d.x);
    return x.mul(1.5).add(0.5).tanh().mul(x.sigmoid()).sub(x.mul(0.25));
  },
  matmul: (tf, { n, transposeB }, d) => {
    const b = tf.tensor2d(d.b, [n, n]);
    return () => tf.matMul(tf.tensor2d(d.a, [n, n]), b, false, transposeB);
  },
  mlp_infer: (tf, { batch, sizes }, d) => {
    const layers = params(tf, d.layers, tf.tensor);
    return () => tf.softmax(mlp(tf, tf.tensor2d(d.x, [batch, sizes[0]]), layers));
  },
  // tf.fused.conv2d (bias and relu in the convolution) is tfjs's fastest form of this layer.
  cnn_infer: (tf, { batch, side, channels, kernel }, d) => {
    const convs = d.convs.map(({ w, b, cin, cout }) => ({ filter: tf.tensor4d(w, [kernel, kernel, cin, cout]), bias: tf.tensor1d(b) }));
    const dense = params(tf, d.dense, tf.tensor);
    return () => {
      let h = tf.tensor4d(d.x, [batch, side, side, channels[0]]);
      for (const { filter, bias } of convs) {
        h = tf.maxPool(tf.fused.conv2d({ x: h, filter, strides: 1, pad: 'same', bias, activation: 'relu' }), 2, 2, 'same');
      }
      return tf.softmax(mlp(tf, tf.reshape(h, [batch, -1]), dense));
    };
  },
  sgd_step: (tf, { batch, sizes, lr }, d) => {
    const layers = params(tf, d.layers, (v, s) => tf.variable(tf.tensor(v, s)));
    const optimizer = tf.train.sgd(lr);
    return () => optimizer.minimize(() => {
      const logits = mlp(tf, tf.tensor2d(d.x, [batch, sizes[0]]), layers);
      const onehot = tf.oneHot(tf.tensor1d(d.labels, 'int32'), sizes.at(-1));
      return tf.losses.softmaxCrossEntropy(onehot, logits); // mean over the batch
    }, true);
  },
};

function params(tf, layers, make) {
  return layers.map(({ w, b, fanIn, fanOut }) => ({ w: make(w, [fanIn, fanOut]), b: make(b, [fanOut]) }));
}

function mlp(tf, x, layers) {
  return layers.reduce((h, { w, b }, i) => {
    const z = tf.add(tf.matMul(h, w), b);
    return i + 1 < layers.length ? tf.relu(z) : z;
  }, x);
}

function makeTfjsEngine(backend, label) {
  return {
    id: `tfjs-${backend}`,
    label,
    peer: true,
    packages: backend === 'wasm' ? ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] : ['@tensorflow/tfjs'],
    // cpu is single-threaded JS; the wasm backend's threaded build needs a browser's workers.
    threadModes: ['1'],
    kinds: Object.keys(builders),
    async prepare(kase, data) {
      const tf = await loadTf(backend);
      const step = builders[kase.kind](tf, kase.params, data);
      return {
        run: () => {
          const y = tf.tidy(step);
          const out = y.dataSync();
          y.dispose();
          return out;
        },
        close: () => tf.disposeVariables(),
      };
    },
  };
}

export const tfjsCpu = makeTfjsEngine('cpu', 'tfjs cpu');
export const tfjsWasm = makeTfjsEngine('wasm', 'tfjs wasm');
