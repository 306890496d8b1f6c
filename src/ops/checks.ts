/**
 * Shared construction-time checks with TensorFlow's messages.
 */
import { bool, float32, int32, type DType } from '../graph/dtypes.js';
import type { InputSpec } from './registry.js';

export const FLOAT: readonly DType[] = [float32];
export const NUMERIC: readonly DType[] = [float32, int32];
export const ALL: readonly DType[] = [float32, int32, bool];
export const BOOL: readonly DType[] = [bool];

export function checkDType(input: InputSpec, allowed: readonly DType[], parameter = 'x'): void {
  if (!allowed.includes(input.dtype)) {
    throw new TypeError(`Value passed to parameter '${parameter}' has DataType ${input.dtype.name} not in list of allowed values: ${allowed.map((d) => d.name).join(', ')}`);
  }
}

export function checkSameDType(inputs: readonly InputSpec[], type: string, names = ['x', 'y', 'z']): void {
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].dtype !== inputs[0].dtype) {
      throw new TypeError(`Input '${names[i]}' of '${type}' Op has type ${inputs[i].dtype.name} that does not match type ${inputs[0].dtype.name} of argument '${names[0]}'.`);
    }
  }
}
