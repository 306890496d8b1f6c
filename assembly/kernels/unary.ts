// Unary elementwise functions: one functor per op (scalar `f`, and `v` over
// v128 where SIMD128 has it), one generic loop, one dispatch per dtype.
// Also the MatMul epilogue's activation.
//
//   unaryApply(UnaryOp.Relu, DTypeCode.float32, x, y, n); // y may equal x
import { DTypeCode, UnaryOp } from '../generated/plan_format';

// ---- the generic loop ------------------------------------------------------

@inline function unaryLoop<T, Op>(x: usize, y: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (op.simd()) {
    const lanes = 16 / sizeof<T>();
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
@unmanaged class Exp {
  @inline f(x: f32): f32 { return Mathf.exp(x); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
@unmanaged class Log {
  @inline f(x: f32): f32 { return Mathf.log(x); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
@unmanaged class Elu {
  @inline f(x: f32): f32 { return x > 0 ? x : Mathf.expm1(x); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
@unmanaged class Sigmoid {
  @inline f(x: f32): f32 { return 1 / (1 + Mathf.exp(-x)); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
@unmanaged class Tanh {
  @inline f(x: f32): f32 { return Mathf.tanh(x); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
}
/** log1p(exp(x)) without overflow. */
@unmanaged class Softplus {
  @inline f(x: f32): f32 { return x > 20 ? x : x < -20 ? Mathf.exp(x) : Mathf.log1p(Mathf.exp(x)); }
  @inline v(x: v128): v128 { return x; }
  @inline simd(): bool { return false; }
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
    case UnaryOp.Sign: { unaryLoop<f32, Sign<f32>>(x, y, n); break; }
    case UnaryOp.Floor: { unaryLoop<f32, Floor>(x, y, n); break; }
    case UnaryOp.Ceil: { unaryLoop<f32, Ceil>(x, y, n); break; }
    case UnaryOp.Round: { unaryLoop<f32, Round>(x, y, n); break; }
    case UnaryOp.Reciprocal: { unaryLoop<f32, Reciprocal>(x, y, n); break; }
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

/** y[i] = op(x[i]) for n elements of `dtype`; validation guarantees the pair is defined. */
export function unaryApply(op: i32, dtype: i32, x: usize, y: usize, n: i32): void {
  if (dtype == DTypeCode.float32) unaryF32(op, x, y, n);
  else if (dtype == DTypeCode.int32) unaryI32(op, x, y, n);
  else unaryBool(op, x, y, n);
}
