// MatMul: C[M,N] = op(A) op(B) (+ bias) then an activation, on the packed
// GEMM of gemm.h for float32 and a simple exact loop for int32. B comes from
// a buffer or, with bVar >= 0, straight from a variable. A float32 step
// keeps a constant or variable B packed between runs (packed_b.h).
#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/packed_b.h"

namespace sf {
namespace {

struct MatMulAttrs {
  bool trans_a, trans_b;
  int32_t activation;
  float param;    // the activation's parameter (float32 bits in the plan)
  int32_t b_var;  // var-table index of B, or -1 when B is input 1
};

MatMulAttrs matmul_attrs(const StepDesc& s) {
  MatMulAttrs m{s.attr[0] != 0, s.attr[1] != 0, s.attr[2], 0.0f, -1};
  if (s.n_attr == 5) {
    std::memcpy(&m.param, &s.attr[3], sizeof(float));
    m.b_var = s.attr[4];
  }
  return m;
}

// The input index of the bias, or -1 without one.
int32_t bias_input(const StepDesc& s, const MatMulAttrs& m) {
  int32_t operands = m.b_var >= 0 ? 1 : 2;
  return s.n_in > operands ? operands : -1;
}

GemmDims matmul_dims(const Shape& a, const Shape& c, bool trans_a) {
  return GemmDims{c.dims[0], c.dims[1], trans_a ? a.dims[0] : a.dims[1]};
}

// op(B) is [K, N]. A B buffer must be 2-D; a variable B is read as the
// row-major matrix of its K*N elements whatever its rank (a conv filter
// [kh, kw, cin, cout] is [kh*kw*cin, cout]), so only its count is checked.
const char* check_b_shape(const Plan& plan, const StepDesc& step, const MatMulAttrs& m, int64_t k, int64_t n) {
  if (m.b_var >= 0) {
    if (plan.vars[static_cast<size_t>(m.b_var)].count != k * n) return "variable B's element count is not K*N";
    return nullptr;
  }
  const Shape& b = step_input(plan, step, 1).shape;
  if (b.rank != 2) return "operands are not 2-D";
  if ((m.trans_b ? b.dims[1] : b.dims[0]) != k) return "inner dimensions differ";
  if ((m.trans_b ? b.dims[0] : b.dims[1]) != n) return "output shape is not [M, N]";
  return nullptr;
}

const char* check_matmul_shapes(const Plan& plan, const StepDesc& step, const MatMulAttrs& m) {
  const Shape& a = step_input(plan, step, 0).shape;
  const Shape& c = step_output(plan, step, 0).shape;
  if (a.rank != 2 || c.rank != 2) return "operands are not 2-D";
  int64_t rows = m.trans_a ? a.dims[1] : a.dims[0];
  int64_t k = m.trans_a ? a.dims[0] : a.dims[1];
  int64_t n = c.dims[1];
  if (c.dims[0] != rows) return "output shape is not [M, N]";
  if (const char* bad = check_b_shape(plan, step, m, k, n)) return bad;
  int32_t bias = bias_input(step, m);
  if (bias >= 0) {
    const Shape& s = step_input(plan, step, bias).shape;
    if (s.rank != 1 || s.dims[0] != n) return "bias is not [N]";
  }
  return nullptr;
}

const char* check_matmul_operands(const Plan& plan, const StepDesc& step, const MatMulAttrs& m) {
  int32_t operands = m.b_var >= 0 ? 1 : 2;
  if (step.n_in != operands && step.n_in != operands + 1) return "needs in[a, b(, bias)], or in[a(, bias)] with bVar";
  int32_t dtype = step_output(plan, step, 0).dtype;
  if (!is_numeric(dtype)) return "dtype is not float32 or int32";
  for (int32_t i = 0; i < step.n_in; ++i) {
    if (step_input(plan, step, i).dtype != dtype) return "operands differ in dtype";
  }
  if (m.b_var >= 0 && plan.vars[static_cast<size_t>(m.b_var)].dtype != dtype) return "variable B differs in dtype";
  bool supported = unary_supports(m.activation, dtype) || (dtype == DTypeCode::float32 && m.activation == UnaryOp::LeakyRelu);
  if (!supported) return "activation not defined for this dtype";
  return nullptr;
}

int32_t matmul_f32(KernelCall& call, const MatMulAttrs& m) {
  const GemmArch& arch = gemm_arch();
  GemmDims d = matmul_dims(call.in[0].desc->shape, call.out[0].desc->shape, m.trans_a);
  const float* packed_b = nullptr;
  int32_t status = cached_packed_b(call, m.b_var, m.trans_b, d, &packed_b);
  if (status != Status::Ok) return status;
  int64_t a_floats = gemm_packed_a_floats(arch, d);
  int64_t b_floats = packed_b == nullptr ? gemm_packed_b_floats(arch, d) : 0;
  if (!reserve_floats(call.scratch, a_floats + b_floats, &call.arg)) return Status::OutOfMemory;
  float* packed_a = reinterpret_cast<float*>(call.scratch->data());
  GemmOperand b;
  if (packed_b == nullptr) {
    b = GemmOperand{tensor_data<const float>(call.in[1]), m.trans_b, packed_a + a_floats};
    packed_b = b.packed;
  }
  gemm_pack(arch, d, GemmOperand{tensor_data<const float>(call.in[0]), m.trans_a, packed_a}, b, call.pool);
  int32_t bias = bias_input(*call.step, m);
  GemmEpilogue epilogue{bias >= 0 ? tensor_data<const float>(call.in[bias]) : nullptr, m.activation, m.param};
  gemm_compute(arch, packed_a, packed_b, tensor_data<float>(call.out[0]), d, epilogue, call.pool);
  return Status::Ok;
}

int32_t matmul_i32(KernelCall& call, const MatMulAttrs& m) {
  const uint32_t* b = nullptr;
  if (m.b_var >= 0) {
    const Variable* var = readable_var(call, m.b_var);
    if (var == nullptr) return Status::UninitializedVariable;
    b = reinterpret_cast<const uint32_t*>(var->storage.data());
  } else {
    b = tensor_data<const uint32_t>(call.in[1]);
  }
  if (!call.scratch->reserve(static_cast<size_t>(gemm_int32_scratch_bytes()))) {
    call.arg = static_cast<int32_t>(gemm_int32_scratch_bytes());
    return Status::OutOfMemory;
  }
  GemmDims d = matmul_dims(call.in[0].desc->shape, call.out[0].desc->shape, m.trans_a);
  uint32_t* c = tensor_data<uint32_t>(call.out[0]);
  gemm_int32(tensor_data<const uint32_t>(call.in[0]), m.trans_a, b, m.trans_b, c, d,
             reinterpret_cast<uint32_t*>(call.scratch->data()));
  int32_t bias = bias_input(*call.step, m);
  if (bias >= 0) {
    const uint32_t* add = tensor_data<const uint32_t>(call.in[bias]);
    for (int64_t i = 0; i < d.m; ++i) {
      for (int64_t j = 0; j < d.n; ++j) c[i * d.n + j] += add[j];
    }
  }
  if (m.activation != UnaryOp::Identity) unary_apply_i32(m.activation, reinterpret_cast<int32_t*>(c), d.m * d.n);
  return Status::Ok;
}

}  // namespace

const char* matmul_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_out != 1 || (step.n_attr != 3 && step.n_attr != 5)) {
    return "needs out[c] attr[transA, transB, activation(, param, bVar)]";
  }
  MatMulAttrs m = matmul_attrs(step);
  if (m.b_var < -1 || m.b_var >= static_cast<int32_t>(plan.vars.size())) return "bVar is neither -1 nor a variable index";
  if (const char* bad = check_matmul_operands(plan, step, m)) return bad;
  if ((step.attr[0] != 0 && step.attr[0] != 1) || (step.attr[1] != 0 && step.attr[1] != 1)) return "transpose flags are not 0 or 1";
  return check_matmul_shapes(plan, step, m);
}

int32_t matmul_prepare(const Plan& plan, const StepDesc& step, ThreadPool* pool, std::unique_ptr<StepState>* state) {
  MatMulAttrs m = matmul_attrs(step);
  if (step_output(plan, step, 0).dtype != DTypeCode::float32) return Status::Ok;
  bool constant_b = m.b_var < 0 && step_input(plan, step, 1).region == Region::Constant;
  GemmDims d = matmul_dims(step_input(plan, step, 0).shape, step_output(plan, step, 0).shape, m.trans_a);
  return packed_b_prepare(plan, constant_b ? &step_input(plan, step, 1) : nullptr, m.b_var, m.trans_b, d, pool, state);
}

int32_t matmul_run(KernelCall& call) {
  MatMulAttrs m = matmul_attrs(*call.step);
  if (call.out[0].desc->dtype == DTypeCode::float32) return matmul_f32(call, m);
  return matmul_i32(call, m);
}

}  // namespace sf
