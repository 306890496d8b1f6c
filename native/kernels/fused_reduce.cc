// FusedReduce: a Fused program evaluated over the virtual shape `dims`,
// reduced over the contiguous axes first..last, i.e. over the middle of
// [outer, n, inner] as Reduce does. Tiles of program values are folded into
// the output as they are produced. Float sums stay accurate: with inner == 1
// each tile is summed pairwise and the tile sums are combined by a binary
// cascade (error grows like log n); with inner > 1 rows are summed in blocks
// of about sqrt(n) rows, then the blocks are summed.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/fused_program.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

struct ReduceAttrs {
  int32_t op = 0;
  Shape dims;
  int64_t outer = 0, n = 0, inner = 0;
  int32_t program_at = 0;  // attr word of nInstr
};

// Parses op, rank, dims, first, last; null when well formed.
const char* read_attrs(const StepDesc& step, ReduceAttrs* r) {
  if (step.n_attr < 2) return "needs attr[op, rank, dims..., first, last, nInstr, instructions...]";
  r->op = step.attr[0];
  int32_t rank = step.attr[1];
  if (rank < 1 || rank > MAX_RANK || step.n_attr < rank + 5) return "rank outside 1..8 or attributes missing";
  r->dims.rank = rank;
  int64_t total = 1;
  for (int32_t d = 0; d < rank; ++d) {
    r->dims.dims[d] = step.attr[2 + d];
    total *= r->dims.dims[d];
    if (r->dims.dims[d] < 0 || total > INT32_MAX) return "bad virtual dims";
  }
  int32_t first = step.attr[2 + rank], last = step.attr[3 + rank];
  if (first < 0 || first > last || last >= rank) return "axes first..last outside the dims";
  r->outer = r->n = r->inner = 1;
  for (int32_t d = 0; d < rank; ++d) (d < first ? r->outer : d <= last ? r->n : r->inner) *= r->dims.dims[d];
  r->program_at = 4 + rank;
  return nullptr;
}

bool reduce_supports(int32_t op, int32_t dtype) {
  if (op == ReduceOp::Any || op == ReduceOp::All) return dtype == DTypeCode::bool_;
  return op >= ReduceOp::Sum && op <= ReduceOp::Prod && is_numeric(dtype);
}

float sum_pairwise(const float* x, int64_t n) {
  if (n <= 32) {
    float lanes[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (int64_t l = 0; l < 4; ++l) lanes[l] += x[i + l];
    }
    for (; i < n; ++i) lanes[0] += x[i];
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
  int64_t half = n / 2;
  return sum_pairwise(x, half) + sum_pairwise(x + half, n - half);
}

// Adds partial sums so that the k-th one is combined like a binary tree.
struct Cascade {
  float level[64] = {};
  uint64_t count = 0;
  void add(float v) {
    int32_t l = 0;
    for (uint64_t c = count; c & 1u; c >>= 1) v += level[l++];
    level[l] = v;
    ++count;
  }
  float total() const {
    float sum = 0;
    for (int32_t l = 0; l < 64; ++l) {
      if (count >> l & 1u) sum += level[l];
    }
    return sum;
  }
};

// The fold of each op over T, and its identity for an empty axis.
template <class T>
struct Folds {
  static constexpr bool is_float = std::is_same<T, float>::value;
  static T identity(int32_t op) {
    constexpr T hi = is_float ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
    constexpr T lo = is_float ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::min();
    switch (op) {
      case ReduceOp::Max: return lo;
      case ReduceOp::Min: return hi;
      case ReduceOp::Prod: case ReduceOp::All: return T{1};
      default: return T{0};
    }
  }
  template <class Fn>
  static void with(int32_t op, Fn&& fn) {
    switch (op) {
      case ReduceOp::Max: return fn([](T a, T b) { return (b > a || b != b) ? b : a; });
      case ReduceOp::Min: return fn([](T a, T b) { return (b < a || b != b) ? b : a; });
      case ReduceOp::Prod: return fn([](T a, T b) { return is_float ? T(a * b) : T(mul_i32(int32_t(a), int32_t(b))); });
      case ReduceOp::Any: return fn([](T a, T b) { return T(a != 0 || b != 0); });
      case ReduceOp::All: return fn([](T a, T b) { return T(a != 0 && b != 0); });
      default: return fn([](T a, T b) { return is_float ? T(a + b) : T(add_i32(int32_t(a), int32_t(b))); });
    }
  }
};

// Folds tile values v (virtual positions start..) into y with `f`.
template <class T, class F>
void fold_tile(const ReduceAttrs& r, const T* v, int64_t start, int64_t count, T* y, F f) {
  for (int64_t t = 0; t < count;) {
    int64_t p = start + t;
    int64_t o = p / (r.n * r.inner), i = p % r.inner;
    if (r.inner == 1) {
      int64_t run = std::min(r.n - p % r.n, count - t);
      T acc = y[o];
      for (int64_t k = 0; k < run; ++k) acc = f(acc, v[t + k]);
      y[o] = acc;
      t += run;
    } else {
      int64_t run = std::min(r.inner - i, count - t);
      T* out = y + o * r.inner + i;
      for (int64_t k = 0; k < run; ++k) out[k] = f(out[k], v[t + k]);
      t += run;
    }
  }
}

// Accurate float sums: see the file comment. `block` holds inner floats.
struct SumState {
  const ReduceAttrs& r;
  float* y;
  float* block;
  int64_t block_rows;
  Cascade cascade;

  void add_tile(const float* v, int64_t start, int64_t count) {
    for (int64_t t = 0; t < count;) {
      int64_t p = start + t;
      int64_t o = p / (r.n * r.inner), j = p / r.inner % r.n, i = p % r.inner;
      int64_t run = r.inner == 1 ? std::min(r.n - j, count - t) : std::min(r.inner - i, count - t);
      if (r.inner == 1) {
        cascade.add(sum_pairwise(v + t, run));
        if (j + run == r.n) y[o] = cascade.total(), cascade = Cascade();
      } else {
        for (int64_t k = 0; k < run; ++k) block[i + k] += v[t + k];
        if (i + run == r.inner && ((j + 1) % block_rows == 0 || j + 1 == r.n)) flush_block(y + o * r.inner);
      }
      t += run;
    }
  }
  void flush_block(float* out) {
    for (int64_t i = 0; i < r.inner; ++i) out[i] += block[i], block[i] = 0;
  }
};

template <class T>
int32_t reduce_typed(KernelCall& c, const ReduceAttrs& r, FusedProgram& program) {
  T* y = tensor_data<T>(c.out[0]);
  int64_t out_count = r.outer * r.inner;
  bool float_sum = Folds<T>::is_float && (r.op == ReduceOp::Sum || r.op == ReduceOp::Mean);
  for (int64_t i = 0; i < out_count; ++i) y[i] = Folds<T>::identity(r.op);
  int64_t total = out_count * r.n;
  if (total == 0) return Status::Ok;
  uint8_t* extra = nullptr;
  size_t block_bytes = float_sum && r.inner > 1 ? static_cast<size_t>(r.inner) * 4 : 0;
  if (int32_t status = program.prepare(c.scratch, FUSED_TILE * 4 + block_bytes, &extra)) return status;
  T* tile = reinterpret_cast<T*>(extra);
  float* block = reinterpret_cast<float*>(extra + FUSED_TILE * 4);
  for (size_t i = 0; i < block_bytes / 4; ++i) block[i] = 0;
  int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(static_cast<double>(r.n))));
  SumState sums{r, reinterpret_cast<float*>(y), block, rows, Cascade()};
  for (int64_t at = 0; at < total; at += FUSED_TILE) {
    int64_t n = std::min(FUSED_TILE, total - at);
    if (int32_t status = program.eval(at, n, reinterpret_cast<uint8_t*>(tile))) return status;
    if (float_sum) {
      sums.add_tile(reinterpret_cast<const float*>(tile), at, n);
    } else {
      Folds<T>::with(r.op, [&](auto f) { fold_tile(r, tile, at, n, y, f); });
    }
  }
  return Status::Ok;
}

// Sum -> Mean: float divides (an empty mean is NaN); int32 truncates (empty: 0).
template <class T>
void finish_mean(T* y, int64_t count, int64_t n) {
  for (int64_t i = 0; i < count; ++i) {
    if (std::is_same<T, float>::value) {
      y[i] = n == 0 ? std::numeric_limits<T>::quiet_NaN() : T(y[i] / static_cast<T>(n));
    } else if (n != 0) {
      y[i] = static_cast<T>(static_cast<int64_t>(y[i]) / n);
    }
  }
}

}  // namespace

const char* fused_reduce_validate(const Plan& plan, const StepDesc& step) {
  ReduceAttrs r;
  if (const char* bad = read_attrs(step, &r)) return bad;
  int32_t dtype = 0;
  if (const char* bad = fused_program_validate(plan, step, r.program_at, r.dims, &dtype)) return bad;
  const BufferDesc& y = step_output(plan, step, 0);
  if (y.dtype != dtype) return "the program's result dtype differs from the output's";
  if (!reduce_supports(r.op, dtype)) return "reduce op not defined for this dtype";
  if (y.count != r.outer * r.inner) return "output element count differs from dims without the reduced axes";
  return nullptr;
}

int32_t fused_reduce_run(KernelCall& c) {
  ReduceAttrs r;
  read_attrs(*c.step, &r);
  if (r.outer * r.inner == 0) return Status::Ok;
  FusedProgram program(c, r.program_at, r.dims);
  int32_t dtype = c.out[0].desc->dtype;
  int32_t status = Status::Ok;
  if (dtype == DTypeCode::float32) status = reduce_typed<float>(c, r, program);
  if (dtype == DTypeCode::int32) status = reduce_typed<int32_t>(c, r, program);
  if (dtype == DTypeCode::bool_) status = reduce_typed<uint8_t>(c, r, program);
  if (status != Status::Ok || r.op != ReduceOp::Mean) return status;
  if (dtype == DTypeCode::float32) finish_mean(tensor_data<float>(c.out[0]), r.outer * r.inner, r.n);
  if (dtype == DTypeCode::int32) finish_mean(tensor_data<int32_t>(c.out[0]), r.outer * r.inner, r.n);
  return Status::Ok;
}

}  // namespace sf
