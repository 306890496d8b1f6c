// The register-block form of a Fused program (fused_program.h), for programs
// that are float32 throughout and read only full-size or one-value inputs.
// RowKernels::fused_blocks (rows.h) runs it FUSED_BLOCK elements at a time:
// every instruction over one block, then the next block, so the registers
// stay in L1 and the result goes from the last instruction straight to its
// destination. The tile evaluator instead runs each instruction over a whole
// FUSED_TILE tile in scratch and copies the result out; for long chains of
// cheap and transcendental ops the block form spends less on loads, stores
// and dispatch. Both compute every element with the same row functions, so
// their results are bit-identical.
//
//   BlockInstr y{BlockKind::Unary, UnaryOp::Tanh, 0, false, false, {x, 1, -1}, {}, -1};
//   row_kernels().fused_blocks(&y, 1, start, blocks, dst, false);  // dst = tanh(x) over blocks
#pragma once
#include <cstdint>

namespace sf {

// Elements per block: a few vectors of each width, so one instruction's work
// hides its dispatch, and sixteen registers fit in 8 KiB.
constexpr int64_t FUSED_BLOCK = 128;
constexpr int32_t FUSED_BLOCK_REGS = 16;

namespace BlockKind {
enum : int32_t {
  Unary,   // y = unary op (a), with `param` (LeakyRelu's alpha)
  Binary,  // y = a op b (a float32 BinaryOp with a float32 result)
  MulAdd,  // y = a*param + b, or a*param - b / b - a*param: RowKernels::mul_add
};
}

// An operand: register `reg`, else `data + element * step`. A full-size input
// has step 1; a one-value operand has step 0 and `data` holding FUSED_BLOCK
// copies of it, so a block can load it like any other operand.
struct BlockArg {
  const float* data = nullptr;
  int64_t step = 0;
  int32_t reg = -1;
};

struct BlockInstr {
  int32_t kind = BlockKind::Unary;
  int32_t op = 0;
  float param = 0;
  bool subtract = false, product_first = false;  // MulAdd, as RowKernels::mul_add
  BlockArg a, b;
  int32_t dst = -1;  // a register, or -1: the program's result, written to the destination
};

}  // namespace sf
