#include "kernels/fused_program.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "kernels/fused_program_regs.h"
#include "kernels/rows.h"

namespace sf {

using namespace fused_regs;

namespace {

// Slots are a tile plus 192 bytes apart, so a row reading one slot and writing
// another does not hit addresses 4 KiB apart (false store-to-load dependencies).
constexpr size_t SLOT_BYTES = FUSED_TILE * 4 + 192;

FusedInstr read_instr(const int32_t* words, int32_t i) {
  const int32_t* w = words + static_cast<int64_t>(i) * FUSED_INSTR_WORDS;
  return FusedInstr{w[0], w[1], w[2], w[3], w[4], w[5]};
}

// The dtype instruction `in` gives, or null when it is ill-typed; `dt` holds
// the dtypes of the `defined` registers before it.
const char* check_instr(const FusedInstr& in, const std::vector<int32_t>& dt) {
  auto ref = [&](int32_t r) { return r >= 0 && static_cast<size_t>(r) < dt.size(); };
  if (dtype_size(in.dtype) == 0) return "instruction with an unknown dtype";
  switch (in.kind) {
    case FusedKind::Unary:
      if (!ref(in.a)) return "instruction reads an undefined register";
      if (dt[in.a] != in.dtype || !unary_supports(in.op, in.dtype)) return "Unary instruction ill-typed";
      return nullptr;
    case FusedKind::Binary:
      if (!ref(in.a) || !ref(in.b)) return "instruction reads an undefined register";
      if (dt[in.a] != dt[in.b] || !binary_supports(in.op, dt[in.a])) return "Binary instruction ill-typed";
      if (binary_result_dtype(in.op, dt[in.a]) != in.dtype) return "Binary instruction has the wrong result dtype";
      return nullptr;
    case FusedKind::Select:
      if (!ref(in.a) || !ref(in.b) || !ref(in.c)) return "instruction reads an undefined register";
      if (dt[in.a] != DTypeCode::bool_ || dt[in.b] != in.dtype || dt[in.c] != in.dtype) return "Select instruction ill-typed";
      return nullptr;
    case FusedKind::Cast:
      if (!ref(in.a)) return "instruction reads an undefined register";
      return nullptr;
    case FusedKind::Const:
      if (in.dtype == DTypeCode::bool_ && in.a != 0 && in.a != 1) return "bool Const is not 0 or 1";
      return nullptr;
    default: return "unknown instruction kind";
  }
}

// Copies elements [start, start + n) of an input broadcast by `it` (one input).
template <class T>
void gather(const BroadcastIter& it, const T* base, int64_t start, int64_t n, T* dst) {
  int32_t last = it.rank - 1;
  int64_t idx[MAX_RANK] = {};
  int64_t offset = 0;
  for (int64_t d = last, p = start; d >= 0; --d) {
    idx[d] = p % it.dims[d];
    p /= it.dims[d];
    offset += idx[d] * it.strides[0][d];
  }
  const int64_t s = it.strides[0][last];
  for (int64_t done = 0; done < n;) {
    int64_t run = std::min(it.dims[last] - idx[last], n - done);
    if (s == 0) {
      for (int64_t i = 0; i < run; ++i) dst[done + i] = base[offset];
    } else {
      std::memcpy(dst + done, base + offset, static_cast<size_t>(run) * sizeof(T));
    }
    done += run;
    offset += run * s;
    idx[last] += run;
    for (int32_t d = last; d > 0 && idx[d] == it.dims[d]; --d) {
      offset += it.strides[0][d - 1] - it.dims[d] * it.strides[0][d];
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

// The registers an instruction reads; -1 for none.
void read_operands(const FusedInstr& in, int32_t used[3]) {
  bool reads_b = in.kind == FusedKind::Binary || in.kind == FusedKind::Select;
  used[0] = in.kind == FusedKind::Const ? -1 : in.a;
  used[1] = reads_b ? in.b : -1;
  used[2] = in.kind == FusedKind::Select ? in.c : -1;
}

void fill(uint8_t* dst, const uint8_t* value, int32_t size, int64_t n) {
  if (size == 1) {
    std::memset(dst, value[0], static_cast<size_t>(n));
    return;
  }
  for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * 4, value, 4);
}

}  // namespace

const char* fused_program_validate(const Plan& plan, const StepDesc& step, int32_t at, const Shape& shape,
                                   int32_t* result_dtype) {
  if (step.n_out != 1 || step.n_in < 1) return "needs in[x...] out[y]";
  if (at >= step.n_attr) return "program missing";
  int64_t n_instr = step.attr[at];
  if (n_instr < 0 || step.n_attr - at - 1 != n_instr * FUSED_INSTR_WORDS) return "program length differs from nInstr";
  std::vector<int32_t> dt;
  for (int32_t i = 0; i < step.n_in; ++i) {
    const BufferDesc& x = step_input(plan, step, i);
    if (!broadcasts_to(x.shape, shape)) return "an input does not broadcast to the program's shape";
    dt.push_back(x.dtype);
  }
  for (int32_t i = 0; i < n_instr; ++i) {
    FusedInstr in = read_instr(step.attr + at + 1, i);
    if (const char* bad = check_instr(in, dt)) return bad;
    dt.push_back(in.dtype);
  }
  *result_dtype = dt.back();
  return nullptr;
}

FusedProgram::FusedProgram(const KernelCall& call, int32_t at, const Shape& shape)
    : call_(call), words_(call.step->attr + at + 1), shape_(shape), n_in_(call.step->n_in),
      n_instr_(call.step->attr[at]), n_regs_(n_in_ + n_instr_) {
  for (int32_t k = 0; k < n_in_; ++k) {
    const Shape* in = &call.in[k].desc->shape;
    broadcast_init(shape_, &in, 1, &iters_[k]);
  }
}

FusedInstr FusedProgram::instr(int32_t i) const { return read_instr(words_, i); }

int32_t FusedProgram::result_dtype() const {
  return n_instr_ > 0 ? instr(n_instr_ - 1).dtype : call_.in[n_in_ - 1].desc->dtype;
}

bool FusedProgram::is_f32_binary(int32_t i, int32_t op) const {
  FusedInstr in = instr(i);
  return in.kind == FusedKind::Binary && in.op == op && in.dtype == DTypeCode::float32;
}

// Register r is a float32 Mul of a varying register by a one-value register,
// and exactly one operand field of one instruction reads it.
bool FusedProgram::foldable_mul(int32_t r) const {
  if (r < n_in_ || regs_[r].mode != Tile || regs_[r].uses != 1 || !is_f32_binary(r - n_in_, BinaryOp::Mul)) return false;
  FusedInstr mul = instr(r - n_in_);
  return (regs_[mul.a].mode == Constant) != (regs_[mul.b].mode == Constant);
}

// A float32 Add or Sub reading such a Mul computes it in the same pass
// (rows.h mul_add: the product is rounded before the sum, so the bits are the
// two instructions'); the Mul's varying operand then lives until the Add.
void FusedProgram::fold_mul_adds() {
  for (int32_t i = 0; i < n_instr_; ++i) {
    int32_t r = n_in_ + i;
    if (regs_[r].mode != Tile || !(is_f32_binary(i, BinaryOp::Add) || is_f32_binary(i, BinaryOp::Sub))) continue;
    FusedInstr in = instr(i);
    int32_t m = foldable_mul(in.a) ? in.a : foldable_mul(in.b) ? in.b : -1;
    if (m < 0) continue;
    FusedInstr mul = instr(m - n_in_);
    int32_t varying = regs_[mul.a].mode == Constant ? mul.b : mul.a;
    regs_[varying].last_use = std::max(regs_[varying].last_use, i);
    regs_[m].mode = Folded;
    regs_[r].folded_mul = m;
  }
}

// Sets each register's mode and tile slot (a slot is reused once its register
// is dead; a destination never shares its operands' slot, so casts between
// sizes stay safe). Returns the number of slots.
size_t FusedProgram::assign_registers(uint8_t* memory) {
  regs_ = reinterpret_cast<Reg*>(memory);
  int32_t* free_slots = reinterpret_cast<int32_t*>(memory + round_up(sizeof(Reg) * static_cast<size_t>(n_regs_)));
  for (int32_t r = 0; r < n_regs_; ++r) new (&regs_[r]) Reg();
  for (int32_t r = 0; r < n_in_; ++r) {
    const BufferDesc& b = *call_.in[r].desc;
    regs_[r].dtype = b.dtype;
    regs_[r].mode = b.count == 1 ? Constant : b.count == iters_[r].total ? Full : Gather;
    regs_[r].data = call_.in[r].data;
    if (b.count == 1) std::memcpy(regs_[r].value, call_.in[r].data, static_cast<size_t>(dtype_size(b.dtype)));
  }
  for (int32_t i = 0; i < n_instr_; ++i) {
    int32_t used[3];
    read_operands(instr(i), used);
    bool varies = false;
    for (int32_t r : used) {
      if (r < 0) continue;
      regs_[r].last_use = i;
      ++regs_[r].uses;
      varies |= regs_[r].mode != Constant;
    }
    regs_[n_in_ + i].dtype = instr(i).dtype;
    regs_[n_in_ + i].mode = varies ? Tile : Constant;
  }
  fold_mul_adds();
  int32_t n_slots = 0, n_free = 0;
  auto take = [&]() { return n_free > 0 ? free_slots[--n_free] : n_slots++; };
  auto release = [&](int32_t r) {
    if (regs_[r].slot >= 0) free_slots[n_free++] = regs_[r].slot;
  };
  int32_t result = n_regs_ - 1;
  for (int32_t r = 0; r < n_in_; ++r) {
    if (regs_[r].last_use < 0 && r != result) regs_[r].mode = Unused;
    if (regs_[r].mode == Gather && r != result) regs_[r].slot = take();
  }
  for (int32_t i = 0; i < n_instr_; ++i) {
    int32_t r = n_in_ + i;
    if (regs_[r].mode == Tile && r != result) regs_[r].slot = take();
    // Registers whose life ends here: this instruction's operands, and a
    // folded Mul's, which this Add or Sub reads in its place. Each once.
    int32_t used[5] = {-1, -1, -1, -1, -1};
    read_operands(instr(i), used);
    if (int32_t m = regs_[r].folded_mul; m >= 0) {
      used[3] = instr(m - n_in_).a;
      used[4] = instr(m - n_in_).b;
    }
    for (int32_t u = 0; u < 5; ++u) {
      bool repeated = false;
      for (int32_t v = 0; v < u; ++v) repeated |= used[v] == used[u];
      if (used[u] >= 0 && !repeated && regs_[used[u]].last_use == i) release(used[u]);
    }
    if (regs_[r].last_use < 0) release(r);
  }
  return static_cast<size_t>(n_slots);
}

int32_t FusedProgram::prepare(AlignedBuffer* scratch, size_t extra_bytes, uint8_t** extra, int32_t copies, bool blocks) {
  size_t reg_bytes = round_up(sizeof(Reg) * static_cast<size_t>(n_regs_)) + round_up(4 * static_cast<size_t>(n_regs_));
  if (!scratch->reserve(reg_bytes)) return Status::OutOfMemory;
  size_t n_slots = assign_registers(scratch->data());
  blocks = blocks && row_kernels().fused_blocks != nullptr && blocks_supported() &&
           n_slots <= static_cast<size_t>(FUSED_BLOCK_REGS);
  size_t block_bytes = blocks ? this->block_bytes() : 0;
  extra_offset_ = n_slots * SLOT_BYTES;
  copy_stride_ = extra_offset_ + round_up(extra_bytes);
  size_t total = reg_bytes + block_bytes + copy_stride_ * static_cast<size_t>(copies);
  if (scratch->capacity() < total) {
    if (!scratch->reserve(total)) return Status::OutOfMemory;
    assign_registers(scratch->data());
  }
  slots_ = scratch->data() + reg_bytes + block_bytes;
  if (extra) *extra = slots_ + extra_offset_;
  if (int32_t status = compute_constants()) return status;
  blocks_ = nullptr;
  if (blocks) build_blocks(scratch->data() + reg_bytes);
  return Status::Ok;
}

uint8_t* FusedProgram::extra_for(int32_t copy) const {
  return slots_ + copy_stride_ * static_cast<size_t>(copy) + extra_offset_;
}

int32_t FusedProgram::compute_constants() {
  for (int32_t i = 0; i < n_instr_; ++i) {
    Reg& reg = regs_[n_in_ + i];
    if (reg.mode != Constant) continue;
    FusedInstr in = instr(i);
    if (in.kind == FusedKind::Const) {
      if (in.dtype == DTypeCode::bool_) reg.value[0] = static_cast<uint8_t>(in.a);
      else std::memcpy(reg.value, &in.a, 4);
      continue;
    }
    if (int32_t status = run_instr(i, 0, 1, reg.value, slots_)) return status;
  }
  return Status::Ok;
}

const uint8_t* FusedProgram::operand(int32_t r, int64_t start, int64_t* stride, const uint8_t* slots) const {
  const Reg& reg = regs_[r];
  *stride = reg.mode == Constant ? 0 : 1;
  if (reg.mode == Constant) return reg.value;
  if (reg.mode == Full) return reg.data + start * dtype_size(reg.dtype);
  return slots + static_cast<size_t>(reg.slot) * SLOT_BYTES;
}

int32_t FusedProgram::run_instr(int32_t i, int64_t start, int64_t n, uint8_t* dest, const uint8_t* slots) {
  const RowKernels& rows = row_kernels();
  FusedInstr in = instr(i);
  int64_t sa = 0, sb = 0, sc = 0;
  const uint8_t* a = operand(in.a, start, &sa, slots);
  switch (in.kind) {
    case FusedKind::Unary: {
      float param;
      std::memcpy(&param, &in.c, 4);
      rows.unary(in.dtype, in.op, param, a, dest, n);
      return Status::Ok;
    }
    case FusedKind::Binary: {
      if (regs_[n_in_ + i].folded_mul >= 0) return run_mul_add(i, start, n, dest, slots);
      const uint8_t* b = operand(in.b, start, &sb, slots);
      int32_t dtype = regs_[in.a].dtype;
      if (int32_t status = binary_operand_status(dtype, in.op, b, sb, n)) return status;
      rows.binary(dtype, in.op, a, sa, b, sb, dest, n);
      return Status::Ok;
    }
    case FusedKind::Select: {
      const uint8_t* b = operand(in.b, start, &sb, slots);
      const uint8_t* c = operand(in.c, start, &sc, slots);
      rows.select(dtype_size(in.dtype), a, sa, b, sb, c, sc, dest, n);
      return Status::Ok;
    }
    default:  // Cast
      rows.cast(regs_[in.a].dtype, in.dtype, a, sa, dest, n);
      return Status::Ok;
  }
}

int32_t FusedProgram::run_mul_add(int32_t i, int64_t start, int64_t n, uint8_t* dest, const uint8_t* slots) {
  FusedInstr in = instr(i);
  int32_t m = regs_[n_in_ + i].folded_mul;
  FusedInstr mul = instr(m - n_in_);
  bool scalar_first = regs_[mul.a].mode == Constant;
  int64_t sx = 0, sc = 0, sb = 0;
  const uint8_t* x = operand(scalar_first ? mul.b : mul.a, start, &sx, slots);
  const uint8_t* c = operand(scalar_first ? mul.a : mul.b, start, &sc, slots);
  bool product_first = in.a == m;
  const uint8_t* b = operand(product_first ? in.b : in.a, start, &sb, slots);
  float scale;
  std::memcpy(&scale, c, 4);
  row_kernels().mul_add(in.op == BinaryOp::Sub, product_first, reinterpret_cast<const float*>(x), scale,
                        reinterpret_cast<const float*>(b), sb, reinterpret_cast<float*>(dest), n);
  return Status::Ok;
}

void FusedProgram::load_input(int32_t r, int64_t start, int64_t n, uint8_t* dest) {
  const Reg& reg = regs_[r];
  int32_t size = dtype_size(reg.dtype);
  if (reg.mode == Constant) return fill(dest, reg.value, size, n);
  if (reg.mode == Full) {
    std::memcpy(dest, reg.data + start * size, static_cast<size_t>(n * size));
  } else if (size == 1) {
    gather(iters_[r], reg.data, start, n, dest);
  } else {
    gather(iters_[r], reinterpret_cast<const uint32_t*>(reg.data), start, n, reinterpret_cast<uint32_t*>(dest));
  }
}

// How far ahead of the tile being computed its full-size inputs are fetched.
// A program alternates between reading a tile and computing on it, so the
// hardware prefetcher alone leaves the loads waiting on memory.
constexpr int64_t PREFETCH_TILES = 2;

void FusedProgram::prefetch_inputs(int64_t start) const {
  int64_t ahead = start + PREFETCH_TILES * FUSED_TILE;
  for (int32_t r = 0; r < n_in_; ++r) {
    const Reg& reg = regs_[r];
    if (reg.mode != Full || ahead >= iters_[r].total) continue;
    int64_t size = dtype_size(reg.dtype);
    const uint8_t* from = reg.data + ahead * size;
    int64_t bytes = std::min(FUSED_TILE, iters_[r].total - ahead) * size;
    for (int64_t at = 0; at < bytes; at += 64) __builtin_prefetch(from + at, 0, 3);
  }
}

int32_t FusedProgram::eval(int64_t start, int64_t n, uint8_t* dst, int32_t copy, PendingStream* pending) {
  int32_t result = n_regs_ - 1;
  uint8_t* slots = slots_ + copy_stride_ * static_cast<size_t>(copy);
  prefetch_inputs(start);
  // The pending copy in one piece per instruction, in whole cache lines.
  int64_t piece = 0;
  if (pending != nullptr && pending->bytes > 0) piece = (pending->bytes / std::max<int32_t>(n_instr_, 1) + 63) / 64 * 64;
  auto stream_piece = [&](bool all) {
    if (piece == 0 || pending->bytes == 0) return;
    int64_t bytes = all ? pending->bytes : std::min(piece, pending->bytes);
    row_kernels().copy_stream(pending->dst, pending->src, bytes);
    pending->dst += bytes;
    pending->src += bytes;
    pending->bytes -= bytes;
  };
  for (int32_t r = 0; r < n_in_; ++r) {
    if (regs_[r].slot >= 0) load_input(r, start, n, slots + static_cast<size_t>(regs_[r].slot) * SLOT_BYTES);
  }
  for (int32_t i = 0; i < n_instr_; ++i) {
    int32_t r = n_in_ + i;
    if (regs_[r].mode != Tile) continue;
    uint8_t* dest = r == result ? dst : slots + static_cast<size_t>(regs_[r].slot) * SLOT_BYTES;
    if (int32_t status = run_instr(i, start, n, dest, slots)) return status;
    stream_piece(false);
  }
  stream_piece(true);
  if (regs_[result].mode != Tile) load_input(result, start, n, dst);
  return Status::Ok;
}

}  // namespace sf
