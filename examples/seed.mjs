// The seed walkthrough (shared/seed/graphs-and-sessions.txt) in sessionflow:
// a graph holds no values; each session holds its own.
//   npm run demo                          # native addon, wasm when it is not built
//   SESSIONFLOW_BACKEND=wasm npm run demo # force the WebAssembly backend
import * as tf from 'sessionflow';

const graph = new tf.Graph();
const { variable, initialize, assign } = graph.asDefault(() => {
  const variable = new tf.Variable(42, { name: 'foo' });
  const initialize = tf.initializeAllVariables();
  const assign = variable.assign(13);
  return { variable, initialize, assign };
});

function withSession(body) {
  const sess = new tf.Session({ graph });
  try {
    return body(sess);
  } finally {
    sess.close();
  }
}

console.error(`(running on the ${withSession((sess) => sess.backend)} backend)`);

withSession((sess) => {
  sess.run(initialize);
  sess.run(assign);
  console.log(sess.run(variable)); // 13
});

withSession((sess) => {
  try {
    console.log(sess.run(variable));
  } catch (error) {
    // FailedPreconditionError: Attempting to use uninitialized value foo
    console.log(`${error.name}: ${error.message.split('\n')[0]}`);
  }
});

withSession((sess) => {
  sess.run(initialize);
  console.log(sess.run(variable)); // 42
});
