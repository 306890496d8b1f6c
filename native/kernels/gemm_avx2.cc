// The AVX2 + FMA micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators
// (or fewer rows at the bottom edge, one instantiation per row count);
// per k, two 8-float loads of B and six broadcasts of A feed 12 FMAs.
// Compiled with -mavx2 -mfma; see gemm_kernels.h for why this file includes
// nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

// The first R rows of the tile (R = MR for a full one).
template <int R>
void kernel_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_load_ps(b);
    __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, acc[i][0]);
    _mm256_storeu_ps(row + 8, acc[i][1]);
  }
}

using RowsKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, bool);
const RowsKernel BY_ROWS[MR + 1] = {nullptr,        kernel_rows<1>, kernel_rows<2>, kernel_rows<3>,
                                    kernel_rows<4>, kernel_rows<5>, kernel_rows<6>};

void kernel_6x16(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  BY_ROWS[rows](kc, a, b, c, ldc, accumulate);
}

const GemmArch ARCH = {"avx2", MR, NR, kernel_6x16, nullptr, nullptr, nullptr};

}  // namespace

const GemmArch* gemm_arch_avx2() { return &ARCH; }

}  // namespace sf

#else

namespace sf {
const GemmArch* gemm_arch_avx2() { return nullptr; }
}  // namespace sf

#endif
