/**
 * sessionflow for Node: the native addon, with WebAssembly as the fallback.
 * Sessions can be created right away (`await tf.ready()` also works).
 *
 *   import * as tf from 'sessionflow';
 *   const graph = new tf.Graph();
 *   const { v, init } = graph.asDefault(() => {
 *     const v = new tf.Variable(42, { name: 'foo' });
 *     return { v, init: tf.globalVariablesInitializer() };
 *   });
 *   using sess = new tf.Session({ graph });
 *   sess.run(init);
 *   console.log(sess.run(v)); // 42
 */
import './runtime/node-backends.js';

export * from './api.js';
