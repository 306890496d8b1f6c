/**
 * Variables: state that lives in each Session, not in the Graph.
 *
 *   const v = new tf.Variable(42, { name: 'foo' });  // v.name === 'foo:0'
 *   sess.run(tf.globalVariablesInitializer()); sess.run(v.assign(13));
 */
import { toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import { getDefaultGraph } from '../graph/default-graph.js';
import { GraphKeys, type Graph } from '../graph/graph.js';
import type { Operation } from '../graph/operation.js';
import { formatShape, formatShapeTuple, isCompatible, isFullyDefined, type Shape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { AssignMode, Kernel } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { makeOp, makeTensor, toTensor } from './build.js';
import { NUMERIC, checkDType } from './checks.js';
import type { TensorConvertible, TensorLike } from './convert.js';
import { group } from './control.js';
import { NOT_DIFFERENTIABLE, defineOps, type InferArgs, type LowerContext, type OpDef, type OpTable } from './registry.js';

function inferAssign(mode: number) {
  return ({ type, inputs: [ref, value], describe }: InferArgs) => {
    if (value.dtype !== ref.dtype) {
      throw new TypeError(`Input 'value' of '${type}' Op has type ${value.dtype.name} that does not match type ${ref.dtype.name} of argument 'ref'.`);
    }
    if (mode !== AssignMode.Assign) checkDType(ref, NUMERIC, 'ref');
    if (!isCompatible(ref.shape, value.shape)) {
      throw new InvalidArgumentError(`${type} requires shapes of both tensors to match. lhs shape= ${formatShape(ref.shape)} rhs shape= ${formatShape(value.shape)} for ${describe()}`);
    }
    return [{ dtype: ref.dtype, shape: ref.shape }];
  };
}

function assignOp(mode: number): OpDef {
  return {
    infer: inferAssign(mode),
    refInputs: [0],
    gradient: NOT_DIFFERENTIABLE,
    lower: (ctx: LowerContext) => {
      const variable = ctx.variable(ctx.op.inputs[0].op.getAttr<number>('slot'));
      const outputs = ctx.isUsed(0) ? [ctx.output(0)] : [];
      ctx.emit(Kernel.VarAssign, [ctx.input(1)], outputs, [variable, mode]);
    },
  };
}

const stateOps = {
  VariableV2: {
    infer: ({ attrs }) => [{ dtype: toDType(attrs.dtype as DTypeLike), shape: attrs.shape as number[] }],
    // Read when something uses the value; Assign takes the variable by reference.
    lower: (ctx) => {
      if (!ctx.isUsed(0)) return;
      ctx.emit(Kernel.VarRead, [], [ctx.output(0)], [ctx.variable(ctx.op.getAttr<number>('slot'))]);
    },
    gradient: NOT_DIFFERENTIABLE,
  },
  Assign: assignOp(AssignMode.Assign),
  AssignAdd: assignOp(AssignMode.Add),
  AssignSub: assignOp(AssignMode.Sub),
} satisfies OpTable;

defineOps(stateOps);

export interface VariableOptions {
  name?: string;
  dtype?: DTypeLike;
  trainable?: boolean;
}

const variablesByGraph = new WeakMap<Graph, Variable[]>();

/** A graph's variables in creation order; a variable's slot is its index here. */
export function graphVariables(graph: Graph): Variable[] {
  let list = variablesByGraph.get(graph);
  if (!list) variablesByGraph.set(graph, (list = []));
  return list;
}

export class Variable implements TensorConvertible {
  /** The VariableV2 op; its output is the variable itself (`foo:0`). */
  readonly op: Operation;
  readonly initialValue: Tensor;
  /** The `foo/Assign` op that sets the initial value. */
  readonly initializer: Operation;
  readonly trainable: boolean;
  private readonly snapshot: Tensor;

  constructor(initialValue: TensorLike, options: VariableOptions = {}) {
    const { name = 'Variable', trainable = true } = options;
    const dtype = options.dtype === undefined ? undefined : toDType(options.dtype);
    const graph = initialValue instanceof Tensor ? initialValue.graph : getDefaultGraph();
    const built = graph.asDefault(() => graph.controlDependencies(null, () => graph.nameScope(name, (scope) => {
      const init = toTensor(initialValue, dtype, graph, 'initial_value');
      if (dtype && init.dtype !== dtype) throw new TypeError(`Initial value has dtype ${init.dtype.name} but the variable's dtype is ${dtype.name}.`);
      if (!isFullyDefined(init.shape)) {
        throw new InvalidArgumentError(`initial_value must have a shape specified: ${init.toString()}`);
      }
      const slot = graphVariables(graph).length;
      const op = makeOp('VariableV2', [], { dtype: init.dtype.name, shape: init.shape, slot }, { name: scope });
      const initializer = makeOp('Assign', [op.outputs[0], init], {}, { name: 'Assign' });
      const snapshot = makeTensor('Identity', [op.outputs[0]], {}, 'read');
      return { init, op, initializer, snapshot };
    })));
    this.op = built.op;
    this.initialValue = built.init;
    this.initializer = built.initializer;
    this.snapshot = built.snapshot;
    this.trainable = trainable;
    graphVariables(graph).push(this);
    graph.addToCollection(GraphKeys.GLOBAL_VARIABLES, this);
    if (trainable) graph.addToCollection(GraphKeys.TRAINABLE_VARIABLES, this);
  }

  /** `foo:0`, the variable's own tensor name. */
  get name(): string { return this.op.outputs[0].name; }
  get dtype(): DType { return this.op.outputs[0].dtype; }
  get shape(): Shape { return this.op.outputs[0].shape; }
  get graph(): Graph { return this.op.graph; }
  /** The variable itself as a tensor (what a fetch of the variable reads). */
  get ref(): Tensor { return this.op.outputs[0]; }

  /** The `foo/read` snapshot: the value that ops using this variable see. */
  value(): Tensor { return this.snapshot; }
  toTensor(): Tensor { return this.snapshot; }
  /** A fresh read, ordered after any control dependencies in scope. */
  readValue(): Tensor { return makeTensor('Identity', [this.ref], {}, 'read'); }

  assign(value: TensorLike, name = 'Assign'): Tensor { return this.update('Assign', value, name); }
  assignAdd(delta: TensorLike, name = 'AssignAdd'): Tensor { return this.update('AssignAdd', delta, name); }
  assignSub(delta: TensorLike, name = 'AssignSub'): Tensor { return this.update('AssignSub', delta, name); }

  private update(type: string, value: TensorLike, name: string): Tensor {
    return makeTensor(type, [this.ref, toTensor(value, this.dtype, this.graph)], {}, name);
  }

  toString(): string {
    return `<tf.Variable '${this.name}' shape=${formatShapeTuple(this.shape)} dtype=${this.dtype.name}_ref>`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

export function globalVariables(graph: Graph = getDefaultGraph()): Variable[] {
  return graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES);
}

export function trainableVariables(graph: Graph = getDefaultGraph()): Variable[] {
  return graph.getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES);
}

/** One op that runs the initializers of `variables`. */
export function variablesInitializer(variables: readonly Variable[], name = 'init'): Operation {
  return group(variables.map((v) => v.initializer), { name });
}

export function globalVariablesInitializer(): Operation {
  return variablesInitializer(globalVariables(), 'init');
}

/** TensorFlow 1's older name for globalVariablesInitializer. */
export const initializeAllVariables = globalVariablesInitializer;
