/**
 * Pruning: only the operations the fetches and targets need run. The walk
 * stops at fed tensors (their producers need not run) and follows control
 * inputs. Ops only take inputs from earlier ops, so creation order is a
 * topological order.
 */
import type { Operation } from '../graph/operation.js';
import type { Tensor } from '../graph/tensor.js';

export function neededOps(fetches: readonly Tensor[], targets: readonly Operation[], fed: ReadonlySet<Tensor>): Operation[] {
  const needed = new Set<Operation>();
  const pending: Operation[] = [];
  const visitOp = (op: Operation) => {
    if (!needed.has(op)) { needed.add(op); pending.push(op); }
  };
  const visitTensor = (t: Tensor) => { if (!fed.has(t)) visitOp(t.op); };
  fetches.forEach(visitTensor);
  targets.forEach(visitOp);
  while (pending.length > 0) {
    const op = pending.pop()!;
    op.inputs.forEach(visitTensor);
    op.controlInputs.forEach(visitOp);
  }
  return [...needed].sort((a, b) => a.id - b.id);
}
