// Pool and PoolGrad (float32, NHWC; their validators are in window.cc). A
// window's in-image taps are walked in (kh, kw) order with the C channels
// innermost, contiguous in memory, so the per-channel loops vectorise.
#include <algorithm>
#include <cfloat>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/window.h"

namespace sf {
namespace {

constexpr int64_t TASK_ELEMENTS = int64_t{1} << 15;  // elements touched per parallel chunk, about
constexpr int64_t CHANNEL_BLOCK = 64;                // channels whose per-window state PoolGrad keeps on the stack

// max_f32 of scalar_ops.h (NaN wins, as a + b), with both sides computed
// unconditionally so the compiler can vectorise it as a select.
inline float max_nan(float a, float b) {
  float larger = a > b ? a : b;
  float nan = a + b;
  return ((a != a) | (b != b)) ? nan : larger;
}

// A window's in-image taps, and the image row and column of its tap 0.
struct WindowTaps {
  TapRange rows, cols;
  int64_t row0, col0;
  int64_t count() const { return rows.count() * cols.count(); }
};

WindowTaps window_taps(const WindowGeometry& g, int64_t oh, int64_t ow) {
  int64_t row0 = window_row(g, oh), col0 = window_col(g, ow);
  return WindowTaps{tap_range(row0, g.dh, g.kh, 0, g.h), tap_range(col0, g.dw, g.kw, 0, g.w), row0, col0};
}

// The pixel (image row * W + column) under tap (kh, kw).
inline int64_t tap_pixel(const WindowGeometry& g, const WindowTaps& t, int64_t kh, int64_t kw) {
  return (t.row0 + kh * g.dh) * g.w + t.col0 + kw * g.dw;
}

// y[c] = the largest in-image tap, folded from the first in (kh, kw) order.
void max_window(const WindowGeometry& g, const float* image, const WindowTaps& t, float* __restrict y) {
  if (t.count() == 0) return std::fill(y, y + g.c, -FLT_MAX);
  std::memcpy(y, image + tap_pixel(g, t, t.rows.begin, t.cols.begin) * g.c, static_cast<size_t>(g.c) * sizeof(float));
  for (int64_t kh = t.rows.begin; kh < t.rows.end; ++kh) {
    for (int64_t kw = t.cols.begin; kw < t.cols.end; ++kw) {
      if (kh == t.rows.begin && kw == t.cols.begin) continue;
      const float* __restrict v = image + tap_pixel(g, t, kh, kw) * g.c;
      for (int64_t c = 0; c < g.c; ++c) y[c] = max_nan(y[c], v[c]);
    }
  }
}

// y[c] = the float32 sum of the in-image taps from 0 in (kh, kw) order, then
// one true division by their count; 0 for a window wholly in the padding.
void avg_window(const WindowGeometry& g, const float* image, const WindowTaps& t, float* __restrict y) {
  std::fill(y, y + g.c, 0.0f);
  for (int64_t kh = t.rows.begin; kh < t.rows.end; ++kh) {
    for (int64_t kw = t.cols.begin; kw < t.cols.end; ++kw) {
      const float* __restrict v = image + tap_pixel(g, t, kh, kw) * g.c;
      for (int64_t c = 0; c < g.c; ++c) y[c] += v[c];
    }
  }
  if (t.count() == 0) return;
  float count = static_cast<float>(t.count());
  for (int64_t c = 0; c < g.c; ++c) y[c] /= count;
}

// Max's gradient for one window: per channel, dy goes to the first in-image
// tap equal to the window's max (NaN equal to NaN). One pass finds it: a
// later tap takes over only when strictly larger, or when it is the first
// NaN. Only pixels in [p0, p1), this task's band, are written.
void max_grad_window(const WindowGeometry& g, const float* x, const WindowTaps& t, const float* dy, float* dx, int64_t p0,
                     int64_t p1) {
  if (t.count() == 0) return;
  int64_t first = tap_pixel(g, t, t.rows.begin, t.cols.begin);
  for (int64_t c0 = 0; c0 < g.c; c0 += CHANNEL_BLOCK) {
    int64_t cn = std::min(CHANNEL_BLOCK, g.c - c0);
    float best[CHANNEL_BLOCK];
    int32_t where[CHANNEL_BLOCK];  // pixels fit int32: H*W*C is a buffer's count
    for (int64_t c = 0; c < cn; ++c) best[c] = x[first * g.c + c0 + c], where[c] = static_cast<int32_t>(first);
    for (int64_t kh = t.rows.begin; kh < t.rows.end; ++kh) {
      for (int64_t kw = t.cols.begin; kw < t.cols.end; ++kw) {
        int32_t p = static_cast<int32_t>(tap_pixel(g, t, kh, kw));
        const float* __restrict v = x + p * g.c + c0;
        for (int64_t c = 0; c < cn; ++c) {  // | and & rather than || and &&: no branches, so it vectorises
          bool take = (v[c] > best[c]) | ((v[c] != v[c]) & (best[c] == best[c]));
          best[c] = take ? v[c] : best[c];
          where[c] = take ? p : where[c];
        }
      }
    }
    for (int64_t c = 0; c < cn; ++c) {
      if (where[c] >= p0 && where[c] < p1) dx[where[c] * g.c + c0 + c] += dy[c0 + c];
    }
  }
}

// Avg's gradient for one window: q = dy / count once, added to every
// in-image tap in image rows [i0, i1), this task's band.
void avg_grad_window(const WindowGeometry& g, const WindowTaps& t, const float* dy, float* dx, int64_t i0, int64_t i1) {
  if (t.count() == 0) return;
  float count = static_cast<float>(t.count());
  TapRange rows = tap_range(t.row0, g.dh, g.kh, i0, i1);
  for (int64_t c0 = 0; c0 < g.c; c0 += CHANNEL_BLOCK) {
    int64_t cn = std::min(CHANNEL_BLOCK, g.c - c0);
    float q[CHANNEL_BLOCK];
    for (int64_t c = 0; c < cn; ++c) q[c] = dy[c0 + c] / count;
    for (int64_t kh = rows.begin; kh < rows.end; ++kh) {
      for (int64_t kw = t.cols.begin; kw < t.cols.end; ++kw) {
        float* __restrict d = dx + tap_pixel(g, t, kh, kw) * g.c + c0;
        for (int64_t c = 0; c < cn; ++c) d[c] += q[c];
      }
    }
  }
}

// Image rows [i0, i1) of dx's image n: zero, then every window touching them
// in (oh, ow) order.
void pool_grad_band(const WindowGeometry& g, int32_t op, const float* x, const float* dy, float* dx, int64_t n, int64_t i0,
                    int64_t i1) {
  int64_t image = n * g.h * g.w * g.c;
  std::memset(dx + image + i0 * g.w * g.c, 0, static_cast<size_t>((i1 - i0) * g.w * g.c) * sizeof(float));
  if (g.oh == 0 || g.ow == 0) return;
  TapRange windows = windows_touching(g, i0, i1);
  for (int64_t oh = windows.begin; oh < windows.end; ++oh) {
    for (int64_t ow = 0; ow < g.ow; ++ow) {
      WindowTaps t = window_taps(g, oh, ow);
      const float* d = dy + ((n * g.oh + oh) * g.ow + ow) * g.c;
      if (op == PoolOp::Max) {
        max_grad_window(g, x + image, t, d, dx + image, i0 * g.w, i1 * g.w);
      } else {
        avg_grad_window(g, t, d, dx + image, i0, i1);
      }
    }
  }
}

}  // namespace

int32_t pool_run(KernelCall& call) {
  if (call.out[0].desc->count == 0) return Status::Ok;
  int32_t op = call.step->attr[0];
  WindowGeometry g = window_geometry(call.step->attr + 1);
  const float* x = tensor_data<const float>(call.in[0]);
  float* y = tensor_data<float>(call.out[0]);
  // A window reads at most min(KH, H) x min(KW, W) pixels (<= one image, which fits int32).
  int64_t row_work = g.ow * (std::min(g.kh, g.h) * std::min(g.kw, g.w) + 1) * g.c;
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / row_work);
  call.pool->parallel_for(0, g.n * g.oh, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* image = x + (r / g.oh) * g.h * g.w * g.c;
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        WindowTaps t = window_taps(g, r % g.oh, ow);
        float* out = y + (r * g.ow + ow) * g.c;
        if (op == PoolOp::Max) {
          max_window(g, image, t, out);
        } else {
          avg_window(g, image, t, out);
        }
      }
    }
  });
  return Status::Ok;
}

int32_t pool_grad_run(KernelCall& call) {
  if (call.out[0].desc->count == 0) return Status::Ok;
  int32_t op = call.step->attr[0];
  WindowGeometry g = window_geometry(call.step->attr + 1);
  const float* x = op == PoolOp::Max ? tensor_data<const float>(call.in[0]) : nullptr;
  const float* dy = tensor_data<const float>(call.in[op == PoolOp::Max ? 1 : 0]);
  float* dx = tensor_data<float>(call.out[0]);
  for_each_band(g, call.pool, TASK_ELEMENTS,
                [&](int64_t n, int64_t i0, int64_t i1) { pool_grad_band(g, op, x, dy, dx, n, i0, i1); });
  return Status::Ok;
}

}  // namespace sf
