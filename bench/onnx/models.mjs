// The ONNX models the peers run, built in code from a case's params and data
// (no model files). Inputs are fed; weights are initializers, the ONNX
// equivalent of sessionflow's variables.
import { graph, model, node, tensor, valueInfo } from './proto.mjs';

const scalar = (name, v) => tensor(name, [], Float32Array.of(v));

const builders = {
  overhead: () => ({
    nodes: [node('Add', ['x', 'one'], ['y'])],
    initializers: [scalar('one', 1)],
    inputs: [valueInfo('x', [])],
  }),
  fused_chain: ({ n }) => ({
    nodes: [
      node('Mul', ['x', 'c1_5'], ['x15']), node('Add', ['x15', 'c0_5'], ['x15p']), node('Tanh', ['x15p'], ['t']),
      node('Sigmoid', ['x'], ['s']), node('Mul', ['t', 's'], ['ts']), node('Mul', ['x', 'c0_25'], ['xq']),
      node('Sub', ['ts', 'xq'], ['y']),
    ],
    initializers: [scalar('c1_5', 1.5), scalar('c0_5', 0.5), scalar('c0_25', 0.25)],
    inputs: [valueInfo('x', [n])],
  }),
  // MatMul has no transpose attribute; Gemm's transB is ONNX's way to say it.
  matmul: ({ n, transposeB }, { b }) => ({
    nodes: [transposeB ? node('Gemm', ['a', 'b'], ['y'], { transB: 1 }) : node('MatMul', ['a', 'b'], ['y'])],
    initializers: [tensor('b', [n, n], b)],
    inputs: [valueInfo('a', [n, n])],
  }),
  mlp_infer: ({ sizes }, { layers }) => {
    const nodes = [];
    const initializers = [];
    let h = 'x';
    layers.forEach(({ w, b, fanIn, fanOut }, i) => {
      initializers.push(tensor(`w${i}`, [fanIn, fanOut], w), tensor(`b${i}`, [fanOut], b));
      nodes.push(node('Gemm', [h, `w${i}`, `b${i}`], [`z${i}`]));
      h = `z${i}`;
      if (i + 1 < layers.length) { nodes.push(node('Relu', [h], [`h${i}`])); h = `h${i}`; }
    });
    nodes.push(node('Softmax', [h], ['y'], { axis: -1 }));
    return { nodes, initializers, inputs: [valueInfo('x', [null, sizes[0]])] };
  },
};

export const onnxKinds = Object.keys(builders);

/** ONNX ModelProto bytes for a case; its single output is named 'y'. */
export function buildModel(kase, data) {
  const g = builders[kase.kind](kase.params, data);
  return model(graph({ name: kase.id, ...g, outputs: [valueInfo('y', outputShape(kase))] }));
}

function outputShape({ kind, params }) {
  switch (kind) {
    case 'overhead': return [];
    case 'fused_chain': return [params.n];
    case 'matmul': return [params.n, params.n];
    case 'mlp_infer': return [null, params.sizes.at(-1)];
  }
  throw new Error(`no ONNX model for ${kind}`);
}

/** The fed inputs of a case as [name, data, dims]. */
export function modelInputs({ kind, params }, data) {
  switch (kind) {
    case 'overhead': return [['x', data.x, []]];
    case 'fused_chain': return [['x', data.x, [params.n]]];
    case 'matmul': return [['a', data.a, [params.n, params.n]]];
    case 'mlp_infer': return [['x', data.x, [params.batch, params.sizes[0]]]];
  }
  throw new Error(`no ONNX inputs for ${kind}`);
}
