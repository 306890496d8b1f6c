/**
 * Variable initializers: functions from (shape, dtype) to the initial-value
 * tensor, as TensorFlow's `tf.*_initializer` objects.
 *
 *   tf.getVariable('w', { shape: [784, 256], initializer: tf.glorotUniformInitializer() })
 */
import { float32, toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import type { Tensor } from '../graph/tensor.js';
import { fill, ones, zeros } from './array.js';
import { constantTensor } from './build.js';
import { randomNormal, randomUniform, truncatedNormal } from './random.js';

export type Initializer = (shape: number[], dtype?: DTypeLike) => Tensor;

const dtypeOf = (dtype: DTypeLike | undefined, fallback: DType = float32) => (dtype === undefined ? fallback : toDType(dtype));

export function zerosInitializer(dtype?: DTypeLike): Initializer {
  return (shape, d) => zeros(shape, dtypeOf(d ?? dtype));
}

export function onesInitializer(dtype?: DTypeLike): Initializer {
  return (shape, d) => ones(shape, dtypeOf(d ?? dtype));
}

export function constantInitializer(value: number, dtype?: DTypeLike): Initializer {
  return (shape, d) => fill(shape, constantTensor(value, dtypeOf(d ?? dtype)));
}

export function randomUniformInitializer(minval = -0.05, maxval = 0.05, seed?: number): Initializer {
  return (shape, dtype) => randomUniform(shape, { minval, maxval, seed, dtype: dtypeOf(dtype) });
}

export function randomNormalInitializer(mean = 0, stddev = 0.05, seed?: number): Initializer {
  return (shape, dtype) => randomNormal(shape, { mean, stddev, seed, dtype: dtypeOf(dtype) });
}

export function truncatedNormalInitializer(mean = 0, stddev = 0.05, seed?: number): Initializer {
  return (shape, dtype) => truncatedNormal(shape, { mean, stddev, seed, dtype: dtypeOf(dtype) });
}

/** Fan-in and fan-out as TensorFlow computes them (the last two dims, times the receptive field). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((n, d) => n * d, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Glorot (Xavier) uniform: U(-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniformInitializer(seed?: number): Initializer {
  return (shape, dtype) => {
    const [fanIn, fanOut] = fans(shape);
    const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
    return randomUniform(shape, { minval: -limit, maxval: limit, seed, dtype: dtypeOf(dtype) });
  };
}

/** Glorot normal: truncated normal with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796 (the truncation's correction). */
export function glorotNormalInitializer(seed?: number): Initializer {
  return (shape, dtype) => {
    const [fanIn, fanOut] = fans(shape);
    const stddev = Math.sqrt(2 / Math.max(1, fanIn + fanOut)) / 0.87962566103423978;
    return truncatedNormal(shape, { stddev, seed, dtype: dtypeOf(dtype) });
  };
}
