// The Binary kernel: one generic loop over rows of a numpy broadcast, with
// SIMD128 fast paths for same-shape and scalar operands, instantiated once
// per (op, dtype) functor from binary-ops.ts.
//
//   const status = binaryKernel(plan, step); // Ok, or an int32 Div/Pow error
import { BinaryOp, DTypeCode, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, dtypeSize, recCount, recDType, stepAttr, stepIn, stepOut,
} from '../plan';
import {
  broadcastCollapse, broadcastInit, broadcastInner, broadcastInnerStride, broadcastOffset,
  broadcastOperand, broadcastRows,
} from './broadcast';
import {
  Add, BoolEqual, BoolNotEqual, DivF32, Equal, FloorDivI32, FloorModF32, FloorModI32, Greater,
  GreaterEqual, Less, LessEqual, LogicalAnd, LogicalOr, Maximum, Minimum, Mul, NotEqual, PowF32,
  PowI32, SquaredDifference, Sub,
} from './binary-ops';

@inline function vectorizable<T, U, Op>(): bool {
  return changetype<Op>(0).simd() && sizeof<T>() == sizeof<U>();
}

@inline function rowSame<T, U, Op>(a: usize, b: usize, y: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (vectorizable<T, U, Op>()) {
    for (; i + 16 <= n; i += 16) { // four vectors per iteration: the loop overhead is a quarter
      const at = <usize>i << 2;
      const v0 = op.v(v128.load(a + at), v128.load(b + at));
      const v1 = op.v(v128.load(a + at, 16), v128.load(b + at, 16));
      const v2 = op.v(v128.load(a + at, 32), v128.load(b + at, 32));
      const v3 = op.v(v128.load(a + at, 48), v128.load(b + at, 48));
      v128.store(y + at, v0);
      v128.store(y + at, v1, 16);
      v128.store(y + at, v2, 32);
      v128.store(y + at, v3, 48);
    }
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      v128.store(y + at, op.v(v128.load(a + at), v128.load(b + at)));
    }
  }
  for (; i < n; i++) {
    store<U>(y + <usize>i * sizeof<U>(), op.f(load<T>(a + <usize>i * sizeof<T>()), load<T>(b + <usize>i * sizeof<T>())));
  }
}

/** b is one element repeated along the row. */
@inline function rowScalarB<T, U, Op>(a: usize, b: usize, y: usize, n: i32): void {
  const op = changetype<Op>(0);
  const s = load<T>(b);
  let i = 0;
  if (vectorizable<T, U, Op>()) {
    const vs = v128.splat<T>(s);
    for (; i + 16 <= n; i += 16) {
      const at = <usize>i << 2;
      const v0 = op.v(v128.load(a + at), vs);
      const v1 = op.v(v128.load(a + at, 16), vs);
      const v2 = op.v(v128.load(a + at, 32), vs);
      const v3 = op.v(v128.load(a + at, 48), vs);
      v128.store(y + at, v0);
      v128.store(y + at, v1, 16);
      v128.store(y + at, v2, 32);
      v128.store(y + at, v3, 48);
    }
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      v128.store(y + at, op.v(v128.load(a + at), vs));
    }
  }
  for (; i < n; i++) store<U>(y + <usize>i * sizeof<U>(), op.f(load<T>(a + <usize>i * sizeof<T>()), s));
}

@inline function rowScalarA<T, U, Op>(a: usize, b: usize, y: usize, n: i32): void {
  const op = changetype<Op>(0);
  const s = load<T>(a);
  let i = 0;
  if (vectorizable<T, U, Op>()) {
    const vs = v128.splat<T>(s);
    for (; i + 16 <= n; i += 16) {
      const at = <usize>i << 2;
      const v0 = op.v(vs, v128.load(b + at));
      const v1 = op.v(vs, v128.load(b + at, 16));
      const v2 = op.v(vs, v128.load(b + at, 32));
      const v3 = op.v(vs, v128.load(b + at, 48));
      v128.store(y + at, v0);
      v128.store(y + at, v1, 16);
      v128.store(y + at, v2, 32);
      v128.store(y + at, v3, 48);
    }
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      v128.store(y + at, op.v(vs, v128.load(b + at)));
    }
  }
  for (; i < n; i++) store<U>(y + <usize>i * sizeof<U>(), op.f(s, load<T>(b + <usize>i * sizeof<T>())));
}

/** 4-byte inputs compared into bool bytes: four lane masks narrow to 16 bytes. */
@inline function narrowable<T, U, Op>(): bool {
  return changetype<Op>(0).simd() && sizeof<T>() == 4 && sizeof<U>() == 1;
}

@inline function operand<T>(p: usize, s: i32, at: usize, splat: v128): v128 {
  return s ? v128.load(p + at) : splat;
}

/** The SIMD part of a comparison row, 16 elements at a time; returns how many it did. */
@inline function rowNarrow<T, Op>(a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): i32 {
  const op = changetype<Op>(0);
  const va = v128.splat<T>(load<T>(a));
  const vb = v128.splat<T>(load<T>(b));
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const at = <usize>i << 2;
    const m0 = op.v(operand<T>(a, sa, at, va), operand<T>(b, sb, at, vb));
    const m1 = op.v(operand<T>(a, sa, at + 16, va), operand<T>(b, sb, at + 16, vb));
    const m2 = op.v(operand<T>(a, sa, at + 32, va), operand<T>(b, sb, at + 32, vb));
    const m3 = op.v(operand<T>(a, sa, at + 48, va), operand<T>(b, sb, at + 48, vb));
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(y + <usize>i, v128.and(bytes, i8x16.splat(1)));
  }
  return i;
}

/** One row; sa and sb are the operands' element strides, 0 or 1. */
@inline export function binaryRow<T, U, Op>(a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  if (narrowable<T, U, Op>() && n >= 16) {
    const done = rowNarrow<T, Op>(a, sa, b, sb, y, n);
    a += <usize>(done * sa) * sizeof<T>();
    b += <usize>(done * sb) * sizeof<T>();
    y += <usize>done * sizeof<U>();
    n -= done;
  }
  if (sa && sb) rowSame<T, U, Op>(a, b, y, n);
  else if (sa) rowScalarB<T, U, Op>(a, b, y, n);
  else if (sb) rowScalarA<T, U, Op>(a, b, y, n);
  else {
    const v = changetype<Op>(0).f(load<T>(a), load<T>(b));
    for (let i = 0; i < n; i++) store<U>(y + <usize>i * sizeof<U>(), v);
  }
}

// ---- dispatch by (op, dtype) to one row ---------------------------------------------

function rowsF32(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  switch (op) {
    case BinaryOp.Add: { binaryRow<f32, f32, Add<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Sub: { binaryRow<f32, f32, Sub<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Mul: { binaryRow<f32, f32, Mul<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Div: { binaryRow<f32, f32, DivF32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Pow: { binaryRow<f32, f32, PowF32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Maximum: { binaryRow<f32, f32, Maximum<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Minimum: { binaryRow<f32, f32, Minimum<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.SquaredDifference: { binaryRow<f32, f32, SquaredDifference<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.FloorMod: { binaryRow<f32, f32, FloorModF32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Equal: { binaryRow<f32, u8, Equal<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.NotEqual: { binaryRow<f32, u8, NotEqual<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Less: { binaryRow<f32, u8, Less<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.LessEqual: { binaryRow<f32, u8, LessEqual<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Greater: { binaryRow<f32, u8, Greater<f32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.GreaterEqual: { binaryRow<f32, u8, GreaterEqual<f32>>(a, sa, b, sb, y, n); break; }
  }
}

function rowsI32(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  switch (op) {
    case BinaryOp.Add: { binaryRow<i32, i32, Add<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Sub: { binaryRow<i32, i32, Sub<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Mul: { binaryRow<i32, i32, Mul<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Div: { binaryRow<i32, i32, FloorDivI32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Pow: { binaryRow<i32, i32, PowI32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Maximum: { binaryRow<i32, i32, Maximum<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Minimum: { binaryRow<i32, i32, Minimum<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.SquaredDifference: { binaryRow<i32, i32, SquaredDifference<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.FloorMod: { binaryRow<i32, i32, FloorModI32>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Equal: { binaryRow<i32, u8, Equal<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.NotEqual: { binaryRow<i32, u8, NotEqual<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Less: { binaryRow<i32, u8, Less<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.LessEqual: { binaryRow<i32, u8, LessEqual<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.Greater: { binaryRow<i32, u8, Greater<i32>>(a, sa, b, sb, y, n); break; }
    case BinaryOp.GreaterEqual: { binaryRow<i32, u8, GreaterEqual<i32>>(a, sa, b, sb, y, n); break; }
  }
}

function rowsBool(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  switch (op) {
    case BinaryOp.Equal: { binaryRow<u8, u8, BoolEqual>(a, sa, b, sb, y, n); break; }
    case BinaryOp.NotEqual: { binaryRow<u8, u8, BoolNotEqual>(a, sa, b, sb, y, n); break; }
    case BinaryOp.LogicalAnd: { binaryRow<u8, u8, LogicalAnd>(a, sa, b, sb, y, n); break; }
    case BinaryOp.LogicalOr: { binaryRow<u8, u8, LogicalOr>(a, sa, b, sb, y, n); break; }
  }
}

/**
 * y[i] = op(a[i * sa], b[i * sb]) for n elements, strides 0 or 1; `dtype` is
 * the inputs'. int32 Div, FloorMod and Pow need binaryCheck first.
 */
export function binaryRows(op: i32, dtype: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  if (dtype == DTypeCode.float32) rowsF32(op, a, sa, b, sb, y, n);
  else if (dtype == DTypeCode.int32) rowsI32(op, a, sa, b, sb, y, n);
  else rowsBool(op, a, sa, b, sb, y, n);
}

/** Scans n divisors or exponents for the int32 values that stop a run. */
export function binaryCheck(op: i32, dtype: i32, b: usize, n: i32): i32 {
  if (dtype != DTypeCode.int32) return Status.Ok;
  const division = op == BinaryOp.Div || op == BinaryOp.FloorMod;
  if (!division && op != BinaryOp.Pow) return Status.Ok;
  for (let i = 0; i < n; i++) {
    const v = load<i32>(b + (<usize>i << 2));
    if (division && v == 0) return Status.IntegerDivisionByZero;
    if (!division && v < 0) return Status.NegativeIntegerPower;
  }
  return Status.Ok;
}

// ---- the kernel --------------------------------------------------------------------

function binaryBroadcast(plan: Plan, step: usize, dtype: i32, a: usize, b: usize, y: usize): void {
  broadcastInit(plan, stepOut(step, 0));
  broadcastOperand(plan, 0, stepIn(step, 0));
  broadcastOperand(plan, 1, stepIn(step, 1));
  broadcastCollapse(2);
  const op = stepAttr(step, 0);
  const size = <usize>dtypeSize(dtype);
  const outSize = <usize>dtypeSize(recDType(bufferRecord(plan, stepOut(step, 0))));
  const inner = broadcastInner();
  const sa = broadcastInnerStride(0);
  const sb = broadcastInnerStride(1);
  for (let r = 0, rows = broadcastRows(); r < rows; r++) {
    const pa = a + <usize>broadcastOffset(0, r) * size;
    const pb = b + <usize>broadcastOffset(1, r) * size;
    binaryRows(op, dtype, pa, sa, pb, sb, y + <usize>(r * inner) * outSize, inner);
  }
}

export function binaryKernel(plan: Plan, step: usize): i32 {
  const op = stepAttr(step, 0);
  const dtype = recDType(bufferRecord(plan, stepIn(step, 0)));
  const a = bufferPointer(plan, stepIn(step, 0));
  const b = bufferPointer(plan, stepIn(step, 1));
  const y = bufferPointer(plan, stepOut(step, 0));
  const n = recCount(bufferRecord(plan, stepOut(step, 0)));
  const na = recCount(bufferRecord(plan, stepIn(step, 0)));
  const nb = recCount(bufferRecord(plan, stepIn(step, 1)));
  if (n == 0) return Status.Ok;
  const status = binaryCheck(op, dtype, b, nb);
  if (status != Status.Ok) return status;
  if ((na == n || na == 1) && (nb == n || nb == 1)) {
    binaryRows(op, dtype, a, na == n ? 1 : 0, b, nb == n ? 1 : 0, y, n);
  } else {
    binaryBroadcast(plan, step, dtype, a, b, y);
  }
  return Status.Ok;
}
