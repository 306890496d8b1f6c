// Scalar semantics shared by the elementwise, matmul and reduce kernels
// (docs/kernels.md). Integer arithmetic goes through uint32_t so it wraps
// without undefined behaviour.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sf {
// Internal linkage on purpose: native/kernels/vec/ compiles these under
// different -m flags, and a shared out-of-line copy could carry AVX
// instructions into the portable build.
namespace {

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

inline float bits_to_f32(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline uint32_t f32_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// The transcendentals below are branch-free (selects, not jumps) so loops
// calling them vectorise; each is within ~2 ulp of the correctly rounded result.
// Range reduction: x = k ln2 + r, |r| <= ln2/2, with k found by the
// round-to-nearest "magic number" trick (no float -> int conversion, so NaN
// stays well defined) and ln2 split so k * LN2_HI is exact.
struct ExpReduced {
  float r;
  uint32_t k_bits;  // k + 0x400000 in the low bits, as uint32 arithmetic
};
inline ExpReduced exp_reduce(float x) {
  const float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float t = x * 1.44269504088896341f + magic;
  float k = t - magic;
  float r = (x - k * 0.693145751953125f) - k * 1.42860682030941723212e-6f;
  return {r, f32_to_bits(t) - f32_to_bits(magic)};
}
// 2^k for k in [-126, 127].
inline float exp2_int(uint32_t k) { return bits_to_f32((k + 127u) << 23); }
inline uint32_t half_k(uint32_t k) { return as_u32(as_i32(k) / 2); }

// e^x: degree-7 Taylor on |r| <= 0.347 (truncation < 0.1 ulp); 2^k applied in
// two halves so results down to the subnormals round once.
inline float exp_f32(float x) {
  x = x > 89.0f ? 89.0f : x;
  x = x < -104.0f ? -104.0f : x;
  ExpReduced e = exp_reduce(x);
  float r = e.r;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  uint32_t k1 = half_k(e.k_bits);
  return p * exp2_int(k1) * exp2_int(e.k_bits - k1);
}

// e^x - 1 = 2 (h p + (h - 1/2)) with h = 2^(k-1), p = expm1(r): exact for
// small k (no cancellation), h stays a normal float up to overflow.
inline float expm1_f32(float x) {
  x = x > 88.8f ? 88.8f : x;
  x = x < -20.0f ? -20.0f : x;  // expm1(-20) rounds to -1
  ExpReduced e = exp_reduce(x);
  float r = e.r;
  float p = 1.0f / 362880;
  p = p * r + 1.0f / 40320;
  p = p * r + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r * r + r;
  float h = exp2_int(e.k_bits - 1u);
  return 2.0f * (h * p + (h - 0.5f));
}

// tanh |x| = e / (e + 2) with e = expm1(2|x|): no cancellation near 0;
// tanh(9) already rounds to 1.
inline float tanh_f32(float x) {
  float a = std::fabs(x);
  a = a > 9.0f ? 9.0f : a;
  float e = expm1_f32(2.0f * a);
  return std::copysign(e / (e + 2.0f), x);
}

inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }
inline float elu_f32(float x) { return x > 0 ? x : expm1_f32(x); }
inline float leaky_relu_f32(float x, float alpha) { return x >= 0 ? x : alpha * x; }

inline float sign_f32(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; }
inline float relu_f32(float x) { return x < 0 ? 0.0f : x; }
inline float relu6_f32(float x) { return x < 0 ? 0.0f : x > 6 ? 6.0f : x; }
inline float softplus_f32(float x) {
  if (x > 20) return x;
  if (x < -20) return exp_f32(x);
  return std::log1p(exp_f32(x));
}

// float32 -> int32 truncating toward zero, saturating, NaN -> 0
// (wasm's i32.trunc_sat_f32_s).
inline int32_t f32_to_i32_sat(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  return static_cast<int32_t>(x);
}

}  // namespace
}  // namespace sf
