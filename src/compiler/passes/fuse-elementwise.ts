/**
 * Elementwise fusion: a tree of Unary / Binary / Select / Cast steps whose
 * intermediate results feed nothing else becomes one Fused step running a
 * small register program, tile by tile, so intermediates never leave L1.
 * One-element constants become immediates. A Reduce whose input is such a
 * tree becomes a FusedReduce.
 */
import { elementCount, type PlanBuffer, type PlanIR, type PlanStep } from '../plan.js';
import { FusedKind, Kernel } from '../plan-format.js';
import { analyzeUses, readOnlyBy, withoutSteps, type BufferUses } from './uses.js';

const ELEMENTWISE: ReadonlySet<number> = new Set([Kernel.Unary, Kernel.Binary, Kernel.Select, Kernel.Cast]);

type Node =
  | { kind: 'input'; buffer: number }
  | { kind: 'const'; buffer: number }
  | { kind: 'step'; step: PlanStep; operands: Node[] };

interface Group {
  root: Node;
  absorbed: Set<number>;
  /** Graph ops computed by the group, in step order. */
  opNames: string[];
}

export function fuseElementwise(plan: PlanIR): void {
  const uses = analyzeUses(plan);
  const absorbed = new Set<number>();
  for (let i = plan.steps.length - 1; i >= 0; i--) {
    const step = plan.steps[i];
    if (absorbed.has(i)) continue;
    if (ELEMENTWISE.has(step.kernel)) fuseTree(plan, uses, i, absorbed);
    else if (step.kernel === Kernel.Reduce) fuseReduce(plan, uses, i, absorbed);
  }
  withoutSteps(plan, absorbed);
}

function fuseTree(plan: PlanIR, uses: BufferUses, index: number, absorbed: Set<number>): void {
  const step = plan.steps[index];
  const group = growGroup(plan, uses, index, elementCount(plan.buffers[step.outputs[0]].shape));
  if (group.absorbed.size === 0 && !hasScalarConstant(group.root)) return;
  const program = encodeProgram(plan, group.root);
  // All-constant trees have no input to take their shape from; they stay unfused.
  if (program.inputs.length === 0) return;
  plan.steps[index] = {
    kernel: Kernel.Fused, inputs: program.inputs, outputs: step.outputs,
    attrs: [program.count, ...program.words], opName: step.opName, fusedFrom: group.opNames,
  };
  group.absorbed.forEach((s) => absorbed.add(s));
}

/** Reduce(x) where x comes from elementwise steps → FusedReduce over x's shape. */
function fuseReduce(plan: PlanIR, uses: BufferUses, index: number, absorbed: Set<number>): void {
  const step = plan.steps[index];
  const input = step.inputs[0];
  const at = uses.producer.get(input);
  if (at === undefined || !ELEMENTWISE.has(plan.steps[at].kernel) || !readOnlyBy(plan, uses, input, index)) return;
  const [op, outer, n, inner] = step.attrs;
  const dims = plan.buffers[input].shape;
  const axes = reducedAxes(dims, outer, n, inner);
  if (!axes) return;
  const group = growGroup(plan, uses, at, elementCount(dims));
  group.absorbed.add(at);
  const program = encodeProgram(plan, group.root);
  if (program.inputs.length === 0) return;
  plan.steps[index] = {
    kernel: Kernel.FusedReduce, inputs: program.inputs, outputs: step.outputs,
    attrs: [op, dims.length, ...dims, axes[0], axes[1], program.count, ...program.words],
    opName: step.opName, fusedFrom: [...group.opNames, step.opName],
  };
  group.absorbed.forEach((s) => absorbed.add(s));
}

/** The contiguous axes first..last of `dims` that the [outer, n, inner] view reduces. */
function reducedAxes(dims: number[], outer: number, n: number, inner: number): [number, number] | undefined {
  for (let first = 0; first <= dims.length; first++) {
    if (elementCount(dims.slice(0, first)) !== outer) continue;
    for (let last = first - 1; last < dims.length; last++) {
      if (elementCount(dims.slice(first, last + 1)) === n && elementCount(dims.slice(last + 1)) === inner) {
        return last >= first ? [first, last] : undefined;
      }
    }
  }
  return undefined;
}

/** Pulls in every producer whose result only this tree reads and that has the tree's size. */
function growGroup(plan: PlanIR, uses: BufferUses, rootIndex: number, size: number): Group {
  const group: Group = { root: { kind: 'input', buffer: -1 }, absorbed: new Set(), opNames: [] };
  const visited: number[] = [];
  const visit = (index: number): Node => {
    const step = plan.steps[index];
    visited.push(index);
    const operands = step.inputs.map((b) => {
      const at = uses.producer.get(b);
      const fusable = at !== undefined && ELEMENTWISE.has(plan.steps[at].kernel)
        && readOnlyBy(plan, uses, b, index) && elementCount(plan.buffers[b].shape) === size;
      if (fusable) {
        group.absorbed.add(at);
        return visit(at);
      }
      return isScalarConstant(plan.buffers[b]) ? { kind: 'const' as const, buffer: b } : { kind: 'input' as const, buffer: b };
    });
    return { kind: 'step', step, operands };
  };
  group.root = visit(rootIndex);
  const names = visited.sort((a, b) => a - b).flatMap((i) => plan.steps[i].fusedFrom ?? [plan.steps[i].opName]);
  group.opNames = [...new Set(names)];
  return group;
}

function isScalarConstant(buffer: PlanBuffer): boolean {
  return buffer.region === 'constant' && elementCount(buffer.shape) === 1 && buffer.data !== undefined;
}

function hasScalarConstant(node: Node): boolean {
  return node.kind === 'step' && node.operands.some((o) => o.kind === 'const');
}

/** Registers: inputs first (deduplicated), then one per instruction in post-order. */
function encodeProgram(plan: PlanIR, root: Node): { inputs: number[]; count: number; words: number[] } {
  const inputs: number[] = [];
  collectInputs(plan, root, inputs);
  const words: number[] = [];
  const constants = new Map<string, number>();
  let next = inputs.length;
  const emit = (instruction: number[]) => { words.push(...instruction); return next++; };
  const walk = (node: Node): number => {
    if (node.kind === 'input') return inputs.indexOf(node.buffer);
    if (node.kind === 'const') {
      const buffer = plan.buffers[node.buffer];
      const data = buffer.data!;
      const value = buffer.dtype.size === 1 ? data[0] : new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true);
      const key = `${buffer.dtype.code}:${value}`;
      if (!constants.has(key)) constants.set(key, emit([FusedKind.Const, 0, buffer.dtype.code, value, 0, 0]));
      return constants.get(key)!;
    }
    const regs = node.operands.map(walk);
    return emit(instructionFor(plan, node.step, regs));
  };
  walk(root);
  return { inputs, count: words.length / 6, words };
}

function collectInputs(plan: PlanIR, node: Node, inputs: number[]): void {
  if (node.kind === 'input' && !inputs.includes(node.buffer)) inputs.push(node.buffer);
  if (node.kind === 'step') node.operands.forEach((o) => collectInputs(plan, o, inputs));
}

function instructionFor(plan: PlanIR, step: PlanStep, regs: number[]): number[] {
  const dtype = plan.buffers[step.outputs[0]].dtype.code;
  switch (step.kernel) {
    case Kernel.Unary: return [FusedKind.Unary, step.attrs[0], dtype, regs[0], 0, step.attrs[1] ?? 0];
    case Kernel.Binary: return [FusedKind.Binary, step.attrs[0], dtype, regs[0], regs[1], 0];
    case Kernel.Select: return [FusedKind.Select, 0, dtype, regs[0], regs[1], regs[2]];
    default: return [FusedKind.Cast, 0, dtype, regs[0], 0, 0];
  }
}

