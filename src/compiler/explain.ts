/**
 * A readable account of a compiled plan: its steps, what each fused, buffer
 * sizes and the arena it needs. `session.explain(fetches, feeds)` returns it.
 *
 *   console.log(sess.explain(y, { x }));
 *   // plan: 2 steps from 6 ops ...
 *   //   #0 MatMul+bias+Relu  dense/MatMul, dense/add, dense/Relu  float32[128,784] x var w[784,512] -> float32[128,512]  @0 256 KiB
 */
import { byteSize, elementCount, type PlanBuffer, type PlanIR, type PlanStep } from './plan.js';
import { Kernel, UnaryOp } from './plan-format.js';
import { gemmEpilogue, isGemmStep } from './gemm-steps.js';
import type { CompiledPlan } from './compile.js';

export interface StepExplanation {
  kernel: string;
  ops: string[];
  inputs: string[];
  output: string;
  arenaOffset: number | null;
  bytes: number;
}

export interface PlanExplanation {
  steps: StepExplanation[];
  opCount: number;
  arenaBytes: number;
  peakLiveBytes: number;
  constantBytes: number;
  variableBytes: number;
  toString(): string;
}

const KERNEL_NAMES = new Map(Object.entries(Kernel).map(([name, id]) => [id as number, name]));
const UNARY_NAMES = new Map(Object.entries(UnaryOp).map(([name, id]) => [id as number, name]));

export function explainPlan(compiled: CompiledPlan): PlanExplanation {
  const { ir } = compiled;
  const steps = ir.steps.map((s) => explainStep(ir, s));
  const constantBytes = ir.buffers.filter((b) => b.region === 'constant' && b.viewOf === undefined).reduce((n, b) => n + byteSize(b), 0);
  const variableBytes = ir.vars.reduce((n, v) => n + elementCount(v.shape) * v.dtype.size, 0);
  const explanation: PlanExplanation = {
    steps, opCount: compiled.opCount, arenaBytes: ir.arenaBytes, peakLiveBytes: ir.peakLiveBytes ?? ir.arenaBytes,
    constantBytes, variableBytes,
    toString: () => render(explanation, ir),
  };
  return explanation;
}

function explainStep(ir: PlanIR, step: PlanStep): StepExplanation {
  const out = step.outputs[0];
  const inputs = step.inputs.map((b) => describe(ir.buffers[b]));
  const bVar = isGemmStep(step) ? gemmEpilogue(step).bVar : -1;
  if (bVar >= 0) inputs.splice(1, 0, `var ${ir.vars[bVar].name}${dims(ir.vars[bVar].shape)}`);
  return {
    kernel: kernelLabel(step),
    ops: step.fusedFrom ?? [step.opName],
    inputs,
    output: out === undefined ? '-' : describe(ir.buffers[out]),
    arenaOffset: out === undefined ? null : ir.buffers[out].byteOffset,
    bytes: out === undefined ? 0 : byteSize(ir.buffers[out]),
  };
}

function kernelLabel(step: PlanStep): string {
  const name = KERNEL_NAMES.get(step.kernel) ?? `kernel ${step.kernel}`;
  if (isGemmStep(step)) {
    const { activation, bVar } = gemmEpilogue(step);
    const parts = [name];
    if (step.inputs.length === (bVar >= 0 ? 2 : 3)) parts.push('bias');
    if (activation !== UnaryOp.Identity) parts.push(UNARY_NAMES.get(activation)!);
    return parts.join('+');
  }
  if (step.kernel === Kernel.Unary) return `Unary(${UNARY_NAMES.get(step.attrs[0])})`;
  if (step.kernel === Kernel.Fused) return `Fused(${step.attrs[0]} instr)`;
  if (step.kernel === Kernel.FusedReduce) return `FusedReduce(${step.attrs[3 + step.attrs[1] + 2]} instr)`;
  return name;
}

function describe(buffer: PlanBuffer): string {
  return `${buffer.dtype.name}${dims(buffer.shape)}`;
}

function dims(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes % 1024 ? 1 : 0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function render(e: PlanExplanation, ir: PlanIR): string {
  const lines = [`plan: ${e.steps.length} steps from ${e.opCount} ops`];
  const width = Math.max(0, ...e.steps.map((s) => s.kernel.length));
  e.steps.forEach((s, i) => {
    const where = s.arenaOffset === null ? '' : `  @${s.arenaOffset} ${formatBytes(s.bytes)}`;
    lines.push(`  #${i} ${s.kernel.padEnd(width)}  ${s.ops.join(', ')}  ${s.inputs.join(' x ') || '()'} -> ${s.output}${where}`);
  });
  lines.push(`  feeds: ${ir.feeds.map((b) => describe(ir.buffers[b])).join(', ') || 'none'}; fetches: ${ir.fetches.map((b) => describe(ir.buffers[b])).join(', ') || 'none'}`);
  lines.push(`  arena ${formatBytes(e.arenaBytes)} (peak live ${formatBytes(e.peakLiveBytes)}), constants ${formatBytes(e.constantBytes)}, variables ${formatBytes(e.variableBytes)}`);
  return lines.join('\n');
}
