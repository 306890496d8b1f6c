// Conv2D's indirect GEMM (see conv_gemm.h). A k-block of A is a sequence of
// runs: each tap's C channels, or the part of them inside the block (a block
// may start or end mid-tap). Row i of run s is the tap's pixel in x, or zeros
// when the tap is in the padding. With DW = 1 a whole row of taps is one run
// (a window partly in the padding reads a copy of its row), and runs that
// continue each other in memory for every row are merged, so a 5x5 filter
// over one channel is five runs of five, not 25 of one.
#include "kernels/conv_gemm.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "kernels/conv_panel.h"
#include "kernels/gemm_driver.h"

namespace sf {
namespace {

// What a padding tap reads: run s of a k-block at offset `done` reads
// ZEROS + done, so consecutive padding runs continue each other too.
alignas(64) const float ZEROS[GEMM_KC] = {};

struct Conv {
  const GemmArch& arch;
  const WindowGeometry& g;
  const float* x;
  const float* packed_b;
  float* y;
  GemmDims d;
  const GemmEpilogue& epilogue;
};

// One panel's A in one k-block: `count` runs, run s len[s] long, row i's
// values at rows[s * mr + i]. A k-block has at most GEMM_KC values.
struct PanelRuns {
  int32_t count;
  int32_t len[GEMM_KC];
  const float* rows[GEMM_KC * GEMM_MAX_MR];
};

// Where output position r reads its window: image n, the offset of tap
// (0, 0) in it (row ih, column iw; either may be in the padding), and the
// taps kh and kw inside the image.
struct WindowTaps {
  const float* image;
  int64_t offset;
  TapRange rows, cols;

  bool inside(int64_t kh, int64_t kw) const { return rows.begin <= kh && kh < rows.end && cols.begin <= kw && kw < cols.end; }
  // Whether taps [kw, kw_end) of row kh are all inside the image, or all outside.
  bool all_inside(int64_t kh, int64_t kw, int64_t kw_end) const { return inside(kh, kw) && kw_end <= cols.end; }
  bool all_outside(int64_t kh, int64_t kw, int64_t kw_end) const {
    return kh < rows.begin || kh >= rows.end || cols.end <= kw || kw_end <= cols.begin || cols.count() == 0;
  }
};

// The windows of rows [i0, i0 + rows): one division per panel, then steps.
void window_taps(const Conv& cv, int64_t i0, int32_t rows, WindowTaps* out) {
  const WindowGeometry& g = cv.g;
  int64_t ow = i0 % g.ow, oh = (i0 / g.ow) % g.oh, n = i0 / (g.ow * g.oh);
  for (int32_t i = 0; i < rows; ++i) {
    int64_t ih = window_row(g, oh), iw = window_col(g, ow);
    out[i] = WindowTaps{cv.x + n * g.h * g.w * g.c, (ih * g.w + iw) * g.c, tap_range(ih, g.dh, g.kh, 0, g.h),
                        tap_range(iw, g.dw, g.kw, 0, g.w)};
    if (++ow == g.ow) {
      ow = 0;
      if (++oh == g.oh) {
        oh = 0;
        ++n;
      }
    }
  }
}

// Adds the run whose row pointers are already at out->rows + count * mr,
// merged into the previous one when it continues it in every row.
void add_run(PanelRuns* out, int32_t len, int32_t mr) {
  const float* const* run = out->rows + out->count * mr;
  if (out->count > 0) {
    int32_t prev_len = out->len[out->count - 1];
    bool continues = true;
    for (int32_t i = 0; i < mr; ++i) continues &= run[i - mr] + prev_len == run[i];
    if (continues) {
      out->len[out->count - 1] += len;
      return;
    }
  }
  out->len[out->count++] = len;
}

// A run's values for a window whose row of taps is partly in the padding
// (DW = 1): `len` values from tap (kh, kw), channel c0, copied to dst with
// zeros for the padding, as Im2Col writes them.
void patch_row(const WindowGeometry& g, const WindowTaps& w, int64_t kh, int64_t kw, int64_t c0, int64_t len, float* dst) {
  for (int64_t p = 0; p < len; ++kw, c0 = 0) {
    int64_t n = std::min(g.c - c0, len - p);
    if (w.inside(kh, kw)) {
      std::memcpy(dst + p, w.image + (w.offset + (kh * g.dh * g.w + kw) * g.c + c0), static_cast<size_t>(n) * sizeof(float));
    } else {
      std::fill(dst + p, dst + p + n, 0.0f);
    }
    p += n;
  }
}

// The runs of rows [i0, i0 + rows) of A for k in [k0, k0 + kc). With DW = 1
// a run is the rest of a row of taps: each window reads it from x, or from
// ZEROS when it is all padding, or from a copy in `patch` (mr x kc floats)
// when it is partly padding. Otherwise a run is one tap's channels, each
// window's from x or ZEROS. Rows past `rows` (the bottom edge) read zeros,
// as a packed panel's padding rows.
void panel_runs(const Conv& cv, int64_t i0, int32_t rows, int64_t k0, int64_t kc, PanelRuns* out, float* patch) {
  const WindowGeometry& g = cv.g;
  const int32_t mr = cv.arch.mr;
  WindowTaps w[GEMM_MAX_MR];
  window_taps(cv, i0, rows, w);
  // Most panels have every tap of every window in the image: no tests per run.
  bool interior = true;
  for (int32_t i = 0; i < rows; ++i) interior &= w[i].rows.count() == g.kh && w[i].cols.count() == g.kw;
  const bool whole_rows = g.dw == 1;
  int64_t tap = k0 / g.c, c0 = k0 % g.c;
  int64_t kh = tap / g.kw, kw = tap % g.kw;
  out->count = 0;
  for (int64_t done = 0; done < kc;) {
    int64_t span = whole_rows ? (g.kw - kw) * g.c - c0 : g.c - c0;
    int32_t len = static_cast<int32_t>(std::min(span, kc - done));
    int64_t kw_end = kw + (c0 + len + g.c - 1) / g.c;  // past the last tap the run reaches
    int64_t tap_offset = (kh * g.dh * g.w + kw * g.dw) * g.c + c0;
    const float** run = out->rows + out->count * mr;
    for (int32_t i = 0; i < mr; ++i) {
      run[i] = ZEROS + done;
      if (i >= rows) continue;
      if (interior || w[i].all_inside(kh, kw, kw_end)) {
        run[i] = w[i].image + (w[i].offset + tap_offset);
      } else if (!w[i].all_outside(kh, kw, kw_end)) {
        patch_row(g, w[i], kh, kw, c0, len, patch);
        run[i] = patch;
        patch += len;
      }
    }
    add_run(out, len, mr);
    done += len;
    // A run ends at the block's end (the loop ends) or at its span's.
    c0 = 0;
    if (whole_rows || ++kw == g.kw) {
      kw = 0;
      ++kh;
    }
  }
}

// The packed A panel (kc x mr, element (p, i) at p * mr + i) of the runs,
// for a micro-kernel that has no indirect form.
void pack_runs(const PanelRuns& runs, int32_t mr, float* panel) {
  for (int32_t s = 0; s < runs.count; ++s) {
    const float* const* rows = runs.rows + s * mr;
    for (int32_t p = 0; p < runs.len[s]; ++p, panel += mr) {
      for (int32_t i = 0; i < mr; ++i) panel[i] = rows[i][p];
    }
  }
}

// One task of tiles, k-block by k-block, as gemm.cc's run_task. A panel
// goes through row pointers, or is packed: from one-channel images when it
// can (conv_panel.h, cheaper than pointers there), else from the pointers
// when the micro-kernel has no indirect form.
void run_task(const Conv& cv, const GemmTask& t) {
  const GemmArch& arch = cv.arch;
  const int64_t mr = arch.mr, nr = arch.nr;
  const int64_t n_padded = (cv.d.n + nr - 1) / nr * nr;
  const int64_t block = gemm_kc(cv.d.k);
  std::optional<ConvC1Panels> c1;
  if (ConvC1Panels::applies(cv.g, arch.mr)) c1.emplace(cv.g, cv.x);
  PanelRuns runs;
  alignas(64) float patch[GEMM_KC * GEMM_MAX_MR];
  alignas(64) float panel[GEMM_KC * GEMM_MAX_MR + CONV_PANEL_SLACK];
  for (int64_t k0 = 0; k0 < cv.d.k; k0 += block) {
    int64_t kc = std::min(block, cv.d.k - k0);
    bool first = k0 == 0, last = k0 + kc == cv.d.k;
    const float* b_block = cv.packed_b + k0 * n_padded;
    for (int64_t ip = t.pm0; ip < t.pm1; ++ip) {
      int32_t rows = static_cast<int32_t>(std::min(mr, cv.d.m - ip * mr));
      bool packed = c1 && c1->pack(ip * mr, rows, k0, kc, arch.mr, panel);
      if (!packed) {
        panel_runs(cv, ip * mr, rows, k0, kc, &runs, patch);
        packed = arch.indirect_kernel == nullptr;
        if (packed) pack_runs(runs, arch.mr, panel);
      }
      for (int64_t jp = t.pn0; jp < t.pn1; ++jp) {
        const float* bp = b_block + jp * nr * kc;
        gemm_tile(arch, cv.d, cv.y, cv.epilogue, ip * mr, jp * nr, first, last,
                  [&](int32_t r, bool half, float* out, int64_t ld, bool accumulate, const GemmFusedEpilogue* fused) {
                    if (packed)
                      return (half ? arch.half_kernel : arch.kernel)(r, kc, panel, bp, out, ld, accumulate, fused);
                    GemmIndirectKernel kernel = half && arch.indirect_half_kernel != nullptr ? arch.indirect_half_kernel
                                                                                             : arch.indirect_kernel;
                    kernel(r, runs.count, runs.len, runs.rows, bp, out, ld, accumulate, fused);
                  });
      }
    }
  }
}

}  // namespace

void conv_gemm_compute(const GemmArch& arch, const WindowGeometry& g, const float* x, const float* packed_b, float* y,
                       int64_t o, const GemmEpilogue& epilogue, ThreadPool* pool) {
  GemmDims d{g.n * g.oh * g.ow, o, g.kh * g.kw * g.c};
  if (d.m == 0 || d.n == 0 || d.k == 0) return gemm_compute(arch, nullptr, nullptr, y, d, epilogue, pool);
  Conv cv{arch, g, x, packed_b, y, d, epilogue};
  gemm_run_tasks(gemm_task_grid(arch, d, pool), pool, [&](const GemmTask& t) { run_task(cv, t); });
}

}  // namespace sf
