// Binary elementwise functors: scalar `f(a, b)`, v128 `v(a, b)` where SIMD128
// has the op for the dtype (`simd()`), inputs T and output U. Generic over
// f32/i32 wherever the two agree (i32 arithmetic wraps as wasm's does).
//
//   binaryLoop<f32, f32, Add<f32>>(...) // see binary.ts

@unmanaged export class Add<T> {
  @inline f(a: T, b: T): T { return a + b; }
  @inline v(a: v128, b: v128): v128 { return v128.add<T>(a, b); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Sub<T> {
  @inline f(a: T, b: T): T { return a - b; }
  @inline v(a: v128, b: v128): v128 { return v128.sub<T>(a, b); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Mul<T> {
  @inline f(a: T, b: T): T { return a * b; }
  @inline v(a: v128, b: v128): v128 { return v128.mul<T>(a, b); }
  @inline simd(): bool { return true; }
}
/** NaN-propagating for float32 (wasm's f32.max). */
@unmanaged export class Maximum<T> {
  @inline f(a: T, b: T): T { return max<T>(a, b); }
  @inline v(a: v128, b: v128): v128 { return v128.max<T>(a, b); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Minimum<T> {
  @inline f(a: T, b: T): T { return min<T>(a, b); }
  @inline v(a: v128, b: v128): v128 { return v128.min<T>(a, b); }
  @inline simd(): bool { return true; }
}
@unmanaged export class SquaredDifference<T> {
  @inline f(a: T, b: T): T { const d = a - b; return d * d; }
  @inline v(a: v128, b: v128): v128 { const d = v128.sub<T>(a, b); return v128.mul<T>(d, d); }
  @inline simd(): bool { return true; }
}

// ---- division, modulo, power ------------------------------------------------

@unmanaged export class DivF32 {
  @inline f(a: f32, b: f32): f32 { return a / b; }
  @inline v(a: v128, b: v128): v128 { return f32x4.div(a, b); }
  @inline simd(): bool { return true; }
}
/** Floor division; the caller has ruled out b == 0. INT32_MIN / -1 wraps. */
@unmanaged export class FloorDivI32 {
  @inline f(a: i32, b: i32): i32 {
    if (b == -1) return 0 - a;
    const q = a / b;
    return (a % b != 0 && (a ^ b) < 0) ? q - 1 : q;
  }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class FloorModF32 {
  @inline f(a: f32, b: f32): f32 {
    const r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
  }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class FloorModI32 {
  @inline f(a: i32, b: i32): i32 {
    if (b == -1) return 0;
    const r = a % b;
    return (r != 0 && (r ^ b) < 0) ? r + b : r;
  }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class PowF32 {
  @inline f(a: f32, b: f32): f32 { return Mathf.pow(a, b); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
/** Exponentiation by squaring, wrapping; the caller has ruled out b < 0. */
@unmanaged export class PowI32 {
  @inline f(a: i32, b: i32): i32 { return powI32(a, b); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}

export function powI32(base: i32, exponent: i32): i32 {
  let result = 1;
  while (exponent > 0) {
    if (exponent & 1) result *= base;
    base *= base;
    exponent >>= 1;
  }
  return result;
}

// ---- comparisons (output bool; `v` gives all-ones lane masks) ----------------

@unmanaged export class Equal<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a == b); }
  @inline v(a: v128, b: v128): v128 { return v128.eq<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}
@unmanaged export class NotEqual<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a != b); }
  @inline v(a: v128, b: v128): v128 { return v128.ne<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}
@unmanaged export class Less<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a < b); }
  @inline v(a: v128, b: v128): v128 { return v128.lt<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}
@unmanaged export class LessEqual<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a <= b); }
  @inline v(a: v128, b: v128): v128 { return v128.le<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}
@unmanaged export class Greater<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a > b); }
  @inline v(a: v128, b: v128): v128 { return v128.gt<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}
@unmanaged export class GreaterEqual<T> {
  @inline f(a: T, b: T): u8 { return <u8>(a >= b); }
  @inline v(a: v128, b: v128): v128 { return v128.ge<T>(a, b); } // lane masks, narrowed by the caller
  @inline simd(): bool { return true; }
}

// ---- bool (any non-zero byte is true) ----------------------------------------

@unmanaged export class BoolEqual {
  @inline f(a: u8, b: u8): u8 { return <u8>((a != 0) == (b != 0)); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class BoolNotEqual {
  @inline f(a: u8, b: u8): u8 { return <u8>((a != 0) != (b != 0)); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class LogicalAnd {
  @inline f(a: u8, b: u8): u8 { return <u8>(a != 0 && b != 0); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
@unmanaged export class LogicalOr {
  @inline f(a: u8, b: u8): u8 { return <u8>(a != 0 || b != 0); }
  @inline v(a: v128, b: v128): v128 { return a; }
  @inline simd(): bool { return false; }
}
