// The NHWC window geometry shared by Im2Col, Col2Im, Pool and PoolGrad
// (plan-format.ts, Kernel and Window). A window's in-image taps are found by
// arithmetic, never by walking its taps and testing each, so no kernel reads
// outside the image and none loops over padding however large a plan's
// numbers are.
//
//   WindowGeometry g = window_geometry(step.attr);               // 14 words
//   TapRange rows = tap_range(window_row(g, oh), g.dh, g.kh, 0, g.h);
//   for (int64_t kh = rows.begin; kh < rows.end; ++kh) { ... row window_row(g, oh) + kh * g.dh ... }
#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "format.h"
#include "plan.h"
#include "thread_pool.h"

namespace sf {

struct WindowGeometry {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
};

inline WindowGeometry window_geometry(const int32_t* g) {
  return WindowGeometry{g[Window::N],  g[Window::H],  g[Window::W],  g[Window::C],  g[Window::OH],
                        g[Window::OW], g[Window::KH], g[Window::KW], g[Window::SH], g[Window::SW],
                        g[Window::DH], g[Window::DW], g[Window::PT], g[Window::PL]};
}

// Image row and column of tap 0 of window (oh, ow); may be negative (padding).
inline int64_t window_row(const WindowGeometry& g, int64_t oh) { return oh * g.sh - g.pt; }
inline int64_t window_col(const WindowGeometry& g, int64_t ow) { return ow * g.sw - g.pl; }

// Rows (or columns) a window spans from its first tap to its last.
inline int64_t window_span_rows(const WindowGeometry& g) { return (g.kh - 1) * g.dh + 1; }

// The smallest q with q * d >= num, for d >= 1 and num of either sign.
inline int64_t ceil_div(int64_t num, int64_t d) { return num >= 0 ? (num + d - 1) / d : -(-num / d); }

// Taps [begin, end) of `taps` whose position start + k * step lies in [lo, hi).
struct TapRange {
  int64_t begin, end;
  int64_t count() const { return end - begin; }
};

// (Step 1, no dilation, skips the divisions: Conv2D finds ranges per panel.)
inline TapRange tap_range(int64_t start, int64_t step, int64_t taps, int64_t lo, int64_t hi) {
  int64_t begin = std::clamp<int64_t>(step == 1 ? lo - start : ceil_div(lo - start, step), 0, taps);
  int64_t end = std::clamp<int64_t>(step == 1 ? hi - start : ceil_div(hi - start, step), begin, taps);
  return TapRange{begin, end};
}

// Col2Im and PoolGrad write dx by bands of image rows (each band one task):
// every dx element still gets its additions in window order, whatever the
// split, so results do not depend on the thread count. A band is at least a
// window's span tall, which bounds how many window rows each band revisits.
inline int64_t window_band_rows(const WindowGeometry& g, int64_t task_elements) {
  int64_t row = std::max<int64_t>(1, g.w * g.c);
  int64_t rows = std::max<int64_t>(ceil_div(task_elements, row), window_span_rows(g));
  return std::clamp<int64_t>(rows, 1, std::max<int64_t>(1, g.h));
}

// Calls band(n, i0, i1) for every band of image rows [i0, i1) of every image
// n, one band per task of `pool` (window_band_rows sizes them).
template <class Band>
void for_each_band(const WindowGeometry& g, ThreadPool* pool, int64_t task_elements, Band band) {
  int64_t rows = window_band_rows(g, task_elements);
  int64_t bands = ceil_div(g.h, rows);
  pool->parallel_for(0, g.n * bands, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t i0 = (t % bands) * rows;
      band(t / bands, i0, std::min(g.h, i0 + rows));
    }
  });
}

// The window rows oh whose span touches image rows [i0, i1).
inline TapRange windows_touching(const WindowGeometry& g, int64_t i0, int64_t i1) {
  return tap_range(-g.pt, g.sh, g.oh, i0 - window_span_rows(g) + 1, i1);
}

// Validation shared by the window kernels and Conv2D (window.cc).
// The product of non-negative factors; 0 when one is 0 (even if the others
// overflow), -1 when it does not fit int64. Plans carry int32 sizes, so a
// geometry's counts can be far past what its buffers hold.
int64_t checked_product(std::initializer_list<int64_t> factors);
// Null when every size is >= 0 and every tap count, stride and dilation >= 1.
const char* window_check_geometry(const WindowGeometry& g);
// Null for a float32 buffer of exactly `count` elements (-1: the geometry
// overflows), else why not (`wrong_count` for another count).
const char* window_check_buffer(const BufferDesc& b, int64_t count, const char* wrong_count);

// Row r = (n, oh, ow) of Im2Col's cols (KH*KW*C floats at `out`): the
// window's taps, 0 for padding.
void im2col_row(const WindowGeometry& g, const float* x, int64_t r, float* out);

}  // namespace sf
