// VarRead and VarAssign over the session's per-slot variable storage.
// Storage is allocated on the first Assign (64-byte aligned, apart from the
// arena) and sized by the var table; Add and Sub update in place.
//
//   varReadKernel(session, plan, step); // UninitializedVariable, arg = var index
import { AssignMode, DTypeCode, Kernel, Status } from '../generated/plan_format';
import { sf_alloc, sf_free } from '../allocator';
import {
  Plan, bufferPointer, dtypeSize, stepAttr, stepIn, stepKernel, stepNumAttr, stepNumOut, stepOut,
  varCount, varDType, varRecord, varSlot,
} from '../plan';
import { Session, VarEntry, sessionVar } from '../session';
import { fail } from '../status';

function varBytes(plan: Plan, index: i32): i32 {
  const rec = varRecord(plan, index);
  return varCount(rec) * dtypeSize(varDType(rec));
}

function varEntry(s: Session, plan: Plan, index: i32): VarEntry {
  return sessionVar(s, varSlot(varRecord(plan, index)));
}

/** Storage with the var table's size; an entry of another size reads as uninitialized. */
function isReadable(entry: VarEntry, bytes: i32): bool {
  return entry.initialized != 0 && entry.bytes == bytes;
}

/** Variable `index`'s entry when it can be read, else null (uninitialized). */
export function varReadable(s: Session, plan: Plan, index: i32): VarEntry {
  const entry = varEntry(s, plan, index);
  return isReadable(entry, varBytes(plan, index)) ? entry : changetype<VarEntry>(0);
}

function versionBump(s: Session, plan: Plan, index: i32): void {
  if (index >= 0 && index < plan.numVars) varEntry(s, plan, index).version++;
}

/**
 * Bumps the write version of every variable the step may have written (even
 * when it failed), so copies kept between runs (a packed MatMul b) refresh.
 */
export function varWritesNote(s: Session, plan: Plan, step: usize): void {
  const kernel = stepKernel(step);
  if (kernel == Kernel.VarAssign) versionBump(s, plan, stepAttr(step, 0));
  if (kernel != Kernel.ApplyUpdate) return;
  for (let a = 1, n = min(4, stepNumAttr(step)); a < n; a++) versionBump(s, plan, stepAttr(step, a)); // var, slot0, slot1
}

export function varReadKernel(s: Session, plan: Plan, step: usize): i32 {
  const index = stepAttr(step, 0);
  const bytes = varBytes(plan, index);
  const entry = varEntry(s, plan, index);
  if (!isReadable(entry, bytes)) return fail(Status.UninitializedVariable, index);
  memory.copy(bufferPointer(plan, stepOut(step, 0)), entry.data, <usize>bytes);
  return Status.Ok;
}

function storageEnsure(entry: VarEntry, bytes: i32): bool {
  if (entry.data && entry.bytes == bytes) return true;
  const data = sf_alloc(<usize>bytes);
  if (!data) return false;
  sf_free(entry.data);
  entry.data = data;
  entry.bytes = bytes;
  entry.initialized = 0;
  return true;
}

/** dst[i] += src[i] (or -=), wrapping for int32. */
function update<T>(dst: usize, src: usize, n: i32, subtract: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const a = v128.load(dst + at);
    const b = v128.load(src + at);
    v128.store(dst + at, subtract ? v128.sub<T>(a, b) : v128.add<T>(a, b));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<T>(dst + at, subtract ? load<T>(dst + at) - load<T>(src + at) : load<T>(dst + at) + load<T>(src + at));
  }
}

function assignInto(entry: VarEntry, plan: Plan, index: i32, mode: i32, value: usize): void {
  const rec = varRecord(plan, index);
  const n = varCount(rec);
  if (mode == AssignMode.Assign) memory.copy(entry.data, value, <usize>entry.bytes);
  else if (varDType(rec) == DTypeCode.float32) update<f32>(entry.data, value, n, mode == AssignMode.Sub);
  else update<i32>(entry.data, value, n, mode == AssignMode.Sub);
}

export function varAssignKernel(s: Session, plan: Plan, step: usize): i32 {
  const index = stepAttr(step, 0);
  const mode = stepAttr(step, 1);
  const bytes = varBytes(plan, index);
  const entry = varEntry(s, plan, index);
  if (mode != AssignMode.Assign && !isReadable(entry, bytes)) {
    return fail(Status.UninitializedVariable, index);
  }
  if (!storageEnsure(entry, bytes)) return fail(Status.OutOfMemory, bytes);
  assignInto(entry, plan, index, mode, bufferPointer(plan, stepIn(step, 0)));
  entry.initialized = 1;
  if (stepNumOut(step) == 1) memory.copy(bufferPointer(plan, stepOut(step, 0)), entry.data, <usize>bytes);
  return Status.Ok;
}

/** The storage of variable `index` when initialized, else 0 (for kernels updating in place). */
export function varData(s: Session, plan: Plan, index: i32): usize {
  const entry = varEntry(s, plan, index);
  return isReadable(entry, varBytes(plan, index)) ? entry.data : 0;
}
