/**
 * `tf.gradients(ys, xs, gradYs?)`: builds the backward graph symbolically, in
 * the same graph, from each op's registry row. Only ops on a path from an x to
 * a y take part; fan-in is summed with one AddN; an x that no y depends on
 * gets null.
 *
 *   const [dw, db] = tf.gradients(loss, [w, b]);
 */
import { float32 } from '../graph/dtypes.js';
import type { Operation } from '../graph/operation.js';
import { Tensor } from '../graph/tensor.js';
import { addN } from '../ops/math.js';
import { onesLike } from '../ops/array.js';
import { toTensor } from '../ops/build.js';
import type { TensorLike } from '../ops/convert.js';
import { NOT_DIFFERENTIABLE, getOpDef } from '../ops/registry.js';
import { Variable } from '../ops/state.js';
import { InvalidArgumentError, LookupError } from '../runtime/errors.js';

type Source = Tensor | Variable;

export function gradients(ys: TensorLike | readonly TensorLike[], xs: Source | readonly Source[], gradYs?: TensorLike | readonly (TensorLike | null)[]): (Tensor | null)[] {
  const yList = (Array.isArray(ys) ? ys : [ys]).map((y) => toTensor(y as TensorLike));
  const xList = (Array.isArray(xs) ? xs : [xs]).map((x: Source) => (x instanceof Variable ? x.ref : x));
  const graph = yList[0].graph;
  for (const t of [...yList, ...xList]) {
    if (t.graph !== graph) throw new InvalidArgumentError(`${t.toString()} must be from the same graph as ${yList[0].toString()}.`);
  }
  const seeds = gradYs === undefined ? [] : Array.isArray(gradYs) ? gradYs : [gradYs];
  return graph.asDefault(() => graph.nameScope('gradients', () => {
    const between = opsBetween(xList, yList);
    const grads = new Map<Tensor, Tensor[]>();
    yList.forEach((y, i) => {
      const seed = seeds[i] ?? null;
      accumulate(grads, y, seed === null ? onesLike(y) : toTensor(seed as TensorLike, y.dtype, graph));
    });
    for (const op of [...between].sort((a, b) => b.id - a.id)) backprop(op, grads, between, new Set(xList));
    return xList.map((x) => total(grads, x));
  }));
}

/** Ops reachable from xs (through value inputs) that also lead to a y. */
function opsBetween(xs: readonly Tensor[], ys: readonly Tensor[]): Set<Operation> {
  const forward = new Set<Operation>();
  const pending = [...xs];
  while (pending.length > 0) {
    const t = pending.pop()!;
    for (const op of t.consumers()) {
      const refs = getOpDef(op.type).refInputs ?? [];
      if (forward.has(op) || op.inputs.every((input, i) => input !== t || refs.includes(i))) continue;
      forward.add(op);
      pending.push(...op.outputs);
    }
  }
  const between = new Set<Operation>();
  const back = ys.map((y) => y.op);
  while (back.length > 0) {
    const op = back.pop()!;
    if (!forward.has(op) || between.has(op)) continue;
    between.add(op);
    back.push(...op.inputs.map((t) => t.op));
  }
  return between;
}

function backprop(op: Operation, grads: Map<Tensor, Tensor[]>, between: Set<Operation>, xs: Set<Tensor>): void {
  const outGrads = op.outputs.map((t) => total(grads, t));
  if (outGrads.every((g) => g === null)) return;
  const def = getOpDef(op.type);
  if (def.gradient === NOT_DIFFERENTIABLE) return;
  if (!def.gradient) throw new LookupError(`No gradient defined for operation '${op.name}' (op type: ${op.type})`);
  const gradient = def.gradient;
  const inGrads = op.graph.nameScope(`${op.name}_grad`, () => gradient(op, outGrads));
  const refs = def.refInputs ?? [];
  op.inputs.forEach((input, i) => {
    const g = inGrads[i];
    if (!g || refs.includes(i) || !(between.has(input.op) || xs.has(input))) return;
    accumulate(grads, input, g);
  });
}

/** Only float tensors carry gradients, as in TensorFlow. */
function accumulate(grads: Map<Tensor, Tensor[]>, tensor: Tensor, grad: Tensor): void {
  if (tensor.dtype !== float32 || grad.dtype !== float32) return;
  grads.set(tensor, [...(grads.get(tensor) ?? []), grad]);
}

/** The summed gradient of `tensor` (one AddN for fan-in), kept so it is built once. */
function total(grads: Map<Tensor, Tensor[]>, tensor: Tensor): Tensor | null {
  const list = grads.get(tensor);
  if (!list || list.length === 0) return null;
  if (list.length > 1) grads.set(tensor, [addN(list)]);
  return grads.get(tensor)![0];
}

