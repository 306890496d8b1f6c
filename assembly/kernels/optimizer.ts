// ApplyUpdate: one TensorFlow optimizer step on a float32 variable and its
// slot variables, in place (docs/kernels.md). Each rule is a 4-lane functor
// swept over the storage; the last n % 4 elements go through a zero-padded
// scratch so there is a single code path (no FMA, so lanes round as scalars).
//
//   applyUpdateKernel(session, plan, step); // attr[kind, var, slot0, slot1, flags]
import { Status, UpdateKind } from '../generated/plan_format';
import {
  Plan, bufferPointer, stepAttr, stepIn, stepNumOut, stepOut, varCount, varRecord,
} from '../plan';
import { Session } from '../session';
import { fail } from '../status';
import { varData } from './variables';

/** Splatted hyperparameters h0..h3, meaning per rule (see applyUpdateKernel). */
const HYPER = memory.data(64, 16);
/** Tail lanes of var, slot0, slot1 and grad. */
const TAIL = memory.data(64, 16);

@inline function h(k: i32): v128 { return v128.load(HYPER + (<usize>k << 4)); }
@inline function setHyper(k: i32, value: f32): void { v128.store(HYPER + (<usize>k << 4), f32x4.splat(value)); }

/** h0 lr: var -= lr * grad. */
@unmanaged class GradientDescent {
  @inline apply(v: usize, a: usize, b: usize, g: usize): void {
    v128.store(v, f32x4.sub(v128.load(v), f32x4.mul(h(0), v128.load(g))));
  }
}

/** h0 lr, h1 momentum: accum = accum * momentum + grad; var -= lr * accum. */
@unmanaged class Momentum {
  @inline apply(v: usize, a: usize, b: usize, g: usize): void {
    const accum = f32x4.add(f32x4.mul(v128.load(a), h(1)), v128.load(g));
    v128.store(a, accum);
    v128.store(v, f32x4.sub(v128.load(v), f32x4.mul(h(0), accum)));
  }
}

/** As Momentum, then var -= grad * lr + accum * momentum * lr. */
@unmanaged class Nesterov {
  @inline apply(v: usize, a: usize, b: usize, g: usize): void {
    const grad = v128.load(g);
    const accum = f32x4.add(f32x4.mul(v128.load(a), h(1)), grad);
    v128.store(a, accum);
    const delta = f32x4.add(f32x4.mul(grad, h(0)), f32x4.mul(f32x4.mul(accum, h(1)), h(0)));
    v128.store(v, f32x4.sub(v128.load(v), delta));
  }
}

/** h0 lr_t, h1 1 - beta1, h2 1 - beta2, h3 epsilon; a = m, b = v. */
@unmanaged class Adam {
  @inline apply(v: usize, a: usize, b: usize, g: usize): void {
    const grad = v128.load(g);
    const m0 = v128.load(a);
    const v0 = v128.load(b);
    const m = f32x4.add(m0, f32x4.mul(f32x4.sub(grad, m0), h(1)));
    const second = f32x4.add(v0, f32x4.mul(f32x4.sub(f32x4.mul(grad, grad), v0), h(2)));
    v128.store(a, m);
    v128.store(b, second);
    const step = f32x4.div(f32x4.mul(h(0), m), f32x4.add(f32x4.sqrt(second), h(3)));
    v128.store(v, f32x4.sub(v128.load(v), step));
  }
}

/** h0 lr, h1 1 - rho, h2 momentum, h3 epsilon; a = ms, b = mom. */
@unmanaged class RMSProp {
  @inline apply(v: usize, a: usize, b: usize, g: usize): void {
    const grad = v128.load(g);
    const ms0 = v128.load(a);
    const ms = f32x4.add(ms0, f32x4.mul(f32x4.sub(f32x4.mul(grad, grad), ms0), h(1)));
    const scaled = f32x4.div(f32x4.mul(h(0), grad), f32x4.sqrt(f32x4.add(ms, h(3))));
    const mom = f32x4.add(f32x4.mul(v128.load(b), h(2)), scaled);
    v128.store(a, ms);
    v128.store(b, mom);
    v128.store(v, f32x4.sub(v128.load(v), mom));
  }
}

/** Moves `bytes` between p and a TAIL lane (skipping unused slots). */
@inline function laneMove(p: usize, lane: i32, bytes: usize, into: bool): void {
  if (!p) return;
  const at = TAIL + (<usize>lane << 4);
  if (into) memory.copy(at, p, bytes);
  else memory.copy(p, at, bytes);
}

function sweep<Rule>(v: usize, a: usize, b: usize, g: usize, n: i32): void {
  const rule = changetype<Rule>(0);
  const body = <usize>(n & ~3) << 2;
  for (let at: usize = 0; at < body; at += 16) rule.apply(v + at, a + at, b + at, g + at);
  const rest = <usize>(n & 3) << 2;
  if (rest == 0) return;
  const ta = a ? a + body : 0;
  const tb = b ? b + body : 0;
  memory.fill(TAIL, 0, 64);
  laneMove(v + body, 0, rest, true);
  laneMove(ta, 1, rest, true);
  laneMove(tb, 2, rest, true);
  laneMove(g + body, 3, rest, true);
  rule.apply(TAIL, TAIL + 16, TAIL + 32, TAIL + 48);
  laneMove(v + body, 0, rest, false);
  laneMove(ta, 1, rest, false);
  laneMove(tb, 2, rest, false);
}

@inline function hyperIn(plan: Plan, step: usize, k: i32): f32 {
  return load<f32>(bufferPointer(plan, stepIn(step, k)));
}

/** Splats the kind's hyperparameters into HYPER as its rule reads them. */
function hypersLoad(plan: Plan, step: usize, kind: i32): void {
  setHyper(0, hyperIn(plan, step, 1));
  if (kind == UpdateKind.Momentum) setHyper(1, hyperIn(plan, step, 2));
  if (kind == UpdateKind.Adam) {
    const beta1Power = hyperIn(plan, step, 5);
    const beta2Power = hyperIn(plan, step, 6);
    setHyper(0, hyperIn(plan, step, 1) * Mathf.sqrt(1 - beta2Power) / (1 - beta1Power));
    setHyper(1, 1 - hyperIn(plan, step, 2));
    setHyper(2, 1 - hyperIn(plan, step, 3));
    setHyper(3, hyperIn(plan, step, 4));
  }
  if (kind == UpdateKind.RMSProp) {
    setHyper(1, 1 - hyperIn(plan, step, 2));
    setHyper(2, hyperIn(plan, step, 3));
    setHyper(3, hyperIn(plan, step, 4));
  }
}

/** The var-table index of the first of var, slot0, slot1 not initialized, or -1. */
function firstUninitialized(s: Session, plan: Plan, step: usize): i32 {
  for (let k = 1; k <= 3; k++) {
    const index = stepAttr(step, k);
    if (index >= 0 && !varData(s, plan, index)) return index;
  }
  return -1;
}

/** Storage of the variable named by attr[k], 0 when unused (-1). */
@inline function storageOf(s: Session, plan: Plan, step: usize, k: i32): usize {
  const index = stepAttr(step, k);
  return index < 0 ? 0 : varData(s, plan, index);
}

export function applyUpdateKernel(s: Session, plan: Plan, step: usize): i32 {
  const missing = firstUninitialized(s, plan, step);
  if (missing >= 0) return fail(Status.UninitializedVariable, missing);
  const v = storageOf(s, plan, step, 1);
  const a = storageOf(s, plan, step, 2);
  const b = storageOf(s, plan, step, 3);
  const kind = stepAttr(step, 0);
  const n = varCount(varRecord(plan, stepAttr(step, 1)));
  const g = bufferPointer(plan, stepIn(step, 0));
  hypersLoad(plan, step, kind);
  if (kind == UpdateKind.GradientDescent) sweep<GradientDescent>(v, a, b, g, n);
  else if (kind == UpdateKind.Momentum && stepAttr(step, 4) == 1) sweep<Nesterov>(v, a, b, g, n);
  else if (kind == UpdateKind.Momentum) sweep<Momentum>(v, a, b, g, n);
  else if (kind == UpdateKind.Adam) sweep<Adam>(v, a, b, g, n);
  else sweep<RMSProp>(v, a, b, g, n);
  if (stepNumOut(step) == 1) memory.copy(bufferPointer(plan, stepOut(step, 0)), v, <usize>n << 2);
  return Status.Ok;
}
