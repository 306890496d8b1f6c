// The stdout table: one block per case, rows by thread setting then engine.
import { formatFigure, formatRatio, formatTime, threadLabel } from './format.mjs';

const HEADERS = ['case', 'threads', 'engine', 'median', '±rme', 'throughput', 'vs best peer'];
// With --rounds: how far apart the rounds' medians were, as a share of the one reported.
const ROUNDS_HEADER = 'rounds spread';

function row(r, kase, withRounds) {
  const status = r.status === 'ok' ? null : r.status === 'mismatch' ? `WRONG OUTPUT (not timed): ${r.detail}` : `error: ${r.detail}`;
  if (status) return [kase.id, threadLabel(r.threads), r.label, status, '', '', '', ...(withRounds ? [''] : [])];
  const ratio = r.baseline === r.engine ? `= ${r.baselineKind}` : formatRatio(r.speedup);
  const spread = r.roundMedians ? `${(((Math.max(...r.roundMedians) - Math.min(...r.roundMedians)) / r.stats.median) * 100).toFixed(0)}%` : '';
  return [kase.id, threadLabel(r.threads), r.label, formatTime(r.stats.median, kase.timeUnit),
    `${r.stats.rme.toFixed(1)}%`, formatFigure(r.figure), ratio, ...(withRounds ? [spread] : [])];
}

export function renderTable(cases, results) {
  const withRounds = results.some((r) => r.roundMedians);
  const headers = withRounds ? [...HEADERS, ROUNDS_HEADER] : HEADERS;
  const rows = [];
  for (const kase of cases) {
    const mine = results.filter((r) => r.case === kase.id)
      .sort((a, b) => a.threads.localeCompare(b.threads) || a.order - b.order);
    if (mine.length) rows.push(null, ...mine.map((r) => row(r, kase, withRounds)));
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.filter(Boolean).map((r) => (r[3].startsWith('WRONG') || r[3].startsWith('error')) && i === 3 ? 0 : r[i].length)));
  const line = (cells) => cells.map((c, i) => ((i >= 3 && i <= 5) || headers[i] === ROUNDS_HEADER ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), ...rows.map((r) => (r ? line(r) : rule))].join('\n');
}
