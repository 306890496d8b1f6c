// Accurate float32 sums for Reduce Sum and Mean (docs/kernels.md: blocks or
// pairs, error growing like log n), at memory speed:
//  - along a contiguous row (inner = 1): SUM_LANES independent accumulators
//    over blocks of SUM_BLOCK elements, blocks combined pairwise. One long row
//    is split into subtrees of that same pairwise tree, summed in parallel;
//  - down columns (inner > 1): rows added in runs of COLUMN_RUN, the runs
//    combined pairwise by a binary counter, a chunk of up to
//    REDUCE_MAX_COLUMNS columns at a time (so it streams whole rows);
//  - few columns (inner < REDUCE_MIN_COLUMNS): several rows side by side form
//    one wide row, so the column loop still runs on full vectors.
// Every split point depends only on (outer, n, inner), never on the threads.
#include <cstring>

#include "format.h"
#include "kernels/reduce.h"

namespace sf {
namespace {

constexpr int64_t SUM_LANES = 32;
constexpr int64_t SUM_BLOCK = 1024;
constexpr int64_t COLUMN_RUN = 32;
constexpr int64_t NARROW_WIDTH = 4096;
constexpr int PARALLEL_DEPTH = 5;  // a long row splits into up to 32 subtrees

// Where the pairwise tree splits n > SUM_BLOCK elements: half the blocks left.
int64_t split_point(int64_t n) { return (n / SUM_BLOCK + 1) / 2 * SUM_BLOCK; }

float sum_block(const float* x, int64_t n) {
  float lanes[SUM_LANES] = {};
  int64_t i = 0;
  for (; i + SUM_LANES <= n; i += SUM_LANES) {
    for (int64_t l = 0; l < SUM_LANES; ++l) lanes[l] += x[i + l];
  }
  for (int64_t l = 0; i < n; ++i, ++l) lanes[l] += x[i];
  for (int64_t width = SUM_LANES / 2; width >= 1; width /= 2) {
    for (int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return lanes[0];
}

float sum_row(const float* x, int64_t n) {
  if (n <= SUM_BLOCK) return sum_block(x, n);
  int64_t half = split_point(n);
  return sum_row(x, half) + sum_row(x + half, n - half);
}

struct Span {
  const float* x;
  int64_t n;
};

// The subtrees of sum_row's tree `depth` levels down, left to right.
void collect_subtrees(Span s, int depth, Span* out, int* count) {
  if (depth == 0 || s.n <= SUM_BLOCK) {
    out[(*count)++] = s;
    return;
  }
  int64_t half = split_point(s.n);
  collect_subtrees(Span{s.x, half}, depth - 1, out, count);
  collect_subtrees(Span{s.x + half, s.n - half}, depth - 1, out, count);
}

// sum_row's tree above the subtrees, given their sums in order.
float combine_subtrees(int64_t n, int depth, const float* sums, int* next) {
  if (depth == 0 || n <= SUM_BLOCK) return sums[(*next)++];
  int64_t half = split_point(n);
  float left = combine_subtrees(half, depth - 1, sums, next);
  return left + combine_subtrees(n - half, depth - 1, sums, next);
}

// sum_row(x, n) with its top subtrees summed in parallel: the same bits.
float sum_row_parallel(const float* x, int64_t n, ThreadPool* pool) {
  Span spans[1 << PARALLEL_DEPTH];
  float sums[1 << PARALLEL_DEPTH];
  int count = 0;
  collect_subtrees(Span{x, n}, PARALLEL_DEPTH, spans, &count);
  pool->parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) sums[s] = sum_row(spans[s].x, spans[s].n);
  });
  int next = 0;
  return combine_subtrees(n, PARALLEL_DEPTH, sums, &next);
}

void sum_rows(const float* x, float* y, const ReduceShape& r, ThreadPool* pool) {
  if (r.outer < 2 * pool->size() && r.n >= 4 * REDUCE_TASK_ELEMENTS) {
    for (int64_t o = 0; o < r.outer; ++o) y[o] = sum_row_parallel(x + o * r.n, r.n, pool);
    return;
  }
  int64_t grain = std::max<int64_t>(1, REDUCE_TASK_ELEMENTS / std::max<int64_t>(1, r.n));
  pool->parallel_for(0, r.outer, grain, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) y[o] = sum_row(x + o * r.n, r.n);
  });
}

// run[0:w] = the sum of rows 0..rows of x (row k at x + k * stride), four
// rows per pass over run so its loads and stores do not bound the speed.
void add_rows(const float* x, int64_t rows, int64_t stride, int64_t w, float* run) {
  std::memcpy(run, x, static_cast<size_t>(w) * sizeof(float));
  int64_t k = 1;
  for (; k + 4 <= rows; k += 4) {
    const float* r0 = x + k * stride;
    const float* r1 = r0 + stride;
    const float* r2 = r1 + stride;
    const float* r3 = r2 + stride;
    for (int64_t i = 0; i < w; ++i) run[i] += (r0[i] + r1[i]) + (r2[i] + r3[i]);
  }
  for (; k < rows; ++k) {
    const float* row = x + k * stride;
    for (int64_t i = 0; i < w; ++i) run[i] += row[i];
  }
}

// Levels of sum_columns' binary counter for n rows.
int64_t levels_for(int64_t n) {
  int64_t runs = (n + COLUMN_RUN - 1) / COLUMN_RUN;
  int64_t levels = 1;
  while ((int64_t{1} << levels) <= runs) ++levels;
  return levels;
}

// out[0:w] = the sum over k < n of x[k * stride + 0:w]: runs of COLUMN_RUN
// rows, runs merged like a binary counter (level l holds the sum of 2^l
// runs), leftovers merged lowest level first. `work` holds
// (levels_for(n) + 1) * w floats.
void sum_columns(const float* x, int64_t n, int64_t stride, int64_t w, float* out, float* work) {
  float* run = work;
  float* levels = work + w;
  uint64_t filled = 0;
  for (int64_t k0 = 0; k0 < n; k0 += COLUMN_RUN) {
    int64_t rows = std::min(COLUMN_RUN, n - k0);
    add_rows(x + k0 * stride, rows, stride, w, run);
    int64_t level = 0;
    for (; filled & (uint64_t{1} << level); ++level) {
      const float* held = levels + level * w;
      for (int64_t i = 0; i < w; ++i) run[i] = held[i] + run[i];
      filled &= ~(uint64_t{1} << level);
    }
    std::memcpy(levels + level * w, run, static_cast<size_t>(w) * sizeof(float));
    filled |= uint64_t{1} << level;
  }
  std::fill(out, out + w, 0.0f);
  bool first = true;
  for (int64_t level = 0; filled >> level != 0; ++level) {
    if (!(filled & (uint64_t{1} << level))) continue;
    const float* held = levels + level * w;
    for (int64_t i = 0; i < w; ++i) out[i] = first ? held[i] : held[i] + out[i];
    first = false;
  }
}

// Few columns: `group` consecutive rows form one contiguous row of
// group * inner <= NARROW_WIDTH columns; sum those, fold the groups pairwise,
// then add the sum of the n % group rows left over. `work` holds
// (levels_for(n) + 3) * NARROW_WIDTH floats.
void sum_narrow_columns(const float* x, int64_t n, int64_t inner, float* y, float* work) {
  int64_t group = NARROW_WIDTH / inner;
  int64_t width = group * inner, full = n / group;
  float* wide = work;
  float* rest = work + NARROW_WIDTH;
  sum_columns(x, full, width, width, wide, rest + NARROW_WIDTH);
  for (int64_t count = group; count > 1;) {
    int64_t half = count / 2, keep = count - half;
    for (int64_t g = 0; g < half; ++g) {
      for (int64_t i = 0; i < inner; ++i) wide[g * inner + i] += wide[(keep + g) * inner + i];
    }
    count = keep;
  }
  sum_columns(x + full * width, n - full * group, inner, inner, rest, rest + NARROW_WIDTH);
  for (int64_t i = 0; i < inner; ++i) y[i] = wide[i] + rest[i];
}

// Each thread's slice of the scratch: `per_thread` floats.
float* thread_work(AlignedBuffer* scratch, int64_t per_thread) {
  return reinterpret_cast<float*>(scratch->data()) + ThreadPool::thread_index() * per_thread;
}

}  // namespace

int32_t reduce_sum_f32(const float* x, float* y, const ReduceShape& r, ThreadPool* pool, AlignedBuffer* scratch,
                       int32_t* arg) {
  if (r.inner == 1) {
    sum_rows(x, y, r, pool);
    return Status::Ok;
  }
  bool narrow = r.inner < REDUCE_MIN_COLUMNS;
  int64_t width = narrow ? NARROW_WIDTH : reduce_column_width(r, pool->size());
  int64_t per_thread = (levels_for(r.n) + 3) * width;
  size_t bytes = static_cast<size_t>(per_thread * pool->size()) * sizeof(float);
  if (!scratch->reserve(bytes)) {
    *arg = static_cast<int32_t>(std::min<size_t>(bytes, INT32_MAX));
    return Status::OutOfMemory;
  }
  auto column_block = [&](int64_t o, int64_t i0, int64_t i1) {
    float* work = thread_work(scratch, per_thread);
    const float* block = x + o * r.n * r.inner;
    if (narrow) return sum_narrow_columns(block, r.n, r.inner, y + o * r.inner, work);
    sum_columns(block + i0, r.n, r.inner, i1 - i0, y + o * r.inner + i0, work);
  };
  reduce_for_each_block(r, narrow ? r.inner : width, pool, column_block);
  return Status::Ok;
}

}  // namespace sf
