// The AVX-512 micro-kernel: a 12 x 32 tile of C held in 24 zmm accumulators
// (or fewer rows at the bottom edge, one instantiation per row count);
// per k, two 16-float loads of B and twelve broadcasts of A feed 24 FMAs.
// A half-width variant serves right edges of at most 16 columns; the
// indirect variants read A through row pointers (Conv2D). On the last
// k-block, bias and activation are applied to the accumulators before the
// store (GemmFusedEpilogue), saving a pass that reads the tile back.
// Compiled with -mavx512f -mfma; see gemm_kernels.h for why this file
// includes nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;

// The activations as scalar_ops.h computes them. MAXPS/MINPS return their
// second operand unless the first is strictly greater/less, so
// max(0, x) = (0 > x ? 0 : x) = relu_f32(x), NaN and -0 included.
// (The maskz forms with every lane set are plain VMAXPS/VMINPS; GCC 12 warns
// of an uninitialised operand in _mm512_max_ps itself.)
inline __attribute__((always_inline)) __m512 relu(__m512 x) {
  return _mm512_maskz_max_ps(0xFFFF, _mm512_setzero_ps(), x);
}
// 6 < r ? 6 : r, r = relu(x): relu6_f32.
inline __attribute__((always_inline)) __m512 relu6(__m512 x) {
  return _mm512_maskz_min_ps(0xFFFF, _mm512_set1_ps(6.0f), relu(x));
}
// x >= 0 ? x : alpha * x (NaN fails the compare).
inline __attribute__((always_inline)) __m512 leaky_relu(__m512 x, __m512 alpha) {
  return _mm512_mask_mov_ps(_mm512_mul_ps(alpha, x), _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ), x);
}

template <int R, int W, class F>
inline __attribute__((always_inline)) void map_rows(__m512 (&acc)[R][W], F f) {
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    for (int w = 0; w < W; ++w) acc[i][w] = f(acc[i][w]);
  }
}

// The fused epilogue on R rows of W vectors each: the bias, then the activation.
template <int R, int W>
inline __attribute__((always_inline)) void finish_rows(__m512 (&acc)[R][W], const GemmFusedEpilogue& e) {
  if (e.bias != nullptr) {
    __m512 bias[W];
    for (int w = 0; w < W; ++w) bias[w] = _mm512_loadu_ps(e.bias + 16 * w);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      for (int w = 0; w < W; ++w) acc[i][w] = _mm512_add_ps(acc[i][w], bias[w]);
    }
  }
  // One switch per tile, outside the row loops.
  switch (e.activation) {
    case GemmFusedActivation::Identity: return;
    case GemmFusedActivation::Relu: return map_rows(acc, [](__m512 x) { return relu(x); });
    case GemmFusedActivation::Relu6: return map_rows(acc, [](__m512 x) { return relu6(x); });
    case GemmFusedActivation::LeakyRelu: {
      const __m512 alpha = _mm512_set1_ps(e.alpha);
      return map_rows(acc, [alpha](__m512 x) { return leaky_relu(x, alpha); });
    }
  }
}

// C's first R rows (W vectors wide) = the accumulators, plus C's values when
// accumulating, then the epilogue if any.
template <int R, int W>
inline __attribute__((always_inline)) void store_rows(__m512 (&acc)[R][W], float* c, int64_t ldc, bool accumulate,
                                                      const GemmFusedEpilogue* epilogue) {
  if (accumulate) {
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      for (int w = 0; w < W; ++w) acc[i][w] = _mm512_add_ps(acc[i][w], _mm512_loadu_ps(c + i * ldc + 16 * w));
    }
  }
  if (epilogue != nullptr) finish_rows<R, W>(acc, *epilogue);
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    for (int w = 0; w < W; ++w) _mm512_storeu_ps(c + i * ldc + 16 * w, acc[i][w]);
  }
}

// The first R rows of the tile (R = MR for a full one).
template <int R>
void kernel_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                 const GemmFusedEpilogue* epilogue) {
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
  store_rows<R, 2>(acc, c, ldc, accumulate, epilogue);
}

// The first R rows of the tile's left half: b0 only.
template <int R>
void half_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
               const GemmFusedEpilogue* epilogue) {
  __m512 acc[R][1];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0 = _mm512_load_ps(b);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) acc[i][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i][0]);
    a += MR;
    b += NR;
  }
  store_rows<R, 1>(acc, c, ldc, accumulate, epilogue);
}

// kernel_rows with A read through row pointers, run after run: the same
// multiply-adds in the same order, so the same bits as from a packed panel.
template <int R>
void indirect_rows(int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c, int64_t ldc,
                   bool accumulate, const GemmFusedEpilogue* epilogue) {
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
  store_rows<R, 2>(acc, c, ldc, accumulate, epilogue);
}

// half_rows with A read through row pointers.
template <int R>
void indirect_half_rows(int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                        int64_t ldc, bool accumulate, const GemmFusedEpilogue* epilogue) {
  __m512 acc[R][1];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = _mm512_setzero_ps();
  for (int32_t s = 0; s < runs; ++s, a_rows += MR) {
    const float* a[R];
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) a[i] = a_rows[i];
    for (int32_t p = 0; p < len[s]; ++p) {
      __m512 b0 = _mm512_load_ps(b);
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) acc[i][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[i][p]), b0, acc[i][0]);
      b += NR;
    }
  }
  store_rows<R, 1>(acc, c, ldc, accumulate, epilogue);
}

using RowsKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, bool, const GemmFusedEpilogue*);
const RowsKernel BY_ROWS[MR + 1] = {nullptr,         kernel_rows<1>, kernel_rows<2>,  kernel_rows<3>, kernel_rows<4>,
                                    kernel_rows<5>,  kernel_rows<6>, kernel_rows<7>,  kernel_rows<8>, kernel_rows<9>,
                                    kernel_rows<10>, kernel_rows<11>, kernel_rows<12>};

const RowsKernel HALF_BY_ROWS[MR + 1] = {nullptr,        half_rows<1>,  half_rows<2>,  half_rows<3>, half_rows<4>,
                                         half_rows<5>,   half_rows<6>,  half_rows<7>,  half_rows<8>, half_rows<9>,
                                         half_rows<10>,  half_rows<11>, half_rows<12>};

void kernel_12x32(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                  const GemmFusedEpilogue* epilogue) {
  BY_ROWS[rows](kc, a, b, c, ldc, accumulate, epilogue);
}

void kernel_12x16(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                  const GemmFusedEpilogue* epilogue) {
  HALF_BY_ROWS[rows](kc, a, b, c, ldc, accumulate, epilogue);
}

using IndirectRows = void (*)(int32_t, const int32_t*, const float* const*, const float*, float*, int64_t, bool,
                              const GemmFusedEpilogue*);
const IndirectRows INDIRECT_BY_ROWS[MR + 1] = {
    nullptr,           indirect_rows<1>, indirect_rows<2>, indirect_rows<3>,  indirect_rows<4>,
    indirect_rows<5>,  indirect_rows<6>, indirect_rows<7>, indirect_rows<8>,  indirect_rows<9>,
    indirect_rows<10>, indirect_rows<11>, indirect_rows<12>};
const IndirectRows INDIRECT_HALF_BY_ROWS[MR + 1] = {
    nullptr,                indirect_half_rows<1>, indirect_half_rows<2>,  indirect_half_rows<3>,  indirect_half_rows<4>,
    indirect_half_rows<5>,  indirect_half_rows<6>, indirect_half_rows<7>,  indirect_half_rows<8>,  indirect_half_rows<9>,
    indirect_half_rows<10>, indirect_half_rows<11>, indirect_half_rows<12>};

void indirect_12x32(int32_t rows, int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                    int64_t ldc, bool accumulate, const GemmFusedEpilogue* epilogue) {
  INDIRECT_BY_ROWS[rows](runs, len, a_rows, b, c, ldc, accumulate, epilogue);
}

void indirect_12x16(int32_t rows, int32_t runs, const int32_t* len, const float* const* a_rows, const float* b, float* c,
                    int64_t ldc, bool accumulate, const GemmFusedEpilogue* epilogue) {
  INDIRECT_HALF_BY_ROWS[rows](runs, len, a_rows, b, c, ldc, accumulate, epilogue);
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
