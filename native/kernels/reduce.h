// Shared by the Reduce kernel's files: the [outer, n, inner] view and the
// split of the output into parallel tasks. A task owns whole output
// elements, so the thread count never changes what is computed.
#pragma once
#include <algorithm>
#include <cstdint>

#include "arena.h"
#include "thread_pool.h"

namespace sf {

struct ReduceShape {
  int64_t outer, n, inner;
};

// Column-chunk widths: at least REDUCE_MIN_COLUMNS for vector loops, at most
// REDUCE_MAX_COLUMNS so a chunk's accumulators stay in L1 while rows stream.
constexpr int64_t REDUCE_MIN_COLUMNS = 256;
constexpr int64_t REDUCE_MAX_COLUMNS = 4096;
// A task reads at least about this many input elements (or is the only one).
constexpr int64_t REDUCE_TASK_ELEMENTS = int64_t{1} << 15;

// The width of the column chunks a task owns: whole rows when that keeps
// every thread busy, narrower when there are few outer indices.
inline int64_t reduce_column_width(const ReduceShape& r, int32_t threads) {
  int64_t max_chunks = std::max<int64_t>(1, r.inner / REDUCE_MIN_COLUMNS);
  int64_t chunks = std::min(max_chunks, (threads + r.outer - 1) / std::max<int64_t>(1, r.outer));
  chunks = std::max(chunks, (r.inner + REDUCE_MAX_COLUMNS - 1) / REDUCE_MAX_COLUMNS);
  int64_t width = (r.inner + chunks - 1) / std::max<int64_t>(1, chunks);
  return std::max<int64_t>(1, (width + 15) / 16 * 16);
}

// Calls fn(o, i0, i1) for every outer index o and column chunk [i0, i1) of
// `width` columns (the last may be narrower), spread over the pool.
template <class F>
void reduce_for_each_block(const ReduceShape& r, int64_t width, ThreadPool* pool, F fn) {
  int64_t chunks = (r.inner + width - 1) / width;
  int64_t grain = std::max<int64_t>(1, REDUCE_TASK_ELEMENTS / std::max<int64_t>(1, r.n * width));
  pool->parallel_for(0, r.outer * chunks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t i0 = (t % chunks) * width;
      fn(t / chunks, i0, std::min(r.inner, i0 + width));
    }
  });
}

// y[o, i] = the float32 sum of x[o, 0..n, i], in blocks and pairs so the
// rounding error grows like log n; the same bits for any thread count.
// Status::Ok, or OutOfMemory (with *arg the bytes) when `scratch` cannot grow.
int32_t reduce_sum_f32(const float* x, float* y, const ReduceShape& r, ThreadPool* pool, AlignedBuffer* scratch,
                       int32_t* arg);

}  // namespace sf
