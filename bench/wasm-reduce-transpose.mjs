// Reduce and Transpose throughput of the wasm backend (GB/s of input read, by
// process CPU time, medians): node bench/wasm-reduce-transpose.mjs
import { readFileSync } from 'node:fs';
import { loadKernelSources } from './lib/kernel-sources.mjs';

const { encodePlan, alignUp, loadWasmBackend, createWasmBackend, float32, Kernel, ReduceOp } = await loadKernelSources();
const backend = process.env.SF_BENCH_WASM
  ? createWasmBackend(new WebAssembly.Module(readFileSync(process.env.SF_BENCH_WASM)))
  : loadWasmBackend({ simd: 'baseline' });

function plan(inShape, outShape, kernel, attrs) {
  const n = inShape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(Float32Array.from({ length: n }, (_, i) => Math.sin(i)).buffer);
  const buffers = [{ dtype: float32, shape: inShape, region: 'constant', byteOffset: 0, data },
    { dtype: float32, shape: outShape, region: 'arena', byteOffset: 0 }];
  const arenaBytes = alignUp(outShape.reduce((a, b) => a * b, 4));
  const bytes = encodePlan({ buffers, steps: [{ kernel, inputs: [0], outputs: [1], attrs, opName: 'x' }], vars: [], feeds: [], fetches: [], arenaBytes });
  return { bytes, arenaBytes, feeds: [], fetches: [], n };
}

function measure(label, p) {
  const session = backend.createSession({});
  const loaded = session.loadPlan(p);
  const cpu = [];
  for (let r = 0; r < 60; r++) {
    const c0 = process.cpuUsage();
    session.run(loaded, []);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  session.close();
  cpu.sort((a, b) => a - b);
  const ms = cpu[cpu.length >> 1];
  console.log(`${label}: ${(p.n * 4 / ms / 1e6).toFixed(2)} GB/s (median ${ms.toFixed(3)} ms CPU)`);
}

const N = 1 << 22;
measure('sum [4M] inner=1', plan([N], [], Kernel.Reduce, [ReduceOp.Sum, 1, N, 1]));
measure('sum rows [4096,1024]', plan([4096, 1024], [4096], Kernel.Reduce, [ReduceOp.Sum, 4096, 1024, 1]));
measure('sum cols [4096,1024]', plan([4096, 1024], [1024], Kernel.Reduce, [ReduceOp.Sum, 1, 4096, 1024]));
measure('sum cols [1M,4]', plan([N / 4, 4], [4], Kernel.Reduce, [ReduceOp.Sum, 1, N / 4, 4]));
measure('max cols [4096,1024]', plan([4096, 1024], [1024], Kernel.Reduce, [ReduceOp.Max, 1, 4096, 1024]));
measure('transpose [2048,2048]', plan([2048, 2048], [2048, 2048], Kernel.Transpose, [1, 0]));
measure('transpose [64,256,256] 0,2,1', plan([64, 256, 256], [64, 256, 256], Kernel.Transpose, [0, 2, 1]));
measure('transpose [256,256,64] 2,1,0', plan([256, 256, 64], [64, 256, 256], Kernel.Transpose, [2, 1, 0]));
