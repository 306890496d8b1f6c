// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators
// (or fewer rows at the bottom edge, one instantiation per row count);
// per k, two 16-float loads of B and twelve broadcasts of A feed 24 FMAs.
// A half-width variant serves right edges of at most 16 columns; the
// indirect variants read A through row pointers (Conv2D).
// Compiled with -mavx512f -mfma; see gemm_kernels.h for why this file
// includes nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

// C's first R rows = the accumulators (plus C's values when accumulating).
template <int R>
inline __attribute__((always_inline)) void store_rows(__m512 (&acc)[R][2], float* c, int64_t ldc, bool accumulate) {
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

template <int R>
inline __attribute__((always_inline)) void store_half_rows(__m512 (&acc)[R], float* c, int64_t ldc, bool accumulate) {
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[i]);
  }
}

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
  store_rows<R>(acc, c, ldc, accumulate);
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
  store_half_rows<R>(acc, c, ldc, accumulate);
}

// kernel_rows with A read through row pointers, run after run: the same
// multiply-adds in the same order, so the same bits as from a packed panel.
template <int R>
void indirect_rows(int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c, int64_t ldc,
                   bool accumulate) {
  __m512 acc[R][2];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int32_t s = 0; s < runs; ++s, a_rows += MR) {
    const float* a[R];
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) a[i] = a_rows[i];
    for (int32_t p = 0; p < len[s]; ++p) {
      __m512 b0 = _mm512_load_ps(b);
      __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) {
        __m512 ai = _mm512_set1_ps(a[i][p]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
      b += NR;
    }
  }
  store_rows<R>(acc, c, ldc, accumulate);
}

// half_rows with A read through row pointers.
template <int R>
void indirect_half_rows(int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                        int64_t ldc, bool accumulate) {
  __m512 acc[R];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
  for (int32_t s = 0; s < runs; ++s, a_rows += MR) {
    const float* a[R];
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) a[i] = a_rows[i];
    for (int32_t p = 0; p < len[s]; ++p) {
      __m512 b0 = _mm512_load_ps(b);
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i][p]), b0, acc[i]);
      b += NR;
    }
  }
  store_half_rows<R>(acc, c, ldc, accumulate);
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

using IndirectRows = void (*)(int32_t, const int32_t*, const float* const*, const float*, float*, int64_t, bool);
const IndirectRows INDIRECT_BY_ROWS[MR + 1] = {
    nullptr,           indirect_rows<1>, indirect_rows<2>, indirect_rows<3>,  indirect_rows<4>,
    indirect_rows<5>,  indirect_rows<6>, indirect_rows<7>, indirect_rows<8>,  indirect_rows<9>,
    indirect_rows<10>, indirect_rows<11>, indirect_rows<12>};
const IndirectRows INDIRECT_HALF_BY_ROWS[MR + 1] = {
    nullptr,                indirect_half_rows<1>, indirect_half_rows<2>,  indirect_half_rows<3>,  indirect_half_rows<4>,
    indirect_half_rows<5>,  indirect_half_rows<6>, indirect_half_rows<7>,  indirect_half_rows<8>,  indirect_half_rows<9>,
    indirect_half_rows<10>, indirect_half_rows<11>, indirect_half_rows<12>};

void indirect_12x32(int32_t rows, int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                    int64_t ldc, bool accumulate) {
  INDIRECT_BY_ROWS[rows](runs, len, a_rows, b, c, ldc, accumulate);
}

void indirect_12x16(int32_t rows, int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                    int64_t ldc, bool accumulate) {
  INDIRECT_HALF_BY_ROWS[rows](runs, len, a_rows, b, c, ldc, accumulate);
}

const GemmArch ARCH = {"avx512", MR, NR, kernel_12x32, kernel_12x16, indirect_12x32, indirect_12x16};

}  // namespace

const GemmArch* gemm_arch_avx512() { return &ARCH; }

}  // namespace sf

#else

namespace sf {
const GemmArch* gemm_arch_avx512() { return nullptr; }
}  // namespace sf

#endif
