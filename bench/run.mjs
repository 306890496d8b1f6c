// sessionflow's benchmarks, with peers side by side.
//   npm run bench                                   # everything installed
//   npm run bench -- --only matmul --engines native,wasm
//   npm run bench -- --threads 1 --quick --no-save
//   npm run bench -- --only fused_chain --rounds 5   # median of 5 fresh processes per engine
// Each engine at each thread setting runs in its own process (bench/worker.mjs);
// outputs are checked against a float64 reference before anything is timed.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { aliases, engines } from './engines/index.mjs';
import { selectCases, workloads } from './workloads/index.mjs';
import { hasPeer, loadBenchmark } from './lib/peers.mjs';
import { machineInfo } from './lib/machine.mjs';
import { attachRatios } from './report/compare.mjs';
import { mergeRounds } from './report/rounds.mjs';
import { renderTable } from './report/table.mjs';
import { formatTime } from './report/format.mjs';
import { renderSvg } from './report/svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const HELP = `usage: npm run bench -- [options]
  --only LIST      workloads or cases: ${workloads.map((w) => w.name).join(', ')} (or a case id like matmul_1024_tb)
  --engines LIST   ${engines.map((e) => e.id).join(', ')}; or native, wasm, sessionflow, ort, tfjs, peers
  --threads LIST   1, all (default both; 'all' is the engine's default or every core)
  --quick          short timings, for a smoke run
  --rounds N       run every engine N times, each in a fresh process, interleaved;
                   report the round with the median median (default 1)
  --no-save        print only; do not write bench/results/
  --verbose        show the engines' own output`;

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', default: '' }, engines: { type: 'string', default: '' }, threads: { type: 'string', default: '1,all' },
    quick: { type: 'boolean', default: false }, rounds: { type: 'string', default: '1' }, 'no-save': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  },
});
if (opts.help) { console.log(HELP); process.exit(0); }

const rounds = Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 1) { console.error(`--rounds takes a positive integer, got ${opts.rounds}\n${HELP}`); process.exit(2); }
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const cases = selectCases(list(opts.only));
const threadModes = list(opts.threads);
const wanted = new Set(list(opts.engines).flatMap((name) => [aliases[name] ?? name].flat()));
const unknown = [...wanted].filter((id) => !engines.some((e) => e.id === id));
if (unknown.length || !cases.length) { console.error(`${unknown.length ? `unknown engine ${unknown.join(', ')}` : 'no case matches --only'}\n${HELP}`); process.exit(2); }

try { loadBenchmark(); } catch (e) { console.error(e.message); process.exit(1); }

const chosen = engines.filter((e) => !wanted.size || wanted.has(e.id));
const missing = [...new Set(chosen.flatMap((e) => e.packages).filter((p) => !hasPeer(p)))];
const runnable = chosen.filter((e) => e.packages.every(hasPeer));

function log(line) { process.stderr.write(`${line}\n`); }

/** Runs one engine at one thread setting over its cases in a child process. */
function runWorker(engine, threads, caseIds) {
  return new Promise((resolve) => {
    const results = [];
    const child = fork(join(here, 'worker.mjs'), [JSON.stringify({ engine: engine.id, threads, cases: caseIds, quick: opts.quick })],
      { stdio: opts.verbose ? 'inherit' : ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    child.stdout?.on('data', (d) => { output += d; });
    child.stderr?.on('data', (d) => { output += d; });
    child.on('message', (m) => {
      results.push(m);
      const s = m.stats;
      const unit = cases.find((c) => c.id === m.case).timeUnit;
      log(`  ${m.case.padEnd(16)} ${m.status === 'ok' ? `median ${formatTime(s.median, unit)} ±${s.rme.toFixed(1)}% (${s.samples} samples)` : `${m.status}: ${m.detail}`}`);
    });
    child.on('exit', (code) => {
      const done = new Set(results.map((r) => r.case));
      for (const id of caseIds.filter((c) => !done.has(c))) {
        results.push({ case: id, status: 'error', detail: `worker exited with code ${code}${output ? `: ${output.trim().split('\n').slice(-3).join(' | ')}` : ''}` });
      }
      resolve(results);
    });
  });
}

const machine = machineInfo();
log(`sessionflow bench on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
for (const w of workloads.filter((w) => w.pending)) log(`(${w.name}: not yet — ${w.pending})`);
if (missing.length) log(`peers missing: ${missing.join(', ')} — install them with \`npm run bench:peers\` (npm --prefix bench/peers install); running without them`);

// Every (engine, threads) worker once per round; later rounds alternate the
// order, so no engine always runs first (or last) on a machine that drifts.
const jobs = runnable.flatMap((engine, order) => {
  const mine = cases.filter((c) => engine.kinds.includes(c.kind)).map((c) => c.id);
  return mine.length ? engine.threadModes.filter((t) => threadModes.includes(t)).map((threads) => ({ engine, order, threads, mine })) : [];
});
const perRound = [];
for (let round = 0; round < rounds; round++) {
  const results = [];
  for (const { engine, order, threads, mine } of round % 2 ? [...jobs].reverse() : jobs) {
    log(`${engine.label}, ${threads === 'all' ? 'all cores' : '1 thread'}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}:`);
    for (const r of await runWorker(engine, threads, mine)) {
      results.push({ ...r, engine: engine.id, label: engine.label, peer: engine.peer, threads, order });
    }
  }
  perRound.push(results);
}
const results = mergeRounds(perRound)
  .sort((a, b) => a.order - b.order || threadModes.indexOf(a.threads) - threadModes.indexOf(b.threads))
  .map((r) => {
    const kase = cases.find((c) => c.id === r.case);
    return { ...r, workload: kase.workload, figure: r.status === 'ok' ? kase.figure(r.stats.median) : null };
  });
attachRatios(results);

console.log(`\n${renderTable(cases, results)}\n`);
if (missing.length) console.log(`Peers not installed: ${missing.join(', ')}. Run \`npm run bench:peers\` to compare against them.`);
console.log('Ratios compare each engine with the fastest peer at the same thread setting (sessionflow native when no peer ran).');

if (!opts['no-save']) {
  const partial = opts.only || opts.engines || opts.quick || opts.threads !== '1,all';
  const stem = new Date().toISOString().slice(0, 10) + (partial ? '-partial' : '');
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const report = {
    date: new Date().toISOString(), machine, options: opts, missingPeers: missing,
    pending: workloads.filter((w) => w.pending).map((w) => ({ workload: w.name, why: w.pending })),
    cases: cases.map(({ id, workload, kind, params, timeUnit, bench }) => ({ id, workload, kind, params, timeUnit, bench })),
    results,
  };
  writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(report, null, 1)}\n`);
  const subtitle = `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${report.date.slice(0, 10)} — bar length: speed relative to the fastest (longer is faster)`;
  writeFileSync(join(dir, `${stem}.svg`), renderSvg(cases, results, { title: 'sessionflow and peers', subtitle }));
  console.log(`wrote bench/results/${stem}.json and ${stem}.svg`);
}
