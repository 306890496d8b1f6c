// Reduce: x viewed as [outer, n, inner], y as [outer, inner]. Float Sum and
// Mean go through reduce_sum.cc (accurate and fast). The other ops fold: along
// a contiguous row (inner = 1) in FOLD_LANES independent lanes so the loop
// vectorises, down columns a row at a time over a block of columns. Work is
// split over outputs only, so threads never change a result.
#include <cmath>
#include <limits>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/kernels.h"
#include "kernels/reduce.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

constexpr int64_t FOLD_LANES = 16;

// a * b * c == expected, without overflow (each factor below 2^31).
bool product_is(int64_t a, int64_t b, int64_t c, int64_t expected) {
  int64_t ab = a * b;
  if (ab == 0 || c == 0) return expected == 0;
  return ab <= expected && ab * c == expected;
}

// The float Max (kMax) or Min rule: b replaces a when greater (less) or NaN,
// so NaN propagates. The SSE2 form (baseline on x86-64) applies it to four
// lanes with the same result, since compilers do not vectorise the scalar one.
template <bool kMax>
struct PickF32 {
  float operator()(float a, float b) const { return ((kMax ? b > a : b < a) || b != b) ? b : a; }
#if defined(__SSE2__)
  __m128 operator()(__m128 a, __m128 b) const {
    __m128 take = _mm_or_ps(kMax ? _mm_cmplt_ps(a, b) : _mm_cmplt_ps(b, a), _mm_cmpunord_ps(b, b));
    return _mm_or_ps(_mm_and_ps(take, b), _mm_andnot_ps(take, a));
  }
#endif
};

#if defined(__SSE2__)
template <class Op>
constexpr bool kHasVec4 = std::is_invocable_r_v<__m128, Op, __m128, __m128>;
#else
template <class Op>
constexpr bool kHasVec4 = false;
#endif

// fold(init, x[0..n)) in FOLD_LANES lanes (lane l takes elements l, l + 16,
// ...), the lanes folded in order at the end.
template <class T, class Op>
T fold_row(const T* x, int64_t n, T init, Op op) {
  T lanes[FOLD_LANES];
  for (int64_t l = 0; l < FOLD_LANES; ++l) lanes[l] = init;
  int64_t i = 0;
  if constexpr (kHasVec4<Op>) {
    __m128 acc[4] = {_mm_set1_ps(init), _mm_set1_ps(init), _mm_set1_ps(init), _mm_set1_ps(init)};
    for (; i + FOLD_LANES <= n; i += FOLD_LANES) {
      for (int k = 0; k < 4; ++k) acc[k] = op(acc[k], _mm_loadu_ps(x + i + 4 * k));
    }
    for (int k = 0; k < 4; ++k) _mm_storeu_ps(lanes + 4 * k, acc[k]);
  }
  for (; i + FOLD_LANES <= n; i += FOLD_LANES) {
    for (int64_t l = 0; l < FOLD_LANES; ++l) lanes[l] = op(lanes[l], x[i + l]);
  }
  for (int64_t l = 0; i < n; ++i, ++l) lanes[l] = op(lanes[l], x[i]);
  T result = lanes[0];
  for (int64_t l = 1; l < FOLD_LANES; ++l) result = op(result, lanes[l]);
  return result;
}

// out[0:w] op= row[0:w], vectorised when Op has a four-lane form.
template <class T, class Op>
void fold_into(T* out, const T* row, int64_t w, Op op) {
  int64_t i = 0;
  if constexpr (kHasVec4<Op>) {
    for (; i + 4 <= w; i += 4) _mm_storeu_ps(out + i, op(_mm_loadu_ps(out + i), _mm_loadu_ps(row + i)));
  }
  for (; i < w; ++i) out[i] = op(out[i], row[i]);
}

// out[0:w] op= (r0 op r1) op (r2 op r3), rows `stride` apart from r0.
template <class T, class Op>
void fold4_into(T* out, const T* r0, int64_t stride, int64_t w, Op op) {
  const T* r1 = r0 + stride;
  const T* r2 = r1 + stride;
  const T* r3 = r2 + stride;
  int64_t i = 0;
  if constexpr (kHasVec4<Op>) {
    for (; i + 4 <= w; i += 4) {
      __m128 a = op(_mm_loadu_ps(r0 + i), _mm_loadu_ps(r1 + i));
      __m128 b = op(_mm_loadu_ps(r2 + i), _mm_loadu_ps(r3 + i));
      _mm_storeu_ps(out + i, op(_mm_loadu_ps(out + i), op(a, b)));
    }
  }
  for (; i < w; ++i) out[i] = op(out[i], op(op(r0[i], r1[i]), op(r2[i], r3[i])));
}

// out[0:w] = fold(init, x[k * stride + 0:w] for k < n), rows in fours so
// out's loads and stores do not bound the speed. The ops folded here are
// exact in any order except float Prod, whose order is still fixed by n.
template <class T, class Op>
void fold_columns(const T* x, int64_t n, int64_t stride, int64_t w, T* out, T init, Op op) {
  for (int64_t i = 0; i < w; ++i) out[i] = init;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) fold4_into(out, x + k * stride, stride, w, op);
  for (; k < n; ++k) fold_into(out, x + k * stride, w, op);
}

template <class T, class Op>
void fold(const T* x, T* y, const ReduceShape& r, ThreadPool* pool, T init, Op op) {
  if (r.inner == 1) {
    int64_t grain = std::max<int64_t>(1, REDUCE_TASK_ELEMENTS / std::max<int64_t>(1, r.n));
    pool->parallel_for(0, r.outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) y[o] = fold_row(x + o * r.n, r.n, init, op);
    });
    return;
  }
  reduce_for_each_block(r, reduce_column_width(r, pool->size()), pool, [&](int64_t o, int64_t i0, int64_t i1) {
    fold_columns(x + o * r.n * r.inner + i0, r.n, r.inner, i1 - i0, y + o * r.inner + i0, init, op);
  });
}

int32_t mean_f32(const float* x, float* y, const ReduceShape& r, KernelCall& c) {
  int32_t status = reduce_sum_f32(x, y, r, c.pool, c.scratch, &c.arg);
  float count = static_cast<float>(r.n);
  float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 0; i < r.outer * r.inner; ++i) y[i] = r.n == 0 ? nan : y[i] / count;
  return status;
}

int32_t reduce_f32(int32_t op, const float* x, float* y, const ReduceShape& r, KernelCall& c) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  ThreadPool* pool = c.pool;
  switch (op) {
    case ReduceOp::Sum: return reduce_sum_f32(x, y, r, pool, c.scratch, &c.arg);
    case ReduceOp::Mean: return mean_f32(x, y, r, c);
    case ReduceOp::Max: fold(x, y, r, pool, -inf, PickF32<true>{}); break;
    case ReduceOp::Min: fold(x, y, r, pool, inf, PickF32<false>{}); break;
    case ReduceOp::Prod: fold(x, y, r, pool, 1.0f, [](float a, float b) { return a * b; }); break;
    default: break;
  }
  return Status::Ok;
}

// int32 through uint32_t where it wraps; the folds are exact in any order.
void reduce_i32(int32_t op, const int32_t* x, int32_t* y, const ReduceShape& r, ThreadPool* pool) {
  auto* ux = reinterpret_cast<const uint32_t*>(x);
  auto* uy = reinterpret_cast<uint32_t*>(y);
  auto add = [](uint32_t a, uint32_t b) { return a + b; };
  switch (op) {
    case ReduceOp::Sum: return fold(ux, uy, r, pool, 0u, add);
    case ReduceOp::Mean:
      fold(ux, uy, r, pool, 0u, add);
      if (r.n == 0) return;
      for (int64_t i = 0; i < r.outer * r.inner; ++i) y[i] = static_cast<int32_t>(y[i] / r.n);
      return;
    case ReduceOp::Max: return fold(x, y, r, pool, INT32_MIN, [](int32_t a, int32_t b) { return b > a ? b : a; });
    case ReduceOp::Min: return fold(x, y, r, pool, INT32_MAX, [](int32_t a, int32_t b) { return b < a ? b : a; });
    case ReduceOp::Prod: return fold(ux, uy, r, pool, 1u, [](uint32_t a, uint32_t b) { return a * b; });
    default: return;
  }
}

void reduce_bool(int32_t op, const uint8_t* x, uint8_t* y, const ReduceShape& r, ThreadPool* pool) {
  using B = uint8_t;
  if (op == ReduceOp::Any) return fold(x, y, r, pool, B{0}, [](B a, B b) { return B{(a | b) != 0}; });
  fold(x, y, r, pool, B{1}, [](B a, B b) { return B{a != 0 && b != 0}; });
}

bool reduce_supports(int32_t op, int32_t dtype) {
  if (op == ReduceOp::Any || op == ReduceOp::All) return dtype == DTypeCode::bool_;
  return op >= ReduceOp::Sum && op <= ReduceOp::Prod && is_numeric(dtype);
}

}  // namespace

const char* reduce_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 4) return "needs in[x] out[y] attr[op, outer, n, inner]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype) return "input and output differ in dtype";
  if (!reduce_supports(step.attr[0], x.dtype)) return "op not defined for this dtype";
  int64_t outer = step.attr[1], n = step.attr[2], inner = step.attr[3];
  if (outer < 0 || n < 0 || inner < 0) return "negative outer, n or inner";
  if (!product_is(outer, n, inner, x.count)) return "outer * n * inner differs from the input's element count";
  if (!product_is(outer, 1, inner, y.count)) return "outer * inner differs from the output's element count";
  return nullptr;
}

int32_t reduce_run(KernelCall& c) {
  const int32_t* a = c.step->attr;
  ReduceShape r{a[1], a[2], a[3]};
  switch (c.in[0].desc->dtype) {
    case DTypeCode::float32: return reduce_f32(a[0], tensor_data<const float>(c.in[0]), tensor_data<float>(c.out[0]), r, c);
    case DTypeCode::int32: reduce_i32(a[0], tensor_data<const int32_t>(c.in[0]), tensor_data<int32_t>(c.out[0]), r, c.pool); break;
    default: reduce_bool(a[0], tensor_data<const uint8_t>(c.in[0]), tensor_data<uint8_t>(c.out[0]), r, c.pool); break;
  }
  return Status::Ok;
}

}  // namespace sf
