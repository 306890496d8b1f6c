// The Binary kernel: one generic loop over rows of a numpy broadcast, with
// SIMD128 fast paths for same-shape and scalar operands, instantiated once
// per (op, dtype) functor from binary-ops.ts.
//
//   const status = binaryKernel(plan, step); // Ok, or an int32 Div/Pow error
import { BinaryOp, DTypeCode, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, recCount, recDType, stepAttr, stepIn, stepOut,
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
    for (; i + 4 <= n; i += 4) {
      const at = <usize>i << 2;
      v128.store(y + at, op.v(vs, v128.load(b + at)));
    }
  }
  for (; i < n; i++) store<U>(y + <usize>i * sizeof<U>(), op.f(s, load<T>(b + <usize>i * sizeof<T>())));
}

/** One row; sa and sb are the operands' element strides, 0 or 1. */
function binaryRow<T, U, Op>(a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  if (sa && sb) rowSame<T, U, Op>(a, b, y, n);
  else if (sa) rowScalarB<T, U, Op>(a, b, y, n);
  else if (sb) rowScalarA<T, U, Op>(a, b, y, n);
  else {
    const v = changetype<Op>(0).f(load<T>(a), load<T>(b));
    for (let i = 0; i < n; i++) store<U>(y + <usize>i * sizeof<U>(), v);
  }
}

function binaryBroadcast<T, U, Op>(plan: Plan, step: usize, a: usize, b: usize, y: usize): void {
  broadcastInit(plan, stepOut(step, 0));
  broadcastOperand(plan, 0, stepIn(step, 0));
  broadcastOperand(plan, 1, stepIn(step, 1));
  broadcastCollapse(2);
  const inner = broadcastInner();
  const sa = broadcastInnerStride(0);
  const sb = broadcastInnerStride(1);
  for (let r = 0, rows = broadcastRows(); r < rows; r++) {
    const pa = a + <usize>broadcastOffset(0, r) * sizeof<T>();
    const pb = b + <usize>broadcastOffset(1, r) * sizeof<T>();
    binaryRow<T, U, Op>(pa, sa, pb, sb, y + <usize>(r * inner) * sizeof<U>(), inner);
  }
}

function binaryRun<T, U, Op>(plan: Plan, step: usize): i32 {
  const a = bufferPointer(plan, stepIn(step, 0));
  const b = bufferPointer(plan, stepIn(step, 1));
  const y = bufferPointer(plan, stepOut(step, 0));
  const n = recCount(bufferRecord(plan, stepOut(step, 0)));
  const na = recCount(bufferRecord(plan, stepIn(step, 0)));
  const nb = recCount(bufferRecord(plan, stepIn(step, 1)));
  if (n == 0) return Status.Ok;
  if (na == n && nb == n) binaryRow<T, U, Op>(a, 1, b, 1, y, n);
  else if (na == n && nb == 1) binaryRow<T, U, Op>(a, 1, b, 0, y, n);
  else if (na == 1 && nb == n) binaryRow<T, U, Op>(a, 0, b, 1, y, n);
  else binaryBroadcast<T, U, Op>(plan, step, a, b, y);
  return Status.Ok;
}

function binaryF32(op: i32, plan: Plan, step: usize): i32 {
  switch (op) {
    case BinaryOp.Add: return binaryRun<f32, f32, Add<f32>>(plan, step);
    case BinaryOp.Sub: return binaryRun<f32, f32, Sub<f32>>(plan, step);
    case BinaryOp.Mul: return binaryRun<f32, f32, Mul<f32>>(plan, step);
    case BinaryOp.Div: return binaryRun<f32, f32, DivF32>(plan, step);
    case BinaryOp.Pow: return binaryRun<f32, f32, PowF32>(plan, step);
    case BinaryOp.Maximum: return binaryRun<f32, f32, Maximum<f32>>(plan, step);
    case BinaryOp.Minimum: return binaryRun<f32, f32, Minimum<f32>>(plan, step);
    case BinaryOp.SquaredDifference: return binaryRun<f32, f32, SquaredDifference<f32>>(plan, step);
    case BinaryOp.FloorMod: return binaryRun<f32, f32, FloorModF32>(plan, step);
    case BinaryOp.Equal: return binaryRun<f32, u8, Equal<f32>>(plan, step);
    case BinaryOp.NotEqual: return binaryRun<f32, u8, NotEqual<f32>>(plan, step);
    case BinaryOp.Less: return binaryRun<f32, u8, Less<f32>>(plan, step);
    case BinaryOp.LessEqual: return binaryRun<f32, u8, LessEqual<f32>>(plan, step);
    case BinaryOp.Greater: return binaryRun<f32, u8, Greater<f32>>(plan, step);
    case BinaryOp.GreaterEqual: return binaryRun<f32, u8, GreaterEqual<f32>>(plan, step);
  }
  return Status.InvalidPlan;
}

/** Scans the divisor or exponent for the values that stop an int32 run. */
function int32Check(op: i32, b: usize, n: i32): i32 {
  const division = op == BinaryOp.Div || op == BinaryOp.FloorMod;
  if (!division && op != BinaryOp.Pow) return Status.Ok;
  for (let i = 0; i < n; i++) {
    const v = load<i32>(b + (<usize>i << 2));
    if (division && v == 0) return Status.IntegerDivisionByZero;
    if (!division && v < 0) return Status.NegativeIntegerPower;
  }
  return Status.Ok;
}

function binaryI32(op: i32, plan: Plan, step: usize): i32 {
  switch (op) {
    case BinaryOp.Add: return binaryRun<i32, i32, Add<i32>>(plan, step);
    case BinaryOp.Sub: return binaryRun<i32, i32, Sub<i32>>(plan, step);
    case BinaryOp.Mul: return binaryRun<i32, i32, Mul<i32>>(plan, step);
    case BinaryOp.Div: return binaryRun<i32, i32, FloorDivI32>(plan, step);
    case BinaryOp.Pow: return binaryRun<i32, i32, PowI32>(plan, step);
    case BinaryOp.Maximum: return binaryRun<i32, i32, Maximum<i32>>(plan, step);
    case BinaryOp.Minimum: return binaryRun<i32, i32, Minimum<i32>>(plan, step);
    case BinaryOp.SquaredDifference: return binaryRun<i32, i32, SquaredDifference<i32>>(plan, step);
    case BinaryOp.FloorMod: return binaryRun<i32, i32, FloorModI32>(plan, step);
    case BinaryOp.Equal: return binaryRun<i32, u8, Equal<i32>>(plan, step);
    case BinaryOp.NotEqual: return binaryRun<i32, u8, NotEqual<i32>>(plan, step);
    case BinaryOp.Less: return binaryRun<i32, u8, Less<i32>>(plan, step);
    case BinaryOp.LessEqual: return binaryRun<i32, u8, LessEqual<i32>>(plan, step);
    case BinaryOp.Greater: return binaryRun<i32, u8, Greater<i32>>(plan, step);
    case BinaryOp.GreaterEqual: return binaryRun<i32, u8, GreaterEqual<i32>>(plan, step);
  }
  return Status.InvalidPlan;
}

function binaryBool(op: i32, plan: Plan, step: usize): i32 {
  switch (op) {
    case BinaryOp.Equal: return binaryRun<u8, u8, BoolEqual>(plan, step);
    case BinaryOp.NotEqual: return binaryRun<u8, u8, BoolNotEqual>(plan, step);
    case BinaryOp.LogicalAnd: return binaryRun<u8, u8, LogicalAnd>(plan, step);
    case BinaryOp.LogicalOr: return binaryRun<u8, u8, LogicalOr>(plan, step);
  }
  return Status.InvalidPlan;
}

export function binaryKernel(plan: Plan, step: usize): i32 {
  const op = stepAttr(step, 0);
  const dtype = recDType(bufferRecord(plan, stepIn(step, 0)));
  if (dtype == DTypeCode.float32) return binaryF32(op, plan, step);
  if (dtype == DTypeCode.bool) return binaryBool(op, plan, step);
  if (recCount(bufferRecord(plan, stepOut(step, 0))) > 0) {
    const b = stepIn(step, 1);
    const status = int32Check(op, bufferPointer(plan, b), recCount(bufferRecord(plan, b)));
    if (status != Status.Ok) return status;
  }
  return binaryI32(op, plan, step);
}
