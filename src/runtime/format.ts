/**
 * Prints an NDArray as numpy's `str()` does (numpy 1.14+ defaults: precision 8,
 * `maxprec` float mode, line width 75, summarised past 1000 elements with
 * 3 edge items). Scalars print like numpy scalars: `13`, `2.5`, `True`.
 */
import type { NDArray } from './ndarray.js';

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;

type Format = (value: number) => string;

export function formatNDArray(array: NDArray): string {
  const values = Array.from(array.data as ArrayLike<number>);
  if (array.shape.length === 0) return formatScalar(array.dtype, values[0]);
  if (array.size === 0) return '[]';
  const summarise = array.size > THRESHOLD;
  const format = makeFormat(array.dtype, summarise ? shownValues(values, array.shape) : values);
  return formatNested(values, array.shape, format, summarise);
}

function formatScalar(dtype: string, value: number): string {
  if (dtype === 'bool') return value ? 'True' : 'False';
  if (dtype === 'int32') return String(value);
  if (!Number.isFinite(value)) return nonFinite(value);
  const abs = Math.abs(value);
  if (value === 0 || (abs >= 1e-4 && abs < 1e16)) {
    const { int, frac } = positional(value);
    return `${int}.${frac || '0'}`;
  }
  const { mantissa, exponent } = scientific(value);
  return `${mantissa.replace(/\.$/, '')}e${exponent[0]}${exponent.slice(1).padStart(2, '0')}`;
}

function makeFormat(dtype: string, values: number[]): Format {
  if (dtype === 'bool') return (v) => (v ? ' True' : 'False');
  if (dtype === 'int32') {
    const width = Math.max(...values.map((v) => String(v).length));
    return (v) => String(v).padStart(width);
  }
  return floatFormat(values);
}

/** numpy's FloatingFormat in 'maxprec' mode with unique (shortest round-trip) digits. */
function floatFormat(values: number[]): Format {
  const finite = values.filter(Number.isFinite);
  const nonZero = finite.map(Math.abs).filter((v) => v !== 0);
  const max = nonZero.length ? Math.max(...nonZero) : 0;
  const min = nonZero.length ? Math.min(...nonZero) : 0;
  const expFormat = nonZero.length > 0 && (max >= 1e8 || min < 1e-4 || max / min > 1e3);
  const hasNegInf = values.some((v) => v === -Infinity);
  if (expFormat) return expFloatFormat(finite, values.length !== finite.length, hasNegInf);
  const parts = finite.map((v) => positional(v));
  let padLeft = Math.max(0, ...parts.map((p) => p.int.length));
  const padRight = Math.max(0, ...parts.map((p) => p.frac.length));
  if (finite.length !== values.length) padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (hasNegInf ? 1 : 0) - (padRight + 1));
  return (v) => {
    if (!Number.isFinite(v)) return nonFinite(v).padStart(padLeft + padRight + 1);
    const { int, frac } = positional(v);
    return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
  };
}

function expFloatFormat(finite: number[], hasNonFinite: boolean, hasNegInf: boolean): Format {
  const parts = finite.map((v) => scientific(v));
  const precision = Math.max(0, ...parts.map((p) => p.mantissa.split('.')[1].length));
  const expDigits = Math.max(2, ...parts.map((p) => p.exponent.length - 1));
  let padLeft = Math.max(...parts.map((p) => p.mantissa.split('.')[0].length));
  const padRight = expDigits + 2 + precision;
  if (hasNonFinite) padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (hasNegInf ? 1 : 0) - (padRight + 1));
  return (v) => {
    if (!Number.isFinite(v)) return nonFinite(v).padStart(padLeft + padRight + 1);
    // Every element shows `precision` digits: more digits of the exact value
    // when its shortest form is shorter, as numpy's Dragon4 does.
    const { mantissa, exponent } = scientific(v, precision);
    const [int, frac] = mantissa.split('.');
    const exp = exponent[0] + exponent.slice(1).padStart(expDigits, '0');
    return `${int.padStart(padLeft)}.${frac.padEnd(precision, '0')}e${exp}`;
  };
}

function nonFinite(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return v > 0 ? 'inf' : '-inf';
}

/** The shortest decimal digits that read back as the same float32, and the decimal exponent. */
function shortestDigits(value: number): { negative: boolean; digits: string; exponent: number } {
  const negative = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  if (abs === 0) return { negative, digits: '0', exponent: 0 };
  for (let p = 1; p <= 9; p++) {
    const text = abs.toExponential(p - 1);
    if (Math.fround(Number(text)) === Math.fround(abs)) return splitExponential(negative, text);
  }
  return splitExponential(negative, abs.toExponential(8));
}

function splitExponential(negative: boolean, text: string) {
  const [mantissa, exp] = text.split('e');
  return { negative, digits: mantissa.replace('.', '').replace(/0+$/, '') || '0', exponent: Number(exp) };
}

/** Integer and fractional digit strings, at most PRECISION fractional digits, zeros trimmed. */
function positional(value: number): { int: string; frac: string } {
  const { negative, digits, exponent } = shortestDigits(value);
  let int: string;
  let frac: string;
  if (digits.length - exponent - 1 > PRECISION) {
    [int, frac] = Math.abs(value).toFixed(PRECISION).split('.');
  } else {
    const point = exponent + 1;
    const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0');
    int = padded.slice(0, Math.max(point, 1));
    frac = padded.slice(Math.max(point, 1));
  }
  return { int: (negative ? '-' : '') + int, frac: frac.replace(/0+$/, '') };
}

function scientific(value: number, minFractionDigits = 0): { mantissa: string; exponent: string } {
  let { negative, digits, exponent } = shortestDigits(value);
  if (digits.length - 1 < minFractionDigits && value !== 0) {
    ({ digits, exponent } = splitExponential(negative, Math.abs(value).toExponential(minFractionDigits)));
  }
  const mantissa = `${negative ? '-' : ''}${digits[0]}.${digits.slice(1)}`;
  return { mantissa, exponent: (exponent < 0 ? '-' : '+') + String(Math.abs(exponent)) };
}

/** The elements a summarised print shows (edge items of every axis), to size the columns. */
function shownValues(values: number[], shape: readonly number[]): number[] {
  const shown: number[] = [];
  const walk = (dim: number, offset: number) => {
    if (dim === shape.length) { shown.push(values[offset]); return; }
    const stride = shape.slice(dim + 1).reduce((n, d) => n * d, 1);
    for (const i of edgeIndices(shape[dim], true)) walk(dim + 1, offset + i * stride);
  };
  walk(0, 0);
  return shown;
}

function edgeIndices(length: number, summarise: boolean): number[] {
  if (!summarise || length <= 2 * EDGE_ITEMS) return Array.from({ length }, (_, i) => i);
  return [0, 1, 2, length - 3, length - 2, length - 1];
}

/** numpy's _formatArray: nested brackets, hanging indent, wrapping rows at LINE_WIDTH. */
function formatNested(values: number[], shape: readonly number[], format: Format, summarise: boolean): string {
  const recurse = (dim: number, offset: number, indent: string, width: number): string => {
    const length = shape[dim];
    const stride = shape.slice(dim + 1).reduce((n, d) => n * d, 1);
    const showSummary = summarise && length > 2 * EDGE_ITEMS;
    const indices = edgeIndices(length, summarise);
    const nextIndent = indent + ' ';
    let text: string;
    if (dim === shape.length - 1) {
      const words = indices.map((i) => format(values[offset + i]));
      if (showSummary) words.splice(EDGE_ITEMS, 0, '...');
      text = wrapRow(words, indent, width - 1);
    } else {
      const separator = '\n'.repeat(shape.length - dim - 1);
      const rows = indices.map((i) => indent + recurse(dim + 1, offset + i * stride, nextIndent, width - 1));
      if (showSummary) rows.splice(EDGE_ITEMS, 0, indent + '...');
      text = rows.join(separator);
    }
    return '[' + text.slice(indent.length) + ']';
  };
  return recurse(0, 0, ' ', LINE_WIDTH);
}

function wrapRow(words: string[], indent: string, elementWidth: number): string {
  let text = '';
  let line = indent;
  words.forEach((word, i) => {
    if (line.length + word.length > elementWidth && line.length > indent.length) {
      text += line.trimEnd() + '\n';
      line = indent;
    }
    line += word + (i === words.length - 1 ? '' : ' ');
  });
  return text + line;
}
