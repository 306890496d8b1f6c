// Conv2D: y [N, OH, OW, O] = Im2Col(x) times the filter read as
// [KH*KW*C, O], then MatMul's bias and activation epilogue, bit for bit what
// an Im2Col step then a MatMul step give, without the Im2Col matrix
// (conv_gemm.h). The filter is a buffer or, with filterVar >= 0, a variable's
// storage; a constant or variable filter stays packed between runs
// (packed_b.h), as MatMul's B.
#include <cstring>

#include "kernels/conv_gemm.h"
#include "kernels/indexing.h"
#include "kernels/kernels.h"
#include "kernels/packed_b.h"
#include "kernels/window.h"

namespace sf {
namespace {

struct Conv2DAttrs {
  WindowGeometry g;
  int32_t activation;
  float param;         // the activation's parameter (float32 bits in the plan)
  int32_t filter_var;  // var-table index of the filter, or -1 when it is input 1
};

Conv2DAttrs conv2d_attrs(const StepDesc& s) {
  Conv2DAttrs a{window_geometry(s.attr), s.attr[WINDOW_ATTRS], 0.0f, -1};
  if (s.n_attr == WINDOW_ATTRS + 3) {
    std::memcpy(&a.param, &s.attr[WINDOW_ATTRS + 1], sizeof(float));
    a.filter_var = s.attr[WINDOW_ATTRS + 2];
  }
  return a;
}

// Inputs before the bias: [x, filter], or [x] with a variable filter.
int32_t operand_count(const Conv2DAttrs& a) { return a.filter_var >= 0 ? 1 : 2; }

// The input index of the bias, or -1 without one.
int32_t bias_input(const StepDesc& s, const Conv2DAttrs& a) { return s.n_in > operand_count(a) ? operand_count(a) : -1; }

// The GEMM: M = N*OH*OW, N = O (y's last dimension), K = KH*KW*C.
GemmDims conv2d_dims(const Conv2DAttrs& a, const Shape& y) {
  return GemmDims{a.g.n * a.g.oh * a.g.ow, y.dims[3], a.g.kh * a.g.kw * a.g.c};
}

const char* check_output(const BufferDesc& y, const WindowGeometry& g) {
  if (y.dtype != DTypeCode::float32) return "Conv2D takes float32 buffers only";
  const Shape& s = y.shape;
  if (s.rank != 4 || s.dims[0] != g.n || s.dims[1] != g.oh || s.dims[2] != g.ow) return "y is not [N, OH, OW, O]";
  return window_check_buffer(y, checked_product({g.n, g.oh, g.ow, s.dims[3]}), "y's element count is not N*OH*OW*O");
}

// The filter's K*O elements, from an input buffer or a variable.
const char* check_filter(const Plan& plan, const StepDesc& step, const Conv2DAttrs& a, int64_t o) {
  int64_t count = checked_product({a.g.kh, a.g.kw, a.g.c, o});
  if (a.filter_var < 0) return window_check_buffer(step_input(plan, step, 1), count, "the filter's element count is not KH*KW*C*O");
  const VarDesc& var = plan.vars[static_cast<size_t>(a.filter_var)];
  if (var.dtype != DTypeCode::float32) return "Conv2D takes float32 buffers only";
  return count >= 0 && var.count == count ? nullptr : "the filter variable's element count is not KH*KW*C*O";
}

const char* check_inputs(const Plan& plan, const StepDesc& step, const Conv2DAttrs& a, int64_t o) {
  const WindowGeometry& g = a.g;
  if (const char* bad = window_check_buffer(step_input(plan, step, 0), checked_product({g.n, g.h, g.w, g.c}),
                                            "x's element count is not N*H*W*C")) {
    return bad;
  }
  if (const char* bad = check_filter(plan, step, a, o)) return bad;
  int32_t bias = bias_input(step, a);
  if (bias >= 0) {
    const BufferDesc& b = step_input(plan, step, bias);
    if (b.shape.rank != 1) return "bias is not [O]";
    if (const char* bad = window_check_buffer(b, o, "bias is not [O]")) return bad;
  }
  for (int32_t i = 0; i < step.n_in; ++i) {
    if (buffers_overlap(step_input(plan, step, i), step_output(plan, step, 0))) return "the output overlaps an input";
  }
  return nullptr;
}

}  // namespace

const char* conv2d_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_out != 1 || (step.n_attr != WINDOW_ATTRS + 1 && step.n_attr != WINDOW_ATTRS + 3)) {
    return "needs out[y] attr[N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL, activation(, param, filterVar)]";
  }
  Conv2DAttrs a = conv2d_attrs(step);
  if (a.filter_var < -1 || a.filter_var >= static_cast<int32_t>(plan.vars.size())) return "filterVar is neither -1 nor a variable index";
  if (step.n_in != operand_count(a) && step.n_in != operand_count(a) + 1) {
    return "needs in[x, filter(, bias)], or in[x(, bias)] with filterVar";
  }
  if (const char* bad = window_check_geometry(a.g)) return bad;
  // M and K must fit even when O = 0 makes y and the filter empty.
  if (checked_product({a.g.n, a.g.oh, a.g.ow}) < 0 || checked_product({a.g.kh, a.g.kw, a.g.c}) < 0) {
    return "the geometry's element counts overflow 64 bits";
  }
  const BufferDesc& y = step_output(plan, step, 0);
  if (const char* bad = check_output(y, a.g)) return bad;
  if (!unary_supports(a.activation, DTypeCode::float32) && a.activation != UnaryOp::LeakyRelu) {
    return "activation not defined for float32";
  }
  return check_inputs(plan, step, a, y.shape.dims[3]);
}

int32_t conv2d_prepare(const Plan& plan, const StepDesc& step, ThreadPool* pool, std::unique_ptr<StepState>* state) {
  Conv2DAttrs a = conv2d_attrs(step);
  bool constant = a.filter_var < 0 && step_input(plan, step, 1).region == Region::Constant;
  GemmDims d = conv2d_dims(a, step_output(plan, step, 0).shape);
  return packed_b_prepare(plan, constant ? &step_input(plan, step, 1) : nullptr, a.filter_var, false, d, pool, state);
}

int32_t conv2d_run(KernelCall& call) {
  const GemmArch& arch = gemm_arch();
  Conv2DAttrs a = conv2d_attrs(*call.step);
  GemmDims d = conv2d_dims(a, call.out[0].desc->shape);
  const float* packed_b = nullptr;
  int32_t status = cached_packed_b(call, a.filter_var, false, d, &packed_b);
  if (status != Status::Ok) return status;
  if (packed_b == nullptr) {  // a filter in the arena: packed every run, as MatMul's B
    if (!reserve_floats(call.scratch, gemm_packed_b_floats(arch, d), &call.arg)) return Status::OutOfMemory;
    auto* packed = reinterpret_cast<float*>(call.scratch->data());
    gemm_pack(arch, d, GemmOperand{}, GemmOperand{tensor_data<const float>(call.in[1]), false, packed}, call.pool);
    packed_b = packed;
  }
  int32_t bias = bias_input(*call.step, a);
  GemmEpilogue epilogue{bias >= 0 ? tensor_data<const float>(call.in[bias]) : nullptr, a.activation, a.param};
  conv_gemm_compute(arch, a.g, tensor_data<const float>(call.in[0]), packed_b, tensor_data<float>(call.out[0]), d.n, epilogue,
                    call.pool);
  return Status::Ok;
}

}  // namespace sf
