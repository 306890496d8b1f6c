// MatMul, float32 and int32: c = act(op(a)·op(b) + bias), the BLIS way. b is
// packed whole into NR-column strips (kept between runs for a constant or
// variable b, see matmul-cache.ts); for each KC-deep slice of k and each
// MC-row block of a, the block is packed into MR-row panels (so it sits in
// L2), then every B strip (KC × NR, in L1) meets every A panel in the
// register-blocked micro-kernel. Transposed operands only change the packing.
// The first k slice adds the bias; after the last one the block gets its
// activation while still in cache.
//
// Conv2D (conv2d.ts) runs the same engine on A panels packed from its image.
//
//   const status = matmulKernel(session, plan, step, index); // Ok, OutOfMemory, UninitializedVariable
import { DTypeCode, Status, UnaryOp } from '../generated/plan_format';
import { sf_alloc, sf_free } from '../allocator';
import { Plan, bufferPointer, bufferRecord, recDType, stepIn, stepOut } from '../plan';
import { Session } from '../session';
import { fail, saturatedBytes } from '../status';
import { packedConstB, packedVarB } from './matmul-cache';
import { MR, NR, micro1x8, microTile, tileStore } from './matmul-micro';
import { packA, packB, packedBBytes } from './matmul-pack';
import {
  matmulActivation, matmulBVar, matmulBias, matmulK, matmulM, matmulN, matmulParam, matmulTransA,
  matmulTransB,
} from './matmul-shape';
import { unaryApply } from './unary';
import { varReadable } from './variables';

export const KC: i32 = 384;
export const MC: i32 = 96; // a multiple of MR
export const A_BLOCK_BYTES: usize = <usize>(MC * KC) << 2;

/** The current multiplication (the module is single-threaded). */
@unmanaged export class Gemm {
  a: usize;
  b: usize; // packed
  c: usize;
  bias: usize;
  M: i32;
  N: i32;
  K: i32;
  transA: i32;
  act: i32;
  param: i32;
  dtype: i32;
}
export const G = changetype<Gemm>(memory.data(offsetof<Gemm>(), 16));
let aBlock: usize = 0;
let bScratch: usize = 0;
let bScratchBytes: usize = 0;

/** c[i0:i0+mc, :] (+)= the packed a block times k slice pc..pc+kc of every B strip. */
export function blockMultiply<T>(i0: i32, mc: i32, pc: i32, kc: i32): void {
  const ldc = <usize>G.N << 2;
  const first = pc == 0;
  const cRows = G.c + <usize>i0 * ldc;
  for (let j0 = 0; j0 < G.N; j0 += NR) {
    const strip = G.b + ((<usize>j0 * <usize>G.K + <usize>(pc * NR)) << 2);
    const cols = min(NR, G.N - j0);
    const bias = G.bias ? G.bias + (<usize>j0 << 2) : 0;
    for (let r = 0; r < mc; r += MR) {
      const rows = min(MR, mc - r);
      const panel = aBlock + (<usize>(r * kc) << 2);
      if (rows > 2) microTile<T>(panel, strip, kc);
      else for (let q = 0; q < rows; q++) micro1x8<T>(panel, strip, kc, q);
      tileStore<T>(cRows + <usize>r * ldc + (<usize>j0 << 2), ldc, rows, cols, bias, first);
    }
  }
}

/** The activation (with its param, e.g. LeakyRelu's alpha) over n elements of c from `c`. */
export function activate(c: usize, n: i32): void {
  if (G.act == UnaryOp.Identity) return;
  unaryApply(G.act, G.dtype, c, c, n, reinterpret<f32>(G.param));
}

function gemm<T>(): void {
  for (let pc = 0; pc < G.K; pc += KC) {
    const kc = min(KC, G.K - pc);
    for (let i0 = 0; i0 < G.M; i0 += MC) {
      const mc = min(MC, G.M - i0);
      packA(aBlock, G.a, G.transA != 0, G.M, G.K, i0, mc, pc, kc);
      blockMultiply<T>(i0, mc, pc, kc);
      if (pc + kc == G.K) activate(G.c + (<usize>i0 * <usize>G.N << 2), mc * G.N);
    }
  }
}

/** The MC x KC block that packed A panels go to (allocated once, kept); 0 when out of memory. */
export function aBlockReserve(): usize {
  if (!aBlock) aBlock = sf_alloc(A_BLOCK_BYTES);
  return aBlock;
}

/** K = 0: every row of c is the bias (or zeros), then the activation. */
export function biasOnly(): void {
  const rowBytes = <usize>G.N << 2;
  for (let i = 0; i < G.M; i++) {
    const row = G.c + <usize>i * rowBytes;
    if (G.bias) memory.copy(row, G.bias, rowBytes);
    else memory.fill(row, 0, rowBytes);
  }
  activate(G.c, G.M * G.N);
}

/** Packs b into the shared scratch (grown on demand); 0 when out of memory. */
function scratchB(b: usize, transB: bool): usize {
  const bytes = packedBBytes(G.K, G.N);
  if (bytes > bScratchBytes) {
    sf_free(bScratch);
    bScratch = sf_alloc(bytes);
    bScratchBytes = bScratch ? bytes : 0;
    if (!bScratch) return 0;
  }
  packB(bScratch, b, transB, G.K, G.N);
  return bScratch;
}

/**
 * The packed b of step `index`: var-table entry v's storage when v >= 0, else
 * input 1 (MatMul's b, Conv2D's filter); cached for a constant or variable b,
 * else packed now; 0 when out of memory.
 */
export function packedOperandB(s: Session, plan: Plan, step: usize, index: i32, v: i32, transB: bool): usize {
  if (v >= 0) {
    const entry = varReadable(s, plan, v);
    const cached = packedVarB(plan, index, entry, transB, G.K, G.N);
    return cached ? cached : scratchB(entry.data, transB);
  }
  const cached = packedConstB(plan, index);
  return cached ? cached : scratchB(bufferPointer(plan, stepIn(step, 1)), transB);
}

function setUp(plan: Plan, step: usize): void {
  G.M = matmulM(plan, step);
  G.N = matmulN(plan, step);
  G.K = matmulK(plan, step);
  G.a = bufferPointer(plan, stepIn(step, 0));
  G.c = bufferPointer(plan, stepOut(step, 0));
  const bias = matmulBias(step);
  G.bias = bias >= 0 ? bufferPointer(plan, bias) : 0;
  G.transA = matmulTransA(step) ? 1 : 0;
  G.act = matmulActivation(step);
  G.param = matmulParam(step);
  G.dtype = recDType(bufferRecord(plan, stepOut(step, 0)));
}

export function matmulKernel(s: Session, plan: Plan, step: usize, index: i32): i32 {
  const v = matmulBVar(step);
  if (v >= 0 && !changetype<usize>(varReadable(s, plan, v))) return fail(Status.UninitializedVariable, v);
  setUp(plan, step);
  if (G.M == 0 || G.N == 0) return Status.Ok;
  if (G.K == 0) {
    biasOnly();
    return Status.Ok;
  }
  if (!aBlockReserve()) return fail(Status.OutOfMemory, <i32>A_BLOCK_BYTES);
  G.b = packedOperandB(s, plan, step, index, v, matmulTransB(step));
  if (!G.b) return fail(Status.OutOfMemory, saturatedBytes(<u64>packedBBytes(G.K, G.N)));
  if (G.dtype == DTypeCode.float32) gemm<f32>();
  else gemm<i32>();
  return Status.Ok;
}
