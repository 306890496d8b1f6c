// Several rounds of the same run, merged into one result per (case, engine,
// threads). On a shared machine a whole worker process can land on a busy
// core and run uniformly slow (here: 13.5 or 22 ms for the same wasm case),
// which one process's many samples cannot reveal. Rounds start a fresh process
// each time; the reported result is the round with the median median, whole
// (its samples, margin of error and figure stay consistent), plus every
// round's median so the spread is visible.

const key = (r) => `${r.case}\u0000${r.engine}\u0000${r.threads}`;

/** `rounds`: one array of worker results per round, in run order. */
export function mergeRounds(rounds) {
  if (rounds.length === 1) return rounds[0];
  const groups = new Map();
  for (const round of rounds) {
    for (const r of round) {
      if (!groups.has(key(r))) groups.set(key(r), []);
      groups.get(key(r)).push(r);
    }
  }
  return [...groups.values()].map((tries) => {
    const failed = tries.find((r) => r.status !== 'ok');
    if (failed) return failed;
    const byMedian = [...tries].sort((a, b) => a.stats.median - b.stats.median);
    // The lower middle for an even count: a round's own result, never an average of two.
    const chosen = byMedian[(byMedian.length - 1) >> 1];
    return { ...chosen, roundMedians: tries.map((r) => r.stats.median) };
  });
}
