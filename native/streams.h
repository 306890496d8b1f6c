// Per-session counters of the random streams (docs/kernels.md, Random: r).
// Each Random or Shuffle step names a stream; its r is how many earlier runs
// of that stream this session made, so a rerun draws new numbers while two
// sessions with the same seeds draw the same ones. Streams are non-negative
// ids checked at plan load, kept sparse like variable slots.
#pragma once
#include <cstdint>
#include <unordered_map>

namespace sf {

class StreamCounters {
 public:
  // r for this run of `stream`; counts the run. Wraps after 2^32 runs.
  // Throws std::bad_alloc only on the first run of a stream.
  uint32_t next(int32_t stream) { return counts_[stream]++; }
  void clear() { counts_.clear(); }

 private:
  std::unordered_map<int32_t, uint32_t> counts_;
};

}  // namespace sf
