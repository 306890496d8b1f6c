// The data-movement and per-element kernels besides Binary: Copy, Fill,
// Unary, Select (broadcasting all three operands) and Cast.
//
//   copyKernel(plan, step); castKernel(plan, step); // each returns a Status
import { DTypeCode, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, dtypeSize, recBytes, recCount, recDType, stepAttr, stepIn, stepNumAttr, stepOut,
} from '../plan';
import {
  broadcastCollapse, broadcastInit, broadcastInner, broadcastInnerStride, broadcastOffset,
  broadcastOperand, broadcastRows,
} from './broadcast';
import { unaryApply } from './unary';

@inline function inPtr(plan: Plan, step: usize, i: i32): usize { return bufferPointer(plan, stepIn(step, i)); }
@inline function outPtr(plan: Plan, step: usize): usize { return bufferPointer(plan, stepOut(step, 0)); }
@inline function outRecord(plan: Plan, step: usize): usize { return bufferRecord(plan, stepOut(step, 0)); }

export function copyKernel(plan: Plan, step: usize): i32 {
  const x = inPtr(plan, step, 0);
  const y = outPtr(plan, step);
  if (x != y) memory.copy(y, x, recBytes(outRecord(plan, step)));
  return Status.Ok;
}

export function fillKernel(plan: Plan, step: usize): i32 {
  const rec = outRecord(plan, step);
  const y = outPtr(plan, step);
  const n = recCount(rec);
  if (recDType(rec) == DTypeCode.bool) {
    memory.fill(y, load<u8>(inPtr(plan, step, 0)) != 0 ? 1 : 0, <usize>n);
    return Status.Ok;
  }
  const v = load<u32>(inPtr(plan, step, 0));
  const vv = i32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), vv);
  for (; i < n; i++) store<u32>(y + (<usize>i << 2), v);
  return Status.Ok;
}

/** LeakyRelu's alpha when a Unary step has no param (docs/kernels.md). */
const DEFAULT_PARAM: f32 = 0.2;

export function unaryKernel(plan: Plan, step: usize): i32 {
  const rec = outRecord(plan, step);
  const param = stepNumAttr(step) == 2 ? reinterpret<f32>(stepAttr(step, 1)) : DEFAULT_PARAM;
  unaryApply(stepAttr(step, 0), recDType(rec), inPtr(plan, step, 0), outPtr(plan, step), recCount(rec), param);
  return Status.Ok;
}

// ---- Select ------------------------------------------------------------------

/** z[i] = c[i sc] ? x[i sx] : y[i sy]; T is u32 for 4-byte dtypes (bits as they are), u8 for bool. */
@inline function selectRowOf<T>(c: usize, sc: i32, x: usize, sx: i32, y: usize, sy: i32, z: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const pick = load<u8>(c + <usize>(i * sc)) != 0;
    const v = pick ? load<T>(x + <usize>(i * sx) * sizeof<T>()) : load<T>(y + <usize>(i * sy) * sizeof<T>());
    store<T>(z + <usize>i * sizeof<T>(), sizeof<T>() == 1 ? <T>(v != 0) : v);
  }
}

/** One row of Select with element strides 0 or 1; `dtype` is x's, y's and z's. */
export function selectRow(dtype: i32, c: usize, sc: i32, x: usize, sx: i32, y: usize, sy: i32, z: usize, n: i32): void {
  if (dtype == DTypeCode.bool) selectRowOf<u8>(c, sc, x, sx, y, sy, z, n);
  else selectRowOf<u32>(c, sc, x, sx, y, sy, z, n);
}

function selectRows(plan: Plan, step: usize, dtype: i32): void {
  const size = <usize>dtypeSize(dtype);
  const inner = broadcastInner();
  for (let r = 0, rows = broadcastRows(); r < rows; r++) {
    selectRow(dtype,
      inPtr(plan, step, 0) + <usize>broadcastOffset(0, r), broadcastInnerStride(0),
      inPtr(plan, step, 1) + <usize>broadcastOffset(1, r) * size, broadcastInnerStride(1),
      inPtr(plan, step, 2) + <usize>broadcastOffset(2, r) * size, broadcastInnerStride(2),
      outPtr(plan, step) + <usize>(r * inner) * size, inner);
  }
}

export function selectKernel(plan: Plan, step: usize): i32 {
  const rec = outRecord(plan, step);
  if (recCount(rec) == 0) return Status.Ok;
  broadcastInit(plan, stepOut(step, 0));
  for (let k = 0; k < 3; k++) broadcastOperand(plan, k, stepIn(step, k));
  broadcastCollapse(3);
  selectRows(plan, step, recDType(rec));
  return Status.Ok;
}

// ---- Cast --------------------------------------------------------------------

/** float32 to int32: truncates toward zero, saturates, NaN gives 0 (i32.trunc_sat_f32_s). */
function castF32ToI32(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(y + at, i32x4.trunc_sat_f32x4_s(v128.load(x + at)));
  }
  for (; i < n; i++) store<i32>(y + (<usize>i << 2), <i32>load<f32>(x + (<usize>i << 2)));
}

/** int32 to float32, rounding to nearest even. */
function castI32ToF32(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(y + at, f32x4.convert_i32x4_s(v128.load(x + at)));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), <f32>load<i32>(x + (<usize>i << 2)));
}

/** Numbers to bool: x != 0 (NaN is true). */
function castToBool<T>(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(y + <usize>i, <u8>(load<T>(x + <usize>i * sizeof<T>()) != <T>0));
}

function castFromBool<T>(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<T>(y + <usize>i * sizeof<T>(), load<u8>(x + <usize>i) != 0 ? <T>1 : <T>0);
}

export function castKernel(plan: Plan, step: usize): i32 {
  const from = recDType(bufferRecord(plan, stepIn(step, 0)));
  const rec = outRecord(plan, step);
  castApply(from, recDType(rec), inPtr(plan, step, 0), outPtr(plan, step), recCount(rec));
  return Status.Ok;
}

/** y[i] = x[i] converted from dtype `from` to `to`, n elements; y may equal x. */
export function castApply(from: i32, to: i32, x: usize, y: usize, n: i32): void {
  if (from == to) {
    if (from == DTypeCode.bool) castToBool<u8>(x, y, n);
    else if (x != y) memory.copy(y, x, <usize>n << 2);
  } else if (from == DTypeCode.float32 && to == DTypeCode.int32) castF32ToI32(x, y, n);
  else if (from == DTypeCode.int32 && to == DTypeCode.float32) castI32ToF32(x, y, n);
  else if (to == DTypeCode.bool) {
    if (from == DTypeCode.float32) castToBool<f32>(x, y, n);
    else castToBool<i32>(x, y, n);
  } else if (to == DTypeCode.float32) castFromBool<f32>(x, y, n);
  else castFromBool<i32>(x, y, n);
}
