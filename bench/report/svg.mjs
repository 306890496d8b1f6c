// One SVG bar chart for a whole run, written by hand: a group per case, a bar
// per engine and thread setting. Bar length is speed relative to the fastest
// result of that case (longer is faster); the label gives the median time.
import { formatFigure, formatTime, threadLabel } from './format.mjs';

const COLORS = {
  'sessionflow-native': '#d9480f', 'sessionflow-wasm': '#f08c00',
  'onnx-node': '#1971c2', 'onnx-web': '#74c0fc', 'tfjs-cpu': '#2f9e44', 'tfjs-wasm': '#8ce99a',
};
const WIDTH = 960;
const LABEL_W = 250;
const BAR_MAX = 470;
const BAR_H = 16;
const GAP = 4;

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x, y, s, attrs = '') => `<text x="${x}" y="${y}" ${attrs}>${escape(s)}</text>`;

function group(kase, results, y) {
  const ok = results.filter((r) => r.status === 'ok');
  const best = Math.min(...ok.map((r) => r.stats.median));
  const parts = [text(10, y + 14, kase.id, 'font-weight="bold" font-size="14"')];
  y += 22;
  for (const r of results) {
    const label = `${r.label} · ${threadLabel(r.threads)}`;
    parts.push(text(LABEL_W - 8, y + BAR_H - 4, label, 'text-anchor="end"'));
    if (r.status === 'ok') {
      const w = Math.max(1, (best / r.stats.median) * BAR_MAX);
      const figure = formatFigure(r.figure);
      parts.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[r.engine] ?? '#868e96'}"/>`);
      parts.push(text(LABEL_W + w + 6, y + BAR_H - 4, `${formatTime(r.stats.median, kase.timeUnit)}${figure ? ` · ${figure}` : ''}`));
    } else {
      parts.push(text(LABEL_W, y + BAR_H - 4, r.status === 'mismatch' ? 'wrong output: not timed' : `error: ${r.detail.slice(0, 90)}${r.detail.length > 90 ? '…' : ''}`, 'fill="#c92a2a"'));
    }
    y += BAR_H + GAP;
  }
  return { svg: parts.join('\n'), y: y + 12 };
}

export function renderSvg(cases, results, { title, subtitle }) {
  const body = [];
  let y = 58;
  for (const kase of cases) {
    const mine = results.filter((r) => r.case === kase.id).sort((a, b) => a.threads.localeCompare(b.threads) || a.order - b.order);
    if (!mine.length) continue;
    const g = group(kase, mine, y);
    body.push(g.svg);
    y = g.y;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" viewBox="0 0 ${WIDTH} ${y + 10}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(10, 22, title, 'font-weight="bold" font-size="16"'),
    text(10, 40, subtitle, 'fill="#495057"'),
    ...body,
    '</svg>',
  ].join('\n');
}
