// Softmax and LogSoftmax along the last axis, one row at a time (the row
// kernel, rows.h, is vectorised and numerically stable).
#include "kernels/kernels.h"
#include "kernels/rows.h"

namespace sf {

const char* softmax_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 3) return "needs in[x] out[y] attr[rows, cols, log]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != DTypeCode::float32 || y.dtype != DTypeCode::float32) return "input and output must be float32";
  int64_t rows = step.attr[0], cols = step.attr[1];
  if (rows < 0 || cols < 0 || rows * cols != x.count || x.count != y.count) return "rows * cols differs from the element count";
  if (step.attr[2] != 0 && step.attr[2] != 1) return "log flag is not 0 or 1";
  return nullptr;
}

int32_t softmax_run(KernelCall& c) {
  int64_t rows = c.step->attr[0], cols = c.step->attr[1];
  const float* x = tensor_data<const float>(c.in[0]);
  float* y = tensor_data<float>(c.out[0]);
  const RowKernels& kernels = row_kernels();
  for (int64_t r = 0; r < rows; ++r) kernels.softmax(x + r * cols, y + r * cols, cols, c.step->attr[2] != 0);
  return Status::Ok;
}

}  // namespace sf
