// f32x4 transcendental functions: log, log1p, sin, cos (the exp family,
// exp, expm1, tanh and sigmoid, is in vexp.ts). Each is a range reduction plus
// a short polynomial (classic Cody-Waite / Cephes-style coefficients),
// accurate to a few ulp over the whole float range, with IEEE special values
// (NaN, ±inf, 0) preserved. unary.ts builds its functors on these; the scalar
// path of a functor calls the vector one on a splat so SIMD bodies and scalar
// tails agree bit for bit.
//
//   const y = vlog(v128.load(p)); // four logf at once

// ---- helpers ---------------------------------------------------------------------

@inline export function fma(a: v128, b: v128, c: v128): v128 { return f32x4.add(f32x4.mul(a, b), c); }
@inline export function pick(mask: v128, a: v128, b: v128): v128 { return v128.bitselect(a, b, mask); }

/**
 * Splatted constants live in this table and are loaded where used: V8 builds
 * each v128.const from general registers (several instructions, not hoisted
 * out of loops), while a load from a fixed address is one.
 */
const TABLE = memory.data<u32>([
  0x3F318000, 0x3F318000, 0x3F318000, 0x3F318000,
  0xB95E8083, 0xB95E8083, 0xB95E8083, 0xB95E8083,
  0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000,
  0x00800000, 0x00800000, 0x00800000, 0x00800000,
  0x4B000000, 0x4B000000, 0x4B000000, 0x4B000000,
  0x41B80000, 0x41B80000, 0x41B80000, 0x41B80000,
  0x00000000, 0x00000000, 0x00000000, 0x00000000,
  0x3D9021BB, 0x3D9021BB, 0x3D9021BB, 0x3D9021BB,
  0xBDEBD1B8, 0xBDEBD1B8, 0xBDEBD1B8, 0xBDEBD1B8,
  0x3DEF251A, 0x3DEF251A, 0x3DEF251A, 0x3DEF251A,
  0xBDFE5D4F, 0xBDFE5D4F, 0xBDFE5D4F, 0xBDFE5D4F,
  0x3E11E9BF, 0x3E11E9BF, 0x3E11E9BF, 0x3E11E9BF,
  0xBE2AAE50, 0xBE2AAE50, 0xBE2AAE50, 0xBE2AAE50,
  0x3E4CCEAC, 0x3E4CCEAC, 0x3E4CCEAC, 0x3E4CCEAC,
  0xBE7FFFFC, 0xBE7FFFFC, 0xBE7FFFFC, 0xBE7FFFFC,
  0x3EAAAAAA, 0x3EAAAAAA, 0x3EAAAAAA, 0x3EAAAAAA,
  0x3F000000, 0x3F000000, 0x3F000000, 0x3F000000,
  0xFF800000, 0xFF800000, 0xFF800000, 0xFF800000,
  0x7F800000, 0x7F800000, 0x7F800000, 0x7F800000,
  0x7FC00000, 0x7FC00000, 0x7FC00000, 0x7FC00000,
  0x38D1B717, 0x38D1B717, 0x38D1B717, 0x38D1B717,
  0x3F22F983, 0x3F22F983, 0x3F22F983, 0x3F22F983,
  0x3FC90000, 0x3FC90000, 0x3FC90000, 0x3FC90000,
  0x39FDA000, 0x39FDA000, 0x39FDA000, 0x39FDA000,
  0x33A22169, 0x33A22169, 0x33A22169, 0x33A22169,
  0xB94CA1F9, 0xB94CA1F9, 0xB94CA1F9, 0xB94CA1F9,
  0x3C08839E, 0x3C08839E, 0x3C08839E, 0x3C08839E,
  0xBE2AAAA3, 0xBE2AAAA3, 0xBE2AAAA3, 0xBE2AAAA3,
  0x37CCF5CE, 0x37CCF5CE, 0x37CCF5CE, 0x37CCF5CE,
  0xBAB6061A, 0xBAB6061A, 0xBAB6061A, 0xBAB6061A,
  0x3D2AAAA5, 0x3D2AAAA5, 0x3D2AAAA5, 0x3D2AAAA5,
  0x45800000, 0x45800000, 0x45800000, 0x45800000,
  0x3F3504F3, 0x3F3504F3, 0x3F3504F3, 0x3F3504F3,
  0x007FFFFF, 0x007FFFFF, 0x007FFFFF, 0x007FFFFF,
  0x00000001, 0x00000001, 0x00000001, 0x00000001,
  0x00000000, 0x00000000, 0x00000000, 0x00000000,
  0x00000002, 0x00000002, 0x00000002, 0x00000002,
  0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000,
], 16);
const K_LN2_HI: i32 = 0; // f32 0.693359375, ln 2 in two parts as in vexp.ts
const K_LN2_LO: i32 = 1; // f32 -2.12194440e-4
const K_1: i32 = 2; // f32 1
const K_1P17549435EM38: i32 = 3; // f32 1.17549435e-38
const K_8388608: i32 = 4; // f32 8388608
const K_23: i32 = 5; // f32 23
const K_0: i32 = 6; // f32 0
const K_7P0376836292EM2: i32 = 7; // f32 7.0376836292e-2
const K_M1P1514610310EM1: i32 = 8; // f32 -1.1514610310e-1
const K_1P1676998740EM1: i32 = 9; // f32 1.1676998740e-1
const K_M1P2420140846EM1: i32 = 10; // f32 -1.2420140846e-1
const K_1P4249322787EM1: i32 = 11; // f32 1.4249322787e-1
const K_M1P6668057665EM1: i32 = 12; // f32 -1.6668057665e-1
const K_2P0000714765EM1: i32 = 13; // f32 2.0000714765e-1
const K_M2P4999993993EM1: i32 = 14; // f32 -2.4999993993e-1
const K_3P3333331174EM1: i32 = 15; // f32 3.3333331174e-1
const K_0P5: i32 = 16; // f32 0.5
const K_MInfinity: i32 = 17; // f32 -Infinity
const K_Infinity: i32 = 18; // f32 Infinity
const K_NaN: i32 = 19; // f32 NaN
const K_1EM4: i32 = 20; // f32 1e-4
const K_TWO_OVER_PI: i32 = 21; // f32 TWO_OVER_PI
const K_PIO2_1: i32 = 22; // f32 PIO2_1
const K_PIO2_2: i32 = 23; // f32 PIO2_2
const K_PIO2_3: i32 = 24; // f32 PIO2_3
const K_M1P9515295891EM4: i32 = 25; // f32 -1.9515295891e-4
const K_8P3321608736EM3: i32 = 26; // f32 8.3321608736e-3
const K_M1P6666654611EM1: i32 = 27; // f32 -1.6666654611e-1
const K_2P443315711809948EM5: i32 = 28; // f32 2.443315711809948e-5
const K_M1P388731625493765EM3: i32 = 29; // f32 -1.388731625493765e-3
const K_4P166664568298827EM2: i32 = 30; // f32 4.166664568298827e-2
const K_TRIG_REDUCE_MAX: i32 = 31; // f32 TRIG_REDUCE_MAX
const K_I0x3F3504F3: i32 = 32; // i32 0x3F3504F3
const K_I0x007FFFFF: i32 = 33; // i32 0x007FFFFF
const K_I1: i32 = 34; // i32 1
const K_I0: i32 = 35; // i32 0
const K_I2: i32 = 36; // i32 2
/** 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer held in the low mantissa bits. */
const K_ROUND: i32 = 37; // f32 12582912

@inline function k(i: i32): v128 { return v128.load(TABLE + (<usize>i << 4)); }

/** Lane-wise scalar fallback for inputs the fast reduction does not cover. */
@inline function lanewise(x: v128, f: (x: f32) => f32): v128 {
  let r = x;
  r = f32x4.replace_lane(r, 0, f(f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, f(f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, f(f32x4.extract_lane(x, 2)));
  r = f32x4.replace_lane(r, 3, f(f32x4.extract_lane(x, 3)));
  return r;
}

// ---- log family --------------------------------------------------------------------

/**
 * ln x: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln x = e ln2 + ln m with
 * ln(1 + f) = f - f^2/2 + f^3 P(f). Subnormals are scaled by 2^23 first.
 */
function vlogBody(x: v128): v128 {
  const tiny = f32x4.lt(x, k(K_1P17549435EM38));
  const s = pick(tiny, f32x4.mul(x, k(K_8388608)), x);
  const bits = i32x4.sub(s, k(K_I0x3F3504F3)); // m relative to sqrt(1/2)
  const e = i32x4.shr_s(bits, 23);
  const m = i32x4.add(v128.and(bits, k(K_I0x007FFFFF)), k(K_I0x3F3504F3));
  const f = f32x4.sub(m, k(K_1));
  const ef = f32x4.sub(f32x4.convert_i32x4_s(e), pick(tiny, k(K_23), k(K_0)));
  const y = f32x4.add(logPoly(f), f32x4.mul(ef, k(K_LN2_LO)));
  const r = f32x4.add(f32x4.add(f, y), f32x4.mul(ef, k(K_LN2_HI)));
  return logSpecial(x, r);
}

@inline function logPoly(f: v128): v128 {
  let p = k(K_7P0376836292EM2);
  p = fma(p, f, k(K_M1P1514610310EM1));
  p = fma(p, f, k(K_1P1676998740EM1));
  p = fma(p, f, k(K_M1P2420140846EM1));
  p = fma(p, f, k(K_1P4249322787EM1));
  p = fma(p, f, k(K_M1P6668057665EM1));
  p = fma(p, f, k(K_2P0000714765EM1));
  p = fma(p, f, k(K_M2P4999993993EM1));
  p = fma(p, f, k(K_3P3333331174EM1));
  const z = f32x4.mul(f, f);
  return f32x4.sub(f32x4.mul(f32x4.mul(p, f), z), f32x4.mul(z, k(K_0P5)));
}

/** ln 0 = -inf, ln(negative) = NaN, ln inf = inf, NaN stays NaN. */
@inline function logSpecial(x: v128, r: v128): v128 {
  let out = pick(f32x4.eq(x, k(K_0)), k(K_MInfinity), r);
  out = pick(f32x4.eq(x, k(K_Infinity)), x, out);
  return pick(f32x4.ge(x, k(K_0)), out, k(K_NaN));
}

/** ln(1 + x) with u = 1 + x and the rounding of u corrected: ln u - ((u - 1) - x) / u. */
function vlog1pBody(x: v128): v128 {
  const u = f32x4.add(k(K_1), x);
  const c = f32x4.div(f32x4.sub(f32x4.sub(u, k(K_1)), x), u);
  const fixed = pick(f32x4.eq(c, c), c, k(K_0)); // u = 0 or inf: no correction
  const tiny = f32x4.lt(f32x4.abs(x), k(K_1EM4)); // log1p(x) ~ x - x^2/2 without cancellation
  const series = f32x4.mul(x, f32x4.sub(k(K_1), f32x4.mul(x, k(K_0P5))));
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
  const t = fma(x, k(K_TWO_OVER_PI), k(K_ROUND));
  const n = f32x4.sub(t, k(K_ROUND));
  let r = f32x4.sub(x, f32x4.mul(n, k(K_PIO2_1)));
  r = f32x4.sub(r, f32x4.mul(n, k(K_PIO2_2)));
  r = f32x4.sub(r, f32x4.mul(n, k(K_PIO2_3)));
  const z = f32x4.mul(r, r);
  let s = k(K_M1P9515295891EM4);
  s = fma(s, z, k(K_8P3321608736EM3));
  s = fma(s, z, k(K_M1P6666654611EM1));
  s = fma(f32x4.mul(s, z), r, r);
  let c = k(K_2P443315711809948EM5);
  c = fma(c, z, k(K_M1P388731625493765EM3));
  c = fma(c, z, k(K_4P166664568298827EM2));
  c = f32x4.add(f32x4.sub(k(K_1), f32x4.mul(z, k(K_0P5))), f32x4.mul(f32x4.mul(z, z), c));
  const quadrant = i32x4.add(i32x4.sub(t, k(K_ROUND)), i32x4.splat(q));
  const odd = i32x4.ne(v128.and(quadrant, k(K_I1)), k(K_I0));
  const negate = i32x4.shl(v128.and(quadrant, k(K_I2)), 30);
  const y = v128.xor(pick(odd, c, s), negate);
  return q == 0 ? pick(f32x4.eq(x, k(K_0)), x, y) : y; // sin(-0) = -0
}

@inline function trigInRange(x: v128): bool {
  return v128.all_true<i32>(f32x4.le(f32x4.abs(x), k(K_TRIG_REDUCE_MAX)));
}

function sinScalar(x: f32): f32 { return Mathf.sin(x); }
function cosScalar(x: f32): f32 { return Mathf.cos(x); }

function vsinBody(x: v128): v128 {
  return trigInRange(x) ? vsincos(x, 0) : lanewise(x, sinScalar);
}

function vcosBody(x: v128): v128 {
  return trigInRange(x) ? vsincos(x, 1) : lanewise(x, cosScalar);
}

// Out-of-line bodies behind inline exports: v128 functions are not exported as such.
@inline export function vlog(x: v128): v128 { return vlogBody(x); }
@inline export function vlog1p(x: v128): v128 { return vlog1pBody(x); }
@inline export function vsin(x: v128): v128 { return vsinBody(x); }
@inline export function vcos(x: v128): v128 { return vcosBody(x); }

/** One lane of a vector function: the scalar path shares the vector's arithmetic. */
@inline export function lane0(v: v128): f32 { return f32x4.extract_lane(v, 0); }
