// Conv2D, float32: y = act(Im2Col(x) · filter + bias) on MatMul's engine
// (matmul.ts) without the Im2Col matrix. For each MC-row block of the output
// and each KC-deep slice of k, the block's A panels are packed straight from
// the image (conv2d-pack.ts) and meet every strip of the packed filter (kept
// between runs for a constant or variable filter, as MatMul's b); after the
// last slice the block gets its activation while still in cache. The blocks,
// slices, micro-kernels and epilogue are MatMul's, and every row of a GEMM is
// computed on its own, so y is bit for bit what Im2Col then MatMul give.
// Memory: MatMul's one MC x KC panel block, whatever the image size.
//
//   const status = conv2dKernel(session, plan, step, index); // Ok, OutOfMemory, UninitializedVariable
import { DTypeCode, Status } from '../generated/plan_format';
import { Plan, bufferPointer, stepIn, stepOut } from '../plan';
import { Session } from '../session';
import { fail, saturatedBytes } from '../status';
import { convActivation, convBias, convFilterVar, convK, convM, convO, convParam } from './conv2d-shape';
import { packImagePanels } from './conv2d-pack';
import {
  A_BLOCK_BYTES, G, KC, MC, activate, aBlockReserve, biasOnly, blockMultiply, packedOperandB,
} from './matmul';
import { packedBBytes } from './matmul-pack';
import { varReadable } from './variables';
import { windowLoad } from './window-geometry';

function setUp(plan: Plan, step: usize): void {
  G.M = convM(step);
  G.N = convO(plan, step);
  G.K = convK(step);
  G.a = bufferPointer(plan, stepIn(step, 0));
  G.c = bufferPointer(plan, stepOut(step, 0));
  const bias = convBias(step);
  G.bias = bias >= 0 ? bufferPointer(plan, bias) : 0;
  G.transA = 0;
  G.act = convActivation(step);
  G.param = convParam(step);
  G.dtype = DTypeCode.float32;
}

/** Block by block: the k slices in order (as MatMul adds them), then the activation. */
function convGemm(aBlock: usize): void {
  for (let i0 = 0; i0 < G.M; i0 += MC) {
    const mc = min(MC, G.M - i0);
    for (let pc = 0; pc < G.K; pc += KC) {
      const kc = min(KC, G.K - pc);
      packImagePanels(aBlock, G.a, i0, mc, pc, kc);
      blockMultiply<f32>(i0, mc, pc, kc);
    }
    activate(G.c + (<usize>i0 * <usize>G.N << 2), mc * G.N);
  }
}

export function conv2dKernel(s: Session, plan: Plan, step: usize, index: i32): i32 {
  const v = convFilterVar(step);
  if (v >= 0 && !changetype<usize>(varReadable(s, plan, v))) return fail(Status.UninitializedVariable, v);
  setUp(plan, step);
  if (G.M == 0 || G.N == 0) return Status.Ok; // also when N*OH*OW wrapped: then O is 0
  if (G.K == 0) {
    biasOnly();
    return Status.Ok;
  }
  const aBlock = aBlockReserve();
  if (!aBlock) return fail(Status.OutOfMemory, <i32>A_BLOCK_BYTES);
  G.b = packedOperandB(s, plan, step, index, v, false);
  if (!G.b) return fail(Status.OutOfMemory, saturatedBytes(<u64>packedBBytes(G.K, G.N)));
  windowLoad(step, 0);
  convGemm(aBlock);
  return Status.Ok;
}
