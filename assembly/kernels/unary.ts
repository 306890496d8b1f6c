// Unary elementwise functions: one functor per op (scalar `f`, and `v` over
// v128 where SIMD128 has it), one generic loop, one dispatch per dtype.
// Also the MatMul epilogue's activation.
//
//   unaryApply(UnaryOp.Relu, DTypeCode.float32, x, y, n); // y may equal x
//   unaryApply(UnaryOp.LeakyRelu, DTypeCode.float32, x, y, n, 0.1); // with its param
import { DTypeCode, UnaryOp } from '../generated/plan_format';
import { vexp, vexpm1, vsigmoid, vtanh } from './vexp';
import { lane0, vcos, vlog, vlog1p, vsin } from './vmath';

/** The running op's float parameter (LeakyRelu's alpha); set by unaryApply. */
let unaryParam: f32 = 0;

// ---- the generic loop ------------------------------------------------------

@inline export function unaryLoop<T, Op>(x: usize, y: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (op.simd()) {
    const lanes = 16 / sizeof<T>();
    // four independent vectors per iteration let long polynomial chains overlap
    for (; i + 4 * <i32>lanes <= n; i += 4 * <i32>lanes) {
      const at = <usize>i * sizeof<T>();
      const a = op.v(v128.load(x + at));
      const b = op.v(v128.load(x + at, 16));
      const c = op.v(v128.load(x + at, 32));
      const d = op.v(v128.load(x + at, 48));
      v128.store(y + at, a);
      v128.store(y + at, b, 16);
      v128.store(y + at, c, 32);
      v128.store(y + at, d, 48);
    }
    for (; i + <i32>lanes <= n; i += <i32>lanes) {
      const at = <usize>i * sizeof<T>();
      v128.store(y + at, op.v(v128.load(x + at)));
    }
  }
  for (; i < n; i++) {
    const at = <usize>i * sizeof<T>();
    store<T>(y + at, op.f(load<T>(x + at)));
  }
}

// ---- float32 and int32 functors (generic where the semantics agree) --------

@unmanaged class Ident<T> {
  @inline f(x: T): T { return x; }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return true; }
}
/** -x: flips the sign of float zeros too; wraps INT32_MIN to itself. */
@unmanaged class Neg<T> {
  @inline f(x: T): T { return -x; }
  @inline v(x: v128): v128 { return v128.neg<T>(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Abs<T> {
  @inline f(x: T): T { return isFloat<T>() ? <T>abs<f32>(<f32>x) : (x < <T>0 ? <T>0 - x : x); }
  @inline v(x: v128): v128 { return v128.abs<T>(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Square<T> {
  @inline f(x: T): T { return x * x; }
  @inline v(x: v128): v128 { return v128.mul<T>(x, x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Relu<T> {
  @inline f(x: T): T { return max<T>(x, <T>0); }
  @inline v(x: v128): v128 { return v128.max<T>(x, v128.splat<T>(<T>0)); }
  @inline simd(): bool { return true; }
}
@unmanaged class Relu6<T> {
  @inline f(x: T): T { return min<T>(max<T>(x, <T>0), <T>6); }
  @inline v(x: v128): v128 {
    return v128.min<T>(v128.max<T>(x, v128.splat<T>(<T>0)), v128.splat<T>(<T>6));
  }
  @inline simd(): bool { return true; }
}
@unmanaged class Sign<T> {
  @inline f(x: T): T { return x > <T>0 ? <T>1 : x < <T>0 ? <T>-1 : (x == <T>0 ? <T>0 : x); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}

// ---- float32-only functors ---------------------------------------------------

@unmanaged class Sqrt {
  @inline f(x: f32): f32 { return sqrt<f32>(x); }
  @inline v(x: v128): v128 { return f32x4.sqrt(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Rsqrt {
  @inline f(x: f32): f32 { return 1 / sqrt<f32>(x); }
  @inline v(x: v128): v128 { return f32x4.div(f32x4.splat(1), f32x4.sqrt(x)); }
  @inline simd(): bool { return true; }
}
@unmanaged class Reciprocal {
  @inline f(x: f32): f32 { return 1 / x; }
  @inline v(x: v128): v128 { return f32x4.div(f32x4.splat(1), x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Floor {
  @inline f(x: f32): f32 { return floor<f32>(x); }
  @inline v(x: v128): v128 { return f32x4.floor(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Ceil {
  @inline f(x: f32): f32 { return ceil<f32>(x); }
  @inline v(x: v128): v128 { return f32x4.ceil(x); }
  @inline simd(): bool { return true; }
}
/** Half to even, as TensorFlow and numpy round. */
@unmanaged class Round {
  @inline f(x: f32): f32 { return nearest<f32>(x); }
  @inline v(x: v128): v128 { return f32x4.nearest(x); }
  @inline simd(): bool { return true; }
}
/** Transcendentals: SIMD polynomials from vmath.ts; the scalar path runs one lane of them. */
@unmanaged class Exp {
  @inline f(x: f32): f32 { return lane0(vexp(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vexp(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Expm1 {
  @inline f(x: f32): f32 { return lane0(vexpm1(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vexpm1(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Log {
  @inline f(x: f32): f32 { return lane0(vlog(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vlog(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Log1p {
  @inline f(x: f32): f32 { return lane0(vlog1p(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vlog1p(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Elu {
  @inline f(x: f32): f32 { return lane0(this.v(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return v128.bitselect(x, vexpm1(x), f32x4.gt(x, f32x4.splat(0))); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Sigmoid {
  @inline f(x: f32): f32 { return lane0(vsigmoid(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vsigmoid(x); }
  @inline simd(): bool { return true; }
}
@unmanaged export class Tanh {
  @inline f(x: f32): f32 { return lane0(vtanh(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vtanh(x); }
  @inline simd(): bool { return true; }
}
/** log1p(exp(x)) without overflow: x above 20, exp(x) below -20. */
@unmanaged class Softplus {
  @inline f(x: f32): f32 { return lane0(this.v(f32x4.splat(x))); }
  @inline v(x: v128): v128 {
    const e = vexp(x);
    const mid = v128.bitselect(e, vlog1p(e), f32x4.lt(x, f32x4.splat(-20)));
    return v128.bitselect(x, mid, f32x4.gt(x, f32x4.splat(20)));
  }
  @inline simd(): bool { return true; }
}
@unmanaged class Sin {
  @inline f(x: f32): f32 { return lane0(vsin(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vsin(x); }
  @inline simd(): bool { return true; }
}
@unmanaged class Cos {
  @inline f(x: f32): f32 { return lane0(vcos(f32x4.splat(x))); }
  @inline v(x: v128): v128 { return vcos(x); }
  @inline simd(): bool { return true; }
}
/** 1, -1, 0 for ±0, NaN for NaN. */
@unmanaged class SignF32 {
  @inline f(x: f32): f32 { return lane0(this.v(f32x4.splat(x))); }
  @inline v(x: v128): v128 {
    const pos = v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1));
    const neg = v128.and(f32x4.lt(x, f32x4.splat(0)), f32x4.splat(-1));
    return v128.bitselect(v128.or(pos, neg), x, f32x4.eq(x, x));
  }
  @inline simd(): bool { return true; }
}
/** x >= 0 ? x : alpha x, alpha from the step's param (unaryParam). */
@unmanaged class LeakyRelu {
  @inline f(x: f32): f32 { return x >= 0 ? x : unaryParam * x; }
  @inline v(x: v128): v128 {
    return v128.bitselect(x, f32x4.mul(x, f32x4.splat(unaryParam)), f32x4.ge(x, f32x4.splat(0)));
  }
  @inline simd(): bool { return true; }
}

// ---- bool --------------------------------------------------------------------

/** Reads any non-zero byte as true; writes only 0 or 1. */
@unmanaged class LogicalNot {
  @inline f(x: u8): u8 { return <u8>(x == 0); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
@unmanaged class BoolIdent {
  @inline f(x: u8): u8 { return <u8>(x != 0); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}

// ---- dispatch ----------------------------------------------------------------

function unaryF32(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case UnaryOp.Identity: { if (x != y) memory.copy(y, x, <usize>n << 2); break; }
    case UnaryOp.Neg: { unaryLoop<f32, Neg<f32>>(x, y, n); break; }
    case UnaryOp.Abs: { unaryLoop<f32, Abs<f32>>(x, y, n); break; }
    case UnaryOp.Square: { unaryLoop<f32, Square<f32>>(x, y, n); break; }
    case UnaryOp.Sqrt: { unaryLoop<f32, Sqrt>(x, y, n); break; }
    case UnaryOp.Rsqrt: { unaryLoop<f32, Rsqrt>(x, y, n); break; }
    case UnaryOp.Exp: { unaryLoop<f32, Exp>(x, y, n); break; }
    case UnaryOp.Log: { unaryLoop<f32, Log>(x, y, n); break; }
    case UnaryOp.Relu: { unaryLoop<f32, Relu<f32>>(x, y, n); break; }
    case UnaryOp.Relu6: { unaryLoop<f32, Relu6<f32>>(x, y, n); break; }
    case UnaryOp.Elu: { unaryLoop<f32, Elu>(x, y, n); break; }
    case UnaryOp.Sigmoid: { unaryLoop<f32, Sigmoid>(x, y, n); break; }
    case UnaryOp.Tanh: { unaryLoop<f32, Tanh>(x, y, n); break; }
    case UnaryOp.Softplus: { unaryLoop<f32, Softplus>(x, y, n); break; }
    case UnaryOp.Sign: { unaryLoop<f32, SignF32>(x, y, n); break; }
    case UnaryOp.Floor: { unaryLoop<f32, Floor>(x, y, n); break; }
    case UnaryOp.Ceil: { unaryLoop<f32, Ceil>(x, y, n); break; }
    case UnaryOp.Round: { unaryLoop<f32, Round>(x, y, n); break; }
    case UnaryOp.Reciprocal: { unaryLoop<f32, Reciprocal>(x, y, n); break; }
    case UnaryOp.LeakyRelu: { unaryLoop<f32, LeakyRelu>(x, y, n); break; }
    case UnaryOp.Log1p: { unaryLoop<f32, Log1p>(x, y, n); break; }
    case UnaryOp.Expm1: { unaryLoop<f32, Expm1>(x, y, n); break; }
    case UnaryOp.Sin: { unaryLoop<f32, Sin>(x, y, n); break; }
    case UnaryOp.Cos: { unaryLoop<f32, Cos>(x, y, n); break; }
  }
}

function unaryI32(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case UnaryOp.Identity: { if (x != y) memory.copy(y, x, <usize>n << 2); break; }
    case UnaryOp.Neg: { unaryLoop<i32, Neg<i32>>(x, y, n); break; }
    case UnaryOp.Abs: { unaryLoop<i32, Abs<i32>>(x, y, n); break; }
    case UnaryOp.Square: { unaryLoop<i32, Square<i32>>(x, y, n); break; }
    case UnaryOp.Relu: { unaryLoop<i32, Relu<i32>>(x, y, n); break; }
    case UnaryOp.Relu6: { unaryLoop<i32, Relu6<i32>>(x, y, n); break; }
    case UnaryOp.Sign: { unaryLoop<i32, Sign<i32>>(x, y, n); break; }
  }
}

function unaryBool(op: i32, x: usize, y: usize, n: i32): void {
  if (op == UnaryOp.LogicalNot) unaryLoop<u8, LogicalNot>(x, y, n);
  else unaryLoop<u8, BoolIdent>(x, y, n);
}

/**
 * y[i] = op(x[i]) for n elements of `dtype`; validation guarantees the pair is
 * defined. `param` is the op's float parameter (LeakyRelu's alpha).
 */
export function unaryApply(op: i32, dtype: i32, x: usize, y: usize, n: i32, param: f32 = 0): void {
  unaryParam = param;
  if (dtype == DTypeCode.float32) unaryF32(op, x, y, n);
  else if (dtype == DTypeCode.int32) unaryI32(op, x, y, n);
  else unaryBool(op, x, y, n);
}
