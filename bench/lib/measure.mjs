// Times one function with benchmark.js and returns plain statistics in
// seconds per run. Async functions (onnxruntime's run) use deferred mode.
import { loadBenchmark } from './peers.mjs';

const Benchmark = loadBenchmark();

function median(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function measure(name, fn, isAsync, options) {
  return new Promise((resolve, reject) => {
    const body = isAsync
      ? { defer: true, fn: (deferred) => { fn().then(() => deferred.resolve(), (e) => { failure = e; deferred.resolve(); }); } }
      : { fn };
    let failure = null;
    const bench = new Benchmark(name, {
      ...body,
      initCount: 1,
      ...options,
      onComplete: () => {
        if (failure || bench.error) return reject(failure ?? bench.error);
        const sample = [...bench.stats.sample].sort((a, b) => a - b);
        resolve({
          median: median(sample),
          mean: bench.stats.mean,
          rme: bench.stats.rme,
          deviation: bench.stats.deviation,
          min: sample[0],
          max: sample.at(-1),
          samples: sample.length,
          runsPerSample: bench.count,
          sample: bench.stats.sample,
        });
      },
    });
    bench.run({ async: true });
  });
}
