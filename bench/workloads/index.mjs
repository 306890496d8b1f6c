// Every workload, in the order the report lists them.
import overhead from './overhead.mjs';
import fusedChain from './fused-chain.mjs';
import matmul from './matmul.mjs';
import mlpInfer from './mlp-infer.mjs';
import sgdStep from './sgd-step.mjs';
import cnnInfer from './cnn-infer.mjs';

export const workloads = [overhead, fusedChain, matmul, mlpInfer, sgdStep, cnnInfer];

/** Workloads whose name or case id matches one of `only` (all when empty). */
export function selectCases(only) {
  const picked = [];
  for (const w of workloads) {
    for (const c of w.cases()) {
      if (only.length === 0 || only.includes(w.name) || only.includes(c.id)) picked.push({ workload: w.name, ...c });
    }
  }
  return picked;
}
