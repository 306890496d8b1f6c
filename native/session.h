// A session: the arena (grown to the largest loaded plan's arenaBytes), the
// variables and the loaded plans. One run copies the feeds into their arena
// slots, executes the steps in order and stops at the first failing one.
//
//   sf::Session session(0);                     // intra-op threads; 0: one per core
//   int32_t id = 0;
//   if (session.load_plan(bytes, length, &id, &why) != sf::Status::Ok) { ... }
//   sf::RunResult result = session.run(id, feeds, n_feeds);
//   sf::ByteView out = session.fetch(id, 0);   // valid until the next run
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena.h"
#include "plan.h"
#include "streams.h"
#include "thread_pool.h"
#include "variables.h"

namespace sf {

struct ByteView {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

struct MutableByteView {
  uint8_t* data = nullptr;
  size_t length = 0;
};

struct RunResult {
  int32_t status = Status::Ok;
  int32_t step = -1;
  int32_t arg = 0;
};

struct StepState;

class Session {
 public:
  // `intra_op_threads`: threads one kernel may use; 0 means one per core.
  explicit Session(int32_t intra_op_threads = 0);
  ~Session();

  // Status::Ok, InvalidPlan (with `why`) or OutOfMemory (the arena cannot grow).
  int32_t load_plan(const uint8_t* bytes, size_t length, int32_t* id, std::string* why);
  // False when `id` is not loaded.
  bool free_plan(int32_t id);
  // The loaded plan `id`, or null.
  const Plan* plan(int32_t id) const;
  // Runs plan `id` (which must be loaded) with one feed per plan feed, each
  // exactly its buffer's byte size (the caller checks both).
  RunResult run(int32_t id, const ByteView* feeds, size_t n_feeds);
  // Runs plan `id` with its feeds already written into the arena (by a caller
  // holding a view of arena()); the fetches stay there for the caller to read.
  // A non-null `external[i]` is feed i's value read where it is instead (the
  // caller's memory, alive and unchanged for the run): kernels only read feeds.
  // A non-null `outputs[i]` (exactly fetch i's size, the caller's memory) gets
  // fetch i's value: its producer writes it there directly when no other
  // buffer straddles the fetch's arena range, else it is copied after the run.
  RunResult run_in_place(int32_t id, const ByteView* external = nullptr, size_t n_external = 0,
                         const MutableByteView* outputs = nullptr, size_t n_outputs = 0);
  // The arena's memory; it moves only when load_plan grows it, and close frees it.
  ByteView arena() const { return ByteView{arena_.data(), arena_.capacity()}; }
  // Fetch `i` of plan `id` in the arena, as the last run left it.
  ByteView fetch(int32_t id, size_t i) const;
  // Frees the arena, the variables, the random stream counters and every plan, and joins the threads.
  void close();

 private:
  // A plan plus what its steps keep between runs (one entry per step).
  struct LoadedPlan {
    Plan plan;
    std::vector<std::unique_ptr<StepState>> states;
    // Per fetch: whether a caller's output buffer can stand in for its arena
    // range (every other arena buffer lies inside that range or outside it).
    std::vector<bool> fetch_direct;
  };

  uint8_t* buffer_data(const Plan& plan, const BufferDesc& buffer) const;
  // The caller's memory standing in for an arena range during one run: a
  // feed's (only read) or a fetch's (written by its producer).
  struct ExternalRange {
    int64_t offset, bytes;
    uint8_t* data;
  };
  std::vector<ExternalRange> external_;
  int32_t run_step(LoadedPlan& loaded, size_t s, int32_t* arg);

  std::unique_ptr<ThreadPool> pool_;
  AlignedBuffer arena_;
  AlignedBuffer scratch_;  // kernels' working memory (Fused registers, GEMM panels), grown on demand
  VarStore vars_;
  StreamCounters streams_;
  std::unordered_map<int32_t, std::unique_ptr<LoadedPlan>> plans_;
  int32_t next_id_ = 1;
};

}  // namespace sf
