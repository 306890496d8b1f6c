// The row kernels of rows.h, compiled once per instruction set: a .cc file
// defines SF_ROW_NS (a namespace name) and includes this file, built with its
// own -m flags. Plain loops over the shared functors; the compiler vectorises
// them for the target (the transcendentals in scalar_ops.h are branch-free).
#include <cstring>
#include <limits>
#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "kernels/elementwise_ops.h"
#include "kernels/rows.h"
#include "kernels/vec/fused_blocks.h"
#include "kernels/vec/vec_math.h"

namespace sf {
namespace SF_ROW_NS {
namespace {

template <class T, class Y, class F>
void map_row(const T* x, Y* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

void unary(int32_t dtype, int32_t op, float param, const void* x, void* y, int64_t n) {
  if (dtype == DTypeCode::float32) {
#if defined(__AVX512F__) || defined(__AVX2__)
    if (vec_unary_f32(op, static_cast<const float*>(x), static_cast<float*>(y), n)) return;
#endif
    with_unary_f32(op, param, [&](auto f) { map_row(static_cast<const float*>(x), static_cast<float*>(y), n, f); });
  } else if (dtype == DTypeCode::int32) {
    with_unary_i32(op, [&](auto f) { map_row(static_cast<const int32_t*>(x), static_cast<int32_t*>(y), n, f); });
  } else {
    with_unary_bool(op, [&](auto f) { map_row(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), n, f); });
  }
}

// Fast paths for the common stride pairs, each its own vectorisable loop.
template <class A, class F>
void binary_typed(const A* a, int64_t sa, const A* b, int64_t sb, void* out, int64_t n, F f) {
  using Y = decltype(f(A{}, A{}));
  Y* y = static_cast<Y*>(out);
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const A av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const A bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i * sa], b[i * sb]);
  }
}

void binary(int32_t dtype, int32_t op, const void* a, int64_t sa, const void* b, int64_t sb, void* y, int64_t n) {
  if (dtype == DTypeCode::float32) {
    using F = float;
    with_binary_f32(op, [&](auto f) { binary_typed(static_cast<const F*>(a), sa, static_cast<const F*>(b), sb, y, n, f); });
  } else if (dtype == DTypeCode::int32) {
    using I = int32_t;
    with_binary_i32(op, [&](auto f) { binary_typed(static_cast<const I*>(a), sa, static_cast<const I*>(b), sb, y, n, f); });
  } else {
    using B = uint8_t;
    with_binary_bool(op, [&](auto f) { binary_typed(static_cast<const B*>(a), sa, static_cast<const B*>(b), sb, y, n, f); });
  }
}

template <class T>
void select_typed(const uint8_t* c, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy, T* z, int64_t n) {
  if (sc == 1 && sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) z[i] = c[i] != 0 ? x[i] : y[i];
  } else {
    for (int64_t i = 0; i < n; ++i) z[i] = c[i * sc] != 0 ? x[i * sx] : y[i * sy];
  }
}

void select(int32_t size, const uint8_t* c, int64_t sc, const void* x, int64_t sx, const void* y, int64_t sy, void* z,
            int64_t n) {
  if (size == 1) {
    using B = uint8_t;
    select_typed(c, sc, static_cast<const B*>(x), sx, static_cast<const B*>(y), sy, static_cast<B*>(z), n);
  } else {
    using W = uint32_t;
    select_typed(c, sc, static_cast<const W*>(x), sx, static_cast<const W*>(y), sy, static_cast<W*>(z), n);
  }
}

template <class X, class Y, class F>
void cast_typed(const void* x, int64_t sx, void* y, int64_t n, F f) {
  const X* in = static_cast<const X*>(x);
  Y* out = static_cast<Y*>(y);
  if (sx == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[i * sx]);
  }
}

void cast(int32_t from, int32_t to, const void* x, int64_t sx, void* y, int64_t n) {
  using B = uint8_t;
  using F = float;
  using I = int32_t;
  constexpr int32_t f32 = DTypeCode::float32, i32 = DTypeCode::int32, b8 = DTypeCode::bool_;
  if (from == f32 && to == i32) return cast_typed<F, I>(x, sx, y, n, f32_to_i32_sat);
  if (from == i32 && to == f32) return cast_typed<I, F>(x, sx, y, n, [](I v) { return static_cast<F>(v); });
  if (from == f32 && to == b8) return cast_typed<F, B>(x, sx, y, n, [](F v) { return B{v != 0}; });
  if (from == i32 && to == b8) return cast_typed<I, B>(x, sx, y, n, [](I v) { return B{v != 0}; });
  if (from == b8 && to == f32) return cast_typed<B, F>(x, sx, y, n, [](B v) { return v != 0 ? 1.0f : 0.0f; });
  if (from == b8 && to == i32) return cast_typed<B, I>(x, sx, y, n, [](B v) { return I{v != 0}; });
  if (from == b8) return cast_typed<B, B>(x, sx, y, n, [](B v) { return B{v != 0}; });
  cast_typed<I, I>(x, sx, y, n, [](I v) { return v; });  // same 4-byte dtype: copy
}

void mul_add(bool subtract, bool product_first, const float* x, float c, const float* b, int64_t sb, float* y, int64_t n) {
#if defined(__AVX512F__) || defined(__AVX2__)
  vec_mul_add(subtract, product_first, x, c, b, sb, y, n);
#else
  // This file is built with -ffp-contract=off: the product is rounded first.
  for (int64_t i = 0; i < n; ++i) {
    float p = x[i] * c, v = b[i * sb];
    y[i] = !subtract ? p + v : product_first ? p - v : v - p;
  }
#endif
}

constexpr int64_t LANES = 16;  // independent accumulators: vector lanes, and a blocked sum

float row_max(const float* x, int64_t n) {
  float lanes[LANES];
  for (int64_t l = 0; l < LANES; ++l) lanes[l] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int64_t l = 0; l < LANES; ++l) lanes[l] = max_f32(lanes[l], x[i + l]);
  }
  for (; i < n; ++i) lanes[0] = max_f32(lanes[0], x[i]);
  float m = lanes[0];
  for (int64_t l = 1; l < LANES; ++l) m = max_f32(m, lanes[l]);
  return m;
}

// Sum of exp(x[i] - m); also stores the terms in e unless e is null.
float row_exp_sum(const float* x, float m, float* e, int64_t n) {
  float lanes[LANES] = {};
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int64_t l = 0; l < LANES; ++l) {
      float v = exp_f32(x[i + l] - m);
      if (e) e[i + l] = v;
      lanes[l] += v;
    }
  }
  for (; i < n; ++i) {
    float v = exp_f32(x[i] - m);
    if (e) e[i] = v;
    lanes[0] += v;
  }
  for (int64_t w = LANES / 2; w > 0; w /= 2) {
    for (int64_t l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  }
  return lanes[0];
}

// y = exp(x - max) / sum, or x - max - log(sum); max and sum carry NaN and
// -inf - -inf = NaN, so an all -inf row gives NaN as in TensorFlow.
void softmax(const float* x, float* y, int64_t n, bool log) {
  if (n == 0) return;
  float m = row_max(x, n);
  if (log) {
    float log_sum = std::log(row_exp_sum(x, m, nullptr, n));
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_sum;
    return;
  }
  float sum = row_exp_sum(x, m, y, n);
  for (int64_t i = 0; i < n; ++i) y[i] = y[i] / sum;
}

void copy_stream(void* dst, const void* src, int64_t bytes) {
#if defined(__AVX512F__) || defined(__AVX__)
  bool aligned = (reinterpret_cast<uintptr_t>(dst) % 64 == 0) && (reinterpret_cast<uintptr_t>(src) % 64 == 0) && bytes % 64 == 0;
  if (aligned) {
    for (int64_t at = 0; at < bytes; at += 64) {
      const char* from = static_cast<const char*>(src) + at;
      char* to = static_cast<char*>(dst) + at;
#if defined(__AVX512F__)
      _mm512_stream_si512(reinterpret_cast<__m512i*>(to), _mm512_load_si512(reinterpret_cast<const __m512i*>(from)));
#else
      _mm256_stream_si256(reinterpret_cast<__m256i*>(to), _mm256_load_si256(reinterpret_cast<const __m256i*>(from)));
      _mm256_stream_si256(reinterpret_cast<__m256i*>(to + 32), _mm256_load_si256(reinterpret_cast<const __m256i*>(from + 32)));
#endif
    }
    return;
  }
#endif
  std::memcpy(dst, src, static_cast<size_t>(bytes));
}

#if defined(__AVX512F__) || defined(__AVX2__)
void fused_blocks(const BlockInstr* program, int32_t n_instr, int64_t start, int64_t blocks, float* dst, bool stream) {
  run_fused_blocks(program, n_instr, start, blocks, dst, stream, unary, binary);
}
constexpr auto FUSED_BLOCKS = fused_blocks;
#else
constexpr decltype(RowKernels::fused_blocks) FUSED_BLOCKS = nullptr;  // the tile evaluator does it all
#endif

void stream_fence() {
#if defined(__AVX512F__) || defined(__AVX__)
  _mm_sfence();  // streamed stores are weakly ordered: make them visible before anything later
#endif
}

}  // namespace

const RowKernels& row_kernels_variant() {
  static const RowKernels kernels = {SF_ROW_NAME, unary, binary, select, cast, mul_add, softmax, copy_stream, stream_fence,
                                          FUSED_BLOCKS};
  return kernels;
}

}  // namespace SF_ROW_NS
}  // namespace sf
