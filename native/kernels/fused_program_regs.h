// FusedProgram's registers, shared by its two source files: fused_program.cc
// (checks, register layout, the tile evaluator) and fused_program_blocks.cc
// (the register-block form).
#pragma once
#include <cstddef>
#include <cstdint>

#include "arena.h"
#include "kernels/fused_program.h"

namespace sf {
namespace fused_regs {

// Folded: a Mul computed inside the one Add or Sub that reads it (fold_mul_adds).
enum RegMode : int32_t { Unused, Constant, Full, Gather, Tile, Folded };

inline size_t round_up(size_t bytes) { return (bytes + MEMORY_ALIGN - 1) / MEMORY_ALIGN * MEMORY_ALIGN; }

}  // namespace fused_regs

struct FusedProgram::Reg {
  int32_t dtype = 0;
  int32_t mode = fused_regs::Unused;
  int32_t slot = -1;
  int32_t last_use = -1;           // the last instruction reading it; -1: none
  int32_t uses = 0;                // how many operand fields read it
  int32_t folded_mul = -1;         // an Add or Sub's Folded Mul operand register
  const uint8_t* data = nullptr;  // Full and Gather inputs
  const float* block = nullptr;   // Constant registers in the block form: FUSED_BLOCK copies
  alignas(4) uint8_t value[4] = {};  // Constant registers
};

}  // namespace sf
