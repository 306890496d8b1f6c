/**
 * The optimizer update ops (TensorFlow's ApplyGradientDescent, ApplyMomentum,
 * ApplyAdam, ApplyRMSProp): each is one fused step that updates a variable and
 * its slots in place. Inputs keep TensorFlow's order; variables come by reference.
 */
import { float32 } from '../graph/dtypes.js';
import { formatShape, isCompatible } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Kernel, UpdateKind } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { makeTensor } from '../ops/build.js';
import { NOT_DIFFERENTIABLE, defineOps, type InferArgs, type OpDef, type OpTable } from '../ops/registry.js';

interface UpdateLayout {
  kind: number;
  /** How many leading inputs are variables (the variable, then its slots). */
  refs: number;
  /** Input positions of the kernel's inputs: grad first, then its hyperparameters. */
  kernelInputs: number[];
}

function update({ kind, refs, kernelInputs }: UpdateLayout): OpDef {
  return {
    refInputs: [...Array(refs).keys()],
    infer: ({ type, inputs, describe }: InferArgs) => {
      const [variable] = inputs;
      for (const [i, t] of inputs.entries()) {
        if (t.dtype !== float32) throw new TypeError(`Input ${i} of '${type}' Op has type ${t.dtype.name}; optimizer updates take float32.`);
      }
      const grad = inputs[kernelInputs[0]];
      if (!isCompatible(variable.shape, grad.shape)) {
        throw new InvalidArgumentError(`var and grad do not have the same shape: ${formatShape(variable.shape)} ${formatShape(grad.shape)} for ${describe()}`);
      }
      return [{ dtype: float32, shape: variable.shape }];
    },
    lower: (ctx) => {
      const vars = ctx.op.inputs.slice(0, refs).map((t) => ctx.variable(t.op.getAttr<number>('slot')));
      const slots = [vars[1] ?? -1, vars[2] ?? -1];
      const outputs = ctx.isUsed(0) ? [ctx.output(0)] : [];
      const flags = ctx.op.getAttr<boolean>('useNesterov') ? 1 : 0;
      ctx.emit(Kernel.ApplyUpdate, kernelInputs.map((i) => ctx.input(i)), outputs, [kind, vars[0], ...slots, flags]);
    },
    gradient: NOT_DIFFERENTIABLE,
  };
}

const trainingOps = {
  // ApplyGradientDescent(var, alpha, delta)
  ApplyGradientDescent: update({ kind: UpdateKind.GradientDescent, refs: 1, kernelInputs: [2, 1] }),
  // ApplyMomentum(var, accum, lr, grad, momentum)
  ApplyMomentum: update({ kind: UpdateKind.Momentum, refs: 2, kernelInputs: [3, 2, 4] }),
  // ApplyAdam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad)
  ApplyAdam: update({ kind: UpdateKind.Adam, refs: 3, kernelInputs: [9, 5, 6, 7, 8, 3, 4] }),
  // ApplyRMSProp(var, ms, mom, lr, rho, momentum, epsilon, grad)
  ApplyRMSProp: update({ kind: UpdateKind.RMSProp, refs: 3, kernelInputs: [7, 3, 4, 5, 6] }),
} satisfies OpTable;

defineOps(trainingOps);

/** Appends an update op; `refs` must be variables' own tensors (VariableV2 outputs). */
export function applyUpdate(type: keyof typeof trainingOps, inputs: Tensor[], refs: number, attrs: { useNesterov?: boolean } = {}, name = type): Tensor {
  for (const t of inputs.slice(0, refs)) {
    if (t.op.type !== 'VariableV2') throw new TypeError(`${type} updates variables: ${t.toString()} is not a variable.`);
  }
  return makeTensor(type, inputs, { useNesterov: attrs.useNesterov ?? false }, name);
}
