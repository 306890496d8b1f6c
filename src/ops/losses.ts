/**
 * `tf.losses`: scalar training losses.
 *
 *   const loss = tf.losses.meanSquaredError(labels, predictions);
 */
import { float32 } from '../graph/dtypes.js';
import type { Tensor } from '../graph/tensor.js';
import { toTensor, toTensorPair } from './build.js';
import type { TensorLike } from './convert.js';
import { cast, div, maximum, mul, notEqual, squaredDifference } from './math.js';
import { reduceMean, reduceSum } from './reduce.js';
import { broadcastToShapeOf } from './shape-helpers.js';

/**
 * Mean of (labels - predictions)^2. With `weights` (broadcast to the errors), the
 * weighted sum divided by the number of non-zero weights, as TensorFlow's default
 * SUM_BY_NONZERO_WEIGHTS reduction.
 */
export function meanSquaredError(labels: TensorLike, predictions: TensorLike, weights?: TensorLike): Tensor {
  const [l, p] = toTensorPair(labels, predictions);
  const errors = squaredDifference(p, l);
  if (weights === undefined) return reduceMean(errors, null, false, 'mean_squared_error');
  const w = broadcastToShapeOf(toTensor(weights, float32, l.graph), errors);
  const nonZero = reduceSum(cast(notEqual(w, 0), float32));
  return div(reduceSum(mul(errors, w)), maximum(nonZero, 1), 'mean_squared_error');
}
