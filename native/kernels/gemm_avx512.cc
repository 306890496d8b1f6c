// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators;
// per k, two 16-float loads of B and twelve broadcasts of A feed 24 FMAs.
// Compiled with -mavx512f -mfma; see gemm_kernels.h for why this file
// includes nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

void kernel_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(b);
    __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, acc[i][0]);
    _mm512_storeu_ps(row + 16, acc[i][1]);
  }
}

const GemmArch ARCH = {"avx512", MR, NR, kernel_12x32};

}  // namespace

const GemmArch* gemm_arch_avx512() { return &ARCH; }

}  // namespace sf

#else

namespace sf {
const GemmArch* gemm_arch_avx512() { return nullptr; }
}  // namespace sf

#endif
