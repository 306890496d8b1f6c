// Random and Shuffle: Philox4x32-10 with key (seed, seed2); element i of the
// r-th run of a stream uses counter (i, r, t, 0) (docs/kernels.md). Every
// element is a pure function of its counter, so the results do not depend on
// how the loop is split, and both backends agree bit for bit.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "kernels/kernels.h"
#include "kernels/philox.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

constexpr float TWO_PI = 6.28318530717958647692f;
constexpr float TRUNCATE_AT = 2.0f;

float float_bits(int32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// r of this run of the step's stream (counted); false when out of memory.
bool stream_run(KernelCall& c, int32_t stream, uint32_t* r) {
  try {
    *r = c.streams->next(stream);
    return true;
  } catch (const std::bad_alloc&) {
    c.arg = 0;
    return false;
  }
}

PhiloxBlock draw(uint32_t i, uint32_t r, uint32_t t, PhiloxKey key) { return philox4x32_10(PhiloxBlock{{i, r, t, 0}}, key); }

// Box-Muller on words 0 and 1: u1 in (0, 1] keeps the log finite.
float normal_z(uint32_t i, uint32_t r, uint32_t t, PhiloxKey key) {
  PhiloxBlock b = draw(i, r, t, key);
  float u1 = 1.0f - philox_uniform(b.x[0]);
  float u2 = philox_uniform(b.x[1]);
  float radius = std::sqrt(-2.0f * std::log(u1));
  return radius * std::cos(TWO_PI * u2);
}

float truncated_z(uint32_t i, uint32_t r, PhiloxKey key) {
  for (uint32_t t = 0;; ++t) {
    float z = normal_z(i, r, t, key);
    if (std::fabs(z) <= TRUNCATE_AT) return z;
  }
}

// Separate statements keep the compiler from fusing a * b + c into an FMA,
// which the other backend would not do.
float scale_shift(float scale, float value, float shift) {
  float scaled = scale * value;
  return shift + scaled;
}

void random_f32(float* y, int64_t n, int32_t dist, float p0, float p1, uint32_t r, PhiloxKey key) {
  for (int64_t k = 0; k < n; ++k) {
    uint32_t i = static_cast<uint32_t>(k);
    if (dist == Distribution::Uniform) y[k] = scale_shift(philox_uniform(draw(i, r, 0, key).x[0]), p1 - p0, p0);
    if (dist == Distribution::Normal) y[k] = scale_shift(p1, normal_z(i, r, 0, key), p0);
    if (dist == Distribution::TruncatedNormal) y[k] = scale_shift(p1, truncated_z(i, r, key), p0);
  }
}

void random_i32(int32_t* y, int64_t n, int32_t lo, int32_t hi, uint32_t r, PhiloxKey key) {
  uint32_t range = as_u32(hi) - as_u32(lo);
  for (int64_t k = 0; k < n; ++k) {
    uint32_t offset = philox_scale(draw(static_cast<uint32_t>(k), r, 0, key).x[0], range);
    y[k] = as_i32(as_u32(lo) + offset);
  }
}

void swap_rows(uint8_t* y, size_t row, uint32_t i, uint32_t j) {
  if (i != j) std::swap_ranges(y + i * row, y + (i + 1) * row, y + j * row);
}

}  // namespace

const char* random_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 0 || step.n_out != 1 || step.n_attr != 6) {
    return "needs out[y] attr[distribution, seed, seed2, stream, p0, p1]";
  }
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t dist = step.attr[0];
  if (dist != Distribution::Uniform && dist != Distribution::Normal && dist != Distribution::TruncatedNormal) {
    return "unknown distribution";
  }
  if (step.attr[3] < 0) return "negative stream id";
  if (y.dtype == DTypeCode::float32) return nullptr;
  if (y.dtype != DTypeCode::int32 || dist != Distribution::Uniform) return "y must be float32, or int32 for a uniform";
  if (step.attr[4] >= step.attr[5]) return "an int32 uniform needs minval < maxval";
  return nullptr;
}

int32_t random_run(KernelCall& c) {
  const int32_t* a = c.step->attr;
  uint32_t r = 0;
  if (!stream_run(c, a[3], &r)) return Status::OutOfMemory;
  PhiloxKey key{{as_u32(a[1]), as_u32(a[2])}};
  int64_t n = c.out[0].desc->count;
  if (c.out[0].desc->dtype == DTypeCode::int32) {
    random_i32(tensor_data<int32_t>(c.out[0]), n, a[4], a[5], r, key);
  } else {
    random_f32(tensor_data<float>(c.out[0]), n, a[0], float_bits(a[4]), float_bits(a[5]), r, key);
  }
  return Status::Ok;
}

const char* shuffle_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 3) return "needs in[x] out[y] attr[seed, seed2, stream]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype || !shapes_equal(x.shape, y.shape)) return "x and y differ in dtype or shape";
  if (step.attr[2] < 0) return "negative stream id";
  return nullptr;
}

// Fisher-Yates from the last row down; a scalar is one row.
int32_t shuffle_run(KernelCall& c) {
  const int32_t* a = c.step->attr;
  uint32_t r = 0;
  if (!stream_run(c, a[2], &r)) return Status::OutOfMemory;
  const BufferDesc& y = *c.out[0].desc;
  size_t bytes = static_cast<size_t>(y.bytes);
  if (bytes > 0 && c.out[0].data != c.in[0].data) std::memmove(c.out[0].data, c.in[0].data, bytes);
  int64_t rows = y.shape.rank == 0 ? 1 : y.shape.dims[0];
  if (rows < 2 || bytes == 0) return Status::Ok;
  size_t row = bytes / static_cast<size_t>(rows);
  PhiloxKey key{{as_u32(a[0]), as_u32(a[1])}};
  for (uint32_t i = static_cast<uint32_t>(rows - 1); i >= 1; --i) {
    swap_rows(c.out[0].data, row, i, philox_scale(draw(i, r, 0, key).x[0], i + 1));
  }
  return Status::Ok;
}

}  // namespace sf
