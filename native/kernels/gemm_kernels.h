// The GEMM micro-kernels, one per instruction set, and what the driver needs
// to know about each. The x86 ones live in files compiled with their own
// -m flags (see CMakeLists.txt) and are called only when the CPU has those
// features. This header must stay free of inline functions and templates:
// anything inline instantiated in such a file could be linked into the
// baseline code and fault on an older CPU.
#pragma once
#include <cstdint>

namespace sf {

// What a micro-kernel applies to a tile on its last k-block, in registers
// before the store, instead of gemm_epilogue_tile reading the tile back:
// v = activation(v + bias[j]), v being the sum (plus C's value when
// accumulating). Each kernel does the same operations in the same order as
// gemm_epilogue_tile and scalar_ops.h (NaN and -0 included): the same bits.
// (Only a NaN sum plus a NaN bias may keep either NaN: IEEE leaves it open,
// and compilers swap the operands of a commutative add.)
enum class GemmFusedActivation : int32_t { Identity, Relu, Relu6, LeakyRelu };
struct GemmFusedEpilogue {
  const float* bias;  // the tile's nr biases (from its first column), or null
  GemmFusedActivation activation;
  float alpha;  // LeakyRelu's
};

// c[i*ldc + j] = (accumulate ? c[i*ldc + j] : 0) + sum over p < kc of
// a[p*mr + i] * b[p*nr + j], for i < rows and j < nr: the first `rows`
// (1..mr) rows of an mr x nr tile of C, from an A micro-panel (kc x mr,
// packed) and a B micro-panel (kc x nr). Fewer rows skip the padding rows'
// work (a GEMM with small M) and give the same bits for the rows they do.
// b is 64-byte aligned (the packing guarantees it); a and c need not be.
// Then `epilogue`, unless null, on every element before it is stored.
using GemmMicroKernel = void (*)(int32_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 bool accumulate, const GemmFusedEpilogue* epilogue);

// The same product with A read in place through row pointers (an indirect
// GEMM: Conv2D's A is its image, never written out as a matrix). The kc k
// values come as `runs` runs; run s has len[s] values, and row i's are
// a_rows[s * mr + i][0 .. len[s]). Every element sees the same multiply-adds
// in the same order as from a packed panel of those values: the same bits.
using GemmIndirectKernel = void (*)(int32_t rows, int32_t runs, const int32_t* len, const float* const* a_rows,
                                    const float* b, float* c, int64_t ldc, bool accumulate,
                                    const GemmFusedEpilogue* epilogue);

struct GemmArch {
  const char* name;
  int32_t mr;  // rows of the register tile
  int32_t nr;  // columns of the register tile
  GemmMicroKernel kernel;
  // The same for only the first nr/2 columns (the others are not written),
  // with the same bits for them: a right edge that narrow (C with 10 columns,
  // a classifier's logits) does half the work. Null when there is none.
  GemmMicroKernel half_kernel;
  // kernel and half_kernel reading A through row pointers; null when this
  // micro-kernel has none (Conv2D then packs each A panel from the image).
  GemmIndirectKernel indirect_kernel;
  GemmIndirectKernel indirect_half_kernel;
};

// Each returns its micro-kernel, or null when this build could not compile
// it (no x86, or a compiler without the flags). The caller checks the CPU.
const GemmArch* gemm_arch_avx512();
const GemmArch* gemm_arch_avx2();
const GemmArch* gemm_arch_portable();

// The largest tile of any micro-kernel, for edge-tile buffers.
constexpr int32_t GEMM_MAX_MR = 16;
constexpr int32_t GEMM_MAX_NR = 32;

}  // namespace sf
