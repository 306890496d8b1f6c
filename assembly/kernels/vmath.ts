// f32x4 transcendental functions: exp, expm1, log, log1p, tanh, sigmoid,
// sin, cos. Each is a range reduction plus a short polynomial (classic
// Cody-Waite / Cephes-style coefficients), accurate to a few ulp over the
// whole float range, with IEEE special values (NaN, ±inf, 0) preserved.
// unary.ts builds its functors on these; the scalar path of a functor calls
// the vector one on a splat so SIMD bodies and scalar tails agree bit for bit.
//
//   const y = vexp(v128.load(p)); // four expf at once

// ---- helpers ---------------------------------------------------------------------

@inline function splat(x: f32): v128 { return f32x4.splat(x); }
@inline function fma(a: v128, b: v128, c: v128): v128 { return f32x4.add(f32x4.mul(a, b), c); }
@inline function pick(mask: v128, a: v128, b: v128): v128 { return v128.bitselect(a, b, mask); }

/** 2^n for integer lanes n in [-126, 127], built in the exponent field. */
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** Lane-wise scalar fallback for inputs the fast reduction does not cover. */
@inline function lanewise(x: v128, f: (x: f32) => f32): v128 {
  let r = x;
  r = f32x4.replace_lane(r, 0, f(f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, f(f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, f(f32x4.extract_lane(x, 2)));
  r = f32x4.replace_lane(r, 3, f(f32x4.extract_lane(x, 3)));
  return r;
}

// ---- exp family --------------------------------------------------------------------

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // few bits, so n * LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;

/** P(r) with e^r = 1 + r + r^2 P(r) for |r| <= ln2/2. */
@inline function expPoly(r: v128): v128 {
  let p = splat(1.9875691500e-4);
  p = fma(p, r, splat(1.3981999507e-3));
  p = fma(p, r, splat(8.3334519073e-3));
  p = fma(p, r, splat(4.1665795894e-2));
  p = fma(p, r, splat(1.6666665459e-1));
  return fma(p, r, splat(5.0000001201e-1));
}

/**
 * e^x. x is clamped to [-104, 89] (results there are 0 and inf after
 * rounding); 2^n is applied as two factors so subnormal results and the
 * top of the range come out right. NaN propagates through min/max.
 */
export function vexp(x: v128): v128 {
  const c = f32x4.max(f32x4.min(x, splat(89)), splat(-104));
  const n = f32x4.nearest(f32x4.mul(c, splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(n, splat(LN2_HI))), f32x4.mul(n, splat(LN2_LO)));
  const p = f32x4.add(fma(f32x4.mul(r, r), expPoly(r), r), splat(1));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  return f32x4.mul(f32x4.mul(p, pow2i(half)), pow2i(i32x4.sub(ni, half)));
}

const EXPM1_SMALL: f32 = 0.34657359; // ln2/2: below it the reduction is the identity

/** e^x - 1: the polynomial directly near 0 (no cancellation), e^x - 1 elsewhere. */
export function vexpm1(x: v128): v128 {
  const small = f32x4.mul(x, fma(x, expPoly(x), splat(1))); // x (1 + x P) keeps -0
  const big = f32x4.sub(vexp(x), splat(1));
  return pick(f32x4.lt(f32x4.abs(x), splat(EXPM1_SMALL)), small, big);
}

/** 1 / (1 + e^-x); saturates to 0 and 1 without NaN. */
export function vsigmoid(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), vexp(f32x4.neg(x))));
}

/** tanh: an odd polynomial below 0.625, 1 - 2 / (e^2|x| + 1) above, sign restored. */
export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = fma(p, z, splat(2.06390887954e-2));
  p = fma(p, z, splat(-5.37397155531e-2));
  p = fma(p, z, splat(1.33314422036e-1));
  p = fma(p, z, splat(-3.33332819422e-1));
  const small = f32x4.mul(x, fma(p, z, splat(1))); // keeps -0
  const e = vexp(f32x4.add(a, a));
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return pick(f32x4.lt(a, splat(0.625)), small, signed);
}

// ---- log family --------------------------------------------------------------------

/**
 * ln x: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln x = e ln2 + ln m with
 * ln(1 + f) = f - f^2/2 + f^3 P(f). Subnormals are scaled by 2^23 first.
 */
export function vlog(x: v128): v128 {
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const s = pick(tiny, f32x4.mul(x, splat(8388608)), x);
  const bits = i32x4.sub(s, i32x4.splat(0x3F3504F3)); // m relative to sqrt(1/2)
  const e = i32x4.shr_s(bits, 23);
  const m = i32x4.add(v128.and(bits, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F3504F3));
  const f = f32x4.sub(m, splat(1));
  const ef = f32x4.sub(f32x4.convert_i32x4_s(e), pick(tiny, splat(23), splat(0)));
  const y = f32x4.add(logPoly(f), f32x4.mul(ef, splat(LN2_LO)));
  const r = f32x4.add(f32x4.add(f, y), f32x4.mul(ef, splat(LN2_HI)));
  return logSpecial(x, r);
}

@inline function logPoly(f: v128): v128 {
  let p = splat(7.0376836292e-2);
  p = fma(p, f, splat(-1.1514610310e-1));
  p = fma(p, f, splat(1.1676998740e-1));
  p = fma(p, f, splat(-1.2420140846e-1));
  p = fma(p, f, splat(1.4249322787e-1));
  p = fma(p, f, splat(-1.6668057665e-1));
  p = fma(p, f, splat(2.0000714765e-1));
  p = fma(p, f, splat(-2.4999993993e-1));
  p = fma(p, f, splat(3.3333331174e-1));
  const z = f32x4.mul(f, f);
  return f32x4.sub(f32x4.mul(f32x4.mul(p, f), z), f32x4.mul(z, splat(0.5)));
}

/** ln 0 = -inf, ln(negative) = NaN, ln inf = inf, NaN stays NaN. */
@inline function logSpecial(x: v128, r: v128): v128 {
  let out = pick(f32x4.eq(x, splat(0)), splat(-Infinity), r);
  out = pick(f32x4.eq(x, splat(Infinity)), x, out);
  return pick(f32x4.ge(x, splat(0)), out, splat(NaN));
}

/** ln(1 + x) with u = 1 + x and the rounding of u corrected: ln u - ((u - 1) - x) / u. */
export function vlog1p(x: v128): v128 {
  const u = f32x4.add(splat(1), x);
  const c = f32x4.div(f32x4.sub(f32x4.sub(u, splat(1)), x), u);
  const fixed = pick(f32x4.eq(c, c), c, splat(0)); // u = 0 or inf: no correction
  const tiny = f32x4.lt(f32x4.abs(x), splat(1e-4)); // log1p(x) ~ x - x^2/2 without cancellation
  const series = f32x4.mul(x, f32x4.sub(splat(1), f32x4.mul(x, splat(0.5))));
  return pick(tiny, series, f32x4.sub(vlog(u), fixed));
}

// ---- sin and cos -------------------------------------------------------------------

const TWO_OVER_PI: f32 = 0.636619772367581343;
const PIO2_1: f32 = 1.5703125; // pi/2 in three parts of decreasing size
const PIO2_2: f32 = 4.837512969970703125e-4;
const PIO2_3: f32 = 7.54978995489188216e-8;
const TRIG_REDUCE_MAX: f32 = 4096; // beyond it lanes take the scalar library path

/** sin(x + q pi/2) for the quadrant offset q (0 for sin, 1 for cos). */
@inline function vsincos(x: v128, q: i32): v128 {
  const n = f32x4.nearest(f32x4.mul(x, splat(TWO_OVER_PI)));
  let r = f32x4.sub(x, f32x4.mul(n, splat(PIO2_1)));
  r = f32x4.sub(r, f32x4.mul(n, splat(PIO2_2)));
  r = f32x4.sub(r, f32x4.mul(n, splat(PIO2_3)));
  const z = f32x4.mul(r, r);
  let s = splat(-1.9515295891e-4);
  s = fma(s, z, splat(8.3321608736e-3));
  s = fma(s, z, splat(-1.6666654611e-1));
  s = fma(f32x4.mul(s, z), r, r);
  let c = splat(2.443315711809948e-5);
  c = fma(c, z, splat(-1.388731625493765e-3));
  c = fma(c, z, splat(4.166664568298827e-2));
  c = f32x4.add(f32x4.sub(splat(1), f32x4.mul(z, splat(0.5))), f32x4.mul(f32x4.mul(z, z), c));
  const quadrant = i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(q));
  const odd = i32x4.ne(v128.and(quadrant, i32x4.splat(1)), i32x4.splat(0));
  const negate = i32x4.shl(v128.and(quadrant, i32x4.splat(2)), 30);
  const y = v128.xor(pick(odd, c, s), negate);
  return q == 0 ? pick(f32x4.eq(x, splat(0)), x, y) : y; // sin(-0) = -0
}

@inline function trigInRange(x: v128): bool {
  return v128.all_true<i32>(f32x4.le(f32x4.abs(x), splat(TRIG_REDUCE_MAX)));
}

function sinScalar(x: f32): f32 { return Mathf.sin(x); }
function cosScalar(x: f32): f32 { return Mathf.cos(x); }

export function vsin(x: v128): v128 {
  return trigInRange(x) ? vsincos(x, 0) : lanewise(x, sinScalar);
}

export function vcos(x: v128): v128 {
  return trigInRange(x) ? vsincos(x, 1) : lanewise(x, cosScalar);
}

/** One lane of a vector function: the scalar path shares the vector's arithmetic. */
@inline export function lane0(v: v128): f32 { return f32x4.extract_lane(v, 0); }
