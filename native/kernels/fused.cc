// Fused: an elementwise program over the output's shape (fused_program.h).
#include <atomic>

#include "kernels/fused_program.h"
#include "kernels/rows.h"
#include "thread_pool.h"

namespace sf {

const char* fused_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_out != 1) return "needs in[x...] out[y] attr[nInstr, instructions]";
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t result_dtype = 0;
  if (const char* bad = fused_program_validate(plan, step, 0, y.shape, &result_dtype)) return bad;
  if (result_dtype != y.dtype) return "the program's result dtype differs from the output's";
  return nullptr;
}

// Results past this size cannot stay in cache anyway: each tile is computed
// into scratch and streamed out, so the output is never read before written.
constexpr int64_t STREAM_BYTES = 4 << 20;

// The block form writes from registers, with no scratch tile to copy out, so
// streaming only pays once the result could not stay in the last-level cache
// (32 MiB and more on current x86 parts) for whatever reads it next: at 16 MB
// (fused_chain) plain stores measured faster, 3.2 against 3.5 ms.
constexpr int64_t BLOCK_STREAM_BYTES = int64_t{64} << 20;

// Outputs this large are split across the session's threads, in chunks of
// TILES_PER_CHUNK tiles. Every element is computed the same way whatever the
// split, so results do not depend on the thread count.
constexpr int64_t PARALLEL_BYTES = 256 << 10;
constexpr int64_t TILES_PER_CHUNK = 16;

// Computes tiles [first, last) with slot set `copy`: in register blocks when
// the program allows, else tile by tile. Streamed, each tile is computed into
// one of two scratch tiles while the previous one is copied out.
int32_t fused_tiles(KernelCall& c, FusedProgram& program, int64_t first, int64_t last, int32_t copy, bool stream) {
  const BufferDesc& y = *c.out[0].desc;
  int64_t size = dtype_size(y.dtype);
  if (program.has_blocks()) {  // straight from registers to the output, in one pass over the range
    int64_t at = first * FUSED_TILE, n = std::min(last * FUSED_TILE, y.count) - at;
    bool stream_blocks = y.bytes >= BLOCK_STREAM_BYTES;
    int32_t status = program.eval_blocks(at, n, c.out[0].data + at * size, stream_blocks, copy);
    if (stream_blocks) row_kernels().stream_fence();
    return status;
  }
  uint8_t* tiles[2] = {nullptr, nullptr};
  if (stream) {
    tiles[0] = program.extra_for(copy);
    tiles[1] = tiles[0] + FUSED_TILE * size;
  }
  PendingStream pending;
  for (int64_t t = first; t < last; ++t) {
    int64_t at = t * FUSED_TILE;
    int64_t n = std::min(FUSED_TILE, y.count - at);
    uint8_t* out = c.out[0].data + at * size;
    uint8_t* tile = tiles[t & 1];
    if (int32_t status = program.eval(at, n, stream ? tile : out, copy, stream ? &pending : nullptr)) return status;
    if (stream) pending = PendingStream{out, tile, n * size};
  }
  if (pending.bytes > 0) row_kernels().copy_stream(pending.dst, pending.src, pending.bytes);
  if (stream) row_kernels().stream_fence();
  return Status::Ok;
}

int32_t fused_run(KernelCall& c) {
  const BufferDesc& y = *c.out[0].desc;
  if (y.count == 0) return Status::Ok;
  FusedProgram program(c, 0, y.shape);
  int64_t tiles = (y.count + FUSED_TILE - 1) / FUSED_TILE;
  bool stream = y.bytes >= STREAM_BYTES;
  int32_t threads = c.pool != nullptr && y.bytes >= PARALLEL_BYTES ? c.pool->size() : 1;
  size_t extra = stream ? static_cast<size_t>(2 * FUSED_TILE * dtype_size(y.dtype)) : 0;
  bool blocks = y.count >= FUSED_BLOCK;  // below one block, laying out the block form costs more than it saves
  if (int32_t status = program.prepare(c.scratch, extra, nullptr, threads, blocks)) return status;
  if (threads == 1) return fused_tiles(c, program, 0, tiles, 0, stream);
  std::atomic<int32_t> failed{Status::Ok};
  c.pool->parallel_for(0, tiles, TILES_PER_CHUNK, [&](int64_t first, int64_t last) {
    if (failed.load(std::memory_order_relaxed) != Status::Ok) return;
    int32_t status = fused_tiles(c, program, first, last, ThreadPool::thread_index(), stream);
    int32_t ok = Status::Ok;
    if (status != Status::Ok) failed.compare_exchange_strong(ok, status);
  });
  return failed.load();
}

}  // namespace sf
