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

// Polynomials on the reduced range |r| <= ln2/2, fitted for least maximum
// relative error (each under 1 ulp there; the vector kernels in
// vec/vec_math.h use the same coefficients):
//   e^r     ~ EXP_POLY[0] + EXP_POLY[1] r + ... + EXP_POLY[6] r^6
//   e^r - 1 ~ r + r^2 (EXPM1_Q[0] + EXPM1_Q[1] r + ... + EXPM1_Q[4] r^4)
constexpr float EXP_POLY[7] = {1.0f, 1.0f, 0.499999911f, 0.166664198f, 0.0416682251f, 0.00837481581f, 0.00138368423f};
constexpr float EXPM1_Q[5] = {0.5f, 0.166665778f, 0.0416668542f, 0.00836313982f, 0.00139012805f};

// e^x; 2^k applied in two halves so results down to the subnormals round once.
inline float exp_f32(float x) {
  x = x > 89.0f ? 89.0f : x;
  x = x < -104.0f ? -104.0f : x;
  ExpReduced e = exp_reduce(x);
  float r = e.r;
  float p = EXP_POLY[6];
  for (int i = 5; i >= 0; --i) p = p * r + EXP_POLY[i];
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
  float q = EXPM1_Q[4];
  for (int i = 3; i >= 0; --i) q = q * r + EXPM1_Q[i];
  float p = q * r * r + r;
  float h = exp2_int(e.k_bits - 1u);
  return 2.0f * (h * p + (h - 0.5f));
}

// tanh |x| = -m / (2 + m) with m = expm1(-2|x|) in (-1, 0]: no cancellation
// near 0 and no overflow; the sign of x is put back.
inline float tanh_f32(float x) {
  float m = expm1_f32(-2.0f * std::fabs(x));
  return std::copysign(-m / (m + 2.0f), x);
}

// With e = e^-|x| in (0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e) below, so far
// below 0 the result follows e^x into the subnormals.
inline float sigmoid_f32(float x) {
  float e = exp_f32(-std::fabs(x));
  float r = 1.0f / (1.0f + e);
  return x >= 0 ? r : e * r;
}
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
