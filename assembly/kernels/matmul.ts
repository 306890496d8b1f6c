// MatMul, float32 and int32: c = act(op(a) · op(b) + bias), SIMD128 and
// cache-blocked. b is packed panel by panel ([KC × NC], in strips of 8
// columns, zero-padded) so all four transpose combinations share one 4×8
// register-blocked micro-kernel; a is read in place through its strides.
// (A fully packed micro-kernel comes later.)
//
//   const status = matmulKernel(plan, step); // Ok, or OutOfMemory for the panel
import { DTypeCode, Status, UnaryOp } from '../generated/plan_format';
import { sf_alloc } from '../allocator';
import {
  Plan, bufferPointer, bufferRecord, recDType, stepIn, stepNumIn, stepOut,
} from '../plan';
import { fail } from '../status';
import {
  matmulActivation, matmulK, matmulM, matmulN, matmulTransA, matmulTransB,
} from './matmul-shape';
import { unaryApply } from './unary';

const KC: i32 = 256;
const NC: i32 = 256;
const STRIP: i32 = 8;
const PANEL_BYTES: usize = <usize>(KC * NC) << 2;
const TAIL = memory.data(32, 16);
let panel: usize = 0;

/** Where a's element (i, k) is: a + (i*rowStride + k*kStride) elements. */
@unmanaged class Operand {
  ptr: usize;
  rowStride: usize;
  kStride: usize;
}
const A = changetype<Operand>(memory.data(offsetof<Operand>(), 16));

/** Adds two vectors (8 lanes) into c's row, only `cols` of them at a ragged edge. */
@inline function accumulate<T>(c: usize, v0: v128, v1: v128, cols: i32): void {
  if (cols == STRIP) {
    v128.store(c, v128.add<T>(v128.load(c), v0));
    v128.store(c, v128.add<T>(v128.load(c, 16), v1), 16);
    return;
  }
  v128.store(TAIL, v0);
  v128.store(TAIL, v1, 16);
  for (let j = 0; j < cols; j++) {
    const at = <usize>j << 2;
    store<T>(c + at, load<T>(c + at) + load<T>(TAIL + at));
  }
}

/** Four rows of c (from row pointer `a`) times one packed strip. */
function kernel4x8<T>(a: usize, strip: usize, kc: i32, c: usize, ldc: usize, cols: i32): void {
  const zero = v128.splat<T>(<T>0);
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
  let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  const rs = A.rowStride << 2;
  const ks = A.kStride << 2;
  for (let k = 0; k < kc; k++) {
    const b = strip + (<usize>k << 5);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const ak = a + <usize>k * ks;
    let x = v128.splat<T>(load<T>(ak));
    c00 = v128.add<T>(c00, v128.mul<T>(x, b0)); c01 = v128.add<T>(c01, v128.mul<T>(x, b1));
    x = v128.splat<T>(load<T>(ak + rs));
    c10 = v128.add<T>(c10, v128.mul<T>(x, b0)); c11 = v128.add<T>(c11, v128.mul<T>(x, b1));
    x = v128.splat<T>(load<T>(ak + 2 * rs));
    c20 = v128.add<T>(c20, v128.mul<T>(x, b0)); c21 = v128.add<T>(c21, v128.mul<T>(x, b1));
    x = v128.splat<T>(load<T>(ak + 3 * rs));
    c30 = v128.add<T>(c30, v128.mul<T>(x, b0)); c31 = v128.add<T>(c31, v128.mul<T>(x, b1));
  }
  accumulate<T>(c, c00, c01, cols);
  accumulate<T>(c + ldc, c10, c11, cols);
  accumulate<T>(c + 2 * ldc, c20, c21, cols);
  accumulate<T>(c + 3 * ldc, c30, c31, cols);
}

function kernel1x8<T>(a: usize, strip: usize, kc: i32, c: usize, cols: i32): void {
  let c0 = v128.splat<T>(<T>0);
  let c1 = c0;
  const ks = A.kStride << 2;
  for (let k = 0; k < kc; k++) {
    const b = strip + (<usize>k << 5);
    const x = v128.splat<T>(load<T>(a + <usize>k * ks));
    c0 = v128.add<T>(c0, v128.mul<T>(x, v128.load(b)));
    c1 = v128.add<T>(c1, v128.mul<T>(x, v128.load(b, 16)));
  }
  accumulate<T>(c, c0, c1, cols);
}

/** Packs b[pc:pc+kc, jc:jc+nc] into strips of 8 columns, zero-padded. */
function packB<T>(b: usize, transB: bool, K: i32, N: i32, pc: i32, kc: i32, jc: i32, nc: i32): void {
  for (let s = 0; s * STRIP < nc; s++) {
    const strip = panel + <usize>(s * kc * STRIP) * 4;
    const j0 = jc + s * STRIP;
    const w = min(STRIP, jc + nc - j0);
    if (w < STRIP) memory.fill(strip, 0, <usize>(kc * STRIP) * 4);
    for (let k = 0; k < kc; k++) {
      const dst = strip + (<usize>(k * STRIP) << 2);
      for (let j = 0; j < w; j++) {
        const at = transB ? (j0 + j) * K + pc + k : (pc + k) * N + j0 + j;
        store<T>(dst + (<usize>j << 2), load<T>(b + (<usize>at << 2)));
      }
    }
  }
}

/** c[0:M, jc:jc+nc] += a[0:M, pc:pc+kc] · panel. */
function panelMultiply<T>(M: i32, pc: i32, kc: i32, jc: i32, nc: i32, c: usize, N: i32): void {
  const ldc = <usize>N << 2;
  const aStart = A.ptr + (<usize>pc * A.kStride << 2);
  for (let s = 0; s * STRIP < nc; s++) {
    const strip = panel + <usize>(s * kc * STRIP) * 4;
    const cols = min(STRIP, nc - s * STRIP);
    const cCol = c + (<usize>(jc + s * STRIP) << 2);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      kernel4x8<T>(aStart + (<usize>i * A.rowStride << 2), strip, kc, cCol + <usize>i * ldc, ldc, cols);
    }
    for (; i < M; i++) {
      kernel1x8<T>(aStart + (<usize>i * A.rowStride << 2), strip, kc, cCol + <usize>i * ldc, cols);
    }
  }
}

/** Every row of c starts as the bias (or zeros). */
function initRows(c: usize, bias: usize, M: i32, N: i32): void {
  const rowBytes = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    const row = c + <usize>i * rowBytes;
    if (bias) memory.copy(row, bias, rowBytes);
    else memory.fill(row, 0, rowBytes);
  }
}

function multiply<T>(b: usize, transB: bool, M: i32, N: i32, K: i32, c: usize): void {
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB<T>(b, transB, K, N, pc, kc, jc, nc);
      panelMultiply<T>(M, pc, kc, jc, nc, c, N);
    }
  }
}

export function matmulKernel(plan: Plan, step: usize): i32 {
  if (!panel) panel = sf_alloc(PANEL_BYTES);
  if (!panel) return fail(Status.OutOfMemory, <i32>PANEL_BYTES);
  const M = matmulM(plan, step);
  const N = matmulN(plan, step);
  const K = matmulK(plan, step);
  const c = bufferPointer(plan, stepOut(step, 0));
  const bias = stepNumIn(step) == 3 ? bufferPointer(plan, stepIn(step, 2)) : 0;
  const transA = matmulTransA(step);
  A.ptr = bufferPointer(plan, stepIn(step, 0));
  A.rowStride = transA ? 1 : <usize>K;
  A.kStride = transA ? <usize>M : 1;
  initRows(c, bias, M, N);
  const b = bufferPointer(plan, stepIn(step, 1));
  const dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
  if (dtype == DTypeCode.float32) multiply<f32>(b, matmulTransB(step), M, N, K, c);
  else multiply<i32>(b, matmulTransB(step), M, N, K, c);
  const act = matmulActivation(step);
  if (act != UnaryOp.Identity) unaryApply(act, dtype, c, c, M * N);
  return Status.Ok;
}
