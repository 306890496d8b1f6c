// Single-precision GEMM for MatMul: C[M,N] = op(A) op(B), then bias and an
// activation, in the packed-panel scheme of Goto and van de Geijn ("Anatomy
// of high-performance matrix multiplication", 2008).
//
//   const GemmArch& arch = gemm_arch();                     // picked by CPU features
//   GemmDims d{m, n, k};
//   gemm_pack(arch, d, GemmOperand{}, GemmOperand{b, trans_b, packed_b}, pool);  // once for a constant B
//   gemm_pack(arch, d, GemmOperand{a, trans_a, packed_a}, GemmOperand{}, pool);  // every run
//   gemm_compute(arch, packed_a, packed_b, c, d, epilogue, pool);
//
// Packing copies A into mr-row and B into nr-column micro-panels, k-block by
// k-block, zero-padded to whole panels, so every transpose combination runs
// the same micro-kernel. Every element of C is summed in the same order
// (k-blocks in turn, then p within the block) whatever the thread count or
// the split of the work: results are bit-identical for any number of threads.
#pragma once
#include <cstdint>

#include "kernels/gemm_kernels.h"
#include "thread_pool.h"

namespace sf {

// At most this many k rows per packed block: a B micro-panel block (kc x nr
// floats) and an A micro-panel stay in L1 while the micro-kernel runs.
constexpr int64_t GEMM_KC = 256;

// The k rows per block for a depth of k: blocks of equal size (a multiple of
// 8) rather than full ones and a thin rest, which would load and store every
// C tile once more for a few k rows (k = 784: 4 x 196, not 3 x 256 + 16).
// Packing and compute both walk k in these steps.
inline int64_t gemm_kc(int64_t k) {
  int64_t blocks = (k + GEMM_KC - 1) / GEMM_KC;
  if (blocks <= 1) return k < 1 ? 1 : k;
  int64_t kc = (k + blocks - 1) / blocks;
  return (kc + 7) / 8 * 8;
}

struct GemmDims {
  int64_t m, n, k;
};

// What happens to each element of C after the product.
struct GemmEpilogue {
  const float* bias;   // [n] added to every row, or null
  int32_t activation;  // a UnaryOp (Identity = none)
  float param;         // the activation's parameter (LeakyRelu's alpha)
};

// The micro-kernel for this CPU, chosen once: AVX-512, else AVX2 + FMA, else
// portable. SESSIONFLOW_GEMM=avx512|avx2|portable forces one the CPU supports
// (for tests and benchmarks).
const GemmArch& gemm_arch();
// Every micro-kernel this CPU can run, best first (for tests and benchmarks).
int32_t gemm_archs_available(const GemmArch** out, int32_t capacity);

// Floats of a packed A (m x k) or B (k x n), a multiple of 16 so blocks placed
// one after another stay 64-byte aligned.
int64_t gemm_packed_a_floats(const GemmArch& arch, const GemmDims& d);
int64_t gemm_packed_b_floats(const GemmArch& arch, const GemmDims& d);

// An operand to pack: A is [m, k] row-major, or [k, m] when trans; B is
// [k, n], or [n, k] when trans. `packed` is 64-byte aligned with the floats
// above. A null `data` means nothing to pack.
struct GemmOperand {
  const float* data = nullptr;
  bool trans = false;
  float* packed = nullptr;
};

// Packs A and B (either may be absent) in one parallel pass.
void gemm_pack(const GemmArch& arch, const GemmDims& d, const GemmOperand& a, const GemmOperand& b, ThreadPool* pool);

// C [m, n] row-major = packed A * packed B, then the epilogue. k = 0 gives
// the epilogue applied to zeros.
void gemm_compute(const GemmArch& arch, const float* packed_a, const float* packed_b, float* c, const GemmDims& d,
                  const GemmEpilogue& epilogue, ThreadPool* pool);

// Applies the epilogue to the rows x cols tile at c (row stride ldc) whose
// first column is column j0 of C.
void gemm_epilogue_tile(const GemmEpilogue& e, float* c, int64_t ldc, int64_t rows, int64_t cols, int64_t j0);

// Whether the micro-kernels can apply `e` themselves (gemm_kernels.h); if so,
// *out is it for the tile whose first column is column j0 of C.
bool gemm_epilogue_fuses(const GemmEpilogue& e, int64_t j0, GemmFusedEpilogue* out);

}  // namespace sf

namespace sf {

// The int32 GEMM (wrapping, so exact in any order): C = op(A) op(B), no
// epilogue. `scratch` holds gemm_int32_scratch_bytes() bytes.
int64_t gemm_int32_scratch_bytes();
void gemm_int32(const uint32_t* a, bool trans_a, const uint32_t* b, bool trans_b, uint32_t* c, const GemmDims& d,
                uint32_t* scratch);

}  // namespace sf
