// The kernel table, indexed by kernel id. The static_assert below keeps it the
// same length as plan-format.ts's Kernel enum, so a kernel cannot be half-registered.
#include "kernels/kernels.h"

namespace sf {
namespace {

constexpr int32_t KERNEL_TABLE_SIZE = Kernel::Conv2D + 1;

constexpr KernelEntry KERNELS[] = {
    {nullptr, nullptr, nullptr},  // 0: no kernel
    {"Copy", copy_validate, copy_run},
    {"Fill", fill_validate, fill_run},
    {"Unary", unary_validate, unary_run},
    {"Binary", binary_validate, binary_run},
    {"Select", select_validate, select_run},
    {"Cast", cast_validate, cast_run},
    {"MatMul", matmul_validate, matmul_run},
    {"Reduce", reduce_validate, reduce_run},
    {"Transpose", transpose_validate, transpose_run},
    {"VarRead", var_read_validate, var_read_run},
    {"VarAssign", var_assign_validate, var_assign_run},
    {"Fused", fused_validate, fused_run},
    {"FusedReduce", fused_reduce_validate, fused_reduce_run},
    {"Softmax", softmax_validate, softmax_run},
    {"ArgReduce", arg_reduce_validate, arg_reduce_run},
    {"OneHot", one_hot_validate, one_hot_run},
    {"Gather", gather_validate, gather_run},
    {"ScatterAdd", scatter_add_validate, scatter_add_run},
    {"Random", random_validate, random_run},
    {"Shuffle", shuffle_validate, shuffle_run},
    {"ApplyUpdate", apply_update_validate, apply_update_run},
    {"Im2Col", im2col_validate, im2col_run},
    {"Col2Im", col2im_validate, col2im_run},
    {"Pool", pool_validate, pool_run},
    {"PoolGrad", pool_grad_validate, pool_grad_run},
    {"Conv2D", conv2d_validate, conv2d_run},
};
static_assert(sizeof(KERNELS) / sizeof(KERNELS[0]) == KERNEL_TABLE_SIZE,
              "every Kernel id of plan_format.h needs exactly one row in KERNELS");

}  // namespace

const KernelEntry* kernel_lookup(int32_t kernel) {
  if (kernel <= 0 || kernel >= KERNEL_TABLE_SIZE) return nullptr;
  return &KERNELS[kernel];
}

int32_t kernel_prepare(const Plan& plan, const StepDesc& step, ThreadPool* pool, std::unique_ptr<StepState>* state) {
  if (step.kernel == Kernel::MatMul) return matmul_prepare(plan, step, pool, state);
  if (step.kernel == Kernel::Conv2D) return conv2d_prepare(plan, step, pool, state);
  return Status::Ok;
}

const BufferDesc& step_input(const Plan& plan, const StepDesc& step, int32_t i) {
  return plan.buffers[static_cast<size_t>(step.in[i])];
}

const BufferDesc& step_output(const Plan& plan, const StepDesc& step, int32_t i) {
  return plan.buffers[static_cast<size_t>(step.out[i])];
}

bool shapes_equal(const Shape& a, const Shape& b) {
  if (a.rank != b.rank) return false;
  for (int32_t d = 0; d < a.rank; ++d) {
    if (a.dims[d] != b.dims[d]) return false;
  }
  return true;
}

bool broadcasts_to(const Shape& in, const Shape& out) {
  if (in.rank > out.rank) return false;
  int32_t shift = out.rank - in.rank;
  for (int32_t d = 0; d < in.rank; ++d) {
    if (in.dims[d] != 1 && in.dims[d] != out.dims[d + shift]) return false;
  }
  return true;
}

bool is_numeric(int32_t dtype) { return dtype == DTypeCode::float32 || dtype == DTypeCode::int32; }

}  // namespace sf
