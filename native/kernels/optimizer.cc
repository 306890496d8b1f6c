// ApplyUpdate: one optimizer step on a float32 variable and its slot
// variables, in place in session storage (TensorFlow's ApplyGradientDescent,
// ApplyMomentum, ApplyAdam, ApplyRMSProp; formulas in docs/kernels.md).
// Hyperparameters are one-element float32 inputs after the gradient.
#include <cmath>
#include <cstring>

#include "kernels/kernels.h"

namespace sf {
namespace {

constexpr int32_t NO_SLOT = -1;

struct UpdateRule {
  int32_t hypers;  // hyperparameter inputs after grad
  int32_t slots;   // slot variables used: slot0, then slot1
  int32_t max_flags;
};

// Indexed by UpdateKind.
constexpr UpdateRule RULES[] = {
    {1, 0, 0},  // GradientDescent: lr
    {2, 1, 1},  // Momentum: lr, momentum; accum; flags 1 = Nesterov
    {6, 2, 0},  // Adam: lr, beta1, beta2, epsilon, beta1Power, beta2Power; m, v
    {4, 2, 0},  // RMSProp: lr, rho, momentum, epsilon; ms, mom
};
constexpr int32_t NUM_KINDS = sizeof(RULES) / sizeof(RULES[0]);
static_assert(NUM_KINDS == UpdateKind::RMSProp + 1, "one rule per UpdateKind");
static_assert(MAX_STEP_INPUTS >= 7, "Adam takes grad and six hyperparameters");

// The variable and slot storage of one step, all initialized.
struct UpdateState {
  float* var = nullptr;
  float* s0 = nullptr;
  float* s1 = nullptr;
  const float* grad = nullptr;
  float h[6] = {};
  int64_t n = 0;
};

// Var-table entry `index` must be a float32 variable shaped like `like`.
const char* check_var(const Plan& plan, int32_t index, const BufferDesc& like) {
  if (index < 0 || static_cast<size_t>(index) >= plan.vars.size()) return "variable index out of range";
  const VarDesc& v = plan.vars[static_cast<size_t>(index)];
  if (v.dtype != DTypeCode::float32 || !shapes_equal(v.shape, like.shape)) return "variable or slot is not float32 shaped like grad";
  return nullptr;
}

const char* check_slots(const Plan& plan, const StepDesc& step, const UpdateRule& rule, const BufferDesc& grad) {
  for (int32_t s = 0; s < 2; ++s) {
    int32_t index = step.attr[2 + s];
    if (s >= rule.slots) {
      if (index != NO_SLOT) return "an unused slot must be -1";
      continue;
    }
    if (const char* bad = check_var(plan, index, grad)) return bad;
  }
  // Distinct storage: an update reading a slot that aliases its variable is meaningless.
  int32_t used = 1 + rule.slots;
  for (int32_t i = 0; i < used; ++i) {
    for (int32_t j = i + 1; j < used; ++j) {
      if (plan.vars[static_cast<size_t>(step.attr[1 + i])].slot == plan.vars[static_cast<size_t>(step.attr[1 + j])].slot) {
        return "the variable and its slots must be different variables";
      }
    }
  }
  return nullptr;
}

// The initialized float storage of var-table entry `index`, else null with c.arg = index.
float* initialized_storage(KernelCall& c, int32_t index) {
  const VarDesc& v = c.plan->vars[static_cast<size_t>(index)];
  Variable* var = c.vars->find_initialized(v.slot);
  if (var == nullptr || var->dtype != v.dtype || var->count != v.count) {
    c.arg = index;
    return nullptr;
  }
  return reinterpret_cast<float*>(var->storage.data());
}

void apply_gradient_descent(UpdateState& u) {
  float lr = u.h[0];
  for (int64_t i = 0; i < u.n; ++i) u.var[i] -= lr * u.grad[i];
}

void apply_momentum(UpdateState& u, bool nesterov) {
  float lr = u.h[0], momentum = u.h[1];
  float* accum = u.s0;
  for (int64_t i = 0; i < u.n; ++i) {
    accum[i] = accum[i] * momentum + u.grad[i];
    u.var[i] -= nesterov ? u.grad[i] * lr + accum[i] * momentum * lr : lr * accum[i];
  }
}

void apply_adam(UpdateState& u) {
  float lr = u.h[0], beta1 = u.h[1], beta2 = u.h[2], epsilon = u.h[3], beta1_power = u.h[4], beta2_power = u.h[5];
  float lr_t = lr * std::sqrt(1.0f - beta2_power) / (1.0f - beta1_power);
  float* m = u.s0;
  float* v = u.s1;
  for (int64_t i = 0; i < u.n; ++i) {
    float g = u.grad[i];
    m[i] += (g - m[i]) * (1.0f - beta1);
    v[i] += (g * g - v[i]) * (1.0f - beta2);
    u.var[i] -= lr_t * m[i] / (std::sqrt(v[i]) + epsilon);
  }
}

void apply_rms_prop(UpdateState& u) {
  float lr = u.h[0], rho = u.h[1], momentum = u.h[2], epsilon = u.h[3];
  float* ms = u.s0;
  float* mom = u.s1;
  for (int64_t i = 0; i < u.n; ++i) {
    float g = u.grad[i];
    ms[i] += (g * g - ms[i]) * (1.0f - rho);
    mom[i] = mom[i] * momentum + lr * g / std::sqrt(ms[i] + epsilon);
    u.var[i] -= mom[i];
  }
}

// Resolves var, slot0, slot1 (in that order, so the first uninitialized is named).
bool resolve(KernelCall& c, const UpdateRule& rule, UpdateState* u) {
  const int32_t* a = c.step->attr;
  u->var = initialized_storage(c, a[1]);
  if (u->var == nullptr) return false;
  if (rule.slots >= 1 && (u->s0 = initialized_storage(c, a[2])) == nullptr) return false;
  if (rule.slots >= 2 && (u->s1 = initialized_storage(c, a[3])) == nullptr) return false;
  u->grad = tensor_data<const float>(c.in[0]);
  u->n = c.in[0].desc->count;
  constexpr int32_t max_hypers = static_cast<int32_t>(sizeof(u->h) / sizeof(u->h[0]));
  for (int32_t k = 0; k < rule.hypers && k < max_hypers; ++k) std::memcpy(&u->h[k], c.in[1 + k].data, sizeof(float));
  return true;
}

}  // namespace

const char* apply_update_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_attr != 5 || step.n_out > 1) return "needs in[grad, hyper...] out[] or out[y] attr[kind, var, slot0, slot1, flags]";
  int32_t kind = step.attr[0];
  if (kind < 0 || kind >= NUM_KINDS) return "unknown update kind";
  const UpdateRule& rule = RULES[kind];
  if (step.n_in != 1 + rule.hypers) return "wrong number of hyperparameter inputs for the update kind";
  const BufferDesc& grad = step_input(plan, step, 0);
  if (grad.dtype != DTypeCode::float32) return "grad must be float32";
  for (int32_t k = 1; k <= rule.hypers; ++k) {
    const BufferDesc& h = step_input(plan, step, k);
    if (h.dtype != DTypeCode::float32 || h.count != 1) return "hyperparameters must be one-element float32";
  }
  if (const char* bad = check_var(plan, step.attr[1], grad)) return bad;
  if (const char* bad = check_slots(plan, step, rule, grad)) return bad;
  if (step.attr[4] < 0 || step.attr[4] > rule.max_flags) return "unknown flags for the update kind";
  if (step.n_out == 1) {
    const BufferDesc& y = step_output(plan, step, 0);
    if (y.dtype != DTypeCode::float32 || !shapes_equal(y.shape, grad.shape)) return "y must be float32 shaped like the variable";
  }
  return nullptr;
}

int32_t apply_update_run(KernelCall& c) {
  int32_t kind = c.step->attr[0];
  UpdateState u;
  if (!resolve(c, RULES[kind], &u)) return Status::UninitializedVariable;
  if (kind == UpdateKind::GradientDescent) apply_gradient_descent(u);
  if (kind == UpdateKind::Momentum) apply_momentum(u, c.step->attr[4] == 1);
  if (kind == UpdateKind::Adam) apply_adam(u);
  if (kind == UpdateKind::RMSProp) apply_rms_prop(u);
  // No per-variable write version exists yet; when one does, bump it here for
  // the variable and every used slot, as VarAssign does.
  if (c.step->n_out == 1 && u.n > 0) std::memcpy(c.out[0].data, u.var, static_cast<size_t>(u.n) * sizeof(float));
  return Status::Ok;
}

}  // namespace sf
