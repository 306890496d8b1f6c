// OneHot, Gather and ScatterAdd: kernels driven by an int32 indices buffer.
// Gather and ScatterAdd check every index before touching the output, so an
// out-of-range index reports its first position whatever the other sizes.
#include <cstring>

#include "kernels/indexing.h"
#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

// The position of the first index outside [0, n), or -1.
int64_t first_bad_index(const int32_t* indices, int64_t m, int64_t n) {
  for (int64_t j = 0; j < m; ++j) {
    if (indices[j] < 0 || indices[j] >= n) return j;
  }
  return -1;
}

// Shared by Gather and ScatterAdd: `rows` is [outer, m, inner] of `full`'s
// dtype and `full` is [outer, n, inner], m = the index count.
const char* check_indexed(const Plan& plan, const StepDesc& step, const BufferDesc& full, const BufferDesc& rows) {
  const BufferDesc& indices = step_input(plan, step, 1);
  if (indices.dtype != DTypeCode::int32) return "indices must be int32";
  if (rows.dtype != full.dtype) return "the gathered or scattered rows differ in dtype";
  const int32_t* a = step.attr;
  if (dims_count(a[0], a[1], a[2]) != full.count) return "element count differs from outer * n * inner";
  if (dims_count(a[0], indices.count, a[2]) != rows.count) return "element count differs from outer * indices * inner";
  const BufferDesc& y = step_output(plan, step, 0);
  if (buffers_overlap(y, indices) || buffers_overlap(y, step_input(plan, step, 0))) return "the output overlaps an input";
  return nullptr;
}

// Scatter's accumulation: float32 adds, int32 wraps.
inline float accumulate(float a, float b) { return a + b; }
inline int32_t accumulate(int32_t a, int32_t b) { return add_i32(a, b); }

template <class T>
void scatter_add(const T* updates, const int32_t* indices, T* y, const int32_t* a, int64_t m) {
  int64_t n = a[1], inner = a[2];
  for (int64_t o = 0; o < a[0]; ++o) {
    for (int64_t j = 0; j < m; ++j) {
      const T* src = updates + (o * m + j) * inner;
      T* dst = y + (o * n + indices[j]) * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = accumulate(dst[i], src[i]);
    }
  }
}

}  // namespace

const char* one_hot_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 3 || step.n_out != 1 || step.n_attr != 1) return "needs in[indices, on, off] out[y] attr[depth]";
  const BufferDesc& indices = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (indices.dtype != DTypeCode::int32) return "indices must be int32";
  for (int32_t i = 1; i <= 2; ++i) {
    const BufferDesc& value = step_input(plan, step, i);
    if (value.count != 1 || value.dtype != y.dtype) return "on and off must be one element of y's dtype";
  }
  const Shape& s = indices.shape;
  if (y.shape.rank != s.rank + 1 || y.shape.dims[s.rank] != step.attr[0]) return "y's shape is not indices.shape + [depth]";
  for (int32_t d = 0; d < s.rank; ++d) {
    if (y.shape.dims[d] != s.dims[d]) return "y's shape is not indices.shape + [depth]";
  }
  return nullptr;
}

int32_t one_hot_run(KernelCall& c) {
  const int32_t* indices = tensor_data<const int32_t>(c.in[0]);
  int64_t m = c.in[0].desc->count;
  int64_t depth = c.step->attr[0];
  size_t size = static_cast<size_t>(dtype_size(c.out[0].desc->dtype));
  const uint8_t* on = c.in[1].data;
  const uint8_t* off = c.in[2].data;
  uint8_t* y = c.out[0].data;
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t k = 0; k < depth; ++k, y += size) std::memmove(y, indices[j] == k ? on : off, size);
  }
  return Status::Ok;
}

// IndexOutOfRange naming the first index outside [0, n), checked before any write.
static int32_t check_indices(KernelCall& c, const int32_t* indices, int64_t m, int32_t n) {
  int64_t bad = first_bad_index(indices, m, n);
  if (bad < 0) return Status::Ok;
  c.arg = static_cast<int32_t>(bad);
  return Status::IndexOutOfRange;
}

const char* gather_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 2 || step.n_out != 1 || step.n_attr != 3) return "needs in[params, indices] out[y] attr[outer, n, inner]";
  return check_indexed(plan, step, step_input(plan, step, 0), step_output(plan, step, 0));
}

int32_t gather_run(KernelCall& c) {
  const int32_t* indices = tensor_data<const int32_t>(c.in[1]);
  const int32_t* a = c.step->attr;
  int64_t m = c.in[1].desc->count;
  if (int32_t status = check_indices(c, indices, m, a[1])) return status;
  size_t row = static_cast<size_t>(a[2]) * static_cast<size_t>(dtype_size(c.out[0].desc->dtype));
  const uint8_t* params = c.in[0].data;
  uint8_t* y = c.out[0].data;
  for (int64_t o = 0; o < a[0]; ++o) {
    const uint8_t* block = params + static_cast<size_t>(o * a[1]) * row;
    for (int64_t j = 0; j < m; ++j, y += row) {
      if (row > 0) std::memcpy(y, block + static_cast<size_t>(indices[j]) * row, row);
    }
  }
  return Status::Ok;
}

const char* scatter_add_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 2 || step.n_out != 1 || step.n_attr != 3) return "needs in[updates, indices] out[y] attr[outer, n, inner]";
  const BufferDesc& y = step_output(plan, step, 0);
  if (!is_numeric(y.dtype)) return "y must be float32 or int32";
  return check_indexed(plan, step, y, step_input(plan, step, 0));
}

int32_t scatter_add_run(KernelCall& c) {
  const int32_t* indices = tensor_data<const int32_t>(c.in[1]);
  const int32_t* a = c.step->attr;
  int64_t m = c.in[1].desc->count;
  if (int32_t status = check_indices(c, indices, m, a[1])) return status;
  if (c.out[0].desc->bytes > 0) std::memset(c.out[0].data, 0, static_cast<size_t>(c.out[0].desc->bytes));
  if (c.out[0].desc->dtype == DTypeCode::float32) {
    scatter_add(tensor_data<const float>(c.in[0]), indices, tensor_data<float>(c.out[0]), a, m);
  } else {
    scatter_add(tensor_data<const int32_t>(c.in[0]), indices, tensor_data<int32_t>(c.out[0]), a, m);
  }
  return Status::Ok;
}

}  // namespace sf
