// cnn_infer: TensorFlow's "Deep MNIST" network on a batch of 28x28 images:
// conv 5x5x32 (SAME) + bias + relu -> max pool 2x2 -> conv 5x5x64 + bias + relu
// -> max pool 2x2 -> dense 1024 relu -> dense 10 -> softmax. NHWC, HWIO filters;
// the ONNX model gets the same weights in its NCHW/OIHW layout.
import { cnnParams, uniform } from '../lib/data.mjs';
import { cnnForward, softmax } from '../lib/reference.mjs';

export const CNN = { batch: 16, side: 28, channels: [1, 32, 64], kernel: 5, hidden: 1024, classes: 10 };

/** Multiply-adds of one image: the two convolutions and the two dense layers. */
function macsPerImage({ side, channels, kernel, hidden, classes }) {
  const conv1 = side * side * channels[1] * kernel * kernel * channels[0];
  const conv2 = (side / 2) ** 2 * channels[2] * kernel * kernel * channels[1];
  const flat = (side / 4) ** 2 * channels[2];
  return conv1 + conv2 + flat * hidden + hidden * classes;
}

export default {
  name: 'cnn_infer',
  cases: () => [{
    id: 'cnn_infer',
    kind: 'cnn_infer',
    params: CNN,
    timeUnit: 'ms',
    bench: { maxTime: 3, minSamples: 10 },
    data: () => ({ x: uniform(CNN.batch * CNN.side * CNN.side, 0, 1, 31), ...cnnParams(CNN, 300) }),
    reference: (data) => [{ values: softmax(cnnForward(data.x, CNN, data), CNN.classes) }],
    figure: (seconds) => ({ value: (2 * CNN.batch * macsPerImage(CNN)) / seconds / 1e9, unit: 'GFLOP/s' }),
  }],
};
