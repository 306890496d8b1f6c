// Hand-vectorised rows for the AVX-512 and AVX2 row kernels
// (row_kernels_body.h includes this under its own -m flags):
// - tanh and sigmoid. The compiler vectorises scalar_ops.h well except for
//   its divisions, which are most of the cost of these two: here each is a
//   reciprocal estimate refined by one Newton step. Same range reduction and
//   polynomials as scalar_ops.h; within 3 ulp of the correctly rounded value.
// - the Fused multiply-add fold (rows.h mul_add), kept from contracting.
//
// Every element goes through the same instructions, the tail included (from
// a padded copy), so a result never depends on where the element sits in a
// row: tiles, threads and constant folding all agree.
//
//   if (vec_unary_f32(UnaryOp::Tanh, x, y, n)) return;  // else the scalar loop
#pragma once
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "format.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace SF_ROW_NS {
namespace {

// The handful of operations the functions below need, per instruction set.
#if defined(__AVX512F__)
using vf = __m512;
constexpr int64_t VL = 16;
inline vf vset(float v) { return _mm512_set1_ps(v); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }    // a*b + c
inline vf vfnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
// max(lo, x) with x the second operand, so a NaN x comes through.
inline vf vclamp_lo(float lo, vf x) { return _mm512_max_ps(vset(lo), x); }
inline vf vor_sign(vf x) { return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN))); }
// |mag| with the sign of s.
inline vf vcopysign(vf mag, vf s) {
  return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_set1_epi32(INT32_MIN), _mm512_castps_si512(s),
                                                       _mm512_castps_si512(mag), 0xCA));  // bitwise: sign bit ? s : mag
}
// x * 2^k for integral float k: one rounding, subnormals and overflow included.
inline vf vscale2(vf x, vf k) { return _mm512_scalef_ps(x, k); }
// 1/d for d in [1, 2]: a 14-bit estimate and one Newton step.
inline vf vrecip12(vf d) {
  vf r = _mm512_rcp14_ps(d);
  return vfma(r, vfnma(d, r, vset(1.0f)), r);
}
// x >= 0 (false for NaN) ? r : e * r
inline vf vscale_below_zero(vf x, vf r, vf e) {
  return _mm512_mask_mul_ps(r, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), e, r);
}
#else
using vf = __m256;
constexpr int64_t VL = 8;
inline vf vset(float v) { return _mm256_set1_ps(v); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf vfnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
inline vf vclamp_lo(float lo, vf x) { return _mm256_max_ps(vset(lo), x); }
inline vf vor_sign(vf x) { return _mm256_or_ps(x, vset(-0.0f)); }
inline vf vcopysign(vf mag, vf s) {
  const vf sign = vset(-0.0f);
  return _mm256_or_ps(_mm256_andnot_ps(sign, mag), _mm256_and_ps(sign, s));
}
// 2^k applied in two halves (k in [-150, 128]) so results down to the
// subnormals round once, as exp_f32 does.
inline vf vscale2(vf x, vf k) {
  __m256i ki = _mm256_cvtps_epi32(k);
  __m256i k1 = _mm256_srai_epi32(ki, 1);
  __m256i k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  vf s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  vf s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  return vmul(vmul(x, s1), s2);
}
// 1/d for d in [1, 2]: a 12-bit estimate and one Newton step.
inline vf vrecip12(vf d) {
  vf r = _mm256_rcp_ps(d);
  return vfma(r, vfnma(d, r, vset(1.0f)), r);
}
inline vf vscale_below_zero(vf x, vf r, vf e) {
  return _mm256_blendv_ps(vmul(e, r), r, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
}
#endif

// x = k ln2 + r, |r| <= ln2/2, k integral (as a float); as exp_reduce.
struct VExpReduced {
  vf r, k;
};
inline VExpReduced vexp_reduce(vf x) {
  const vf magic = vset(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  vf k = vsub(vfma(x, vset(1.44269504088896341f), magic), magic);
  vf r = vfnma(k, vset(0.693145751953125f), x);
  r = vfnma(k, vset(1.42860682030941723212e-6f), r);
  return {r, k};
}

// e^x for x <= 0 (NaN passes through), as exp_f32.
inline vf vexp_nonpos(vf x) {
  VExpReduced e = vexp_reduce(vclamp_lo(-104.0f, x));
  vf p = vset(EXP_POLY[6]);
  for (int i = 5; i >= 0; --i) p = vfma(p, e.r, vset(EXP_POLY[i]));
  return vscale2(p, e.k);
}

// e^x - 1 for x <= 0 (NaN passes through): 2^k (p + 1) - 1 with p = expm1(r),
// written as fma(2^k, p, 2^k - 1), exact for small k, as expm1_f32.
inline vf vexpm1_nonpos(vf x) {
  VExpReduced e = vexp_reduce(vclamp_lo(-20.0f, x));  // expm1(-20) rounds to -1
  vf r = e.r;
  vf q = vset(EXPM1_Q[4]);
  for (int i = 3; i >= 0; --i) q = vfma(q, r, vset(EXPM1_Q[i]));
  vf p = vfma(vmul(q, r), r, r);
  vf h = vscale2(vset(1.0f), e.k);
  return vfma(h, p, vsub(h, vset(1.0f)));
}

// tanh x = -m / (2 + m) with m = expm1(-2|x|) in (-1, 0]: no cancellation and
// no overflow; the sign of x is put back (tanh(-0) = -0, NaN stays NaN).
inline vf vtanh(vf x) {
  vf m = vexpm1_nonpos(vmul(vor_sign(x), vset(2.0f)));
  vf t = vmul(m, vrecip12(vadd(m, vset(2.0f))));
  return vcopysign(t, x);
}

// sigmoid x with e = e^-|x| in (0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e)
// below; as exact as 1 / (1 + e^-x), without its overflow to 0 for x < -88.
inline vf vsigmoid(vf x) {
  vf e = vexp_nonpos(vor_sign(x));
  vf r = vrecip12(vadd(e, vset(1.0f)));
  return vscale_below_zero(x, r, e);
}

#if defined(__AVX512F__)
inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
#else
inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
#endif

// Four vectors per iteration: each function is one long dependency chain, and
// independent chains side by side keep the FMA units busy.
template <class F>
void map_vec(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 4 * VL <= n; i += 4 * VL) {
    vf a = f(vload(x + i)), b = f(vload(x + i + VL)), c = f(vload(x + i + 2 * VL)), d = f(vload(x + i + 3 * VL));
    vstore(y + i, a);
    vstore(y + i + VL, b);
    vstore(y + i + 2 * VL, c);
    vstore(y + i + 3 * VL, d);
  }
  for (; i + VL <= n; i += VL) vstore(y + i, f(vload(x + i)));
  if (i == n) return;
  // The tail through the same instructions, from a padded copy.
  alignas(64) float in[VL] = {}, out[VL];
  std::memcpy(in, x + i, static_cast<size_t>(n - i) * sizeof(float));
#if defined(__AVX512F__)
  _mm512_store_ps(out, f(_mm512_load_ps(in)));
#else
  _mm256_store_ps(out, f(_mm256_load_ps(in)));
#endif
  std::memcpy(y + i, out, static_cast<size_t>(n - i) * sizeof(float));
}

// The product stays rounded on its own: GCC would otherwise contract the
// intrinsics' multiply and add into one FMA (-ffp-contract=fast), which rounds
// once and so differs from a Mul followed by an Add.
inline vf vmul_rounded(vf a, vf b) {
  vf p = vmul(a, b);
#if defined(__AVX512F__)
  __asm__("" : "+v"(p));
#else
  __asm__("" : "+x"(p));
#endif
  return p;
}

template <bool SUBTRACT, bool PRODUCT_FIRST>
inline vf vcombine(vf p, vf v) {
  if (!SUBTRACT) return vadd(p, v);
  return PRODUCT_FIRST ? vsub(p, v) : vsub(v, p);
}

// rows.h mul_add, b a row (SB = 1) or one value (SB = 0); the tail through
// the same instructions from padded copies.
template <bool SUBTRACT, bool PRODUCT_FIRST, int SB>
void mul_add_row(const float* x, float c, const float* b, float* y, int64_t n) {
  const vf vc = vset(c), vb = vset(b[0]);
  int64_t i = 0;
  for (; i + 2 * VL <= n; i += 2 * VL) {
    vf p0 = vmul_rounded(vload(x + i), vc), p1 = vmul_rounded(vload(x + i + VL), vc);
    vstore(y + i, vcombine<SUBTRACT, PRODUCT_FIRST>(p0, SB ? vload(b + i) : vb));
    vstore(y + i + VL, vcombine<SUBTRACT, PRODUCT_FIRST>(p1, SB ? vload(b + i + VL) : vb));
  }
  for (; i < n; i += VL) {
    int64_t count = n - i < VL ? n - i : VL;
    alignas(64) float xs[VL] = {}, bs[VL] = {}, out[VL];
    std::memcpy(xs, x + i, static_cast<size_t>(count) * sizeof(float));
    if (SB) std::memcpy(bs, b + i, static_cast<size_t>(count) * sizeof(float));
    vstore(out, vcombine<SUBTRACT, PRODUCT_FIRST>(vmul_rounded(vload(xs), vc), SB ? vload(bs) : vb));
    std::memcpy(y + i, out, static_cast<size_t>(count) * sizeof(float));
  }
}

template <bool SUBTRACT, bool PRODUCT_FIRST>
void mul_add_case(const float* x, float c, const float* b, int64_t sb, float* y, int64_t n) {
  if (sb != 0) mul_add_row<SUBTRACT, PRODUCT_FIRST, 1>(x, c, b, y, n);
  else mul_add_row<SUBTRACT, PRODUCT_FIRST, 0>(x, c, b, y, n);
}

void vec_mul_add(bool subtract, bool product_first, const float* x, float c, const float* b, int64_t sb, float* y,
                 int64_t n) {
  if (!subtract) mul_add_case<false, true>(x, c, b, sb, y, n);
  else if (product_first) mul_add_case<true, true>(x, c, b, sb, y, n);
  else mul_add_case<true, false>(x, c, b, sb, y, n);
}

// y = op(x) for the ops vectorised here; false for any other op.
bool vec_unary_f32(int32_t op, const float* x, float* y, int64_t n) {
  switch (op) {
    case UnaryOp::Tanh: map_vec(x, y, n, vtanh); return true;
    case UnaryOp::Sigmoid: map_vec(x, y, n, vsigmoid); return true;
    default: return false;
  }
}

}  // namespace
}  // namespace SF_ROW_NS
}  // namespace sf
#endif
