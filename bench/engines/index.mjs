// Every engine the bench knows, sessionflow first, then the peers. Each has
// the same shape: { id, label, peer, packages, threadModes, kinds,
// prepare(case, data, threads) → { run() → output (or a promise of it), close() } }.
import { sessionflowNative, sessionflowWasm } from './sessionflow.mjs';
import { onnxNode, onnxWeb } from './onnx.mjs';
import { tfjsCpu, tfjsWasm } from './tfjs.mjs';

export const engines = [sessionflowNative, sessionflowWasm, onnxNode, onnxWeb, tfjsCpu, tfjsWasm];

/** Short names accepted by --engines. */
export const aliases = {
  native: 'sessionflow-native', wasm: 'sessionflow-wasm', sessionflow: ['sessionflow-native', 'sessionflow-wasm'],
  ort: ['onnx-node', 'onnx-web'], 'ort-node': 'onnx-node', 'ort-web': 'onnx-web', onnx: ['onnx-node', 'onnx-web'],
  tfjs: ['tfjs-cpu', 'tfjs-wasm'], peers: ['onnx-node', 'onnx-web', 'tfjs-cpu', 'tfjs-wasm'],
};

export const engineById = (id) => engines.find((e) => e.id === id);
