// The GEMM driver: picks the micro-kernel for this CPU, splits C into tasks
// of whole register tiles for the thread pool, and applies the epilogue to
// each tile while it is still in L1.
#include "kernels/gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

// A task is a block of C of about TASK_ROWS x TASK_COLS: its B slice
// (GEMM_KC x TASK_COLS floats) stays in L2 while the task's A micro-panels
// stream past it, and its C block stays in L2 across k-blocks.
constexpr int64_t TASK_ROWS = 96;
constexpr int64_t TASK_COLS = 256;
// Below this many multiply-adds a GEMM runs on the calling thread only.
constexpr int64_t PARALLEL_MIN_MACS = int64_t{1} << 18;

const GemmArch* pick_arch() {
  const GemmArch* archs[3];
  int32_t count = gemm_archs_available(archs, 3);
  const char* forced = std::getenv("SESSIONFLOW_GEMM");
  for (int32_t i = 0; forced != nullptr && i < count; ++i) {
    if (std::strcmp(archs[i]->name, forced) == 0) return archs[i];
  }
  return archs[0];
}

struct Compute {
  const GemmArch& arch;
  const float* packed_a;
  const float* packed_b;
  float* c;
  GemmDims d;
  const GemmEpilogue& epilogue;
  int64_t m_padded, n_padded;
};

// One mr x nr tile of C for one k-block. The bottom edge runs only its
// rows; a partial tile at the right edge goes through a local buffer.
void run_tile(const Compute& g, const float* ap, const float* bp, int64_t kc, int64_t i0, int64_t j0, bool first,
              bool last) {
  const int64_t nr = g.arch.nr, n = g.d.n;
  int64_t rows = std::min<int64_t>(g.arch.mr, g.d.m - i0), cols = std::min(nr, n - j0);
  float* c = g.c + i0 * n + j0;
  if (cols == nr) {
    g.arch.kernel(static_cast<int32_t>(rows), kc, ap, bp, c, n, !first);
  } else {
    alignas(64) float tile[GEMM_MAX_MR * GEMM_MAX_NR];
    bool half = g.arch.half_kernel != nullptr && 2 * cols <= nr;
    (half ? g.arch.half_kernel : g.arch.kernel)(static_cast<int32_t>(rows), kc, ap, bp, tile, nr, false);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) c[i * n + j] = first ? tile[i * nr + j] : c[i * n + j] + tile[i * nr + j];
    }
  }
  if (last) gemm_epilogue_tile(g.epilogue, c, n, rows, cols, j0);
}

// The tiles of panel rows [pm0, pm1) x panel columns [pn0, pn1), k-block by k-block.
void run_task(const Compute& g, int64_t pm0, int64_t pm1, int64_t pn0, int64_t pn1) {
  const int64_t mr = g.arch.mr, nr = g.arch.nr;
  const int64_t block = gemm_kc(g.d.k);
  for (int64_t k0 = 0; k0 < g.d.k; k0 += block) {
    int64_t kc = std::min(block, g.d.k - k0);
    bool first = k0 == 0, last = k0 + kc == g.d.k;
    const float* a_block = g.packed_a + k0 * g.m_padded;
    const float* b_block = g.packed_b + k0 * g.n_padded;
    for (int64_t ip = pm0; ip < pm1; ++ip) {
      for (int64_t jp = pn0; jp < pn1; ++jp) {
        run_tile(g, a_block + ip * mr * kc, b_block + jp * nr * kc, kc, ip * mr, jp * nr, first, last);
      }
    }
  }
}

// Panel rows per task: TASK_ROWS, fewer when that leaves threads idle.
// Any split gives the same bits, so this may depend on the thread count.
int64_t task_panel_rows(int64_t m_panels, int64_t tasks_across, int64_t mr, int32_t threads) {
  int64_t rows = std::max<int64_t>(1, TASK_ROWS / mr);
  while (rows > 1 && ((m_panels + rows - 1) / rows) * tasks_across < 2 * threads) rows = (rows + 1) / 2;
  return rows;
}

template <class F>
void epilogue_rows(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* bias, F f) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (bias != nullptr) {
      for (int64_t j = 0; j < cols; ++j) row[j] = f(row[j] + bias[j]);
    } else {
      for (int64_t j = 0; j < cols; ++j) row[j] = f(row[j]);
    }
  }
}

}  // namespace

int32_t gemm_archs_available(const GemmArch** out, int32_t capacity) {
  int32_t count = 0;
  auto add = [&](const GemmArch* arch) {
    if (arch != nullptr && count < capacity) out[count++] = arch;
  };
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) add(gemm_arch_avx512());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) add(gemm_arch_avx2());
#endif
  add(gemm_arch_portable());
  return count;
}

const GemmArch& gemm_arch() {
  static const GemmArch* const arch = pick_arch();
  return *arch;
}

void gemm_compute(const GemmArch& arch, const float* packed_a, const float* packed_b, float* c, const GemmDims& d,
                  const GemmEpilogue& epilogue, ThreadPool* pool) {
  if (d.m == 0 || d.n == 0) return;
  if (d.k == 0) {
    std::fill(c, c + d.m * d.n, 0.0f);
    gemm_epilogue_tile(epilogue, c, d.n, d.m, d.n, 0);
    return;
  }
  const int64_t mr = arch.mr, nr = arch.nr;
  int64_t m_panels = (d.m + mr - 1) / mr, n_panels = (d.n + nr - 1) / nr;
  Compute g{arch, packed_a, packed_b, c, d, epilogue, m_panels * mr, n_panels * nr};
  int32_t threads = d.m * d.n * d.k < PARALLEL_MIN_MACS ? 1 : pool->size();
  int64_t task_cols = std::max<int64_t>(1, TASK_COLS / nr);
  int64_t tasks_across = (n_panels + task_cols - 1) / task_cols;
  int64_t task_rows = task_panel_rows(m_panels, tasks_across, mr, threads);
  int64_t tasks_down = (m_panels + task_rows - 1) / task_rows;
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t pm0 = (t / tasks_across) * task_rows, pn0 = (t % tasks_across) * task_cols;
      run_task(g, pm0, std::min(m_panels, pm0 + task_rows), pn0, std::min(n_panels, pn0 + task_cols));
    }
  };
  if (threads == 1) return run(0, tasks_down * tasks_across);
  pool->parallel_for(0, tasks_down * tasks_across, 1, run);
}

void gemm_epilogue_tile(const GemmEpilogue& e, float* c, int64_t ldc, int64_t rows, int64_t cols, int64_t j0) {
  const float* bias = e.bias != nullptr ? e.bias + j0 : nullptr;
  const float alpha = e.param;
  switch (e.activation) {
    case UnaryOp::Identity:
      if (bias != nullptr) epilogue_rows(c, ldc, rows, cols, bias, [](float v) { return v; });
      return;
    case UnaryOp::Relu: return epilogue_rows(c, ldc, rows, cols, bias, relu_f32);
    case UnaryOp::Relu6: return epilogue_rows(c, ldc, rows, cols, bias, relu6_f32);
    case UnaryOp::LeakyRelu:
      return epilogue_rows(c, ldc, rows, cols, bias, [alpha](float v) { return v >= 0 ? v : alpha * v; });
    default:
      // Any other unary op (sigmoid, tanh, elu, ...): the Unary kernel's own
      // loop, row by row, so a fused activation computes exactly what an
      // unfused one would.
      if (bias != nullptr) epilogue_rows(c, ldc, rows, cols, bias, [](float v) { return v; });
      for (int64_t i = 0; i < rows; ++i) unary_apply_f32(e.activation, c + i * ldc, cols);
      return;
  }
}

}  // namespace sf
