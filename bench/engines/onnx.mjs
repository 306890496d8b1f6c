// onnxruntime-node (its C++ CPU provider) and onnxruntime-web (its wasm
// build, run in Node) share one API: only loading and thread options differ.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { buildModel, modelInputs, onnxKinds } from '../onnx/models.mjs';
import { requirePeer } from '../lib/peers.mjs';

function makeOrtEngine({ id, label, pkg, threadModes, load, sessionOptions }) {
  return {
    id,
    label,
    peer: true,
    packages: [pkg],
    threadModes,
    kinds: onnxKinds,
    async prepare(kase, data, threads) {
      const ort = await load(threads);
      const session = await ort.InferenceSession.create(buildModel(kase, data), {
        graphOptimizationLevel: 'all',
        ...sessionOptions(threads),
      });
      const inputs = modelInputs(kase, data);
      return {
        // A feed is a fresh ort.Tensor over the caller's array, as a user would pass it.
        run: async () => {
          const feeds = Object.fromEntries(inputs.map(([name, values, dims]) => [name, new ort.Tensor('float32', values, dims)]));
          const out = await session.run(feeds);
          return out.y.data;
        },
        close: () => session.release(),
      };
    },
  };
}

export const onnxNode = makeOrtEngine({
  id: 'onnx-node',
  label: 'onnxruntime-node',
  pkg: 'onnxruntime-node',
  threadModes: ['1', 'all'],
  load: async () => requirePeer('onnxruntime-node'),
  // intraOpNumThreads 0 is onnxruntime's default: one thread per physical core.
  sessionOptions: (threads) => ({ intraOpNumThreads: threads === 'all' ? 0 : 1, interOpNumThreads: 1, executionMode: 'sequential' }),
});

let webOrt = null;
export const onnxWeb = makeOrtEngine({
  id: 'onnx-web',
  label: 'onnxruntime-web',
  pkg: 'onnxruntime-web',
  threadModes: ['1', 'all'],
  // numThreads is read once, when the wasm module starts: one process per thread mode.
  // Its default is half the cores, so 'all' asks for every core explicitly.
  load: async (threads) => {
    if (!webOrt) {
      webOrt = await import(pathToFileURL(requirePeer.resolve('onnxruntime-web')).href);
      webOrt.env.wasm.numThreads = threads === 'all' ? availableParallelism() : 1;
      webOrt.env.logLevel = 'error';
    }
    return webOrt;
  },
  sessionOptions: () => ({ executionProviders: ['wasm'] }),
});
