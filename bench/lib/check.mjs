// Compares an engine's output with the float64 reference before it is timed:
// |actual - expected| ≤ atol + rtol·|expected|, atol scaled by the output's size.
const RTOL = 1e-3;
const ATOL = 2e-4;

export function compare(actual, { values, at = null }) {
  const count = at ? at.length : values.length;
  const expectedLength = at ? null : values.length;
  if (expectedLength !== null && actual.length !== expectedLength) {
    return { ok: false, detail: `output has ${actual.length} values, expected ${expectedLength}` };
  }
  let scale = 1;
  for (let i = 0; i < count; i++) scale = Math.max(scale, Math.abs(values[i]));
  let worst = { err: 0, index: -1 };
  for (let i = 0; i < count; i++) {
    const index = at ? at[i] : i;
    const got = actual[index];
    const err = Math.abs(got - values[i]);
    if (!(err <= ATOL * scale + RTOL * Math.abs(values[i]))) {
      return { ok: false, detail: `output[${index}] = ${got}, expected ${values[i]} (error ${err.toExponential(2)})` };
    }
    if (err > worst.err) worst = { err, index };
  }
  return { ok: true, maxError: worst.err };
}
