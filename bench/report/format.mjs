// Number formatting shared by the table and the chart.
export function formatTime(seconds, unit) {
  const value = unit === 'us' ? seconds * 1e6 : seconds * 1e3;
  const digits = value >= 100 ? 1 : value >= 10 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit === 'us' ? 'µs' : 'ms'}`;
}

export function formatFigure(figure) {
  if (!figure) return '';
  const digits = figure.value >= 100 ? 0 : figure.value >= 10 ? 1 : 2;
  return `${figure.value.toFixed(digits)} ${figure.unit}`;
}

/** "1.8× faster", "3.2× slower" or "same", from baseline time / time. */
export function formatRatio(speedup) {
  if (speedup === null) return '';
  if (Math.abs(speedup - 1) < 0.005) return '1.00×';
  return speedup > 1 ? `${speedup.toFixed(2)}× faster` : `${(1 / speedup).toFixed(2)}× slower`;
}

export const threadLabel = (threads) => (threads === 'all' ? 'all cores' : '1 thread');
