// The kernel table: one row per kernel id of plan-format.ts, each with a
// validator (run once when a plan is loaded) and a run function (run per
// step). Kernels trust what their validator accepted.
#pragma once
#include <cstdint>
#include <memory>

#include "plan.h"
#include "streams.h"
#include "thread_pool.h"
#include "variables.h"

namespace sf {

// One buffer of a step, resolved to memory for this run.
struct Tensor {
  uint8_t* data = nullptr;
  const BufferDesc* desc = nullptr;
};

// What a step keeps between runs of its loaded plan (MatMul's and Conv2D's packed B).
struct StepState {
  virtual ~StepState() = default;
};

struct KernelCall {
  const StepDesc* step = nullptr;
  const Plan* plan = nullptr;
  VarStore* vars = nullptr;
  StreamCounters* streams = nullptr;  // Random and Shuffle
  ThreadPool* pool = nullptr;             // the session's threads, for parallel_for
  AlignedBuffer* scratch = nullptr;       // session-wide temporary memory, reused across steps
  std::unique_ptr<StepState>* state = nullptr;  // this step's state (may be null until set)
  Tensor in[MAX_STEP_INPUTS];
  Tensor out[MAX_STEP_OUTPUTS];
  int32_t arg = 0;  // status-specific argument of a failure
};

template <class T>
T* tensor_data(const Tensor& t) {
  return reinterpret_cast<T*>(t.data);
}

// Returns null when the step is well formed, else why it is not.
using KernelValidateFn = const char* (*)(const Plan& plan, const StepDesc& step);
// Returns a Status code; on failure may set call.arg.
using KernelRunFn = int32_t (*)(KernelCall& call);

struct KernelEntry {
  const char* name;
  KernelValidateFn validate;
  KernelRunFn run;
};

// The entry of kernel id `kernel`, or null for an unknown id.
const KernelEntry* kernel_lookup(int32_t kernel);

// Builds what a validated step keeps between runs, if anything, when its plan
// is loaded (MatMul and Conv2D pack a constant B). Status::Ok or OutOfMemory.
int32_t kernel_prepare(const Plan& plan, const StepDesc& step, ThreadPool* pool, std::unique_ptr<StepState>* state);

// The initialized value of var-table entry `index` for reading; null (with
// c.arg set for Status::UninitializedVariable) when it has none.
const Variable* readable_var(KernelCall& c, int32_t index);

// Helpers shared by validators.
const BufferDesc& step_input(const Plan& plan, const StepDesc& step, int32_t i);
const BufferDesc& step_output(const Plan& plan, const StepDesc& step, int32_t i);
bool shapes_equal(const Shape& a, const Shape& b);
// True when `in` broadcasts to `out` (numpy rules, right-aligned).
bool broadcasts_to(const Shape& in, const Shape& out);
bool is_numeric(int32_t dtype);
// Whether UnaryOp `op` is defined for `dtype` (shared with MatMul's activation).
bool unary_supports(int32_t op, int32_t dtype);
// Whether BinaryOp `op` is defined for operands of `dtype`, and its result dtype.
bool binary_supports(int32_t op, int32_t dtype);
int32_t binary_result_dtype(int32_t op, int32_t dtype);

// Per-family validators and run functions.
const char* copy_validate(const Plan&, const StepDesc&);
int32_t copy_run(KernelCall&);
const char* fill_validate(const Plan&, const StepDesc&);
int32_t fill_run(KernelCall&);
const char* cast_validate(const Plan&, const StepDesc&);
int32_t cast_run(KernelCall&);
const char* unary_validate(const Plan&, const StepDesc&);
int32_t unary_run(KernelCall&);
const char* binary_validate(const Plan&, const StepDesc&);
int32_t binary_run(KernelCall&);
const char* select_validate(const Plan&, const StepDesc&);
int32_t select_run(KernelCall&);
const char* matmul_validate(const Plan&, const StepDesc&);
int32_t matmul_run(KernelCall&);
int32_t matmul_prepare(const Plan&, const StepDesc&, ThreadPool*, std::unique_ptr<StepState>*);
const char* reduce_validate(const Plan&, const StepDesc&);
int32_t reduce_run(KernelCall&);
const char* transpose_validate(const Plan&, const StepDesc&);
int32_t transpose_run(KernelCall&);
const char* var_read_validate(const Plan&, const StepDesc&);
int32_t var_read_run(KernelCall&);
const char* var_assign_validate(const Plan&, const StepDesc&);
int32_t var_assign_run(KernelCall&);
// Training kernels (arg_reduce.cc, indexing.cc, random.cc, optimizer.cc).
const char* arg_reduce_validate(const Plan&, const StepDesc&);
int32_t arg_reduce_run(KernelCall&);
const char* one_hot_validate(const Plan&, const StepDesc&);
int32_t one_hot_run(KernelCall&);
const char* gather_validate(const Plan&, const StepDesc&);
int32_t gather_run(KernelCall&);
const char* scatter_add_validate(const Plan&, const StepDesc&);
int32_t scatter_add_run(KernelCall&);
const char* random_validate(const Plan&, const StepDesc&);
int32_t random_run(KernelCall&);
const char* shuffle_validate(const Plan&, const StepDesc&);
int32_t shuffle_run(KernelCall&);
const char* apply_update_validate(const Plan&, const StepDesc&);
int32_t apply_update_run(KernelCall&);
const char* fused_validate(const Plan&, const StepDesc&);
int32_t fused_run(KernelCall&);
const char* fused_reduce_validate(const Plan&, const StepDesc&);
int32_t fused_reduce_run(KernelCall&);
const char* softmax_validate(const Plan&, const StepDesc&);
int32_t softmax_run(KernelCall&);
// Window kernels (window.cc validates all four and runs Im2Col, Col2Im; pool.cc).
const char* im2col_validate(const Plan&, const StepDesc&);
int32_t im2col_run(KernelCall&);
const char* col2im_validate(const Plan&, const StepDesc&);
int32_t col2im_run(KernelCall&);
const char* pool_validate(const Plan&, const StepDesc&);
int32_t pool_run(KernelCall&);
const char* pool_grad_validate(const Plan&, const StepDesc&);
int32_t pool_grad_run(KernelCall&);
// Conv2D (conv2d.cc on conv_gemm.cc): Im2Col then MatMul in one step.
const char* conv2d_validate(const Plan&, const StepDesc&);
int32_t conv2d_run(KernelCall&);
int32_t conv2d_prepare(const Plan&, const StepDesc&, ThreadPool*, std::unique_ptr<StepState>*);

// Applies UnaryOp `op` in place to `count` elements (MatMul's epilogue);
// `param` is LeakyRelu's alpha (0.2 when not given).
void unary_apply_f32(int32_t op, float param, float* x, int64_t count);
void unary_apply_f32(int32_t op, float* x, int64_t count);
void unary_apply_i32(int32_t op, int32_t* x, int64_t count);

}  // namespace sf
