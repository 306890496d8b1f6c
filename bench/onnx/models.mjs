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
  // ONNX convolutions are NCHW with OIHW weights. The input is fed as
  // [batch, 1, side, side], the same bytes as NHWC with one channel; filters are
  // transposed once here, and the first dense layer's rows reordered from the
  // NHWC flattening (h, w, c) to ONNX's (c, h, w), so the model computes the same function.
  cnn_infer: ({ side, channels, kernel }, { convs, dense }) => {
    if (channels[0] !== 1) throw new Error('cnn_infer feeds ONNX its NHWC images as NCHW, which needs one input channel');
    const nodes = [];
    const initializers = [];
    const pad = (kernel - 1) / 2;
    let h = 'x';
    convs.forEach(({ w, b, cin, cout }, i) => {
      initializers.push(tensor(`cw${i}`, [cout, cin, kernel, kernel], hwioToOihw(w, kernel, cin, cout)), tensor(`cb${i}`, [cout], b));
      nodes.push(
        node('Conv', [h, `cw${i}`, `cb${i}`], [`c${i}`], { kernel_shape: [kernel, kernel], pads: [pad, pad, pad, pad], strides: [1, 1] }),
        node('Relu', [`c${i}`], [`r${i}`]),
        node('MaxPool', [`r${i}`], [`p${i}`], { kernel_shape: [2, 2], strides: [2, 2] }),
      );
      h = `p${i}`;
    });
    nodes.push(node('Flatten', [h], ['flat'], { axis: 1 }));
    h = 'flat';
    const cells = (side / 4) ** 2;
    dense.forEach(({ w, b, fanIn, fanOut }, i) => {
      const weights = i === 0 ? nhwcRowsToNchw(w, cells, channels[2], fanOut) : w;
      initializers.push(tensor(`w${i}`, [fanIn, fanOut], weights), tensor(`b${i}`, [fanOut], b));
      nodes.push(node('Gemm', [h, `w${i}`, `b${i}`], [`z${i}`]));
      h = `z${i}`;
      if (i + 1 < dense.length) { nodes.push(node('Relu', [h], [`h${i}`])); h = `h${i}`; }
    });
    nodes.push(node('Softmax', [h], ['y'], { axis: -1 }));
    return { nodes, initializers, inputs: [valueInfo('x', [null, 1, side, side])] };
  },
};

/** A filter [k, k, cin, cout] (HWIO) as [cout, cin, k, k] (OIHW). */
function hwioToOihw(w, k, cin, cout) {
  const out = new Float32Array(w.length);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * cin + i) * k + a) * k + b] = w[((a * k + b) * cin + i) * cout + o];
  }
  return out;
}

/** Dense weights whose rows are (cell, channel) in NHWC order, reordered to (channel, cell). */
function nhwcRowsToNchw(w, cells, channels, fanOut) {
  const out = new Float32Array(w.length);
  for (let cell = 0; cell < cells; cell++) for (let c = 0; c < channels; c++) {
    out.set(w.subarray((cell * channels + c) * fanOut, (cell * channels + c + 1) * fanOut), (c * cells + cell) * fanOut);
  }
  return out;
}

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
    case 'cnn_infer': return [null, params.classes];
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
    case 'cnn_infer': return [['x', data.x, [params.batch, 1, params.side, params.side]]];
  }
  throw new Error(`no ONNX inputs for ${kind}`);
}
