/**
 * `tf.nn`: activations (more of the family arrives with training).
 *
 *   const h = tf.nn.relu(tf.matmul(x, w));
 */
export { relu, relu6, elu, softplus, sigmoid, tanh } from './math.js';
