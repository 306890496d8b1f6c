/**
 * `tf.train` optimizers: plain graph builders on top of `tf.gradients`. Each
 * variable's update is one fused ApplyUpdate step; slots are variables named as
 * TensorFlow names them (`w/Adam`, `w/Adam_1`, `w/Momentum`, ...).
 *
 *   const train = new tf.train.AdamOptimizer(1e-3).minimize(loss, { globalStep });
 *   sess.run(tf.globalVariablesInitializer());
 *   for (...) sess.run(train, { x, y });
 */
import { float32, int32 } from '../graph/dtypes.js';
import { getDefaultGraph } from '../graph/default-graph.js';
import type { Graph } from '../graph/graph.js';
import type { Operation } from '../graph/operation.js';
import type { Tensor } from '../graph/tensor.js';
import { ones, zeros } from '../ops/array.js';
import { toTensor } from '../ops/build.js';
import type { TensorLike } from '../ops/convert.js';
import { group } from '../ops/control.js';
import { mul } from '../ops/math.js';
import { Variable, trainableVariables } from '../ops/state.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { gradients } from './gradients.js';
import { applyUpdate } from './training-ops.js';

export type GradAndVar = [Tensor | null, Variable];

export interface MinimizeOptions {
  varList?: readonly Variable[];
  globalStep?: Variable | null;
  name?: string;
}

export abstract class Optimizer {
  private readonly slots = new Map<Variable, Map<string, Variable>>();
  private readonly extra: Variable[] = [];

  constructor(readonly name: string) {}

  /** [gradient, variable] for each trainable variable (gradient null when loss does not depend on it). */
  computeGradients(loss: Tensor, options: { varList?: readonly Variable[] } = {}): GradAndVar[] {
    const vars = options.varList ?? trainableVariables(loss.graph);
    if (vars.length === 0) throw new InvalidArgumentError('No variables to optimize.');
    const grads = gradients(loss, [...vars]);
    return vars.map((v, i) => [grads[i], v]);
  }

  /** One op that applies every gradient (and bumps `globalStep` after, when given). */
  applyGradients(pairs: readonly GradAndVar[], options: { globalStep?: Variable | null; name?: string } = {}): Operation {
    const live = pairs.filter((p): p is [Tensor, Variable] => p[0] !== null);
    if (live.length === 0) {
      throw new InvalidArgumentError(`No gradients provided for any variable, check your graph for ops that do not support gradients, between variables ${pairs.map(([, v]) => v.name).join(', ')} and loss.`);
    }
    const graph = live[0][1].graph;
    return graph.asDefault(() => {
      graph.nameScope(null, () => live.forEach(([, v]) => this.createSlots(v, graph)));
      this.prepare(graph);
      const name = options.name ?? this.name;
      const updates = graph.nameScope(name, () => live.map(([g, v]) => this.applyDense(g, v).op));
      const finished = this.finish(updates, graph, name);
      const step = options.globalStep;
      if (!step) return finished;
      return graph.controlDependencies([finished], () => step.assignAdd(1, name).op);
    });
  }

  minimize(loss: Tensor, options: MinimizeOptions = {}): Operation {
    return this.applyGradients(this.computeGradients(loss, options), options);
  }

  getSlot(variable: Variable, name: string): Variable | null {
    return this.slots.get(variable)?.get(name) ?? null;
  }

  getSlotNames(): string[] {
    return [...new Set([...this.slots.values()].flatMap((m) => [...m.keys()]))];
  }

  /** The optimizer's own variables: slots and accumulators such as Adam's beta powers. */
  variables(): Variable[] {
    return [...this.extra, ...[...this.slots.values()].flatMap((m) => [...m.values()])];
  }

  protected abstract createSlots(variable: Variable, graph: Graph): void;
  protected abstract applyDense(grad: Tensor, variable: Variable): Tensor;
  /** Builds per-minimize tensors (hyperparameters) before the updates. */
  protected prepare(_graph: Graph): void {}
  protected finish(updates: Operation[], _graph: Graph, name: string): Operation {
    return group(updates, { name });
  }

  /** A slot `w/<optimizer name>` (then `_1`, ...), created once per variable and slot name. */
  protected slot(variable: Variable, slotName: string, init: 'zeros' | 'ones' = 'zeros'): Variable {
    let perVar = this.slots.get(variable);
    if (!perVar) this.slots.set(variable, (perVar = new Map()));
    let created = perVar.get(slotName);
    if (!created) {
      const shape = variable.shape as number[];
      const value = init === 'ones' ? ones(shape) : zeros(shape);
      created = new Variable(value, { name: `${variable.op.name}/${this.name}`, trainable: false });
      perVar.set(slotName, created);
    }
    return created;
  }

  protected nonSlot(name: string, initial: number): Variable {
    const existing = this.extra.find((v) => v.op.name === name || v.op.name.startsWith(`${name}_`));
    if (existing) return existing;
    const created = new Variable(initial, { name, dtype: float32, trainable: false });
    this.extra.push(created);
    return created;
  }
}

const scalar = (value: TensorLike, name: string) => toTensor(value, float32, getDefaultGraph(), name);

export class GradientDescentOptimizer extends Optimizer {
  private lr!: Tensor;
  constructor(private readonly learningRate: TensorLike, name = 'GradientDescent') { super(name); }
  protected createSlots(): void {}
  protected override prepare(): void { this.lr = scalar(this.learningRate, 'learning_rate'); }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    return applyUpdate('ApplyGradientDescent', [v.ref, this.lr, grad], 1);
  }
}

export class MomentumOptimizer extends Optimizer {
  private lr!: Tensor;
  private mom!: Tensor;
  private readonly useNesterov: boolean;
  constructor(private readonly learningRate: TensorLike, private readonly momentum: TensorLike, options: { useNesterov?: boolean; name?: string } = {}) {
    super(options.name ?? 'Momentum');
    this.useNesterov = options.useNesterov ?? false;
  }
  protected createSlots(v: Variable): void { this.slot(v, 'momentum'); }
  protected override prepare(): void {
    this.lr = scalar(this.learningRate, 'learning_rate');
    this.mom = scalar(this.momentum, 'momentum');
  }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    const accum = this.getSlot(v, 'momentum')!;
    return applyUpdate('ApplyMomentum', [v.ref, accum.ref, this.lr, grad, this.mom], 2, { useNesterov: this.useNesterov });
  }
}

export interface AdamOptions { beta1?: number; beta2?: number; epsilon?: number; name?: string }

export class AdamOptimizer extends Optimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private hyper!: Tensor[];
  private powers!: [Variable, Variable];
  constructor(private readonly learningRate: TensorLike = 0.001, options: AdamOptions = {}) {
    super(options.name ?? 'Adam');
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }
  protected createSlots(v: Variable, graph: Graph): void {
    this.slot(v, 'm');
    this.slot(v, 'v');
    this.powers ??= graph.nameScope(null, () => [this.nonSlot('beta1_power', this.beta1), this.nonSlot('beta2_power', this.beta2)]);
  }
  protected override prepare(): void {
    this.hyper = [scalar(this.learningRate, 'learning_rate'), scalar(this.beta1, 'beta1'), scalar(this.beta2, 'beta2'), scalar(this.epsilon, 'epsilon')];
  }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    const [m, s] = [this.getSlot(v, 'm')!, this.getSlot(v, 'v')!];
    const [b1p, b2p] = this.powers;
    return applyUpdate('ApplyAdam', [v.ref, m.ref, s.ref, b1p.value(), b2p.value(), ...this.hyper, grad], 3);
  }
  /** After every update, the beta powers advance one step. */
  protected override finish(updates: Operation[], graph: Graph, name: string): Operation {
    const [b1p, b2p] = this.powers;
    const bumps = graph.controlDependencies(updates, () => graph.nameScope(name, () => [
      b1p.assign(mul(b1p.value(), this.beta1), 'update_beta1').op,
      b2p.assign(mul(b2p.value(), this.beta2), 'update_beta2').op,
    ]));
    return group([...updates, ...bumps], { name });
  }
}

export interface RMSPropOptions { decay?: number; momentum?: number; epsilon?: number; name?: string }

export class RMSPropOptimizer extends Optimizer {
  private readonly options: Required<Omit<RMSPropOptions, 'name'>>;
  private hyper!: Tensor[];
  constructor(private readonly learningRate: TensorLike, options: RMSPropOptions = {}) {
    super(options.name ?? 'RMSProp');
    this.options = { decay: options.decay ?? 0.9, momentum: options.momentum ?? 0, epsilon: options.epsilon ?? 1e-10 };
  }
  /** TensorFlow starts the mean square at ones. */
  protected createSlots(v: Variable): void {
    this.slot(v, 'rms', 'ones');
    this.slot(v, 'momentum');
  }
  protected override prepare(): void {
    const { decay, momentum, epsilon } = this.options;
    this.hyper = [scalar(this.learningRate, 'learning_rate'), scalar(decay, 'decay'), scalar(momentum, 'momentum'), scalar(epsilon, 'epsilon')];
  }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    const [ms, mom] = [this.getSlot(v, 'rms')!, this.getSlot(v, 'momentum')!];
    return applyUpdate('ApplyRMSProp', [v.ref, ms.ref, mom.ref, ...this.hyper, grad], 3);
  }
}

export const GLOBAL_STEP = 'global_step';

/** The graph's step counter (int32 here; TensorFlow uses int64). */
export function createGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  if (getGlobalStep(graph)) throw new InvalidArgumentError('"global_step" already exists.');
  const step = graph.asDefault(() => graph.nameScope(null, () => new Variable(0, { name: 'global_step', dtype: int32, trainable: false })));
  graph.addToCollection(GLOBAL_STEP, step);
  return step;
}

export function getGlobalStep(graph: Graph = getDefaultGraph()): Variable | null {
  return graph.getCollection<Variable>(GLOBAL_STEP)[0] ?? null;
}

export function getOrCreateGlobalStep(graph: Graph = getDefaultGraph()): Variable {
  return getGlobalStep(graph) ?? createGlobalStep(graph);
}
