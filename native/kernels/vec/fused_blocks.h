// RowKernels::fused_blocks for the AVX-512 and AVX2 row kernels
// (row_kernels_body.h includes this under its own -m flags). The common ops
// (Add, Sub, Mul, Div, the multiply-add fold, Tanh, Sigmoid) run inline over
// a block's vectors; every other op calls the same row function the tile
// evaluator calls, over the block. Either way an element's result is the one
// the tile evaluator gives (fused_block.h).
#pragma once
#if defined(__AVX512F__) || defined(__AVX2__)
#include <cstdint>

#include "kernels/fused_block.h"
#include "kernels/vec/vec_math.h"

namespace sf {
namespace SF_ROW_NS {
namespace {

using UnaryRow = void (*)(int32_t dtype, int32_t op, float param, const void* x, void* y, int64_t n);
using BinaryRow = void (*)(int32_t dtype, int32_t op, const void* a, int64_t sa, const void* b, int64_t sb, void* y,
                           int64_t n);

#if defined(__AVX512F__)
inline void vstream(float* p, vf v) { _mm512_stream_ps(p, v); }
#else
inline void vstream(float* p, vf v) { _mm256_stream_ps(p, v); }
#endif

// y[k..k+VL) = f(k) for each vector of a block; streamed past the caches
// when `stream` (y then 64-byte aligned). Flattened, so f (tanh included) is
// inline and the block's vectors interleave in one loop body.
template <class F>
__attribute__((flatten)) inline void block_each(float* y, bool stream, F f) {
  if (stream) {
    for (int64_t k = 0; k < FUSED_BLOCK; k += VL) vstream(y + k, f(k));
  } else {
    for (int64_t k = 0; k < FUSED_BLOCK; k += VL) vstore(y + k, f(k));
  }
}

inline const float* block_arg(const BlockArg& arg, float (*regs)[FUSED_BLOCK], int64_t at) {
  return arg.reg >= 0 ? regs[arg.reg] : arg.data + at * arg.step;
}

// A float32 binary op inline, or false to leave it to the row function.
inline bool block_binary(int32_t op, const float* a, const float* b, float* y, bool stream) {
  switch (op) {
    case BinaryOp::Add: block_each(y, stream, [&](int64_t k) { return vadd(vload(a + k), vload(b + k)); }); return true;
    case BinaryOp::Sub: block_each(y, stream, [&](int64_t k) { return vsub(vload(a + k), vload(b + k)); }); return true;
    case BinaryOp::Mul: block_each(y, stream, [&](int64_t k) { return vmul_rounded(vload(a + k), vload(b + k)); }); return true;
    case BinaryOp::Div: block_each(y, stream, [&](int64_t k) { return vdiv(vload(a + k), vload(b + k)); }); return true;
    default: return false;
  }
}

inline void block_mul_add(const BlockInstr& in, const float* x, const float* b, float* y, bool stream) {
  const vf c = vset(in.param);
  if (!in.subtract) {
    block_each(y, stream, [&](int64_t k) { return vcombine<false, true>(vmul_rounded(vload(x + k), c), vload(b + k)); });
  } else if (in.product_first) {
    block_each(y, stream, [&](int64_t k) { return vcombine<true, true>(vmul_rounded(vload(x + k), c), vload(b + k)); });
  } else {
    block_each(y, stream, [&](int64_t k) { return vcombine<true, false>(vmul_rounded(vload(x + k), c), vload(b + k)); });
  }
}

// Runs `program` over elements [start, start + blocks * FUSED_BLOCK), the
// result to dst (which holds that range). `stream`: dst is far larger than
// the caches, so an aligned dst is written with non-temporal stores (the
// caller fences). `unary` and `binary` are this variant's row functions.
void run_fused_blocks(const BlockInstr* program, int32_t n_instr, int64_t start, int64_t blocks, float* dst,
                      bool stream, UnaryRow unary, BinaryRow binary) {
  alignas(64) float regs[FUSED_BLOCK_REGS][FUSED_BLOCK];
  bool stream_result = stream && reinterpret_cast<uintptr_t>(dst) % 64 == 0;
  for (int64_t block = 0; block < blocks; ++block) {
    int64_t at = start + block * FUSED_BLOCK;
    float* out = dst + block * FUSED_BLOCK;
    for (int32_t i = 0; i < n_instr; ++i) {
      const BlockInstr& in = program[i];
      float* y = in.dst < 0 ? out : regs[in.dst];
      bool nt = stream_result && in.dst < 0;
      const float* a = block_arg(in.a, regs, at);
      if (in.kind == BlockKind::Unary) {
        if (in.op == UnaryOp::Tanh) block_each(y, nt, [&](int64_t k) { return vtanh(vload(a + k)); });
        else if (in.op == UnaryOp::Sigmoid) block_each(y, nt, [&](int64_t k) { return vsigmoid(vload(a + k)); });
        else unary(DTypeCode::float32, in.op, in.param, a, y, FUSED_BLOCK);
        continue;
      }
      const float* b = block_arg(in.b, regs, at);
      if (in.kind == BlockKind::MulAdd) {
        block_mul_add(in, a, b, y, nt);
      } else if (!block_binary(in.op, a, b, y, nt)) {
        // The row function reads a one-value operand with stride 0, as the tile evaluator does.
        int64_t sa = in.a.reg >= 0 || in.a.step != 0 ? 1 : 0, sb = in.b.reg >= 0 || in.b.step != 0 ? 1 : 0;
        binary(DTypeCode::float32, in.op, a, sa, b, sb, y, FUSED_BLOCK);
      }
    }
  }
}

}  // namespace
}  // namespace SF_ROW_NS
}  // namespace sf
#endif
