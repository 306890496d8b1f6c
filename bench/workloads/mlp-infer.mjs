// mlp_infer: x[128,784] → dense 512 relu → dense 512 relu → dense 10 softmax.
import { mlpParams, uniform } from '../lib/data.mjs';
import { mlpForward, softmax } from '../lib/reference.mjs';

export const MLP_SIZES = [784, 512, 512, 10];
export const BATCH = 128;

export default {
  name: 'mlp_infer',
  cases: () => [{
    id: 'mlp_infer',
    kind: 'mlp_infer',
    params: { batch: BATCH, sizes: MLP_SIZES },
    timeUnit: 'ms',
    bench: { maxTime: 2, minSamples: 10 },
    data: () => ({ x: uniform(BATCH * MLP_SIZES[0], 0, 1, 21), layers: mlpParams(MLP_SIZES, 100) }),
    reference: ({ x, layers }) => {
      const acts = mlpForward(x, BATCH, layers);
      return [{ values: softmax(acts[acts.length - 1], MLP_SIZES.at(-1)) }];
    },
    figure: (seconds) => {
      const macs = MLP_SIZES.slice(1).reduce((sum, out, i) => sum + MLP_SIZES[i] * out, 0) * BATCH;
      return { value: (2 * macs) / seconds / 1e9, unit: 'GFLOP/s' };
    },
  }],
};
