// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators
// (or fewer rows at the bottom edge, one instantiation per row count);
// per k, two 16-float loads of B and twelve broadcasts of A feed 24 FMAs.
// A half-width variant serves right edges of at most 16 columns.
// Compiled with -mavx512f -mfma; see gemm_kernels.h for why this file
// includes nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

// The first R rows of the tile (R = MR for a full one).
template <int R>
void kernel_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[R][2];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(b);
    __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, acc[i][0]);
    _mm512_storeu_ps(row + 16, acc[i][1]);
  }
}

// The first R rows of the tile's left half: b0 only.
template <int R>
void half_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[R];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(b);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i]);
    a += MR;
    b += NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[i]);
  }
}

using RowsKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, bool);
const RowsKernel BY_ROWS[MR + 1] = {nullptr,         kernel_rows<1>, kernel_rows<2>,  kernel_rows<3>, kernel_rows<4>,
                                    kernel_rows<5>,  kernel_rows<6>, kernel_rows<7>,  kernel_rows<8>, kernel_rows<9>,
                                    kernel_rows<10>, kernel_rows<11>, kernel_rows<12>};

const RowsKernel HALF_BY_ROWS[MR + 1] = {nullptr,        half_rows<1>,  half_rows<2>,  half_rows<3>, half_rows<4>,
                                         half_rows<5>,   half_rows<6>,  half_rows<7>,  half_rows<8>, half_rows<9>,
                                         half_rows<10>,  half_rows<11>, half_rows<12>};

void kernel_12x32(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  BY_ROWS[rows](kc, a, b, c, ldc, accumulate);
}

void kernel_12x16(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  HALF_BY_ROWS[rows](kc, a, b, c, ldc, accumulate);
}

const GemmArch ARCH = {"avx512", MR, NR, kernel_12x32, kernel_12x16};

}  // namespace

const GemmArch* gemm_arch_avx512() { return &ARCH; }

}  // namespace sf

#else

namespace sf {
const GemmArch* gemm_arch_avx512() { return nullptr; }
}  // namespace sf

#endif
