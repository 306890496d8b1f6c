// ArgReduce: the index of the max or min along the middle axis of x viewed as
// [outer, n, inner]. The first index wins ties and the first NaN wins over
// every number, as tf.argmax does on CPU.
#include <cmath>

#include "kernels/indexing.h"
#include "kernels/kernels.h"

namespace sf {
namespace {

// Whether v replaces the current best: strictly better, or the first NaN.
// Once the best is NaN nothing replaces it.
template <class T>
bool arg_better(T v, T best, bool max) {
  if (best != best) return false;
  if (v != v) return true;
  return max ? v > best : v < best;
}

// y[o, i] = arg over k of x[o, k, i]; y doubles as the running best index.
template <class T>
void arg_reduce(const T* x, int32_t* y, int64_t outer, int64_t n, int64_t inner, bool max) {
  for (int64_t o = 0; o < outer; ++o) {
    const T* block = x + o * n * inner;
    int32_t* best = y + o * inner;
    for (int64_t i = 0; i < inner; ++i) best[i] = 0;
    for (int64_t k = 1; k < n; ++k) {
      const T* row = block + k * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if (arg_better(row[i], block[best[i] * inner + i], max)) best[i] = static_cast<int32_t>(k);
      }
    }
  }
}

}  // namespace

const char* arg_reduce_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 4) return "needs in[x] out[y] attr[op, outer, n, inner]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  const int32_t* a = step.attr;
  if (a[0] != ArgOp::Max && a[0] != ArgOp::Min) return "unknown arg op";
  if (!is_numeric(x.dtype)) return "x must be float32 or int32";
  if (y.dtype != DTypeCode::int32) return "y must be int32";
  if (a[2] < 1) return "the reduced axis must not be empty";
  if (dims_count(a[1], a[2], a[3]) != x.count) return "x's element count differs from outer * n * inner";
  if (dims_count(a[1], 1, a[3]) != y.count) return "y's element count differs from outer * inner";
  return nullptr;
}

int32_t arg_reduce_run(KernelCall& c) {
  const int32_t* a = c.step->attr;
  bool max = a[0] == ArgOp::Max;
  int32_t* y = tensor_data<int32_t>(c.out[0]);
  if (c.in[0].desc->dtype == DTypeCode::float32) {
    arg_reduce(tensor_data<const float>(c.in[0]), y, a[1], a[2], a[3], max);
  } else {
    arg_reduce(tensor_data<const int32_t>(c.in[0]), y, a[1], a[2], a[3], max);
  }
  return Status::Ok;
}

}  // namespace sf
