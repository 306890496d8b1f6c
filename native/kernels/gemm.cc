// The GEMM driver: picks the micro-kernel for this CPU, splits C into tasks
// of whole register tiles for the thread pool, and applies the epilogue to
// each tile while it is still in L1.
#include "kernels/gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/gemm_driver.h"
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

// One task: its tiles, k-block by k-block (each tile's k-blocks in order).
void run_task(const GemmArch& arch, const float* packed_a, const float* packed_b, float* c, const GemmDims& d,
              const GemmEpilogue& epilogue, const GemmTask& t) {
  const int64_t mr = arch.mr, nr = arch.nr;
  const int64_t m_padded = (d.m + mr - 1) / mr * mr, n_padded = (d.n + nr - 1) / nr * nr;
  const int64_t block = gemm_kc(d.k);
  for (int64_t k0 = 0; k0 < d.k; k0 += block) {
    int64_t kc = std::min(block, d.k - k0);
    bool first = k0 == 0, last = k0 + kc == d.k;
    const float* a_block = packed_a + k0 * m_padded;
    const float* b_block = packed_b + k0 * n_padded;
    for (int64_t ip = t.pm0; ip < t.pm1; ++ip) {
      const float* ap = a_block + ip * mr * kc;
      for (int64_t jp = t.pn0; jp < t.pn1; ++jp) {
        const float* bp = b_block + jp * nr * kc;
        gemm_tile(arch, d, c, epilogue, ip * mr, jp * nr, first, last,
                  [&](int32_t r, bool half, float* out, int64_t ld, bool accumulate, const GemmFusedEpilogue* fused) {
                    (half ? arch.half_kernel : arch.kernel)(r, kc, ap, bp, out, ld, accumulate, fused);
                  });
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

GemmTaskGrid gemm_task_grid(const GemmArch& arch, const GemmDims& d, ThreadPool* pool) {
  const int64_t mr = arch.mr, nr = arch.nr;
  GemmTaskGrid grid{};
  grid.m_panels = (d.m + mr - 1) / mr;
  grid.n_panels = (d.n + nr - 1) / nr;
  grid.threads = d.m * d.n * d.k < PARALLEL_MIN_MACS ? 1 : pool->size();
  grid.task_cols = std::max<int64_t>(1, TASK_COLS / nr);
  grid.tasks_across = (grid.n_panels + grid.task_cols - 1) / grid.task_cols;
  grid.task_rows = task_panel_rows(grid.m_panels, grid.tasks_across, mr, grid.threads);
  grid.tasks_down = (grid.m_panels + grid.task_rows - 1) / grid.task_rows;
  return grid;
}

void gemm_compute(const GemmArch& arch, const float* packed_a, const float* packed_b, float* c, const GemmDims& d,
                  const GemmEpilogue& epilogue, ThreadPool* pool) {
  if (d.m == 0 || d.n == 0) return;
  if (d.k == 0) {
    std::fill(c, c + d.m * d.n, 0.0f);
    gemm_epilogue_tile(epilogue, c, d.n, d.m, d.n, 0);
    return;
  }
  gemm_run_tasks(gemm_task_grid(arch, d, pool), pool,
                 [&](const GemmTask& t) { run_task(arch, packed_a, packed_b, c, d, epilogue, t); });
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

bool gemm_epilogue_fuses(const GemmEpilogue& e, int64_t j0, GemmFusedEpilogue* out) {
  GemmFusedActivation activation;
  switch (e.activation) {
    case UnaryOp::Identity: activation = GemmFusedActivation::Identity; break;
    case UnaryOp::Relu: activation = GemmFusedActivation::Relu; break;
    case UnaryOp::Relu6: activation = GemmFusedActivation::Relu6; break;
    case UnaryOp::LeakyRelu: activation = GemmFusedActivation::LeakyRelu; break;
    default: return false;  // transcendentals keep unary_apply_f32's loop
  }
  *out = GemmFusedEpilogue{e.bias != nullptr ? e.bias + j0 : nullptr, activation, e.param};
  return true;
}

}  // namespace sf
