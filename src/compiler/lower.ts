/**
 * Lowering: walks the needed operations in order, works out every tensor's
 * concrete shape for this run, and lets each op's registry row append plan
 * steps. Tensors map to plan buffers; ops that only re-view memory (reshape,
 * identity) alias a buffer instead of copying it.
 */
import type { DType } from '../graph/dtypes.js';
import type { Operation } from '../graph/operation.js';
import { formatShape, isFullyDefined } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { InternalError, InvalidArgumentError, nodeSuffix } from '../runtime/errors.js';
import { getOpDef, type LowerContext } from '../ops/registry.js';
import { Kernel, type KernelId } from './plan-format.js';
import { elementCount, type PlanBuffer, type PlanIR, type PlanVariable } from './plan.js';

export interface LowerInput {
  ops: readonly Operation[];
  feeds: ReadonlyMap<Tensor, readonly number[]>;
  fetches: readonly Tensor[];
  /** The session's own random seed, for random ops without seeds. */
  sessionSeed: number;
}

export function lowerToPlan({ ops, feeds, fetches, sessionSeed }: LowerInput): PlanIR {
  const lowering = new Lowering(ops, fetches, sessionSeed);
  for (const [tensor, shape] of feeds) lowering.addFeed(tensor, shape);
  for (const op of ops) lowering.lowerOp(op);
  for (const tensor of fetches) lowering.addFetch(tensor);
  return lowering.plan;
}

class Lowering {
  readonly plan: PlanIR = { buffers: [], steps: [], vars: [], feeds: [], fetches: [], arenaBytes: 0 };
  private readonly shapes = new Map<Tensor, number[]>();
  private readonly bufferOf = new Map<Tensor, number>();
  private readonly usedValues = new Set<Tensor>();
  private readonly variableOps = new Map<number, Operation>();
  private readonly varIndex = new Map<number, number>();

  constructor(ops: readonly Operation[], fetches: readonly Tensor[], private readonly sessionSeed: number) {
    fetches.forEach((t) => this.usedValues.add(t));
    for (const op of ops) {
      const refs = getOpDef(op.type).refInputs ?? [];
      op.inputs.forEach((t, i) => { if (!refs.includes(i)) this.usedValues.add(t); });
      if (op.type === 'VariableV2') this.variableOps.set(op.getAttr<number>('slot'), op);
    }
  }

  addFeed(tensor: Tensor, shape: readonly number[]): void {
    const buffer = this.newBuffer(tensor.dtype, shape, 'arena');
    this.shapes.set(tensor, [...shape]);
    this.bufferOf.set(tensor, buffer);
    this.plan.feeds.push(buffer);
  }

  addFetch(tensor: Tensor): void {
    let buffer = this.bufferFor(tensor);
    if (this.plan.buffers[buffer].region !== 'arena') {
      const copy = this.newBuffer(tensor.dtype, this.shapes.get(tensor)!, 'arena');
      this.emit(Kernel.Copy, [buffer], [copy], [], tensor.op.name);
      buffer = copy;
    }
    this.plan.fetches.push(buffer);
  }

  lowerOp(op: Operation): void {
    const def = getOpDef(op.type);
    const inputShapes = op.inputs.map((t) => this.shapeOf(t));
    const describe = () => `'${op.name}' (op: '${op.type}')`;
    const specs = def.infer({ type: op.type, inputs: op.inputs.map((t, i) => ({ dtype: t.dtype, shape: inputShapes[i] })), attrs: op.attrs, describe, compiling: true });
    const outputShapes = specs.map((spec, i) => {
      const fed = this.shapes.get(op.outputs[i]);
      if (fed) return fed;
      if (!isFullyDefined(spec.shape)) {
        throw new InvalidArgumentError(`Cannot compute the shape ${formatShape(spec.shape)} of ${op.outputs[i].name} for this run.${nodeSuffix(op.name)}`);
      }
      this.shapes.set(op.outputs[i], spec.shape);
      return spec.shape;
    });
    def.lower(this.context(op, inputShapes, outputShapes));
    op.outputs.forEach((t) => {
      if (this.usedValues.has(t) && !this.bufferOf.has(t)) throw new InternalError(`Lowering ${op.type} produced no buffer for ${t.name}.`);
    });
  }

  private context(op: Operation, inputShapes: number[][], outputShapes: number[][]): LowerContext {
    const claim = (i: number, buffer: number) => {
      // A fed output keeps the fed value; the op's own result goes to scratch.
      if (!this.bufferOf.has(op.outputs[i])) this.bufferOf.set(op.outputs[i], buffer);
      return buffer;
    };
    return {
      op, inputShapes, outputShapes,
      input: (i) => this.bufferFor(op.inputs[i]),
      output: (i) => claim(i, this.newBuffer(op.outputs[i].dtype, outputShapes[i], 'arena')),
      alias: (i, buffer) => { claim(i, this.view(buffer, outputShapes[i])); },
      view: (buffer, shape) => this.view(buffer, shape),
      isUsed: (i) => this.usedValues.has(op.outputs[i]),
      constant: (dtype, shape, data) => this.constant(dtype, shape, data),
      temp: (dtype, shape) => this.newBuffer(dtype, shape, 'arena'),
      variable: (slot) => this.variable(slot),
      emit: (kernel, inputs, outputs, attrs = []) => this.emit(kernel, inputs, outputs, attrs, op.name),
      sessionSeeds: () => [mix(this.sessionSeed, op.id), mix(this.sessionSeed ^ 0x5bd1e995, op.id) | 1],
    };
  }

  private shapeOf(tensor: Tensor): number[] {
    const shape = this.shapes.get(tensor);
    if (!shape) throw new InternalError(`No shape for ${tensor.name}: its producer was not lowered first.`);
    return shape;
  }

  private bufferFor(tensor: Tensor): number {
    const buffer = this.bufferOf.get(tensor);
    if (buffer === undefined) throw new InternalError(`No buffer for ${tensor.name}.`);
    return buffer;
  }

  private newBuffer(dtype: DType, shape: readonly number[], region: PlanBuffer['region']): number {
    this.plan.buffers.push({ dtype, shape: [...shape], region, byteOffset: 0 });
    return this.plan.buffers.length - 1;
  }

  private view(buffer: number, shape: readonly number[]): number {
    const base = this.plan.buffers[buffer];
    if (elementCount(shape) !== elementCount(base.shape)) {
      throw new InternalError(`A view of shape ${formatShape([...shape])} cannot see a buffer of shape ${formatShape(base.shape)}.`);
    }
    if (shape.length === base.shape.length && shape.every((d, i) => d === base.shape[i])) return buffer;
    this.plan.buffers.push({ dtype: base.dtype, shape: [...shape], region: base.region, byteOffset: 0, viewOf: buffer });
    return this.plan.buffers.length - 1;
  }

  private constant(dtype: DType, shape: readonly number[], data: ArrayBufferView): number {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    if (bytes.byteLength !== elementCount(shape) * dtype.size) throw new InternalError('Constant data does not match its shape.');
    const buffer = this.newBuffer(dtype, shape, 'constant');
    this.plan.buffers[buffer].data = bytes;
    return buffer;
  }

  private variable(slot: number): number {
    let index = this.varIndex.get(slot);
    if (index === undefined) {
      const op = this.variableOps.get(slot);
      if (!op) throw new InternalError(`Variable slot ${slot} has no VariableV2 op in this plan.`);
      const entry: PlanVariable = { slot, dtype: op.outputs[0].dtype, shape: op.getAttr<number[]>('shape'), name: op.name };
      index = this.plan.vars.push(entry) - 1;
      this.varIndex.set(slot, index);
    }
    return index;
  }

  private emit(kernel: KernelId, inputs: number[], outputs: number[], attrs: number[], opName: string): void {
    this.plan.steps.push({ kernel, inputs, outputs, attrs, opName });
  }
}

/** A 31-bit hash of (seed, id), so unseeded random ops differ from each other. */
function mix(seed: number, id: number): number {
  let h = Math.imul(seed ^ Math.imul(id + 0x9e3779b9, 0x85ebca6b), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 1) & 0x7fffffff;
}
