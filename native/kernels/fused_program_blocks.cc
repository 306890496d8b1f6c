// FusedProgram's register-block form (fused_block.h): which programs take it,
// and the BlockInstr list RowKernels::fused_blocks runs.
#include <algorithm>
#include <cstring>
#include <new>

#include "kernels/fused_program.h"
#include "kernels/fused_program_regs.h"
#include "kernels/rows.h"

namespace sf {

using namespace fused_regs;

// Float32 registers only (as read), inputs full-size or one value, Unary and
// Binary instructions and a varying result. (prepare also wants at most
// FUSED_BLOCK_REGS tile slots.)
bool FusedProgram::blocks_supported() const {
  int32_t result = n_regs_ - 1;
  if (n_instr_ == 0 || regs_[result].mode != Tile) return false;
  for (int32_t r = 0; r < n_regs_; ++r) {
    const Reg& reg = regs_[r];
    if (reg.mode == Unused) continue;
    if (reg.dtype != DTypeCode::float32 || reg.mode == Gather) return false;
    if (r >= n_in_ && reg.mode != Constant) {
      int32_t kind = instr(r - n_in_).kind;
      if (kind != FusedKind::Unary && kind != FusedKind::Binary) return false;
    }
  }
  return true;
}

// The block instructions, then FUSED_BLOCK copies of each one-value register.
size_t FusedProgram::block_bytes() const {
  size_t constants = 0;
  for (int32_t r = 0; r < n_regs_; ++r) constants += regs_[r].mode == Constant ? 1 : 0;
  return round_up(sizeof(BlockInstr) * static_cast<size_t>(n_instr_)) +
         constants * static_cast<size_t>(FUSED_BLOCK) * sizeof(float);
}

// Register r as a block operand; a one-value register takes the next
// FUSED_BLOCK floats at *const_blocks the first time it is read.
BlockArg FusedProgram::block_arg(int32_t r, float** const_blocks) {
  Reg& reg = regs_[r];
  BlockArg arg;
  if (reg.mode == Full) {
    arg.data = reinterpret_cast<const float*>(reg.data);
    arg.step = 1;
  } else if (reg.mode == Constant) {
    if (reg.block == nullptr) {
      float value;
      std::memcpy(&value, reg.value, 4);
      std::fill(*const_blocks, *const_blocks + FUSED_BLOCK, value);
      reg.block = *const_blocks;
      *const_blocks += FUSED_BLOCK;
    }
    arg.data = reg.block;
  } else {
    arg.reg = reg.slot;
  }
  return arg;
}

void FusedProgram::build_blocks(uint8_t* memory) {
  blocks_ = reinterpret_cast<BlockInstr*>(memory);
  float* const_blocks = reinterpret_cast<float*>(memory + round_up(sizeof(BlockInstr) * static_cast<size_t>(n_instr_)));
  int32_t result = n_regs_ - 1;
  n_blocks_ = 0;
  for (int32_t i = 0; i < n_instr_; ++i) {
    int32_t r = n_in_ + i;
    if (regs_[r].mode != Tile) continue;
    FusedInstr in = instr(i);
    BlockInstr& out = *new (&blocks_[n_blocks_++]) BlockInstr();
    out.op = in.op;
    out.dst = r == result ? -1 : regs_[r].slot;
    if (in.kind == FusedKind::Unary) {
      out.kind = BlockKind::Unary;
      std::memcpy(&out.param, &in.c, 4);
      out.a = block_arg(in.a, &const_blocks);
    } else if (int32_t m = regs_[r].folded_mul; m >= 0) {
      FusedInstr mul = instr(m - n_in_);
      bool scalar_first = regs_[mul.a].mode == Constant;
      out.kind = BlockKind::MulAdd;
      out.subtract = in.op == BinaryOp::Sub;
      out.product_first = in.a == m;
      std::memcpy(&out.param, regs_[scalar_first ? mul.a : mul.b].value, 4);
      out.a = block_arg(scalar_first ? mul.b : mul.a, &const_blocks);
      out.b = block_arg(out.product_first ? in.b : in.a, &const_blocks);
    } else {
      out.kind = BlockKind::Binary;
      out.a = block_arg(in.a, &const_blocks);
      out.b = block_arg(in.b, &const_blocks);
    }
  }
}

// No software prefetch here, unlike eval: the block form reads each input
// front to back, which the hardware prefetcher follows on its own (and
// prefetching as well measured slower).
int32_t FusedProgram::eval_blocks(int64_t start, int64_t n, uint8_t* dst, bool stream, int32_t copy) {
  int64_t blocks = n / FUSED_BLOCK, done = blocks * FUSED_BLOCK;
  if (blocks > 0) row_kernels().fused_blocks(blocks_, n_blocks_, start, blocks, reinterpret_cast<float*>(dst), stream);
  if (done == n) return Status::Ok;
  return eval(start + done, n - done, dst + done * static_cast<int64_t>(sizeof(float)), copy, nullptr);
}

}  // namespace sf
