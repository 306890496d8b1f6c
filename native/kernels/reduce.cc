// Reduce: x viewed as [outer, n, inner], y as [outer, inner]. Exact ops
// (integer, max, min, any, all) fold row by row; float Sum and Mean sum
// pairwise so the rounding error grows like log n.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

constexpr int64_t PAIRWISE_BLOCK = 32;

struct ReduceShape {
  int64_t outer, n, inner;
};

// Sum -> Mean for one output row; an empty mean is NaN.
void scale_mean(float* out, const ReduceShape& r) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 0; i < r.inner; ++i) out[i] = r.n == 0 ? nan : out[i] / static_cast<float>(r.n);
}

// a * b * c == expected, without overflow (each factor below 2^31).
bool product_is(int64_t a, int64_t b, int64_t c, int64_t expected) {
  int64_t ab = a * b;
  if (ab == 0 || c == 0) return expected == 0;
  return ab <= expected && ab * c == expected;
}

// Sum of x[0], x[stride], ..., x[(n-1)*stride], pairwise above PAIRWISE_BLOCK.
float sum_pairwise(const float* x, int64_t n, int64_t stride) {
  if (n <= PAIRWISE_BLOCK) {
    float lanes[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (int64_t l = 0; l < 4; ++l) lanes[l] += x[(i + l) * stride];
    }
    for (; i < n; ++i) lanes[0] += x[i * stride];
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
  int64_t half = n / 2;
  return sum_pairwise(x, half, stride) + sum_pairwise(x + half * stride, n - half, stride);
}

// dst[0:inner] = sum of rows x[0..n), pairwise over rows; `scratch` holds
// inner floats per level of recursion.
void sum_rows_pairwise(const float* x, int64_t n, int64_t inner, float* dst, float* scratch) {
  if (n <= PAIRWISE_BLOCK) {
    for (int64_t i = 0; i < inner; ++i) dst[i] = 0;
    for (int64_t k = 0; k < n; ++k) {
      for (int64_t i = 0; i < inner; ++i) dst[i] += x[k * inner + i];
    }
    return;
  }
  int64_t half = n / 2;
  sum_rows_pairwise(x, half, inner, dst, scratch);
  sum_rows_pairwise(x + half * inner, n - half, inner, scratch, scratch + inner);
  for (int64_t i = 0; i < inner; ++i) dst[i] += scratch[i];
}

int64_t pairwise_depth(int64_t n) {
  int64_t depth = 1;
  for (; n > PAIRWISE_BLOCK; n -= n / 2) ++depth;
  return depth;
}

int32_t sum_f32(const float* x, float* y, const ReduceShape& r, bool mean, int32_t* arg) {
  AlignedBuffer scratch;
  size_t scratch_bytes = r.inner > 1 ? static_cast<size_t>(r.inner * pairwise_depth(r.n)) * sizeof(float) : 0;
  if (!scratch.reserve(scratch_bytes)) {
    *arg = static_cast<int32_t>(std::min<size_t>(scratch_bytes, INT32_MAX));
    return Status::OutOfMemory;
  }
  for (int64_t o = 0; o < r.outer; ++o) {
    const float* block = x + o * r.n * r.inner;
    float* out = y + o * r.inner;
    if (r.inner == 1) {
      out[0] = sum_pairwise(block, r.n, 1);
    } else {
      sum_rows_pairwise(block, r.n, r.inner, out, reinterpret_cast<float*>(scratch.data()));
    }
    if (mean) scale_mean(out, r);
  }
  return Status::Ok;
}

// y[o, i] = fold(init, x[o, 0..n, i]) with `op`, row by row so it streams.
template <class T, class Op>
void fold_rows(const T* x, T* y, const ReduceShape& r, T init, Op op) {
  for (int64_t o = 0; o < r.outer; ++o) {
    T* out = y + o * r.inner;
    for (int64_t i = 0; i < r.inner; ++i) out[i] = init;
    for (int64_t k = 0; k < r.n; ++k) {
      const T* row = x + (o * r.n + k) * r.inner;
      for (int64_t i = 0; i < r.inner; ++i) out[i] = op(out[i], row[i]);
    }
  }
}

int32_t reduce_f32(int32_t op, const float* x, float* y, const ReduceShape& r, int32_t* arg) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (op) {
    case ReduceOp::Sum: return sum_f32(x, y, r, false, arg);
    case ReduceOp::Mean: return sum_f32(x, y, r, true, arg);
    case ReduceOp::Max: fold_rows(x, y, r, -inf, [](float a, float b) { return (b > a || b != b) ? b : a; }); break;
    case ReduceOp::Min: fold_rows(x, y, r, inf, [](float a, float b) { return (b < a || b != b) ? b : a; }); break;
    case ReduceOp::Prod: fold_rows(x, y, r, 1.0f, [](float a, float b) { return a * b; }); break;
    default: break;
  }
  return Status::Ok;
}

void reduce_i32(int32_t op, const int32_t* x, int32_t* y, const ReduceShape& r) {
  switch (op) {
    case ReduceOp::Sum: return fold_rows(x, y, r, 0, add_i32);
    case ReduceOp::Mean:
      fold_rows(x, y, r, 0, add_i32);
      if (r.n == 0) return;
      for (int64_t i = 0; i < r.outer * r.inner; ++i) y[i] = static_cast<int32_t>(y[i] / r.n);
      return;
    case ReduceOp::Max: return fold_rows(x, y, r, INT32_MIN, [](int32_t a, int32_t b) { return b > a ? b : a; });
    case ReduceOp::Min: return fold_rows(x, y, r, INT32_MAX, [](int32_t a, int32_t b) { return b < a ? b : a; });
    case ReduceOp::Prod: return fold_rows(x, y, r, 1, mul_i32);
    default: return;
  }
}

void reduce_bool(int32_t op, const uint8_t* x, uint8_t* y, const ReduceShape& r) {
  using B = uint8_t;
  if (op == ReduceOp::Any) return fold_rows(x, y, r, B{0}, [](B a, B b) { return B{a != 0 || b != 0}; });
  fold_rows(x, y, r, B{1}, [](B a, B b) { return B{a != 0 && b != 0}; });
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
    case DTypeCode::float32: return reduce_f32(a[0], tensor_data<const float>(c.in[0]), tensor_data<float>(c.out[0]), r, &c.arg);
    case DTypeCode::int32: reduce_i32(a[0], tensor_data<const int32_t>(c.in[0]), tensor_data<int32_t>(c.out[0]), r); break;
    default: reduce_bool(a[0], tensor_data<const uint8_t>(c.in[0]), tensor_data<uint8_t>(c.out[0]), r); break;
  }
  return Status::Ok;
}

}  // namespace sf
