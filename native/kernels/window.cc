// The window kernels' validators, and Im2Col and Col2Im (float32, NHWC; Pool
// and PoolGrad are in pool.cc). Im2Col turns a convolution into one GEMM:
// each row of cols is one window's taps, copied as contiguous runs of x.
// Col2Im is its adjoint (the convolution's input gradient).
#include <cstring>
#include <initializer_list>

#include "kernels/indexing.h"
#include "kernels/kernels.h"
#include "kernels/window.h"

namespace sf {
namespace {

constexpr int64_t TASK_ELEMENTS = int64_t{1} << 15;  // output elements per parallel chunk, about

// A buffer a step expects: its element count from the geometry, and what to say when it differs.
struct Operand {
  int64_t count;
  const char* wrong_count;
};

Operand image_operand(const WindowGeometry& g) {
  return {checked_product({g.n, g.h, g.w, g.c}), "an image buffer's element count is not N*H*W*C"};
}
Operand cols_operand(const WindowGeometry& g) {
  return {checked_product({g.n, g.oh, g.ow, g.kh, g.kw, g.c}), "cols' element count is not N*OH*OW*KH*KW*C"};
}
Operand pooled_operand(const WindowGeometry& g) {
  return {checked_product({g.n, g.oh, g.ow, g.c}), "a pooled buffer's element count is not N*OH*OW*C"};
}

// The checks every window step shares: a valid geometry at attr[first..],
// float32 inputs and output of the expected counts, the output apart from
// every input.
const char* check_window_step(const Plan& plan, const StepDesc& step, const WindowGeometry& g, std::initializer_list<Operand> ins,
                              Operand out) {
  if (const char* bad = window_check_geometry(g)) return bad;
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t i = 0;
  for (const Operand& in : ins) {
    const BufferDesc& x = step_input(plan, step, i++);
    if (const char* bad = window_check_buffer(x, in.count, in.wrong_count)) return bad;
    if (buffers_overlap(x, y)) return "the output overlaps an input";
  }
  return window_check_buffer(y, out.count, out.wrong_count);
}

bool has_shape(const StepDesc& step, int32_t n_in, int32_t n_attr) {
  return step.n_in == n_in && step.n_out == 1 && step.n_attr == n_attr;
}

// Image rows [i0, i1) of image n: zero, then every cols entry that lands in
// them added in cols' row-major order (windows oh, ow, then taps kh, kw).
void col2im_band(const WindowGeometry& g, const float* __restrict cols, float* __restrict x, int64_t n, int64_t i0, int64_t i1) {
  float* image = x + n * g.h * g.w * g.c;
  std::memset(image + i0 * g.w * g.c, 0, static_cast<size_t>((i1 - i0) * g.w * g.c) * sizeof(float));
  if (g.oh == 0 || g.ow == 0) return;
  int64_t row_len = g.kh * g.kw * g.c;
  TapRange windows = windows_touching(g, i0, i1);
  for (int64_t oh = windows.begin; oh < windows.end; ++oh) {
    TapRange rows = tap_range(window_row(g, oh), g.dh, g.kh, i0, i1);
    for (int64_t ow = 0; ow < g.ow; ++ow) {
      const float* src = cols + ((n * g.oh + oh) * g.ow + ow) * row_len;
      int64_t col0 = window_col(g, ow);
      TapRange taps = tap_range(col0, g.dw, g.kw, 0, g.w);
      for (int64_t kh = rows.begin; kh < rows.end; ++kh) {
        float* dst_row = image + (window_row(g, oh) + kh * g.dh) * g.w * g.c;
        for (int64_t kw = taps.begin; kw < taps.end; ++kw) {
          float* dst = dst_row + (col0 + kw * g.dw) * g.c;
          const float* add = src + (kh * g.kw + kw) * g.c;
          for (int64_t c = 0; c < g.c; ++c) dst[c] += add[c];
        }
      }
    }
  }
}

}  // namespace

int64_t checked_product(std::initializer_list<int64_t> factors) {
  for (int64_t f : factors) {
    if (f == 0) return 0;
  }
  int64_t product = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(product, f, &product)) return -1;
  }
  return product;
}

const char* window_check_geometry(const WindowGeometry& g) {
  for (int64_t size : {g.n, g.h, g.w, g.c, g.oh, g.ow, g.pt, g.pl}) {
    if (size < 0) return "a size or padding of the geometry is negative";
  }
  for (int64_t step : {g.kh, g.kw, g.sh, g.sw, g.dh, g.dw}) {
    if (step < 1) return "window taps, strides and dilations must be at least 1";
  }
  return nullptr;
}

const char* window_check_buffer(const BufferDesc& b, int64_t count, const char* wrong_count) {
  if (b.dtype != DTypeCode::float32) return "window kernels take float32 buffers only";
  if (count < 0) return "the geometry's element counts overflow 64 bits";
  return b.count == count ? nullptr : wrong_count;
}

// Per kh, the in-image taps kw of one image row
// are evenly spaced pixels, one contiguous run when DW = 1; padding is 0.
void im2col_row(const WindowGeometry& g, const float* x, int64_t r, float* out) {
  int64_t ow = r % g.ow, oh = (r / g.ow) % g.oh, n = r / (g.ow * g.oh);
  const float* image = x + n * g.h * g.w * g.c;
  int64_t row0 = window_row(g, oh), col0 = window_col(g, ow);
  TapRange cols = tap_range(col0, g.dw, g.kw, 0, g.w);
  size_t pixel_bytes = static_cast<size_t>(g.c) * sizeof(float);
  for (int64_t kh = 0; kh < g.kh; ++kh, out += g.kw * g.c) {
    int64_t ih = row0 + kh * g.dh;
    if (ih < 0 || ih >= g.h || cols.count() == 0) {
      std::memset(out, 0, static_cast<size_t>(g.kw) * pixel_bytes);
      continue;
    }
    std::memset(out, 0, static_cast<size_t>(cols.begin) * pixel_bytes);
    const float* src = image + (ih * g.w + col0 + cols.begin * g.dw) * g.c;
    if (g.dw == 1) {
      std::memcpy(out + cols.begin * g.c, src, static_cast<size_t>(cols.count()) * pixel_bytes);
    } else {
      for (int64_t k = 0; k < cols.count(); ++k) std::memcpy(out + (cols.begin + k) * g.c, src + k * g.dw * g.c, pixel_bytes);
    }
    std::memset(out + cols.end * g.c, 0, static_cast<size_t>(g.kw - cols.end) * pixel_bytes);
  }
}

const char* im2col_validate(const Plan& plan, const StepDesc& step) {
  if (!has_shape(step, 1, WINDOW_ATTRS)) return "needs in[x] out[cols] attr[N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL]";
  WindowGeometry g = window_geometry(step.attr);
  return check_window_step(plan, step, g, {image_operand(g)}, cols_operand(g));
}

const char* col2im_validate(const Plan& plan, const StepDesc& step) {
  if (!has_shape(step, 1, WINDOW_ATTRS)) return "needs in[cols] out[x] attr[N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL]";
  WindowGeometry g = window_geometry(step.attr);
  return check_window_step(plan, step, g, {cols_operand(g)}, image_operand(g));
}

const char* pool_validate(const Plan& plan, const StepDesc& step) {
  if (!has_shape(step, 1, WINDOW_ATTRS + 1)) return "needs in[x] out[y] attr[op, N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL]";
  if (step.attr[0] != PoolOp::Max && step.attr[0] != PoolOp::Avg) return "op is not a PoolOp (Max or Avg)";
  WindowGeometry g = window_geometry(step.attr + 1);
  return check_window_step(plan, step, g, {image_operand(g)}, pooled_operand(g));
}

const char* pool_grad_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_attr != WINDOW_ATTRS + 1) return "needs attr[op, N, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL]";
  WindowGeometry g = window_geometry(step.attr + 1);
  if (step.attr[0] == PoolOp::Max) {
    if (!has_shape(step, 2, WINDOW_ATTRS + 1)) return "Max needs in[x, dy] out[dx]";
    return check_window_step(plan, step, g, {image_operand(g), pooled_operand(g)}, image_operand(g));
  }
  if (step.attr[0] == PoolOp::Avg) {
    if (!has_shape(step, 1, WINDOW_ATTRS + 1)) return "Avg needs in[dy] out[dx]";
    return check_window_step(plan, step, g, {pooled_operand(g)}, image_operand(g));
  }
  return "op is not a PoolOp (Max or Avg)";
}

int32_t im2col_run(KernelCall& call) {
  if (call.out[0].desc->count == 0) return Status::Ok;
  WindowGeometry g = window_geometry(call.step->attr);
  const float* x = tensor_data<const float>(call.in[0]);
  float* cols = tensor_data<float>(call.out[0]);
  int64_t row_len = g.kh * g.kw * g.c;
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / row_len);
  call.pool->parallel_for(0, g.n * g.oh * g.ow, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) im2col_row(g, x, r, cols + r * row_len);
  });
  return Status::Ok;
}

int32_t col2im_run(KernelCall& call) {
  if (call.out[0].desc->count == 0) return Status::Ok;
  WindowGeometry g = window_geometry(call.step->attr);
  const float* cols = tensor_data<const float>(call.in[0]);
  float* x = tensor_data<float>(call.out[0]);
  for_each_band(g, call.pool, TASK_ELEMENTS, [&](int64_t n, int64_t i0, int64_t i1) { col2im_band(g, cols, x, n, i0, i1); });
  return Status::Ok;
}

}  // namespace sf
