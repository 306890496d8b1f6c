// Transpose: out.shape[i] = in.shape[perm[i]]. Walks the output in order,
// each innermost output row reading the input at a fixed stride.
#include "kernels/kernels.h"

namespace sf {
namespace {

// Element strides of the input, permuted into output dim order.
void permuted_strides(const Shape& in, const int32_t* perm, int64_t* strides) {
  int64_t in_strides[MAX_RANK] = {};
  int64_t s = 1;
  for (int32_t d = in.rank - 1; d >= 0; --d) {
    in_strides[d] = s;
    s *= in.dims[d];
  }
  for (int32_t d = 0; d < in.rank; ++d) strides[d] = in_strides[perm[d]];
}

template <class T>
void transpose_typed(const T* x, T* y, const Shape& out, const int32_t* perm, const Shape& in) {
  int64_t total = 1;
  for (int32_t d = 0; d < out.rank; ++d) total *= out.dims[d];
  if (total == 0) return;
  if (out.rank == 0) {
    y[0] = x[0];
    return;
  }
  int64_t strides[MAX_RANK] = {};
  permuted_strides(in, perm, strides);
  int32_t last = out.rank - 1;
  int64_t length = out.dims[last];
  int64_t step = strides[last];
  int64_t index[MAX_RANK] = {};
  int64_t offset = 0;
  for (int64_t o = 0; o < total; o += length) {
    for (int64_t i = 0; i < length; ++i) y[o + i] = x[offset + i * step];
    for (int32_t d = last - 1; d >= 0; --d) {
      offset += strides[d];
      if (++index[d] < out.dims[d]) break;
      offset -= strides[d] * out.dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace

const char* transpose_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1) return "needs in[x] out[y] attr[perm...]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype) return "input and output differ in dtype";
  if (step.n_attr != x.shape.rank || y.shape.rank != x.shape.rank) return "perm length differs from the rank";
  bool seen[MAX_RANK] = {};
  for (int32_t d = 0; d < step.n_attr; ++d) {
    int32_t p = step.attr[d];
    if (p < 0 || p >= x.shape.rank || seen[p]) return "perm is not a permutation";
    seen[p] = true;
    if (y.shape.dims[d] != x.shape.dims[p]) return "output shape is not the permuted input shape";
  }
  return nullptr;
}

int32_t transpose_run(KernelCall& c) {
  const Shape& in = c.in[0].desc->shape;
  const Shape& out = c.out[0].desc->shape;
  const int32_t* perm = c.step->attr;
  if (dtype_size(c.in[0].desc->dtype) == 1) {
    transpose_typed(tensor_data<const uint8_t>(c.in[0]), tensor_data<uint8_t>(c.out[0]), out, perm, in);
  } else {
    transpose_typed(tensor_data<const uint32_t>(c.in[0]), tensor_data<uint32_t>(c.out[0]), out, perm, in);
  }
  return Status::Ok;
}

}  // namespace sf
