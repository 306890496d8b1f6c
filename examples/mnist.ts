// Trains a 784-256-10 MLP, or with --cnn a small convolutional network, on
// the digits of the `mnist` package (10,000 labelled 28x28 images: 8,000 to
// train on, 2,000 to test) with Adam, in one graph and one session, and
// prints test accuracy after each epoch.
//   npm run example:mnist                          # native addon (wasm if not built)
//   npm run example:mnist-cnn                      # the same with --cnn
//   SESSIONFLOW_BACKEND=wasm npm run example:mnist
import { createRequire } from 'node:module';
import * as tf from 'sessionflow';

const require = createRequire(import.meta.url);
const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;

const CNN = process.argv.includes('--cnn');
const EPOCHS = CNN ? 3 : 8;
const BATCH = 100;

interface Split { images: Float32Array; labels: Int32Array; count: number }

/** A fixed split: the first 80% of each digit's samples train, the rest test. */
function loadSplits(): { train: Split; test: Split } {
  const train: [number[], number][] = [];
  const test: [number[], number][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const n = mnist[digit].length;
    for (let i = 0; i < n; i++) (i < n * 0.8 ? train : test).push([mnist[digit].get(i), digit]);
  }
  return { train: pack(train), test: pack(test) };
}

function pack(samples: [number[], number][]): Split {
  const images = new Float32Array(samples.length * 784);
  const labels = new Int32Array(samples.length);
  samples.forEach(([pixels, label], i) => { images.set(pixels, i * 784); labels[i] = label; });
  return { images, labels, count: samples.length };
}

/** Deterministic shuffle of sample indices (a small LCG), so runs are repeatable. */
function shuffled(count: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  let state = 12345 + epoch;
  for (let i = count - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function batch(split: Split, order: Int32Array, start: number, size: number) {
  const images = new Float32Array(size * 784);
  const labels = new Int32Array(size);
  for (let k = 0; k < size; k++) {
    const i = order[start + k];
    images.set(split.images.subarray(i * 784, (i + 1) * 784), k * 784);
    labels[k] = split.labels[i];
  }
  return { x: new tf.NDArray(images, [size, 784]), y: new tf.NDArray(labels, [size]) };
}

function progress(epoch: number, done: number, total: number, loss: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  process.stdout.write(`\repoch ${epoch}/${EPOCHS} [${bar}] ${String(Math.round((done / total) * 100)).padStart(3)}%  loss ${loss.toFixed(4)}`);
}

/** x [batch, fanIn] times a [fanIn, units] weight, plus a bias, relu'd when `relu`. */
function dense(x: tf.Tensor, units: number, relu: boolean): tf.Tensor {
  const fanIn = x.shape![1]!;
  const z = tf.nn.biasAdd(tf.matmul(x, tf.getVariable('w', { shape: [fanIn, units] })),
    tf.getVariable('b', { shape: [units], initializer: tf.zerosInitializer() }));
  return relu ? tf.nn.relu(z) : z;
}

/** Two 5x5 convolution + relu + 2x2 max-pool layers (16 then 32 channels), flattened. */
function convolutions(x: tf.Tensor): tf.Tensor {
  let h = tf.reshape(x, [-1, 28, 28, 1]);
  [16, 32].forEach((channels, i) => {
    h = tf.variableScope(`conv${i + 1}`, () => {
      const filter = tf.getVariable('w', { shape: [5, 5, h.shape![3]!, channels] });
      const bias = tf.getVariable('b', { shape: [channels], initializer: tf.zerosInitializer() });
      return tf.nn.maxPool(tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, filter, 1, 'SAME'), bias)), 2, 2, 'SAME');
    });
  });
  return tf.reshape(h, [-1, 7 * 7 * 32]);
}

const { train, test } = loadSplits();
const graph = new tf.Graph();
const model = graph.asDefault(() => {
  tf.setRandomSeed(1);
  const x = tf.placeholder(tf.float32, [null, 784], 'x');
  const labels = tf.placeholder(tf.int32, [null], 'labels');
  const features = CNN ? convolutions(x) : tf.variableScope('hidden', () => dense(x, 256, true));
  const logits = tf.variableScope('output', () => dense(features, 10, false));
  const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
  const globalStep = tf.train.createGlobalStep();
  const trainOp = new tf.train.AdamOptimizer(CNN ? 0.003 : 0.001).minimize(loss, { globalStep });
  const correct = tf.reduceSum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), tf.int32));
  return { x, labels, loss, trainOp, correct, init: tf.globalVariablesInitializer() };
});

const sess = new tf.Session({ graph });
console.log(`sessionflow MNIST (${CNN ? 'CNN' : 'MLP'}): ${train.count} training and ${test.count} test digits, ${sess.backend} backend`);
const started = performance.now();
sess.run(model.init);
let accuracy = 0;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const order = shuffled(train.count, epoch);
  const steps = Math.floor(train.count / BATCH);
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(train, order, s * BATCH, BATCH);
    const [, loss] = sess.run([model.trainOp, model.loss], new Map<tf.Tensor, tf.NDArray>([[model.x, x], [model.labels, y]]));
    if (s % 8 === 0 || s === steps - 1) progress(epoch, s + 1, steps, loss.item() as number);
  }
  const all = Int32Array.from({ length: test.count }, (_, i) => i);
  const { x, y } = batch(test, all, 0, test.count);
  const correct = sess.run(model.correct, new Map<tf.Tensor, tf.NDArray>([[model.x, x], [model.labels, y]])).item() as number;
  accuracy = correct / test.count;
  process.stdout.write(`  test accuracy ${(accuracy * 100).toFixed(2)}%\n`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`done in ${seconds.toFixed(1)} s: test accuracy ${(accuracy * 100).toFixed(2)}%`);
sess.close();
