// Unary, Binary and Select: the buffer-level loops around the row kernels of
// rows.h (which hold the per-op functors of elementwise_ops.h).
#include <cstring>

#include "kernels/broadcast.h"
#include "kernels/kernels.h"
#include "kernels/elementwise_ops.h"
#include "kernels/rows.h"

namespace sf {
namespace {

// LeakyRelu's alpha: the optional second attribute's float32 bits.
float unary_param(const StepDesc& step) {
  if (step.n_attr < 2) return LEAKY_RELU_DEFAULT_ALPHA;
  float alpha;
  std::memcpy(&alpha, &step.attr[1], 4);
  return alpha;
}

// Integer Div, FloorMod and Pow fail before writing anything.
int32_t binary_check(const KernelCall& c, int32_t op) {
  if (c.out[0].desc->count == 0) return Status::Ok;
  return binary_operand_status(c.in[0].desc->dtype, op, c.in[1].data, 1, c.in[1].desc->count);
}

}  // namespace

bool binary_supports(int32_t op, int32_t dtype) {
  if (op == BinaryOp::Equal || op == BinaryOp::NotEqual) return dtype_size(dtype) != 0;
  if (op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr) return dtype == DTypeCode::bool_;
  return op >= BinaryOp::Add && op <= BinaryOp::GreaterEqual && is_numeric(dtype);
}

int32_t binary_result_dtype(int32_t op, int32_t dtype) {
  bool to_bool = (op >= BinaryOp::Equal && op <= BinaryOp::GreaterEqual) || op == BinaryOp::LogicalAnd ||
                 op == BinaryOp::LogicalOr;
  return to_bool ? static_cast<int32_t>(DTypeCode::bool_) : dtype;
}

bool unary_supports(int32_t op, int32_t dtype) {
  switch (dtype) {
    case DTypeCode::float32: return op >= UnaryOp::Identity && op <= UnaryOp::Cos && op != UnaryOp::LogicalNot;
    case DTypeCode::int32:
      return op == UnaryOp::Identity || op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Square ||
             op == UnaryOp::Sign || op == UnaryOp::Relu || op == UnaryOp::Relu6;
    case DTypeCode::bool_: return op == UnaryOp::Identity || op == UnaryOp::LogicalNot;
    default: return false;
  }
}

void unary_apply_f32(int32_t op, float param, float* x, int64_t count) {
  row_kernels().unary(DTypeCode::float32, op, param, x, x, count);
}
void unary_apply_f32(int32_t op, float* x, int64_t count) { unary_apply_f32(op, LEAKY_RELU_DEFAULT_ALPHA, x, count); }
void unary_apply_i32(int32_t op, int32_t* x, int64_t count) {
  row_kernels().unary(DTypeCode::int32, op, 0.0f, x, x, count);
}

const char* unary_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr < 1 || step.n_attr > 2) return "needs in[x] out[y] attr[op(, param)]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype || x.count != y.count) return "input and output differ in dtype or element count";
  if (!unary_supports(step.attr[0], x.dtype)) return "op not defined for this dtype";
  return nullptr;
}

int32_t unary_run(KernelCall& c) {
  row_kernels().unary(c.in[0].desc->dtype, c.step->attr[0], unary_param(*c.step), c.in[0].data, c.out[0].data,
                      c.out[0].desc->count);
  return Status::Ok;
}

const char* binary_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 2 || step.n_out != 1 || step.n_attr != 1) return "needs in[a, b] out[y] attr[op]";
  const BufferDesc& a = step_input(plan, step, 0);
  const BufferDesc& b = step_input(plan, step, 1);
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t op = step.attr[0];
  if (a.dtype != b.dtype) return "inputs differ in dtype";
  if (!binary_supports(op, a.dtype)) return "op not defined for this dtype";
  if (y.dtype != binary_result_dtype(op, a.dtype)) return "wrong output dtype";
  if (!broadcasts_to(a.shape, y.shape) || !broadcasts_to(b.shape, y.shape)) return "inputs do not broadcast to the output shape";
  return nullptr;
}

int32_t binary_run(KernelCall& c) {
  int32_t op = c.step->attr[0];
  if (int32_t status = binary_check(c, op)) return status;
  const Shape* shapes[] = {&c.in[0].desc->shape, &c.in[1].desc->shape};
  BroadcastIter it;
  broadcast_init(c.out[0].desc->shape, shapes, 2, &it);
  const RowKernels& rows = row_kernels();
  int32_t dtype = c.in[0].desc->dtype;
  int32_t in_size = dtype_size(dtype);
  int32_t out_size = dtype_size(c.out[0].desc->dtype);
  broadcast_rows(it, [&](int64_t o, const int64_t* off, int64_t n, const int64_t* step) {
    rows.binary(dtype, op, c.in[0].data + off[0] * in_size, step[0], c.in[1].data + off[1] * in_size, step[1],
                c.out[0].data + o * out_size, n);
  });
  return Status::Ok;
}

const char* select_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 3 || step.n_out != 1 || step.n_attr != 0) return "needs in[cond, x, y] out[z]";
  const BufferDesc& cond = step_input(plan, step, 0);
  const BufferDesc& x = step_input(plan, step, 1);
  const BufferDesc& y = step_input(plan, step, 2);
  const BufferDesc& z = step_output(plan, step, 0);
  if (cond.dtype != DTypeCode::bool_) return "condition is not bool";
  if (x.dtype != z.dtype || y.dtype != z.dtype) return "x, y and the output differ in dtype";
  for (const BufferDesc* in : {&cond, &x, &y}) {
    if (!broadcasts_to(in->shape, z.shape)) return "inputs do not broadcast to the output shape";
  }
  return nullptr;
}

int32_t select_run(KernelCall& k) {
  const Shape* shapes[] = {&k.in[0].desc->shape, &k.in[1].desc->shape, &k.in[2].desc->shape};
  BroadcastIter it;
  broadcast_init(k.out[0].desc->shape, shapes, 3, &it);
  const RowKernels& rows = row_kernels();
  int32_t size = dtype_size(k.out[0].desc->dtype);
  broadcast_rows(it, [&](int64_t o, const int64_t* off, int64_t n, const int64_t* s) {
    rows.select(size, k.in[0].data + off[0], s[0], k.in[1].data + off[1] * size, s[1], k.in[2].data + off[2] * size,
                s[2], k.out[0].data + o * size, n);
  });
  return Status::Ok;
}

}  // namespace sf
