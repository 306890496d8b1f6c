// Elementwise rows: the inner loops shared by Unary, Binary, Select, Cast,
// Fused, FusedReduce and Softmax. Each is compiled once per instruction set
// (vec/row_kernels_body.h); row_kernels() picks the best one this CPU runs.
// Strides are in elements: 1 = contiguous, 0 = one value repeated.
//
//   const sf::RowKernels& k = sf::row_kernels();
//   k.binary(DTypeCode::float32, BinaryOp::Mul, a, 1, &two, 0, y, n);   // y = a * 2
#pragma once
#include <cstdint>

#include "kernels/fused_block.h"

namespace sf {

struct RowKernels {
  const char* name;
  // y[i] = op(x[i]); x may equal y. `param` is LeakyRelu's alpha.
  void (*unary)(int32_t dtype, int32_t op, float param, const void* x, void* y, int64_t n);
  // y[i] = op(a[i*sa], b[i*sb]); `dtype` is the operands'. Integer Div,
  // FloorMod and Pow need binary_operand_status() to have passed.
  void (*binary)(int32_t dtype, int32_t op, const void* a, int64_t sa, const void* b, int64_t sb, void* y, int64_t n);
  // z[i] = c[i*sc] ? x[i*sx] : y[i*sy] for elements of `size` bytes (1 or 4).
  void (*select)(int32_t size, const uint8_t* c, int64_t sc, const void* x, int64_t sx, const void* y, int64_t sy,
                 void* z, int64_t n);
  // y[i] = cast(x[i*sx]) between dtype codes.
  void (*cast)(int32_t from, int32_t to, const void* x, int64_t sx, void* y, int64_t n);
  // y[i] = x[i]*c + b[i*sb], or with `subtract` x[i]*c - b[i*sb] (product
  // first) or b[i*sb] - x[i]*c: the product rounded before the sum, exactly
  // as a Mul then an Add or Sub (never one fused multiply-add).
  void (*mul_add)(bool subtract, bool product_first, const float* x, float c, const float* b, int64_t sb, float* y,
                  int64_t n);
  // One row of (log) softmax over n values.
  void (*softmax)(const float* x, float* y, int64_t n, bool log);
  // memcpy with non-temporal stores where the CPU has them: for results much
  // larger than the caches, it skips reading the destination before writing it.
  // Both pointers 64-byte aligned, `bytes` a multiple of 64 for the fast path.
  // The stores are ordered before later ones only after stream_fence().
  void (*copy_stream)(void* dst, const void* src, int64_t bytes);
  void (*stream_fence)();
  // Runs a register-block program (fused_block.h) over elements
  // [start, start + blocks * FUSED_BLOCK), the result to dst (holding that
  // range); `stream` as copy_stream (aligned dst only; fence after). Null in
  // the portable variant, where Fused keeps to its tile evaluator.
  void (*fused_blocks)(const BlockInstr* program, int32_t n_instr, int64_t start, int64_t blocks, float* dst,
                       bool stream);
};

// The variant for this CPU (AVX-512, AVX2+FMA or portable), chosen once.
const RowKernels& row_kernels();
// The portable variant, for tests that compare variants.
const RowKernels& row_kernels_generic();

// Status::Ok, or the error integer Div/FloorMod (zero divisor) or Pow
// (negative exponent) would raise on b[0], b[sb], ..., b[(n-1)*sb].
int32_t binary_operand_status(int32_t dtype, int32_t op, const void* b, int64_t sb, int64_t n);

}  // namespace sf
