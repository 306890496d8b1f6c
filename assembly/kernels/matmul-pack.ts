// GEMM operand packing, so every transpose combination feeds the same
// micro-kernel with unit-stride loads:
//   A block: panels of MR rows; within a panel, for each k, MR values (rows past
//            M are zeros).
//   B:       strips of NR columns over the whole K; within a strip, for each k,
//            NR values (columns past N are zeros). A strip's k-block pc starts
//            at strip + pc·NR elements, so one layout serves a cached B and a
//            B packed on every run.
// Packing moves 32-bit words, so float32 and int32 share it.
//
//   packB(dst, b, transB, K, N);                 // packedBBytes(K, N) bytes
//   packA(dst, a, transA, M, K, i0, mc, pc, kc); // ceil(mc / MR) panels
import { MR, NR } from './matmul-micro';

export function packedBBytes(K: i32, N: i32): usize {
  return <usize>((N + NR - 1) / NR) * <usize>K * <usize>NR * 4;
}

/** packedBBytes in i64, for validating sizes that 32-bit arithmetic could wrap. */
export function packedBBytes64(K: i32, N: i32): i64 {
  return (<i64>N + <i64>(NR - 1)) / <i64>NR * <i64>K * <i64>(NR * 4);
}

/** One strip of b, not transposed ([K, N] row-major): NR contiguous words per k. */
function stripRows(dst: usize, b: usize, K: i32, N: i32, j0: i32, w: i32): void {
  for (let k = 0; k < K; k++) {
    const src = b + ((<usize>k * <usize>N + <usize>j0) << 2);
    const out = dst + (<usize>(k * NR) << 2);
    if (w == NR) {
      v128.store(out, v128.load(src));
      v128.store(out, v128.load(src, 16), 16);
      continue;
    }
    for (let j = 0; j < w; j++) store<u32>(out + (<usize>j << 2), load<u32>(src + (<usize>j << 2)));
  }
}

/** One strip of b transposed ([N, K] row-major): column j of the strip is row j0+j of b. */
function stripColumns(dst: usize, b: usize, K: i32, j0: i32, w: i32): void {
  for (let j = 0; j < w; j++) {
    const src = b + (<usize>(j0 + j) * <usize>K << 2);
    const out = dst + (<usize>j << 2);
    for (let k = 0; k < K; k++) store<u32>(out + (<usize>(k * NR) << 2), load<u32>(src + (<usize>k << 2)));
  }
}

/** Packs all of op(b) (K × N) into strips; dst has packedBBytes(K, N) bytes. */
export function packB(dst: usize, b: usize, transB: bool, K: i32, N: i32): void {
  for (let j0 = 0; j0 < N; j0 += NR) {
    const w = min(NR, N - j0);
    if (w < NR) memory.fill(dst, 0, <usize>(K * NR) << 2);
    if (transB) stripColumns(dst, b, K, j0, w);
    else stripRows(dst, b, K, N, j0, w);
    dst += <usize>(K * NR) << 2;
  }
}

/** One panel: rows i0..i0+h of op(a), k in pc..pc+kc. */
function panelA(dst: usize, a: usize, transA: bool, M: i32, K: i32, i0: i32, h: i32, pc: i32, kc: i32): void {
  if (h < MR) memory.fill(dst, 0, <usize>(kc * MR) << 2);
  if (transA) {
    // a is [K, M]: the h values of one k are contiguous
    for (let k = 0; k < kc; k++) {
      const src = a + ((<usize>(pc + k) * <usize>M + <usize>i0) << 2);
      const out = dst + (<usize>(k * MR) << 2);
      for (let r = 0; r < h; r++) store<u32>(out + (<usize>r << 2), load<u32>(src + (<usize>r << 2)));
    }
    return;
  }
  for (let r = 0; r < h; r++) {
    const src = a + ((<usize>(i0 + r) * <usize>K + <usize>pc) << 2);
    const out = dst + (<usize>r << 2);
    for (let k = 0; k < kc; k++) store<u32>(out + (<usize>(k * MR) << 2), load<u32>(src + (<usize>k << 2)));
  }
}

/** Packs rows i0..i0+mc of op(a) (M × K), k in pc..pc+kc, panel after panel. */
export function packA(dst: usize, a: usize, transA: bool, M: i32, K: i32, i0: i32, mc: i32, pc: i32, kc: i32): void {
  for (let r = 0; r < mc; r += MR) {
    panelA(dst, a, transA, M, K, i0 + r, min(MR, mc - r), pc, kc);
    dst += <usize>(kc * MR) << 2;
  }
}
