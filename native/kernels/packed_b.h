// A GEMM's B kept packed between runs of a loaded plan (MatMul, Conv2D): a
// constant B is packed once at plan load, a variable B again only after the
// variable was written. B is [K, N] ([N, K] when trans) row-major; a
// variable's storage is read as that matrix whatever its rank.
//
//   packed_b_prepare(plan, &b_buffer_or_null, b_var, trans_b, dims, pool, state);  // at plan load
//   const float* packed = nullptr;
//   int32_t status = cached_packed_b(call, b_var, trans_b, dims, &packed);         // per run
//   // packed == null: B is an arena buffer; the caller packs it itself.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/gemm.h"
#include "kernels/kernels.h"

namespace sf {

// Reserves `floats` in `buffer`; false (with arg = the bytes) when out of memory.
bool reserve_floats(AlignedBuffer* buffer, int64_t floats, int32_t* arg);

// The step state for a B that is the constant buffer `constant_b` (packed
// now) or variable `b_var` >= 0 (packed at the first run); neither: no state.
// Status::Ok or OutOfMemory.
int32_t packed_b_prepare(const Plan& plan, const BufferDesc* constant_b, int32_t b_var, bool trans_b, const GemmDims& d,
                         ThreadPool* pool, std::unique_ptr<StepState>* state);

// B packed for this run from the step's state (repacked if its variable was
// written since), or null when the step has none. Status::Ok, or
// UninitializedVariable / OutOfMemory with call.arg set.
int32_t cached_packed_b(KernelCall& call, int32_t b_var, bool trans_b, const GemmDims& d, const float** out);

}  // namespace sf
