// Copy, Fill and Cast: kernels that move or convert values without arithmetic.
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

template <class From, class To, class F>
void convert(const Tensor& x, const Tensor& y, F f) {
  const From* in = tensor_data<const From>(x);
  To* out = tensor_data<To>(y);
  int64_t n = y.desc->count;
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

template <class T>
void fill(const Tensor& scalar, const Tensor& y) {
  T value;
  std::memcpy(&value, scalar.data, sizeof(T));
  T* out = tensor_data<T>(y);
  int64_t n = y.desc->count;
  for (int64_t i = 0; i < n; ++i) out[i] = value;
}

}  // namespace

const char* copy_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 0) return "needs in[x] out[y]";
  if (step_input(plan, step, 0).bytes != step_output(plan, step, 0).bytes) return "input and output differ in byte size";
  return nullptr;
}

int32_t copy_run(KernelCall& c) {
  size_t bytes = static_cast<size_t>(c.out[0].desc->bytes);
  if (bytes > 0 && c.out[0].data != c.in[0].data) std::memmove(c.out[0].data, c.in[0].data, bytes);
  return Status::Ok;
}

const char* fill_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 0) return "needs in[scalar] out[y]";
  const BufferDesc& x = step_input(plan, step, 0);
  if (x.count != 1) return "the fill value is not one element";
  if (x.dtype != step_output(plan, step, 0).dtype) return "fill value and output differ in dtype";
  return nullptr;
}

int32_t fill_run(KernelCall& c) {
  if (dtype_size(c.out[0].desc->dtype) == 1) {
    fill<uint8_t>(c.in[0], c.out[0]);
  } else {
    fill<uint32_t>(c.in[0], c.out[0]);
  }
  return Status::Ok;
}

const char* cast_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 0) return "needs in[x] out[y]";
  if (step_input(plan, step, 0).count != step_output(plan, step, 0).count) return "input and output differ in element count";
  return nullptr;
}

int32_t cast_run(KernelCall& c) {
  using B = uint8_t;
  const Tensor& x = c.in[0];
  const Tensor& y = c.out[0];
  int32_t from = x.desc->dtype;
  int32_t to = y.desc->dtype;
  if (from == to) return copy_run(c);
  if (from == DTypeCode::float32 && to == DTypeCode::int32) convert<float, int32_t>(x, y, f32_to_i32_sat);
  if (from == DTypeCode::int32 && to == DTypeCode::float32) convert<int32_t, float>(x, y, [](int32_t v) { return static_cast<float>(v); });
  if (from == DTypeCode::float32 && to == DTypeCode::bool_) convert<float, B>(x, y, [](float v) { return B{v != 0}; });
  if (from == DTypeCode::int32 && to == DTypeCode::bool_) convert<int32_t, B>(x, y, [](int32_t v) { return B{v != 0}; });
  if (from == DTypeCode::bool_ && to == DTypeCode::float32) convert<B, float>(x, y, [](B v) { return v != 0 ? 1.0f : 0.0f; });
  if (from == DTypeCode::bool_ && to == DTypeCode::int32) convert<B, int32_t>(x, y, [](B v) { return int32_t{v != 0}; });
  return Status::Ok;
}

}  // namespace sf
