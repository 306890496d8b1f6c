/**
 * `tf.train`: optimizers and the global step.
 */
export {
  Optimizer, GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer,
  createGlobalStep, getGlobalStep, getOrCreateGlobalStep, type GradAndVar, type MinimizeOptions,
} from './optimizers.js';
