// Scalar semantics shared by the elementwise, matmul and reduce kernels
// (docs/kernels.md). Integer arithmetic goes through uint32_t so it wraps
// without undefined behaviour.
#pragma once
#include <cmath>
#include <cstdint>

namespace sf {

inline uint32_t as_u32(int32_t x) { return static_cast<uint32_t>(x); }
inline int32_t as_i32(uint32_t x) { return static_cast<int32_t>(x); }

inline int32_t add_i32(int32_t a, int32_t b) { return as_i32(as_u32(a) + as_u32(b)); }
inline int32_t sub_i32(int32_t a, int32_t b) { return as_i32(as_u32(a) - as_u32(b)); }
inline int32_t mul_i32(int32_t a, int32_t b) { return as_i32(as_u32(a) * as_u32(b)); }
inline int32_t neg_i32(int32_t a) { return as_i32(0u - as_u32(a)); }

// Floor division; b != 0 (callers check). INT32_MIN / -1 wraps to INT32_MIN.
inline int32_t floor_div_i32(int32_t a, int32_t b) {
  if (b == -1) return neg_i32(a);
  int32_t q = a / b;
  int32_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

// Remainder with the divisor's sign; b != 0. INT32_MIN mod -1 = 0.
inline int32_t floor_mod_i32(int32_t a, int32_t b) {
  if (b == -1) return 0;
  int32_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// Exponentiation by squaring, wrapping; e >= 0 (callers check). 0^0 = 1.
inline int32_t pow_i32(int32_t a, int32_t e) {
  uint32_t base = as_u32(a);
  uint32_t result = 1;
  for (uint32_t n = as_u32(e); n != 0; n >>= 1) {
    if (n & 1u) result *= base;
    base *= base;
  }
  return as_i32(result);
}

inline float floor_mod_f32(float a, float b) {
  float r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// NaN-propagating maximum and minimum.
inline float max_f32(float a, float b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
inline float min_f32(float a, float b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }

inline float sign_f32(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; }
inline float relu_f32(float x) { return x < 0 ? 0.0f : x; }
inline float relu6_f32(float x) { return x < 0 ? 0.0f : x > 6 ? 6.0f : x; }
inline float softplus_f32(float x) {
  if (x > 20) return x;
  if (x < -20) return std::exp(x);
  return std::log1p(std::exp(x));
}

// float32 -> int32 truncating toward zero, saturating, NaN -> 0
// (wasm's i32.trunc_sat_f32_s).
inline int32_t f32_to_i32_sat(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  return static_cast<int32_t>(x);
}

}  // namespace sf
