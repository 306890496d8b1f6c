// The portable micro-kernel: plain C++ over a 4 x 8 tile that compilers
// keep in vector registers (SSE2 on baseline x86-64, NEON on arm64). Used
// when the CPU has neither AVX-512 nor AVX2 + FMA, and on other machines.
#include "kernels/gemm_kernels.h"

namespace sf {
namespace {

constexpr int MR = 4;
constexpr int NR = 8;

void kernel_4x8(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
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
  }
}

const GemmArch ARCH = {"portable", MR, NR, kernel_4x8, nullptr, nullptr, nullptr};

}  // namespace

const GemmArch* gemm_arch_portable() { return &ARCH; }

}  // namespace sf
