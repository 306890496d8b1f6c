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

#if defined(_MSC_VER)
#define SF_GEMM_NOINLINE __declspec(noinline)
#else
#define SF_GEMM_NOINLINE __attribute__((noinline))
#endif

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

// A right-edge tile of `cols` < nr columns: the kernel writes a local
// buffer, which is then copied or (after the first k-block) added to C.
// `fused` (or null) is applied by the kernel, only when it is C's final
// value, so first; its bias is copied to nr padded values the kernel may read.
// Out of line: edge tiles are the cold path, and its buffers inlined into
// Conv2D's run_task moved that frame's panel buffer and cost 15% on a
// 32-channel layer with packed panels (conv_bench).
template <class Product>
SF_GEMM_NOINLINE void gemm_edge_tile(const GemmArch& arch, float* c, int64_t ldc, int32_t rows, int64_t cols,
                                     bool first, GemmFusedEpilogue* fused, Product product) {
  const int64_t nr = arch.nr;
  alignas(64) float tile[GEMM_MAX_MR * GEMM_MAX_NR];
  alignas(64) float bias[GEMM_MAX_NR];
  if (fused != nullptr && fused->bias != nullptr) {
    std::fill(std::copy(fused->bias, fused->bias + cols, bias), bias + nr, 0.0f);
    fused->bias = bias;
  }
  product(rows, arch.half_kernel != nullptr && 2 * cols <= nr, tile, nr, false, fused);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) c[i * ldc + j] = first ? tile[i * nr + j] : c[i * ldc + j] + tile[i * nr + j];
  }
}

// One mr x nr tile of C [d.m, d.n] at (i0, j0) for one k-block:
// product(rows, half, out, ld, accumulate, fused) runs the micro-kernel (its
// half-width form if `half`) for the tile's first `rows` rows into `out`.
// The bottom edge runs only its rows; a partial tile at the right edge goes
// through a local buffer. After the last k-block, the epilogue: inside the
// micro-kernel while the tile is in registers when it can, else
// gemm_epilogue_tile; both give the same bits.
template <class Product>
void gemm_tile(const GemmArch& arch, const GemmDims& d, float* c, const GemmEpilogue& epilogue, int64_t i0, int64_t j0,
               bool first, bool last, Product product) {
  const int64_t nr = arch.nr, n = d.n;
  int32_t rows = static_cast<int32_t>(std::min<int64_t>(arch.mr, d.m - i0));
  int64_t cols = std::min(nr, n - j0);
  c += i0 * n + j0;
  // An edge tile over several k-blocks is added to C after its kernel runs,
  // too late for the kernel to apply the epilogue.
  GemmFusedEpilogue fused;
  bool fuse = last && (cols == nr || first) && gemm_epilogue_fuses(epilogue, j0, &fused);
  if (cols == nr) {
    product(rows, false, c, n, !first, fuse ? &fused : nullptr);
  } else {
    gemm_edge_tile(arch, c, n, rows, cols, first, fuse ? &fused : nullptr, product);
  }
  if (last && !fuse) gemm_epilogue_tile(epilogue, c, n, rows, cols, j0);
}

}  // namespace sf
