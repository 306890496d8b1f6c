// sgd_step: one plain SGD step of the 784-512-512-10 MLP on a batch of 128 with
// mean sparse softmax cross-entropy: forward, backward and update. A run
// returns the loss before its update, so two runs check the update too.
import { classes, mlpParams, uniform } from '../lib/data.mjs';
import { sgdStep } from '../lib/reference.mjs';
import { BATCH, MLP_SIZES } from './mlp-infer.mjs';

const LR = 0.1;

export default {
  name: 'sgd_step',
  cases: () => [{
    id: 'sgd_step',
    kind: 'sgd_step',
    params: { batch: BATCH, sizes: MLP_SIZES, lr: LR },
    timeUnit: 'ms',
    bench: { maxTime: 2, minSamples: 8 },
    data: () => ({ x: uniform(BATCH * MLP_SIZES[0], 0, 1, 31), labels: classes(BATCH, MLP_SIZES.at(-1), 32), layers: mlpParams(MLP_SIZES, 200) }),
    reference: ({ x, labels, layers }) => {
      const copy = layers.map((l) => ({ ...l, w: Float64Array.from(l.w), b: Float64Array.from(l.b) }));
      const first = sgdStep(copy, x, labels, LR);
      const second = sgdStep(copy, x, labels, LR);
      return [{ values: Float64Array.of(first) }, { values: Float64Array.of(second) }];
    },
    figure: () => null,
  }],
};
