// matmul: C = A·B, n×n float32, A fed and B held by the engine (a variable,
// constant or initializer). transposeB stores B as Bᵀ and multiplies by its
// transpose. GFLOP/s = 2n³ / time.
import { uniform } from '../lib/data.mjs';
import { matmul } from '../lib/reference.mjs';

function matmulCase(n, transposeB) {
  return {
    id: `matmul_${n}${transposeB ? '_tb' : ''}`,
    kind: 'matmul',
    params: { n, transposeB },
    timeUnit: 'ms',
    bench: n >= 1024 ? { maxTime: 2, minSamples: 5 } : { maxTime: 1.5, minSamples: 10 },
    data: () => ({ a: uniform(n * n, -1, 1, 11), b: uniform(n * n, -1, 1, 12) }),
    // A float64 reference of every row costs n³ in JS: check a spread of at most 64 rows.
    reference: ({ a, b }) => {
      const rows = Array.from({ length: Math.min(n, 64) }, (_, i) => Math.floor((i * n) / Math.min(n, 64)));
      const values = matmul(a, b, n, n, n, { transposeB, rows });
      const at = Int32Array.from(rows.flatMap((r) => Array.from({ length: n }, (_, j) => r * n + j)));
      return [{ values, at }];
    },
    figure: (seconds) => ({ value: (2 * n ** 3) / seconds / 1e9, unit: 'GFLOP/s' }),
  };
}

export default {
  name: 'matmul',
  cases: () => [matmulCase(256, false), matmulCase(512, false), matmulCase(1024, false), matmulCase(1024, true)],
};
