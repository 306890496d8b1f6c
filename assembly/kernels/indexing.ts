// Gather, ScatterAdd and OneHot: kernels driven by an int32 indices buffer.
// Gather and ScatterAdd check every index before touching the output, so the
// failing position is the first bad one whatever outer and inner are.
//
//   gatherKernel(plan, step);     // attr[outer, n, inner]: y [outer, m, inner]
//   scatterAddKernel(plan, step); // attr[outer, n, inner]: y [outer, n, inner]
//   oneHotKernel(plan, step);     // attr[depth]: y = indices.shape + [depth]
import { DTypeCode, Status } from '../generated/plan_format';
import {
  Plan, bufferPointer, bufferRecord, dtypeSize, recCount, recDType, stepAttr, stepIn, stepOut,
} from '../plan';
import { fail } from '../status';

/** Status.IndexOutOfRange naming the first index outside [0, n), or Ok. */
function indicesCheck(indices: usize, m: i32, n: i32): i32 {
  for (let j = 0; j < m; j++) {
    const index = load<i32>(indices + (<usize>j << 2));
    if (index < 0 || index >= n) return fail(Status.IndexOutOfRange, j);
  }
  return Status.Ok;
}

@inline function copyRow(dst: usize, src: usize, bytes: usize): void {
  if (bytes == 4) store<u32>(dst, load<u32>(src));
  else memory.copy(dst, src, bytes);
}

export function gatherKernel(plan: Plan, step: usize): i32 {
  const params = stepIn(step, 0);
  const indices = bufferPointer(plan, stepIn(step, 1));
  const m = recCount(bufferRecord(plan, stepIn(step, 1)));
  const outer = stepAttr(step, 0);
  const n = stepAttr(step, 1);
  const status = indicesCheck(indices, m, n);
  if (status != Status.Ok) return status;
  const rowBytes = <usize>stepAttr(step, 2) * <usize>dtypeSize(recDType(bufferRecord(plan, params)));
  const src = bufferPointer(plan, params);
  let dst = bufferPointer(plan, stepOut(step, 0));
  for (let o = 0; o < outer; o++) {
    const block = src + <usize>o * <usize>n * rowBytes;
    for (let j = 0; j < m; j++, dst += rowBytes) {
      copyRow(dst, block + <usize>load<i32>(indices + (<usize>j << 2)) * rowBytes, rowBytes);
    }
  }
  return Status.Ok;
}

/** y[o, indices[j], :] += updates[o, j, :] for increasing j (wrapping for int32). */
function scatterAdd<T>(y: usize, updates: usize, indices: usize, outer: i32, n: i32, m: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const block = y + <usize>o * <usize>n * rowBytes;
    for (let j = 0; j < m; j++, updates += rowBytes) {
      const row = block + <usize>load<i32>(indices + (<usize>j << 2)) * rowBytes;
      for (let i = 0; i < inner; i++) {
        const at = <usize>i << 2;
        store<T>(row + at, load<T>(row + at) + load<T>(updates + at));
      }
    }
  }
}

export function scatterAddKernel(plan: Plan, step: usize): i32 {
  const indicesId = stepIn(step, 1);
  const indices = bufferPointer(plan, indicesId);
  const m = recCount(bufferRecord(plan, indicesId));
  const outer = stepAttr(step, 0);
  const n = stepAttr(step, 1);
  const inner = stepAttr(step, 2);
  const status = indicesCheck(indices, m, n);
  if (status != Status.Ok) return status;
  const yRec = bufferRecord(plan, stepOut(step, 0));
  const y = bufferPointer(plan, stepOut(step, 0));
  const updates = bufferPointer(plan, stepIn(step, 0));
  memory.fill(y, 0, <usize>recCount(yRec) << 2);
  if (recDType(yRec) == DTypeCode.float32) scatterAdd<f32>(y, updates, indices, outer, n, m, inner);
  else scatterAdd<i32>(y, updates, indices, outer, n, m, inner);
  return Status.Ok;
}

/** Rows of `depth` values of T: `off` everywhere but `on` at the row's index. */
function oneHot<T>(y: usize, indices: usize, m: i32, depth: i32, on: T, off: T): void {
  for (let j = 0; j < m; j++) {
    const index = load<i32>(indices + (<usize>j << 2));
    for (let k = 0; k < depth; k++, y += sizeof<T>()) store<T>(y, k == index ? on : off);
  }
}

export function oneHotKernel(plan: Plan, step: usize): i32 {
  const indicesId = stepIn(step, 0);
  const indices = bufferPointer(plan, indicesId);
  const m = recCount(bufferRecord(plan, indicesId));
  const depth = stepAttr(step, 0);
  const y = bufferPointer(plan, stepOut(step, 0));
  const on = bufferPointer(plan, stepIn(step, 1));
  const off = bufferPointer(plan, stepIn(step, 2));
  if (recDType(bufferRecord(plan, stepOut(step, 0))) == DTypeCode.bool) {
    oneHot<u8>(y, indices, m, depth, load<u8>(on) != 0 ? 1 : 0, load<u8>(off) != 0 ? 1 : 0);
  } else {
    oneHot<u32>(y, indices, m, depth, load<u32>(on), load<u32>(off)); // float32 and int32 alike: bits
  }
  return Status.Ok;
}
