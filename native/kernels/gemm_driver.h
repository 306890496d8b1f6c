// The GEMM driver's pieces shared by MatMul's packed GEMM (gemm.cc) and
// Conv2D's indirect one (conv_gemm.cc): the split of C into tasks of whole
// register tiles, and one tile's edge handling and epilogue. Sharing them is
// what makes both give the same bits: the same tiles, k-blocks and epilogue.
//
//   GemmTaskGrid grid = gemm_task_grid(arch, d, pool);
//   gemm_run_tasks(grid, pool, [&](const GemmTask& t) { ... gemm_tile(arch, d, c, epilogue, i0, j0, first, last, product); });
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/gemm.h"

namespace sf {

// Panel rows [pm0, pm1) x panel columns [pn0, pn1) of C.
struct GemmTask {
  int64_t pm0, pm1, pn0, pn1;
};

struct GemmTaskGrid {
  int64_t m_panels, n_panels;
  int64_t task_rows, task_cols;  // in panels
  int64_t tasks_down, tasks_across;
  int32_t threads;  // 1: run on the calling thread

  int64_t count() const { return tasks_down * tasks_across; }
  GemmTask task(int64_t t) const {
    int64_t pm0 = (t / tasks_across) * task_rows, pn0 = (t % tasks_across) * task_cols;
    return GemmTask{pm0, std::min(m_panels, pm0 + task_rows), pn0, std::min(n_panels, pn0 + task_cols)};
  }
};

// The tasks of an m x n x k GEMM (m, n, k > 0). Any split gives the same bits.
GemmTaskGrid gemm_task_grid(const GemmArch& arch, const GemmDims& d, ThreadPool* pool);

// Runs task(GemmTask) for every task of the grid, on the pool's threads.
template <class Task>
void gemm_run_tasks(const GemmTaskGrid& grid, ThreadPool* pool, Task task) {
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) task(grid.task(t));
  };
  if (grid.threads == 1) return run(0, grid.count());
  pool->parallel_for(0, grid.count(), 1, run);
}

// One mr x nr tile of C [d.m, d.n] at (i0, j0) for one k-block:
// product(rows, half, out, ld, accumulate) runs the micro-kernel (its
// half-width form if `half`) for the tile's first `rows` rows into `out`.
// The bottom edge runs only its rows; a partial tile at the right edge goes
// through a local buffer. After the last k-block, the epilogue.
template <class Product>
void gemm_tile(const GemmArch& arch, const GemmDims& d, float* c, const GemmEpilogue& epilogue, int64_t i0, int64_t j0,
               bool first, bool last, Product product) {
  const int64_t nr = arch.nr, n = d.n;
  int32_t rows = static_cast<int32_t>(std::min<int64_t>(arch.mr, d.m - i0));
  int64_t cols = std::min(nr, n - j0);
  c += i0 * n + j0;
  if (cols == nr) {
    product(rows, false, c, n, !first);
  } else {
    alignas(64) float tile[GEMM_MAX_MR * GEMM_MAX_NR];
    product(rows, arch.half_kernel != nullptr && 2 * cols <= nr, tile, nr, false);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) c[i * n + j] = first ? tile[i * nr + j] : c[i * n + j] + tile[i * nr + j];
    }
  }
  if (last) gemm_epilogue_tile(epilogue, c, n, rows, cols, j0);
}

}  // namespace sf
