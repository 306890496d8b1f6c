// The portable micro-kernel: plain C++ over a 4 x 8 tile that compilers
// keep in vector registers (SSE2 on baseline x86-64, NEON on arm64). Used
// when the CPU has neither AVX-512 nor AVX2 + FMA, and on other machines.
#include "kernels/gemm_kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

constexpr int MR = 4;
constexpr int NR = 8;

// Column j's v + bias, then the activation: gemm_epilogue_tile's operations.
float finish(float v, int j, const GemmFusedEpilogue& e) {
  if (e.bias != nullptr) v = v + e.bias[j];
  switch (e.activation) {
    case GemmFusedActivation::Identity: return v;
    case GemmFusedActivation::Relu: return relu_f32(v);
    case GemmFusedActivation::Relu6: return relu6_f32(v);
    case GemmFusedActivation::LeakyRelu: return leaky_relu_f32(v, e.alpha);
  }
  return v;
}

void kernel_4x8(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                const GemmFusedEpilogue* epilogue) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NR; ++j) row[j] = accumulate ? row[j] + acc[i][j] : acc[i][j];
    // On the stored row, still in L1: the fallback kernel stays simple, but
    // like every kernel it applies the epilogue it is given.
    if (epilogue == nullptr) continue;
    for (int j = 0; j < NR; ++j) row[j] = finish(row[j], j, *epilogue);
  }
}

const GemmArch ARCH = {"portable", MR, NR, kernel_4x8, nullptr, nullptr, nullptr};

}  // namespace

const GemmArch* gemm_arch_portable() { return &ARCH; }

}  // namespace sf
