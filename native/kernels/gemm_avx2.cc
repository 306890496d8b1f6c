// The AVX2 + FMA micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators
// (or fewer rows at the bottom edge, one instantiation per row count);
// per k, two 8-float loads of B and six broadcasts of A feed 12 FMAs; on
// the last k-block, bias and activation are applied before the store.
// Compiled with -mavx2 -mfma; see gemm_kernels.h for why this file includes
// nothing but intrinsics.
#include "kernels/gemm_kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace sf {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

// The activations as scalar_ops.h computes them. MAXPS/MINPS return their
// second operand unless the first is strictly greater/less, so
// max(0, x) = (0 > x ? 0 : x) = relu_f32(x), NaN and -0 included.
inline __attribute__((always_inline)) __m256 relu(__m256 x) { return _mm256_max_ps(_mm256_setzero_ps(), x); }
// 6 < r ? 6 : r, r = relu(x): relu6_f32.
inline __attribute__((always_inline)) __m256 relu6(__m256 x) { return _mm256_min_ps(_mm256_set1_ps(6.0f), relu(x)); }
// x >= 0 ? x : alpha * x (NaN fails the compare).
inline __attribute__((always_inline)) __m256 leaky_relu(__m256 x, __m256 alpha) {
  return _mm256_blendv_ps(_mm256_mul_ps(alpha, x), x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
}

template <int R, class F>
inline __attribute__((always_inline)) void map_rows(__m256 (&acc)[R][2], F f) {
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    acc[i][0] = f(acc[i][0]);
    acc[i][1] = f(acc[i][1]);
  }
}

// The fused epilogue: the bias, then the activation.
template <int R>
inline __attribute__((always_inline)) void finish_rows(__m256 (&acc)[R][2], const GemmFusedEpilogue& e) {
  if (e.bias != nullptr) {
    const __m256 bias0 = _mm256_loadu_ps(e.bias), bias1 = _mm256_loadu_ps(e.bias + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      acc[i][0] = _mm256_add_ps(acc[i][0], bias0);
      acc[i][1] = _mm256_add_ps(acc[i][1], bias1);
    }
  }
  // One switch per tile, outside the row loops.
  switch (e.activation) {
    case GemmFusedActivation::Identity: return;
    case GemmFusedActivation::Relu: return map_rows(acc, [](__m256 x) { return relu(x); });
    case GemmFusedActivation::Relu6: return map_rows(acc, [](__m256 x) { return relu6(x); });
    case GemmFusedActivation::LeakyRelu: {
      const __m256 alpha = _mm256_set1_ps(e.alpha);
      return map_rows(acc, [alpha](__m256 x) { return leaky_relu(x, alpha); });
    }
  }
}

// The first R rows of the tile (R = MR for a full one).
template <int R>
void kernel_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                 const GemmFusedEpilogue* epilogue) {
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
  if (accumulate) {
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(c + i * ldc));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(c + i * ldc + 8));
    }
  }
  if (epilogue != nullptr) finish_rows<R>(acc, *epilogue);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    _mm256_storeu_ps(c + i * ldc, acc[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
  }
}

using RowsKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, bool, const GemmFusedEpilogue*);
const RowsKernel BY_ROWS[MR + 1] = {nullptr,        kernel_rows<1>, kernel_rows<2>, kernel_rows<3>,
                                    kernel_rows<4>, kernel_rows<5>, kernel_rows<6>};

void kernel_6x16(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                 const GemmFusedEpilogue* epilogue) {
  BY_ROWS[rows](kc, a, b, c, ldc, accumulate, epilogue);
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
