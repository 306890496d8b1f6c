// fused_chain: y = tanh(x*1.5+0.5)*sigmoid(x) - 0.25*x over x float32[4194304].
// A fused engine reads x once and writes y once: 32 MB moved per run.
import { uniform } from '../lib/data.mjs';

const N = 4194304;
const chain = (x) => Math.tanh(x * 1.5 + 0.5) * (1 / (1 + Math.exp(-x))) - 0.25 * x;

export default {
  name: 'fused_chain',
  cases: () => [{
    id: 'fused_chain',
    kind: 'fused_chain',
    params: { n: N },
    timeUnit: 'ms',
    bench: { maxTime: 2, minSamples: 10 },
    data: () => ({ x: uniform(N, -4, 4, 7) }),
    reference: ({ x }) => [{ values: Float64Array.from(x, chain) }],
    figure: (seconds) => ({ value: (2 * N * 4) / seconds / 1e9, unit: 'GB/s' }),
  }],
};
