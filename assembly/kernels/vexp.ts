// f32x4 exp family: exp, expm1, tanh, sigmoid. All share one reduction,
// x = n ln2 + r with |r| <= ln2/2, and one polynomial q(r) ~ e^r - 1 of degree
// 6 (relative error 1.4e-8 on that interval), so each function is a handful
// of operations around q and at most one division. The coefficients are a
// minimax fit made for this file: Lawson-reweighted least squares on
// Chebyshev nodes against the relative error, each coefficient rounded to
// float32 in turn (lowest degree first) and the rest refitted. 2^n is built in the exponent field straight from the rounding
// sum t (see ROUND_*), which saves converting n to an integer.
// The scalar path of a functor calls these on a splat, so SIMD bodies and
// scalar tails agree bit for bit; see docs/kernels.md for the error bounds.
//
//   const y = vtanh(v128.load(p)); // four tanhf at once
import { pick } from './vmath';

/** Splatted constants, loaded where used (cheaper in V8 than v128.const; see vmath.ts). */
const TABLE = memory.data<u32>([
  0x3AB5CCEE, 0x3AB5CCEE, 0x3AB5CCEE, 0x3AB5CCEE,
  0x3C09129D, 0x3C09129D, 0x3C09129D, 0x3C09129D,
  0x3D2AAB7A, 0x3D2AAB7A, 0x3D2AAB7A, 0x3D2AAB7A,
  0x3E2AAA5A, 0x3E2AAA5A, 0x3E2AAA5A, 0x3E2AAA5A,
  0x3EFFFFFF, 0x3EFFFFFF, 0x3EFFFFFF, 0x3EFFFFFF,
  0x3FB8AA3B, 0x3FB8AA3B, 0x3FB8AA3B, 0x3FB8AA3B,
  0x3F318000, 0x3F318000, 0x3F318000, 0x3F318000,
  0xB95E8083, 0xB95E8083, 0xB95E8083, 0xB95E8083,
  0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000,
  0x4B40007E, 0x4B40007E, 0x4B40007E, 0x4B40007E,
  0x4B4000BF, 0x4B4000BF, 0x4B4000BF, 0x4B4000BF,
  0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000,
  0x3F000000, 0x3F000000, 0x3F000000, 0x3F000000,
  0x42B20000, 0x42B20000, 0x42B20000, 0x42B20000,
  0xC2D00000, 0xC2D00000, 0xC2D00000, 0xC2D00000,
  0xC1900000, 0xC1900000, 0xC1900000, 0xC1900000,
  0xC1180000, 0xC1180000, 0xC1180000, 0xC1180000,
  0x5F800000, 0x5F800000, 0x5F800000, 0x5F800000,
  0x80000000, 0x80000000, 0x80000000, 0x80000000,
  0x0000007F, 0x0000007F, 0x0000007F, 0x0000007F,
  0x33000000, 0x33000000, 0x33000000, 0x33000000,
], 16);
const Q6: i32 = 0; // 0.0013870277907699347; q(r) = r + r^2 (Q2 + Q3 r + ... + Q6 r^4)
const Q5: i32 = 1; // 0.008366254158318043
const Q4: i32 = 2; // 0.04166743904352188
const Q3: i32 = 3; // 0.1666654646396637
const Q2: i32 = 4; // 0.4999999701976776
const LOG2E: i32 = 5; // log2(e)
const LN2_HI: i32 = 6; // ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 bits, so n * LN2_HI is exact
const LN2_LO: i32 = 7; // -0.00021219444170128554
const ROUND: i32 = 8; // 1.5 * 2^23: t = x + ROUND holds round(x) in its low mantissa bits
const ROUND_HALF: i32 = 9; // ROUND + 126: t << 23 is 2^(n - 1)
const ROUND_SIG: i32 = 10; // ROUND + 191: t << 23 is 2^(n + 64)
const ONE: i32 = 11; // 1
const HALF: i32 = 12; // 0.5
const EXP_HI: i32 = 13; // 89: e^89 overflows
const EXP_LO: i32 = 14; // -104: e^-104 rounds to 0
const EXPM1_LO: i32 = 15; // -18: e^-18 - 1 rounds to -1
const TANH_LO: i32 = 16; // -9.5: tanh(9.02) rounds to 1
const TWO_64: i32 = 17; // 2^64
const SIGN: i32 = 18; // sign bit
const I127: i32 = 19; // i32 127: exponent bias
const EXPM1_TINY: i32 = 20; // 2^-25: below it expm1(x) rounds to x

@inline function k(i: i32): v128 { return v128.load(TABLE + (<usize>i << 4)); }

// ---- the shared core ---------------------------------------------------------------

/**
 * a * b + c. The relaxed-SIMD module (built with `--enable relaxed-simd`)
 * uses f32x4.relaxed_madd, one fused instruction where the CPU has FMA; the
 * error bounds hold either way, and within one module every element takes
 * the same instruction, so results still do not depend on position.
 */
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** t = x log2(e) + round, so t - round = n = round(x / ln2); round is one of the ROUND_* constants. */
@inline function roundLog2(x: v128, round: i32): v128 { return fma(x, k(LOG2E), k(round)); }

/** r = x - n ln2 in two steps (Cody-Waite), n read back from t. */
@inline function reduce(x: v128, t: v128, round: i32): v128 {
  const n = f32x4.sub(k(round), t); // -n
  return fma(n, k(LN2_LO), fma(n, k(LN2_HI), x));
}

/**
 * q(r) ~ e^r - 1 for |r| <= ln2/2, with r's own term added last so small r
 * stays exact. Estrin's scheme: the same operation count as Horner's in about
 * half the dependent steps, which is what limits these loops.
 */
@inline function expm1Poly(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const lo = fma(r, k(Q3), k(Q2));
  const hi = fma(r2, k(Q6), fma(r, k(Q5), k(Q4)));
  return fma(r2, fma(r2, hi, lo), r);
}

/** 2^(n + bias) from t = n + bias + 1.5 * 2^23: the low 9 mantissa bits shifted into the exponent. */
@inline function pow2FromRound(t: v128): v128 { return i32x4.shl(t, 23); }

/** 2^n for integer lanes n in [-126, 127]. */
@inline function pow2i(n: v128): v128 { return i32x4.shl(i32x4.add(n, k(I127)), 23); }

// ---- the functions -----------------------------------------------------------------

/**
 * e^x. x is clamped to [-104, 89] (results there are 0 and inf after
 * rounding); 2^n is applied as two factors so subnormal results and the top
 * of the range come out right. NaN propagates: pmin/pmax return their first
 * operand when the comparison fails.
 */
@inline export function vexp(x: v128): v128 {
  const c = f32x4.pmax(f32x4.pmin(x, k(EXP_HI)), k(EXP_LO));
  const t = roundLog2(c, ROUND);
  const p = f32x4.add(expm1Poly(reduce(c, t, ROUND)), k(ONE));
  const n = i32x4.sub(t, k(ROUND));
  const half = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(p, pow2i(half)), pow2i(i32x4.sub(n, half)));
}

/**
 * 2^(n-1) q(r) for c = n ln2 + r in [-18, 89], with t from roundLog2(c, ROUND_HALF).
 * e^c - 1 = 2 (sq + (s - 1/2)) with s = 2^(n-1): no cancellation (n = 0
 * gives q exactly), and s stays finite at the top of the range where 2^n would not.
 */
@inline function halfScaledPoly(c: v128, t: v128): v128 {
  return f32x4.mul(pow2FromRound(t), expm1Poly(reduce(c, t, ROUND_HALF)));
}

/**
 * e^x - 1; below -18 it is -1, above 89 inf. Below 2^-25 in magnitude it is x
 * itself (x^2/2 is under half an ulp), which the select returns directly:
 * halving q would round away the last bit of a subnormal x, and its sign with it.
 */
function vexpm1Body(x: v128): v128 {
  const c = f32x4.pmax(f32x4.pmin(x, k(EXP_HI)), k(EXPM1_LO));
  const t = roundLog2(c, ROUND_HALF);
  const s = pow2FromRound(t);
  const h = f32x4.add(halfScaledPoly(c, t), f32x4.sub(s, k(HALF)));
  return pick(f32x4.lt(f32x4.abs(x), k(EXPM1_TINY)), x, f32x4.add(h, h));
}

/**
 * tanh |x| = (1 - E) / (1 + E) with E = e^(-2|x|) = 2^n (1 + q). Both halves
 * come from 2^(n-1) q (small next to 1/2 when E is) and an exact constant, so
 * they carry one rounding each and no cancellation: (1 - E)/2 = (1/2 - s) - sq
 * and (1 + E)/2 = (1/2 + s) + sq, s = 2^(n-1). One division. -|x| is clamped
 * to -9.5, past which tanh rounds to 1; the quotient is >= +0 (or NaN), and
 * x's sign bit is put on it last, so ±0 and NaN come through.
 */
@inline export function vtanh(x: v128): v128 {
  const sign = k(SIGN);
  const w = f32x4.pmax(v128.or(x, sign), k(TANH_LO)); // -|x|, NaN kept
  const c = f32x4.add(w, w);
  const t = roundLog2(c, ROUND_HALF);
  const s = pow2FromRound(t);
  const sq = halfScaledPoly(c, t);
  const num = f32x4.sub(f32x4.sub(k(HALF), s), sq);
  const den = f32x4.add(f32x4.add(k(HALF), s), sq);
  return v128.or(f32x4.div(num, den), v128.and(x, sign));
}

/**
 * 1 / (1 + e^-x) from e = e^-|x| in (0, 1]: 1 / (1 + e) for x >= 0 and
 * e / (1 + e) below, so neither side overflows and the tail below -87 comes
 * out subnormal, not 0. Both are computed scaled by 2^64, as B / (2^64 + B)
 * and 2^64 / (2^64 + B) with B = e 2^64: 2^(n + 64) stays normal down to
 * n = -150, and a subnormal result is rounded once, by the division. The
 * numerator is max(B, 2^64 if x's sign bit is clear else 0): cheaper than a select.
 */
@inline export function vsigmoid(x: v128): v128 {
  const c = f32x4.pmax(v128.or(x, k(SIGN)), k(EXP_LO)); // -|x|, NaN kept
  const t = roundLog2(c, ROUND_SIG);
  const big = f32x4.mul(pow2FromRound(t), f32x4.add(expm1Poly(reduce(c, t, ROUND_SIG)), k(ONE)));
  const num = f32x4.pmax(big, v128.andnot(k(TWO_64), i32x4.shr_s(x, 31)));
  return f32x4.div(num, f32x4.add(k(TWO_64), big));
}

// An out-of-line body behind an inline export: v128 functions are not exported as such.
@inline export function vexpm1(x: v128): v128 { return vexpm1Body(x); }
