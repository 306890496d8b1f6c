// Fused: an elementwise program over the output's shape (fused_program.h).
#include "kernels/fused_program.h"
#include "kernels/rows.h"

namespace sf {

const char* fused_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_out != 1) return "needs in[x...] out[y] attr[nInstr, instructions]";
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t result_dtype = 0;
  if (const char* bad = fused_program_validate(plan, step, 0, y.shape, &result_dtype)) return bad;
  if (result_dtype != y.dtype) return "the program's result dtype differs from the output's";
  return nullptr;
}

// Results past this size cannot stay in cache anyway: each tile is computed
// into scratch and streamed out, so the output is never read before written.
constexpr int64_t STREAM_BYTES = 4 << 20;

int32_t fused_run(KernelCall& c) {
  const BufferDesc& y = *c.out[0].desc;
  if (y.count == 0) return Status::Ok;
  FusedProgram program(c, 0, y.shape);
  int64_t size = dtype_size(y.dtype);
  bool stream = y.bytes >= STREAM_BYTES;
  uint8_t* tile = nullptr;
  if (int32_t status = program.prepare(c.scratch, stream ? static_cast<size_t>(FUSED_TILE * size) : 0, stream ? &tile : nullptr)) return status;
  const RowKernels& rows = row_kernels();
  for (int64_t at = 0; at < y.count; at += FUSED_TILE) {
    int64_t n = std::min(FUSED_TILE, y.count - at);
    uint8_t* out = c.out[0].data + at * size;
    if (int32_t status = program.eval(at, n, stream ? tile : out)) return status;
    if (stream) rows.copy_stream(out, tile, n * size);
  }
  return Status::Ok;
}

}  // namespace sf
