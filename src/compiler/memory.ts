/**
 * Arena layout by liveness: a buffer occupies arena space from the step that
 * writes it to the last step that reads it (feeds from the start, fetches to
 * the end), and buffers whose lifetimes do not overlap share space. An
 * elementwise step may write over an input that dies there (the same byte
 * range: backends allow exactly that overlap). Views share their base's memory.
 */
import { alignUp } from './encode.js';
import { InternalError } from '../runtime/errors.js';
import { Kernel } from './plan-format.js';
import { byteSize, elementCount, rootOf, type PlanIR } from './plan.js';

const IN_PLACE: ReadonlySet<number> = new Set([Kernel.Unary, Kernel.Binary, Kernel.Select, Kernel.Cast, Kernel.Fused]);
const END = Number.POSITIVE_INFINITY;

interface Lifetime {
  root: number;
  bytes: number;
  first: number;
  last: number;
}

export function planMemory(plan: PlanIR): void {
  const lifetimes = computeLifetimes(plan);
  const arena = new FreeList();
  const offsets = new Map<number, number>();
  const byFirst = [...lifetimes.values()].sort((a, b) => a.first - b.first || b.bytes - a.bytes);
  const dying = (step: number) => [...lifetimes.values()].filter((l) => l.last === step && offsets.has(l.root));
  let cursor = 0;
  for (const life of byFirst) {
    // Free everything that died before this buffer is written.
    for (; cursor < life.first; cursor++) dying(cursor).forEach((l) => arena.release(offsets.get(l.root)!, l.bytes));
    const donor = inPlaceDonor(plan, lifetimes, offsets, life);
    if (donor) {
      offsets.set(life.root, offsets.get(donor.root)!);
      donor.last = -1; // its space now belongs to `life`; never freed twice
      continue;
    }
    offsets.set(life.root, arena.take(life.bytes));
  }
  for (const buffer of plan.buffers.keys()) {
    const b = plan.buffers[buffer];
    if (b.region === 'arena') b.byteOffset = offsets.get(rootOf(plan, buffer)) ?? 0;
  }
  plan.arenaBytes = arena.size;
  plan.peakLiveBytes = peakLive(lifetimes);
}

function computeLifetimes(plan: PlanIR): Map<number, Lifetime> {
  const lifetimes = new Map<number, Lifetime>();
  const touch = (buffer: number, step: number) => {
    const root = rootOf(plan, buffer);
    if (plan.buffers[root].region !== 'arena') return;
    const life = lifetimes.get(root) ?? { root, bytes: alignUp(byteSize(plan.buffers[root])), first: step, last: step };
    life.first = Math.min(life.first, step);
    life.last = Math.max(life.last, step);
    lifetimes.set(root, life);
  };
  plan.feeds.forEach((b) => touch(b, -1));
  plan.steps.forEach((s, i) => [...s.inputs, ...s.outputs].forEach((b) => touch(b, i)));
  plan.fetches.forEach((b) => touch(b, END));
  for (const b of plan.feeds) lifetimes.get(rootOf(plan, b))!.last = END;
  for (const life of lifetimes.values()) {
    if (life.first === END) throw new InternalError(`Buffer ${life.root} is fetched but no step writes it.`);
  }
  return lifetimes;
}

/** An input of the step writing `life` that dies there and has exactly its size. */
function inPlaceDonor(plan: PlanIR, lifetimes: Map<number, Lifetime>, offsets: Map<number, number>, life: Lifetime): Lifetime | undefined {
  const step = plan.steps[life.first];
  if (!step || !IN_PLACE.has(step.kernel) || step.outputs[0] !== life.root) return undefined;
  const outCount = elementCount(plan.buffers[life.root].shape);
  for (const input of step.inputs) {
    const donor = lifetimes.get(rootOf(plan, input));
    if (!donor || donor.last !== life.first || !offsets.has(donor.root) || donor.bytes !== life.bytes) continue;
    if (elementCount(plan.buffers[input].shape) !== outCount || byteSize(plan.buffers[input]) !== byteSize(plan.buffers[life.root])) continue;
    return donor;
  }
  return undefined;
}

function peakLive(lifetimes: Map<number, Lifetime>): number {
  const events: [number, number][] = [];
  for (const l of lifetimes.values()) {
    if (l.last < 0) continue;
    events.push([l.first, l.bytes], [l.last + 0.5, -l.bytes]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (live += delta));
  return peak;
}

/** Best-fit allocation over free intervals, growing the arena when none fits. */
class FreeList {
  private free: { offset: number; bytes: number }[] = [];
  size = 0;

  take(bytes: number): number {
    if (bytes === 0) return 0;
    let best = -1;
    this.free.forEach((f, i) => { if (f.bytes >= bytes && (best < 0 || f.bytes < this.free[best].bytes)) best = i; });
    if (best >= 0) {
      const f = this.free[best];
      const offset = f.offset;
      if (f.bytes === bytes) this.free.splice(best, 1);
      else { f.offset += bytes; f.bytes -= bytes; }
      return offset;
    }
    const tail = this.free.find((f) => f.offset + f.bytes === this.size);
    const offset = tail ? tail.offset : this.size;
    if (tail) this.free.splice(this.free.indexOf(tail), 1);
    this.size = offset + bytes;
    return offset;
  }

  release(offset: number, bytes: number): void {
    if (bytes === 0) return;
    this.free.push({ offset, bytes });
    this.free.sort((a, b) => a.offset - b.offset);
    this.free = this.free.reduce<{ offset: number; bytes: number }[]>((merged, f) => {
      const last = merged[merged.length - 1];
      if (last && last.offset + last.bytes === f.offset) last.bytes += f.bytes;
      else merged.push({ ...f });
      return merged;
    }, []);
  }
}
