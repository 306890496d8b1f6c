// VarRead and VarAssign: the only kernels that touch session variables.
#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

const VarDesc& step_var(const Plan& plan, const StepDesc& step) { return plan.vars[static_cast<size_t>(step.attr[0])]; }

// Checks the var index and that `b` has the variable's dtype and shape.
const char* check_var_buffer(const Plan& plan, const StepDesc& step, const BufferDesc& b) {
  if (step.attr[0] < 0 || static_cast<size_t>(step.attr[0]) >= plan.vars.size()) return "variable index out of range";
  const VarDesc& v = step_var(plan, step);
  if (b.dtype != v.dtype || !shapes_equal(b.shape, v.shape)) return "buffer differs from the variable in dtype or shape";
  return nullptr;
}

// The initialized storage of the step's variable, or null (and the status arg set).
Variable* initialized_var(KernelCall& c) {
  const VarDesc& v = step_var(*c.plan, *c.step);
  Variable* var = c.vars->find_initialized(v.slot);
  if (var == nullptr || var->dtype != v.dtype || var->count != v.count) {
    c.arg = c.step->attr[0];
    return nullptr;
  }
  return var;
}

void update_in_place(Variable* var, const Tensor& value, int32_t mode) {
  int64_t n = var->count;
  if (var->dtype == DTypeCode::float32) {
    float* x = reinterpret_cast<float*>(var->storage.data());
    const float* d = tensor_data<const float>(value);
    for (int64_t i = 0; i < n; ++i) x[i] = mode == AssignMode::Add ? x[i] + d[i] : x[i] - d[i];
  } else {
    int32_t* x = reinterpret_cast<int32_t*>(var->storage.data());
    const int32_t* d = tensor_data<const int32_t>(value);
    for (int64_t i = 0; i < n; ++i) x[i] = mode == AssignMode::Add ? add_i32(x[i], d[i]) : sub_i32(x[i], d[i]);
  }
}

}  // namespace

const Variable* readable_var(KernelCall& c, int32_t index) {
  const VarDesc& v = c.plan->vars[static_cast<size_t>(index)];
  const Variable* var = c.vars->peek_initialized(v.slot);
  if (var == nullptr || var->dtype != v.dtype || var->count != v.count) {
    c.arg = index;
    return nullptr;
  }
  return var;
}

const char* var_read_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 0 || step.n_out != 1 || step.n_attr != 1) return "needs out[y] attr[var]";
  return check_var_buffer(plan, step, step_output(plan, step, 0));
}

int32_t var_read_run(KernelCall& c) {
  const Variable* var = readable_var(c, c.step->attr[0]);
  if (var == nullptr) return Status::UninitializedVariable;
  if (var->bytes > 0) std::memcpy(c.out[0].data, var->storage.data(), static_cast<size_t>(var->bytes));
  return Status::Ok;
}

const char* var_assign_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out > 1 || step.n_attr != 2) return "needs in[value] out[] or out[y] attr[var, mode]";
  if (const char* bad = check_var_buffer(plan, step, step_input(plan, step, 0))) return bad;
  if (step.n_out == 1) {
    if (const char* bad = check_var_buffer(plan, step, step_output(plan, step, 0))) return bad;
  }
  int32_t mode = step.attr[1];
  if (mode != AssignMode::Assign && mode != AssignMode::Add && mode != AssignMode::Sub) return "unknown assign mode";
  if (mode != AssignMode::Assign && !is_numeric(step_var(plan, step).dtype)) return "add or sub on a bool variable";
  return nullptr;
}

int32_t var_assign_run(KernelCall& c) {
  const VarDesc& v = step_var(*c.plan, *c.step);
  int32_t mode = c.step->attr[1];
  Variable* var = nullptr;
  if (mode == AssignMode::Assign) {
    var = c.vars->prepare(v.slot, v.dtype, v.count, v.bytes);
    if (var == nullptr) {
      c.arg = static_cast<int32_t>(std::min<int64_t>(v.bytes, INT32_MAX));
      return Status::OutOfMemory;
    }
    if (v.bytes > 0) std::memcpy(var->storage.data(), c.in[0].data, static_cast<size_t>(v.bytes));
    var->initialized = true;
  } else {
    var = initialized_var(c);
    if (var == nullptr) return Status::UninitializedVariable;
    update_in_place(var, c.in[0], mode);
  }
  if (c.step->n_out == 1 && v.bytes > 0) std::memcpy(c.out[0].data, var->storage.data(), static_cast<size_t>(v.bytes));
  return Status::Ok;
}

}  // namespace sf
