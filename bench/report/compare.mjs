// Ratios: each result against the fastest peer at the same thread setting on
// the same case, or against sessionflow native when no peer ran there.
export function attachRatios(results) {
  for (const r of results) {
    const same = results.filter((o) => o.case === r.case && o.threads === r.threads && o.status === 'ok');
    const peers = same.filter((o) => o.peer);
    const pool = peers.length ? peers : same.filter((o) => o.engine === 'sessionflow-native');
    const best = pool.reduce((a, b) => (!a || b.stats.median < a.stats.median ? b : a), null);
    r.baseline = best ? best.engine : null;
    r.baselineKind = peers.length ? 'best peer' : 'sessionflow native';
    r.speedup = best && r.status === 'ok' ? best.stats.median / r.stats.median : null;
  }
  return results;
}
