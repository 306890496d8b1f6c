// Fused elementwise programs (Fused and FusedReduce, docs/kernels.md): the
// load-time check, and an evaluator that runs the program over a shape tile by
// tile. Registers are tiles of FUSED_TILE elements in the session's scratch
// memory, shared between registers whose lifetimes do not overlap, so the
// working set stays in L1. Registers that do not vary (constants, scalar
// inputs, anything computed only from them) are computed once, as one value.
//
//   FusedProgram program(call, words, shape);
//   if (int32_t s = program.prepare(call.scratch, 0, nullptr)) return s;
//   for (int64_t at = 0; at < total; at += FUSED_TILE) program.eval(at, std::min(FUSED_TILE, total - at), dst + at * size);
#pragma once
#include <cstdint>

#include "kernels/broadcast.h"
#include "kernels/fused_block.h"
#include "kernels/kernels.h"

namespace sf {

constexpr int64_t FUSED_TILE = 512;

// Checks the program starting at attr word `at` (nInstr, then the
// instructions, which must end the attributes) for a step whose inputs
// broadcast to `shape`; sets *result_dtype to the last register's dtype.
const char* fused_program_validate(const Plan& plan, const StepDesc& step, int32_t at, const Shape& shape,
                                   int32_t* result_dtype);

struct FusedInstr {
  int32_t kind, op, dtype, a, b, c;
};

// A copy eval() carries out in pieces between its instructions, so streaming
// the previous tile's result to memory overlaps computing this one.
struct PendingStream {
  uint8_t* dst = nullptr;
  const uint8_t* src = nullptr;
  int64_t bytes = 0;
};

class FusedProgram {
 public:
  // The program at attr word `at` of call.step, over inputs call.in[], evaluated over `shape`.
  FusedProgram(const KernelCall& call, int32_t at, const Shape& shape);
  // Lays out the registers in `scratch` (plus `extra_bytes` for the caller,
  // returned in *extra) and computes the constant registers. A Status.
  // `copies` sets of tile slots (and extras) let that many threads eval at once.
  // With `blocks`, also builds the register-block form when the program and
  // this CPU allow it (has_blocks()).
  int32_t prepare(AlignedBuffer* scratch, size_t extra_bytes, uint8_t** extra, int32_t copies = 1, bool blocks = false);
  // Whether eval_blocks can run: prepared with `blocks`, float32 throughout,
  // inputs full-size or one value, few enough registers, a vector CPU.
  bool has_blocks() const { return blocks_ != nullptr; }
  // As eval, but for any n, in register blocks (fused_block.h) straight into
  // dst, with non-temporal stores when `stream` and dst is 64-byte aligned
  // (the caller fences); a last partial block goes through eval with slot
  // set `copy`.
  int32_t eval_blocks(int64_t start, int64_t n, uint8_t* dst, bool stream, int32_t copy);
  // Writes elements [start, start + n) of the result (n <= FUSED_TILE) to dst,
  // using tile slots `copy` (one per concurrent caller). A Status.
  // `pending`, when given, is streamed out (rows.h copy_stream) along the way and
  // is done when eval returns.
  int32_t eval(int64_t start, int64_t n, uint8_t* dst, int32_t copy = 0, PendingStream* pending = nullptr);
  // The caller's extra bytes of slot set `copy`.
  uint8_t* extra_for(int32_t copy) const;
  int32_t result_dtype() const;

 private:
  struct Reg;
  FusedInstr instr(int32_t i) const;
  size_t assign_registers(uint8_t* memory);
  int32_t compute_constants();
  int32_t run_instr(int32_t i, int64_t start, int64_t n, uint8_t* dest, const uint8_t* slots);
  int32_t run_mul_add(int32_t i, int64_t start, int64_t n, uint8_t* dest, const uint8_t* slots);
  bool is_f32_binary(int32_t i, int32_t op) const;
  bool foldable_mul(int32_t r) const;
  void fold_mul_adds();
  // The register-block form (fused_program_blocks.cc).
  bool blocks_supported() const;
  size_t block_bytes() const;
  BlockArg block_arg(int32_t r, float** const_blocks);
  void build_blocks(uint8_t* memory);
  void load_input(int32_t r, int64_t start, int64_t n, uint8_t* dest);
  void prefetch_inputs(int64_t start) const;
  const uint8_t* operand(int32_t r, int64_t start, int64_t* stride, const uint8_t* slots) const;

  const KernelCall& call_;
  const int32_t* words_;  // the instructions
  Shape shape_;
  int32_t n_in_, n_instr_, n_regs_;
  Reg* regs_ = nullptr;
  uint8_t* slots_ = nullptr;  // slot set 0; set c starts copy_stride_ * c further on
  size_t copy_stride_ = 0;
  size_t extra_offset_ = 0;
  BroadcastIter iters_[MAX_STEP_INPUTS];
  BlockInstr* blocks_ = nullptr;  // the register-block form, or null
  int32_t n_blocks_ = 0;
};

}  // namespace sf
