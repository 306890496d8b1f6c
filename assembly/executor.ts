// Runs a loaded plan: resolves buffer addresses against the session arena,
// then executes the steps in order through one dispatch by kernel id,
// stopping at the first failing step (earlier variable writes stay done).
//
//   const status = sessionRun(session, plan); // failStep / failArg on error
import { Kernel, Status } from './generated/plan_format';
import { Plan, planResolve, stepKernel, stepWords } from './plan';
import { Session } from './session';
import { statusReset, statusSet } from './status';
import { binaryKernel } from './kernels/binary';
import {
  castKernel, copyKernel, fillKernel, selectKernel, unaryKernel,
} from './kernels/elementwise';
import { fusedKernel, fusedReduceKernel } from './kernels/fused';
import { conv2dKernel } from './kernels/conv2d';
import { matmulKernel } from './kernels/matmul';
import { reduceKernel } from './kernels/reduce';
import { softmaxKernel } from './kernels/softmax';
import { transposeKernel } from './kernels/transpose';
import { varAssignKernel, varReadKernel, varWritesNote } from './kernels/variables';
import { argReduceKernel } from './kernels/arg-reduce';
import { gatherKernel, oneHotKernel, scatterAddKernel } from './kernels/indexing';
import { applyUpdateKernel } from './kernels/optimizer';
import { randomKernel, shuffleKernel } from './kernels/random';
import { col2imKernel, im2colKernel } from './kernels/window';
import { poolKernel } from './kernels/window-pool';
import { poolGradKernel } from './kernels/window-pool-grad';

function stepRun(s: Session, plan: Plan, step: usize, index: i32): i32 {
  switch (stepKernel(step)) {
    case Kernel.Copy: return copyKernel(plan, step);
    case Kernel.Fill: return fillKernel(plan, step);
    case Kernel.Unary: return unaryKernel(plan, step);
    case Kernel.Binary: return binaryKernel(plan, step);
    case Kernel.Select: return selectKernel(plan, step);
    case Kernel.Cast: return castKernel(plan, step);
    case Kernel.MatMul: return matmulKernel(s, plan, step, index);
    case Kernel.Reduce: return reduceKernel(plan, step);
    case Kernel.Transpose: return transposeKernel(plan, step);
    case Kernel.VarRead: return varReadKernel(s, plan, step);
    case Kernel.VarAssign: return varAssignKernel(s, plan, step);
    case Kernel.Fused: return fusedKernel(plan, step);
    case Kernel.FusedReduce: return fusedReduceKernel(plan, step);
    case Kernel.Softmax: return softmaxKernel(plan, step);
    case Kernel.ArgReduce: return argReduceKernel(plan, step);
    case Kernel.OneHot: return oneHotKernel(plan, step);
    case Kernel.Gather: return gatherKernel(plan, step);
    case Kernel.ScatterAdd: return scatterAddKernel(plan, step);
    case Kernel.Random: return randomKernel(s, plan, step);
    case Kernel.Shuffle: return shuffleKernel(s, plan, step);
    case Kernel.ApplyUpdate: return applyUpdateKernel(s, plan, step);
    case Kernel.Im2Col: return im2colKernel(plan, step);
    case Kernel.Col2Im: return col2imKernel(plan, step);
    case Kernel.Pool: return poolKernel(plan, step);
    case Kernel.PoolGrad: return poolGradKernel(plan, step);
    case Kernel.Conv2D: return conv2dKernel(s, plan, step, index);
  }
  return Status.InvalidPlan;
}

export function sessionRun(s: Session, plan: Plan): i32 {
  statusReset();
  planResolve(plan, s.arena);
  let step = plan.steps;
  for (let i = 0; i < plan.numSteps; i++) {
    const status = stepRun(s, plan, step, i);
    varWritesNote(s, plan, step);
    if (status != Status.Ok) return statusSet(status, i);
    step += <usize>stepWords(step) << 2;
  }
  return Status.Ok;
}
