import { defineConfig } from 'vitest/config';

// The native row kernels come in AVX-512, AVX2 and portable builds, picked by
// the CPU; the elementwise tests run again with each lesser one forced
// (SF_ROW_KERNELS, read once per process), so all three are checked here.
const rowVariantTests = ['test/native-elementwise.test.ts', 'test/native-gemm.test.ts'];
// Likewise the GEMM micro-kernels (SESSIONFLOW_GEMM, read once per process):
// each applies the bias and activation in its own registers, and Conv2D reads
// A through row pointers on AVX-512 only (the others pack panels from the
// image), so both files run again with the AVX2 and portable kernels.
const gemmVariantTests = ['test/native-conv2d.test.ts', 'test/native-gemm.test.ts'];

export default defineConfig({
  test: {
    // Two cores here and in CI: keep file-level parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'all', include: ['test/**/*.test.ts'] } },
      ...['avx2', 'generic'].map((variant) => ({
        extends: true,
        test: { name: `rows-${variant}`, include: rowVariantTests, env: { SF_ROW_KERNELS: variant } },
      })),
      ...['avx2', 'portable'].map((arch) => ({
        extends: true,
        test: { name: `gemm-${arch}`, include: gemmVariantTests, env: { SESSIONFLOW_GEMM: arch } },
      })),
    ],
  },
});
