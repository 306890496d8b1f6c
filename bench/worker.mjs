// One engine at one thread setting, in its own process (engines fix their
// thread count when they start, and keep global state): for each case, build
// the inputs, check the output against the float64 reference, then time it.
// Started by run.mjs: node bench/worker.mjs '{"engine":"onnx-node","threads":"1","cases":["matmul_256"]}'
import { engineById } from './engines/index.mjs';
import { selectCases } from './workloads/index.mjs';
import { compare } from './lib/check.mjs';
import { measure } from './lib/measure.mjs';

const { engine: engineId, threads, cases: caseIds, quick } = JSON.parse(process.argv[2]);
const engine = engineById(engineId);
const send = (message) => new Promise((resolve) => process.send(message, resolve));

/** Fewer samples (3 at least) for an engine so slow that minSamples runs would take over 3× maxTime. */
function budgeted(bench, secondsPerRun) {
  const affordable = Math.floor((3 * bench.maxTime) / secondsPerRun);
  return { ...bench, minSamples: Math.max(3, Math.min(bench.minSamples, affordable)) };
}

async function runCase(kase) {
  const data = kase.data();
  const expected = kase.reference(data);
  const prepared = await engine.prepare(kase, data, threads);
  try {
    let maxError = 0;
    const started = performance.now();
    for (const [i, want] of expected.entries()) {
      const verdict = compare(await prepared.run(), want);
      if (!verdict.ok) return { status: 'mismatch', detail: expected.length > 1 ? `run ${i + 1}: ${verdict.detail}` : verdict.detail };
      maxError = Math.max(maxError, verdict.maxError);
    }
    const probe = prepared.run();
    const isAsync = probe instanceof Promise;
    if (isAsync) await probe;
    const options = quick ? { maxTime: 0.3, minSamples: 3 } : budgeted(kase.bench, (performance.now() - started) / 1000 / expected.length);
    const stats = await measure(`${engineId} ${kase.id}`, prepared.run, isAsync, options);
    return { status: 'ok', maxError, stats };
  } finally {
    await prepared.close();
  }
}

for (const kase of selectCases(caseIds)) {
  let result;
  try {
    result = await runCase(kase);
  } catch (e) {
    result = { status: 'error', detail: String(e?.message ?? e).split('\n')[0] };
  }
  await send({ case: kase.id, ...result });
}
process.exit(0);
