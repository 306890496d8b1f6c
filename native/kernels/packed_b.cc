// B kept packed between runs (see packed_b.h).
#include "kernels/packed_b.h"

#include <algorithm>

namespace sf {
namespace {

// The packed B for gemm_arch(). `version` is the variable version it was
// packed from (0: not packed yet); unused for a constant B.
struct PackedBState : StepState {
  AlignedBuffer packed_b;
  uint64_t version = 0;
};

}  // namespace

bool reserve_floats(AlignedBuffer* buffer, int64_t floats, int32_t* arg) {
  size_t bytes = static_cast<size_t>(floats) * sizeof(float);
  if (buffer->reserve(bytes)) return true;
  *arg = static_cast<int32_t>(std::min<size_t>(bytes, INT32_MAX));
  return false;
}

int32_t packed_b_prepare(const Plan& plan, const BufferDesc* constant_b, int32_t b_var, bool trans_b, const GemmDims& d,
                         ThreadPool* pool, std::unique_ptr<StepState>* state) {
  if (constant_b == nullptr && b_var < 0) return Status::Ok;
  auto prepared = std::make_unique<PackedBState>();
  if (constant_b != nullptr) {
    const GemmArch& arch = gemm_arch();
    int32_t ignored = 0;
    if (!reserve_floats(&prepared->packed_b, gemm_packed_b_floats(arch, d), &ignored)) return Status::OutOfMemory;
    auto* data = reinterpret_cast<const float*>(plan.constants.data() + constant_b->byte_offset);
    gemm_pack(arch, d, GemmOperand{}, GemmOperand{data, trans_b, reinterpret_cast<float*>(prepared->packed_b.data())}, pool);
  }
  *state = std::move(prepared);
  return Status::Ok;
}

int32_t cached_packed_b(KernelCall& call, int32_t b_var, bool trans_b, const GemmDims& d, const float** out) {
  auto* state = static_cast<PackedBState*>(call.state->get());
  *out = nullptr;
  if (state == nullptr) return Status::Ok;
  if (b_var >= 0) {
    const Variable* var = readable_var(call, b_var);
    if (var == nullptr) return Status::UninitializedVariable;
    if (state->version != var->version) {
      const GemmArch& arch = gemm_arch();
      if (!reserve_floats(&state->packed_b, gemm_packed_b_floats(arch, d), &call.arg)) return Status::OutOfMemory;
      GemmOperand b{reinterpret_cast<const float*>(var->storage.data()), trans_b,
                    reinterpret_cast<float*>(state->packed_b.data())};
      gemm_pack(arch, d, GemmOperand{}, b, call.pool);
      state->version = var->version;
    }
  }
  *out = reinterpret_cast<const float*>(state->packed_b.data());
  return Status::Ok;
}

}  // namespace sf
